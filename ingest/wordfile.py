"""Reads Word files (.docx) with the standard library: the paragraphs and headings of the main
text and the title, author and date the file carries, or a plain reason why not."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from ingest.pdf import BOMB, PdfText, UnreadablePdf
from ingest.sections import Block, assemble_sections

__all__ = [
    "MAX_ENTRIES",
    "MAX_PART_MB",
    "MAX_RATIO",
    "NOT_WORD",
    "WORD_BOMB",
    "WORD_EMPTY",
    "WORD_ENTITIES",
    "WORD_TOO_BIG",
    "read_docx",
]

NOT_WORD = (
    "This is not a Word file, or it is damaged (corrupt) and cannot be read. Check it opens in"
    " Word, then save a new copy (.docx) and upload that."
)
WORD_BOMB = BOMB
WORD_TOO_BIG = (
    "The Word file is too big to read (more than {limit:,} MB of text and layout). Save it as a"
    " PDF, or split it into smaller files, and upload that."
)
WORD_EMPTY = (
    "The Word file has no text in it. If it shows text in Word, save it as a PDF and upload that."
)
WORD_ENTITIES = (
    "The Word file holds XML tricks (entity definitions) that we do not open. Open it in Word,"
    " save a new copy and upload that."
)

# A .docx is a zip; its main part is unpacked only within these limits.
MAX_PART_MB = 64
MAX_RATIO = 200
MAX_ENTRIES = 20_000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_HEADING_STYLE = re.compile(r"^(heading|titre|berschrift)\s*([1-6])$", re.IGNORECASE)
# Type sizes standing in for a style, so the title reader sees a title as the largest type.
_STYLE_SIZE = {"title": 28.0, 1: 20.0, 2: 16.0, 3: 14.0}


def read_docx(path: Path) -> PdfText:
    """Sections of a Word file, split at its headings."""
    try:
        with zipfile.ZipFile(path) as archive:
            document = _read_part(archive, "word/document.xml")
            core = _read_part(archive, "docProps/core.xml", required=False)
    except UnreadablePdf:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
        raise UnreadablePdf(NOT_WORD, f"{type(error).__name__}: {error}") from error
    blocks = _blocks(document)
    if not blocks:
        raise UnreadablePdf(WORD_EMPTY)
    title, author, year = _core(core)
    parsed = assemble_sections(blocks, title, author, year, [])
    if not parsed.pages:  # only stray marks: no section has words
        raise UnreadablePdf(WORD_EMPTY)
    return parsed


def _read_part(archive: zipfile.ZipFile, name: str, required: bool = True) -> bytes:
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise UnreadablePdf(WORD_BOMB, f"{len(entries)} entries")
    try:
        info = archive.getinfo(name)
    except KeyError as error:
        if not required:
            return b""
        raise UnreadablePdf(NOT_WORD, f"no {name}") from error
    limit = MAX_PART_MB * 1024 * 1024
    if info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
        raise UnreadablePdf(WORD_BOMB, f"{info.file_size} from {info.compress_size} bytes")
    if info.file_size > limit:
        raise UnreadablePdf(WORD_TOO_BIG.format(limit=MAX_PART_MB), f"{info.file_size} bytes")
    # The sizes in the zip's directory can lie: count what actually comes out.
    out = bytearray()
    with archive.open(info) as handle:
        while block := handle.read(1 << 20):
            out += block
            if len(out) > limit:
                raise UnreadablePdf(WORD_BOMB, "part grew past its stated size")
    if b"<!ENTITY" in out[:4096] or b"<!DOCTYPE" in out[:4096]:
        raise UnreadablePdf(WORD_ENTITIES)
    return bytes(out)


def _parse(data: bytes) -> ElementTree.Element:
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        raise UnreadablePdf(NOT_WORD, f"ParseError: {error}") from error


def _blocks(document: bytes) -> list[Block]:
    root = _parse(document)
    blocks: list[Block] = []
    for paragraph in root.iter(f"{_W}p"):
        text = _paragraph_text(paragraph)
        if not text.strip():
            continue
        level, size = _style(paragraph)
        blocks.append(Block(text.strip(), level, size))
    return blocks


def _paragraph_text(paragraph: ElementTree.Element) -> str:
    parts: list[str] = []
    for node in paragraph.iter():
        if node.tag == f"{_W}t" and node.text:
            parts.append(node.text)
        elif node.tag in (f"{_W}tab", f"{_W}br"):
            parts.append(" ")
    return "".join(parts)


def _style(paragraph: ElementTree.Element) -> tuple[int, float]:
    style = paragraph.find(f"{_W}pPr/{_W}pStyle")
    name = (style.get(f"{_W}val") or "") if style is not None else ""
    if name.lower() in ("title", "titel"):
        return 1, _STYLE_SIZE["title"]
    match = _HEADING_STYLE.match(name.replace("-", ""))
    if match:
        level = int(match.group(2))
        return level, _STYLE_SIZE.get(level, 12.0)
    return 0, 11.0


def _core(core: bytes) -> tuple[str, str, int | None]:
    if not core:
        return "", "", None
    try:
        root = _parse(core)
    except UnreadablePdf:
        return "", "", None
    values = {node.tag.rsplit("}", 1)[-1]: (node.text or "").strip() for node in root}
    year_text = values.get("created") or values.get("modified") or ""
    match = re.match(r"(19|20)\d\d", year_text)
    return (
        values.get("title", "")[:300],
        values.get("creator", "")[:200],
        (int(match.group()) if match else None),
    )
