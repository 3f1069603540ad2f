"""Turns a document without pages (a Word file, a web page) into numbered sections that take
the place of pages: each starts at a heading and is cut when it grows long."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.layout import LayoutLine
from ingest.pdf import PdfText, clean_text, has_words

__all__ = [
    "MAX_SECTIONS",
    "MAX_SECTION_WORDS",
    "Block",
    "assemble_sections",
]

# A section longer than this is cut, so a citation still points near the words.
MAX_SECTION_WORDS = 600
MAX_SECTIONS = 5000


@dataclass(frozen=True)
class Block:
    """A paragraph or heading in reading order; `level` is 1–6 for headings, 0 for text, and
    `size` a type size standing in for its look (a title is bigger than body text)."""

    text: str
    level: int = 0
    size: float = 11.0


def assemble_sections(
    blocks: list[Block], title: str, author: str, year: int | None, warnings: list[str]
) -> PdfText:
    """Sections from the blocks, with the first lines laid out for reading the title."""
    pages: list[str] = []
    headings: list[str] = []
    current: list[str] = []
    heading = ""
    words = 0

    def close() -> None:
        nonlocal current, words
        text = clean_text("\n\n".join(current))
        if has_words(text):
            pages.append(text)
            headings.append(heading)
        current, words = [], 0

    for block in blocks:
        if len(pages) >= MAX_SECTIONS:
            break
        count = len(block.text.split())
        if block.level and block.level <= 3 and current:
            close()
        if words + count > MAX_SECTION_WORDS and current:
            close()
        if block.level:
            heading = block.text[:200]
        current.append(block.text)
        words += count
    if current:
        close()
    lines = _first_lines(blocks)
    return PdfText(pages, title, author, year, warnings, lines, [], headings)


def _first_lines(blocks: list[Block]) -> list[LayoutLine]:
    first = blocks[:60]
    if not first:
        return []
    return [
        LayoutLine(
            text=" ".join(b.text.split())[:300], size=b.size, top=0.05 + 0.9 * i / len(first)
        )
        for i, b in enumerate(first)
    ]
