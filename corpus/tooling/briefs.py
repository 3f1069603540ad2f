"""Render the demo corpus's Markdown evidence briefs into deterministic PDFs."""

from __future__ import annotations

import argparse
import csv
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import (
    ListFlowable,
    ListItem,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
)
from reportlab.platypus.flowables import CallerMacro

__all__ = [
    "FONT",
    "FONT_BOLD",
    "MANIFEST_FIELDS",
    "MANIFEST_NAME",
    "MARGIN",
    "PAGE_MARKER",
    "PDF_TEXT_ENCODING",
    "Block",
    "BlockKind",
    "Brief",
    "BriefError",
    "DocInfo",
    "Styles",
    "main",
    "parse_brief",
    "read_manifest",
    "render_brief",
    "render_briefs",
    "split_sections",
]

logger = logging.getLogger(__name__)

PAGE_MARKER = "<!-- page -->"
MANIFEST_NAME = "manifest.csv"
MANIFEST_FIELDS = ("file", "title", "organisation", "year", "kind", "authors", "url")
# Helvetica is one of the 14 standard PDF fonts: nothing is embedded, so the
# bytes stay stable, but only characters in the WinAnsi (cp1252) set can show.
PDF_TEXT_ENCODING = "cp1252"
MARGIN = 20 * mm
FONT = "Helvetica"
FONT_BOLD = "Helvetica-Bold"

BlockKind = Literal["title", "heading", "paragraph", "bullets"]


class BriefError(ValueError):
    """A brief could not be parsed or did not fit its pages."""


@dataclass(frozen=True)
class Block:
    """One piece of a brief: the title, a heading, a paragraph or a bullet list."""

    kind: BlockKind
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Brief:
    """A parsed brief: its title and one tuple of blocks per PDF page."""

    title: str
    sections: tuple[tuple[Block, ...], ...]


@dataclass(frozen=True)
class DocInfo:
    """What goes into the PDF's document information and the page-1 byline."""

    title: str
    author: str = ""
    organisation: str = ""
    year: str = ""
    kind: str = ""


@dataclass(frozen=True)
class Styles:
    """The paragraph styles used on every page."""

    title: ParagraphStyle
    byline: ParagraphStyle
    heading: ParagraphStyle
    body: ParagraphStyle
    bullet: ParagraphStyle


def split_sections(text: str) -> list[str]:
    """Split Markdown text into page sections at lines holding only the marker."""
    sections: list[list[str]] = [[]]
    for line in text.splitlines():
        if line.strip() == PAGE_MARKER:
            sections.append([])
        else:
            sections[-1].append(line)
    return ["\n".join(lines) for lines in sections]


def _parse_section(text: str) -> list[Block]:
    blocks: list[Block] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append(Block("paragraph", (" ".join(paragraph),)))
            paragraph.clear()
        if bullets:
            blocks.append(Block("bullets", tuple(bullets)))
            bullets.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif line.startswith("## "):
            flush()
            blocks.append(Block("heading", (line[3:].strip(),)))
        elif line.startswith("# "):
            flush()
            blocks.append(Block("title", (line[2:].strip(),)))
        elif line.startswith("- "):
            if paragraph:
                flush()
            bullets.append(line[2:].strip())
        elif bullets and raw[:1].isspace():
            bullets[-1] = f"{bullets[-1]} {line}"
        else:
            if bullets:
                flush()
            paragraph.append(line)
    flush()
    return blocks


def parse_brief(text: str, name: str = "<brief>") -> Brief:
    """Parse a brief: a `# Title` first line, then `##` headings, paragraphs, bullets."""
    first = text.lstrip("\ufeff").splitlines()[:1]
    if not first or not first[0].startswith("# "):
        raise BriefError(f"{name}: the first line must be a '# Title' line")
    try:
        text.encode(PDF_TEXT_ENCODING)
    except UnicodeEncodeError as exc:
        bad = text[exc.start : exc.end]
        raise BriefError(f"{name}: character {bad!r} cannot be shown in Helvetica") from exc
    sections = tuple(tuple(_parse_section(s)) for s in split_sections(text.lstrip("\ufeff")))
    for number, blocks in enumerate(sections, start=1):
        if not blocks:
            raise BriefError(f"{name}: page section {number} is empty")
    titles = [b for blocks in sections for b in blocks if b.kind == "title"]
    if len(titles) != 1:
        raise BriefError(f"{name}: expected exactly one '# Title' line, found {len(titles)}")
    return Brief(title=titles[0].lines[0], sections=sections)


