"""Reads PDFs with pypdf: text per page and the document's own info, or a plain reason why not."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pypdf
from pypdf.errors import FileNotDecryptedError, PdfReadError, PyPdfError

log = logging.getLogger(__name__)


class UnreadablePdf(Exception):
    """The file cannot be indexed; the message is a plain-English reason."""


@dataclass(frozen=True)
class PdfText:
    """What a PDF gave us: one string per page (1-based in citations) and its info."""

    pages: list[str]
    title: str = ""
    author: str = ""
    year: int | None = None
    warnings: list[str] = field(default_factory=list)


_LIGATURES = {"\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl",
              "\ufb05": "st", "\ufb06": "st"}
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


def clean_text(text: str) -> str:
    """Undo common PDF text damage: ligatures, private-use bullets, control characters, hyphen breaks."""
    for lig, plain in _LIGATURES.items():
        text = text.replace(lig, plain)
    out: list[str] = []
    for ch in text:
        category = unicodedata.category(ch)
        if ch in "\n\t":
            out.append(ch)
        elif category == "Co":  # private-use glyphs are usually bullets
            out.append("•")
        elif category in ("Cc", "Cf", "Cs", "Cn"):
            out.append(" ")
        else:
            out.append(ch)
    text = "".join(out)
    text = re.sub(r"(\w)-\n(\w)", r"\1\2", text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.splitlines())
    return _BLANK_LINES.sub("\n\n", text).strip()


def _year_of(date: str) -> int | None:
    match = re.search(r"(19|20)\d\d", date or "")
    return int(match.group()) if match else None


def _open(path: Path) -> pypdf.PdfReader:
    try:
        head = path.read_bytes()[:1024]
    except OSError as error:
        raise UnreadablePdf(f"cannot read the file: {error.strerror}") from error
    if b"%PDF-" not in head:
        raise UnreadablePdf("not a PDF (the file does not start with a PDF header)")
    try:
        reader = pypdf.PdfReader(path)
    except FileNotDecryptedError as error:
        raise UnreadablePdf("encrypted with a password; ask the publisher for an open copy") from error
    except (PdfReadError, PyPdfError, ValueError, KeyError, TypeError, AttributeError,
            IndexError, AssertionError, RecursionError, OSError) as error:
        raise UnreadablePdf(f"corrupt PDF that cannot be opened ({type(error).__name__})") from error
    if reader.is_encrypted:
        try:
            if not reader.decrypt(""):
                raise UnreadablePdf("encrypted with a password; ask the publisher for an open copy")
        except (FileNotDecryptedError, NotImplementedError, PdfReadError, PyPdfError) as error:
            raise UnreadablePdf("encrypted in a way that cannot be opened") from error
    return reader


def read_pdf(
    path: Path, max_pages: int = 5000, on_page_count: Callable[[int], None] | None = None
) -> PdfText:
    """Extract cleaned text from every page; pages that fail are kept empty with a warning."""
    reader = _open(path)
    try:
        count = len(reader.pages)
    except Exception as error:  # noqa: BLE001 - pypdf raises many unrelated types on broken trees
        raise UnreadablePdf(f"corrupt PDF: cannot count its pages ({type(error).__name__})") from error
    if count == 0:
        raise UnreadablePdf("the PDF has no pages")
    if count > max_pages:
        raise UnreadablePdf(f"too many pages ({count:,}; the limit is {max_pages:,})")
    if on_page_count is not None:
        on_page_count(count)
    pages: list[str] = []
    failed: list[int] = []
    for number in range(count):
        try:
            pages.append(clean_text(reader.pages[number].extract_text() or ""))
        except Exception:  # noqa: BLE001 - one bad page must not lose the rest
            pages.append("")
            failed.append(number + 1)
    if not any(pages):
        raise UnreadablePdf("no text layer: the pages are images (a scan) and need OCR")
    warnings = []
    if failed:
        warnings.append(f"{len(failed)} page(s) could not be read: {_ranges(failed)}")
    empty = [i + 1 for i, text in enumerate(pages) if not text and (i + 1) not in failed]
    if empty:
        warnings.append(f"{len(empty)} page(s) without text: {_ranges(empty)}")
    title, author, year = _info(reader)
    return PdfText(pages=pages, title=title, author=author, year=year, warnings=warnings)


def _info(reader: pypdf.PdfReader) -> tuple[str, str, int | None]:
    try:
        info = reader.metadata
    except Exception:  # noqa: BLE001 - a broken info dictionary is not worth failing the file
        return "", "", None
    if not info:
        return "", "", None
    title = clean_text(str(info.get("/Title") or ""))
    author = clean_text(str(info.get("/Author") or ""))
    year = _year_of(str(info.get("/CreationDate") or ""))
    return title, author, year


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = prev = numbers[0]
    for n in numbers[1:] + [-1]:
        if n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = n
    return ", ".join(spans[:8]) + (" …" if len(spans) > 8 else "")
