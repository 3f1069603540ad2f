"""What a document's text says that is not its content: running headers and footers that
repeat on page after page, and the author names PDF tools write when nobody set one.

Both the ingest (stripping headers, reading authors) and the web pages (page previews, the
authors shown) use these, so the two can never disagree about them."""

from __future__ import annotations

import math
import re
from collections import Counter
from typing import TypeVar

__all__ = [
    "PLACEHOLDER_AUTHORS",
    "drop_running_lines",
    "edges_of",
    "find_running_lines",
    "is_placeholder_author",
    "known_authors",
    "running_line_key",
]

T = TypeVar("T")

# Names PDF tools write when nobody filled in the author (reportlab writes "anonymous").
PLACEHOLDER_AUTHORS = frozenset(
    {"anonymous", "unknown", "user", "admin", "administrator", "author", "owner"}
)

_NUMBER = re.compile(r"\d+")
_EDGE_NUMBERS = re.compile(r"^[\W#_]+|[\W#_]+$")
_ROMAN = re.compile(r"[ivxlc]+")
PAGE_NUMBER_KEY = "<page number>"


def is_placeholder_author(name: str) -> bool:
    """True for a blank name or one a PDF tool wrote in place of a person's."""
    return not name.strip() or name.strip().casefold() in PLACEHOLDER_AUTHORS


def known_authors(authors: list[str]) -> list[str]:
    """The authors that are real names, in order."""
    return [a for a in authors if not is_placeholder_author(a)]


def running_line_key(line: str, *, at_edge: bool = True) -> str:
    """A line as it repeats from page to page: page numbers aside, case and spacing aside.
    A line that is only a page number ("12", "iv", "- 3 -") gives one shared key.

    At a page's edge a number at either end goes too ("3 Annual report", "Annual report 4"
    on facing pages); anywhere else it stays a "#", so body lines that only start or end
    with a number are not taken for one another."""
    masked = " ".join(_NUMBER.sub("#", line.lower()).split())
    key = _EDGE_NUMBERS.sub("", masked)
    if not key or _ROMAN.fullmatch(key):
        return PAGE_NUMBER_KEY if len(line.strip()) <= 12 else ("" if at_edge else masked)
    return " ".join(key.split()) if at_edge else masked


def find_running_lines(
    pages: list[str],
    *,
    min_share: float = 0.6,
    edge_lines: int | None = 3,
    min_pages: int = 3,
) -> tuple[set[str], set[str]]:
    """Keys (see `running_line_key`) of lines that recur on at least `min_share` of the pages
    with text: those at the top of a page, and those at the bottom. Only the first and last
    `edge_lines` lines of each page count (a page's top and bottom never overlap); with
    `edge_lines=None` every line counts, keyed with `at_edge=False`, and both sets are the
    same. Fewer than `min_pages` pages with text have no running lines."""
    with_text = [p for p in pages if p.strip()]
    if len(with_text) < min_pages:
        return set(), set()
    at_edge = edge_lines is not None
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for page in with_text:
        lines = [line for line in page.split("\n") if line.strip()]
        top, bottom = edges_of(lines, edge_lines)
        tops.update({running_line_key(line, at_edge=at_edge) for line in top})
        bottoms.update({running_line_key(line, at_edge=at_edge) for line in bottom})
    needed = max(2, math.ceil(min_share * len(with_text)))
    top_keys = {k for k, n in tops.items() if k and n >= needed}
    bottom_keys = {k for k, n in bottoms.items() if k and n >= needed}
    return top_keys, bottom_keys


# A running header or footer is a phrase ("Joint Strategic Needs Assessment 2024", "Page 3"),
# not one word: PDFs that set each word on a line of its own ("asthma", "your") recur word by
# word.
_MIN_RUNNING_TOKENS = 2
# A line this long that recurs is prose (a map's legend and description on every page of a
# series), not a header: it is kept where it first appears, so the text is read once.
_PROSE_WORDS = 8
_WORD = re.compile(r"[^\W\d_]{2,}")


def drop_running_lines(pages: list[str], min_share: float = 0.5) -> list[list[str]]:
    """Each page's lines without those that recur anywhere on at least `min_share` of the
    pages with text (page numbers, and lines of two words or more; a recurring line of prose
    stays where it first appears): what the chunker reads and what the page previews show."""
    running, _ = find_running_lines(pages, min_share=min_share, edge_lines=None)
    seen: set[str] = set()
    out: list[list[str]] = []
    for page in pages:
        kept: list[str] = []
        for line in page.splitlines():
            key = running_line_key(line, at_edge=False)
            is_one_word = len(line.split()) < _MIN_RUNNING_TOKENS
            if key not in running or (key != PAGE_NUMBER_KEY and is_one_word):
                kept.append(line)
            elif len(_WORD.findall(line)) >= _PROSE_WORDS and key not in seen:
                seen.add(key)
                kept.append(line)
        out.append(kept)
    return out


def edges_of(lines: list[T], edge_lines: int | None) -> tuple[list[T], list[T]]:
    """The first and last `edge_lines` of a page's lines (all of them when None)."""
    if edge_lines is None:
        return lines, lines
    size = min(edge_lines, len(lines) // 2)
    return lines[:size], lines[len(lines) - size :]