def read_manifest(folder: Path) -> dict[str, dict[str, str]]:
    """Read `manifest.csv` beside the briefs, keyed by PDF file name ({} if absent)."""
    path = folder / MANIFEST_NAME
    if not path.exists():
        return {}
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if tuple(reader.fieldnames or ()) != MANIFEST_FIELDS:
            raise BriefError(f"{path}: header must be {','.join(MANIFEST_FIELDS)}")
        return {row["file"]: row for row in reader}


def _styles() -> Styles:
    body = ParagraphStyle("body", fontName=FONT, fontSize=10.5, leading=14.5, spaceAfter=6)
    return Styles(
        title=ParagraphStyle("title", fontName=FONT_BOLD, fontSize=20, leading=25, spaceAfter=6),
        byline=ParagraphStyle(
            "byline",
            fontName=FONT,
            fontSize=9.5,
            leading=13,
            textColor=colors.HexColor("#505a5f"),
            spaceAfter=10,
        ),
        heading=ParagraphStyle(
            "heading",
            fontName=FONT_BOLD,
            fontSize=13,
            leading=17,
            spaceBefore=8,
            spaceAfter=4,
            keepWithNext=True,
        ),
        body=body,
        bullet=ParagraphStyle("bullet", parent=body, spaceAfter=3),
    )


def _byline(info: DocInfo) -> str:
    parts = [p for p in (info.organisation, info.kind.capitalize(), info.year) if p]
    line = " | ".join(parts)
    if info.author:
        line = f"{line}<br/>Authors: {escape(info.author)}" if line else escape(info.author)
    return line


def _flowables(brief: Brief, info: DocInfo, starts: list[int]) -> list[Any]:
    styles = _styles()

    def mark(flowable: Any) -> None:
        starts.append(int(flowable.canv.getPageNumber()))

    story: list[Any] = []
    for number, blocks in enumerate(brief.sections):
        if number:
            story.append(PageBreak())
        story.append(CallerMacro(drawCallable=mark))
        for block in blocks:
            if block.kind == "title":
                story.append(Paragraph(escape(block.lines[0]), styles.title))
                byline = _byline(info)
                if byline:
                    story.append(Paragraph(byline, styles.byline))
            elif block.kind == "heading":
                story.append(Paragraph(escape(block.lines[0]), styles.heading))
            elif block.kind == "paragraph":
                story.append(Paragraph(escape(block.lines[0]), styles.body))
            else:
                items = [ListItem(Paragraph(escape(t), styles.bullet)) for t in block.lines]
                story.append(
                    ListFlowable(
                        items,
                        bulletType="bullet",
                        start="\u2022",
                        bulletFontName=FONT,
                        leftIndent=12,
                        bulletFontSize=9,
                    )
                )
                story.append(Spacer(1, 4))
    return story


def _fit(text: str, width: float, size: float) -> str:
    """Shorten `text` with an ellipsis so it fits `width` points in Helvetica."""
    if stringWidth(text, FONT, size) <= width:
        return text
    while text and stringWidth(f"{text}\u2026", FONT, size) > width:
        text = text[:-1]
    return f"{text.rstrip()}\u2026"


def _page_decorator(title: str) -> Callable[[Any, Any], None]:
    def decorate(canvas: Any, doc: Any) -> None:
        width, _ = A4
        canvas.saveState()
        canvas.setFont(FONT, 8)
        canvas.setFillColor(colors.HexColor("#505a5f"))
        page = int(canvas.getPageNumber())
        if page > 1:
            canvas.drawString(MARGIN, A4[1] - 12 * mm, _fit(title, width - 2 * MARGIN, 8))
        canvas.drawString(MARGIN, 10 * mm, "Evidence Finder demo corpus \u2013 illustrative brief")
        canvas.drawRightString(width - MARGIN, 10 * mm, f"Page {page}")
        canvas.restoreState()

    return decorate


def render_brief(md_path: Path, pdf_path: Path, info: DocInfo | None = None) -> None:
    """Render one Markdown brief to `pdf_path`, one PDF page per section.

    The file is written atomically. Raises `BriefError` if the Markdown is
    malformed or a section does not fit on a single A4 page.
    """
    brief = parse_brief(md_path.read_text(encoding="utf-8"), md_path.name)
    info = info or DocInfo(title=brief.title)
    starts: list[int] = []
    story = _flowables(brief, info, starts)
    decorate = _page_decorator(info.title)
    handle, tmp_name = tempfile.mkstemp(
        prefix=f".{pdf_path.name}.", suffix=".tmp", dir=pdf_path.parent
    )
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        doc = SimpleDocTemplate(
            str(tmp),
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN,
            bottomMargin=MARGIN,
            title=info.title,
            author=info.author,
            subject=f"Illustrative evidence brief: {info.title}",
            creator="Evidence Finder corpus.tooling.briefs",
            keywords=", ".join(k for k in (info.kind, info.organisation, info.year) if k),
            lang="en-GB",
            invariant=1,
        )
        doc.build(story, onFirstPage=decorate, onLaterPages=decorate)
        pages = int(doc.page)
        expected = list(range(1, len(brief.sections) + 1))
        if starts != expected or pages != len(brief.sections):
            over = _first_overflow(starts, pages)
            raise BriefError(
                f"{md_path.name}: page section {over} does not fit on one A4 page "
                f"({len(brief.sections)} sections became {pages} pages); shorten it"
            )
        tmp.chmod(0o644)
        tmp.replace(pdf_path)
    finally:
        tmp.unlink(missing_ok=True)


def _first_overflow(starts: list[int], pages: int) -> int:
    ends = [*starts[1:], pages + 1]
    for number, (start, end) in enumerate(zip(starts, ends, strict=True), start=1):
        if end - start > 1:
            return number
    return len(starts)


def _is_fresh(pdf: Path, sources: Sequence[Path]) -> bool:
    if not pdf.exists():
        return False
    built = pdf.stat().st_mtime_ns
    return all(built > s.stat().st_mtime_ns for s in sources if s.exists())


def _doc_info(row: dict[str, str] | None, title: str, name: str) -> DocInfo:
    if row is None:
        logger.warning("%s: no row in %s; using the Markdown title", name, MANIFEST_NAME)
        return DocInfo(title=title)
    if row["title"].strip() != title:
        logger.warning("%s: manifest title differs from the '# Title' line", name)
    return DocInfo(
        title=row["title"].strip() or title,
        author=row["authors"].strip(),
        organisation=row["organisation"].strip(),
        year=row["year"].strip(),
        kind=row["kind"].strip(),
    )


def _render_folder(folder: Path, force: bool) -> list[tuple[Path, bool]]:
    manifest = read_manifest(folder)
    manifest_path = folder / MANIFEST_NAME
    results: list[tuple[Path, bool]] = []
    failures: list[str] = []
    for md in sorted(folder.glob("*.md")):
        pdf = md.with_suffix(".pdf")
        if not force and _is_fresh(pdf, (md, manifest_path)):
            logger.debug("%s: up to date", pdf.name)
            results.append((pdf, False))
            continue
        try:
            title = parse_brief(md.read_text(encoding="utf-8"), md.name).title
            render_brief(md, pdf, _doc_info(manifest.get(pdf.name), title, pdf.name))
        except (BriefError, OSError) as exc:
            logger.error("%s: failed: %s", md.name, exc)
            failures.append(str(exc))
            continue
        logger.info("%s: rendered", pdf.name)
        results.append((pdf, True))
    if failures:
        raise BriefError(f"{len(failures)} brief(s) failed: " + "; ".join(failures))
    return results


def render_briefs(folder: Path, *, force: bool = False) -> list[Path]:
    """Render every `*.md` brief in `folder` to a PDF beside it.

    PDFs newer than both their Markdown and the folder's manifest are left
    alone unless `force` is true. Output bytes are deterministic. Returns the
    PDF path of every brief, rendered or already up to date, sorted by name.
    Raises `BriefError` after trying every file if any of them failed.
    """
    return [pdf for pdf, _ in _render_folder(folder, force)]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: `python -m corpus.tooling.briefs FOLDER [--force] [-v]`."""
    parser = argparse.ArgumentParser(
        prog="python -m corpus.tooling.briefs",
        description="Render Markdown evidence briefs to PDFs beside them.",
    )
    parser.add_argument("folder", type=Path, help="folder holding *.md and manifest.csv")
    parser.add_argument("--force", action="store_true", help="re-render up-to-date PDFs")
    parser.add_argument("-v", "--verbose", action="store_true", help="log every file")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(message)s",
    )
    folder: Path = args.folder
    if not folder.is_dir():
        print(f"error: {folder} is not a folder", file=sys.stderr)
        return 2
    try:
        results = _render_folder(folder, bool(args.force))
    except BriefError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    rendered = sum(1 for _, fresh in results if fresh)
    print(
        f"{len(results)} PDFs in {folder}: {rendered} rendered, "
        f"{len(results) - rendered} already up to date"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
