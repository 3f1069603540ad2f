"""What a document's text says that is not its content: running headers and footers that
repeat on page after page, and the author names PDF tools write when nobody set one.

Both the ingest (stripping headers, reading authors) and the web pages (page previews, the
authors shown) use these, so the two can never disagree about them."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import TypeVar

__all__ = [
    "PLACEHOLDER_AUTHORS",
    "author_name",
    "drop_axis_ticks",
    "drop_running_lines",
    "edges_of",
    "find_running_lines",
    "is_placeholder_author",
    "known_authors",
    "running_line_key",
]

T = TypeVar("T")

# Names PDF tools and templates write when nobody filled in the author (reportlab writes
# "anonymous", Office on a Mac "Microsoft Office User", a council's template "Your council").
# fmt: off
PLACEHOLDER_AUTHORS = frozenset([
    "anonymous", "unknown", "user", "admin", "administrator", "author", "owner",
    "microsoft office user", "windows user", "your name", "your council", "your organisation",
    "your organization",
])
# fmt: on
# A sign-in name, not a person's or a body's: one word holding a digit ("jcoz2180",
# "fitchd01"), all lower case ("hannah", "wscc"), or with capitals where names have none
# ("JGibson", "NickL"). A name in one word ("Defra") or an acronym ("DESNZ") is kept.
_ACCOUNT_NAME = re.compile(r"\S*\d\S*|[a-z][a-z._-]*|[A-Z]{2,}[a-z]+|[A-Z]?[a-z]+[A-Z]+")
# A directory's team code after a person's name: "Mike Gogarty - CED SC", "Cook, Carol - ST F".
_TEAM_CODE = re.compile(r"\s+-\s+(?:[A-Z]{1,6}\s*){1,3}$")

_NUMBER = re.compile(r"\d+")
_EDGE_NUMBERS = re.compile(r"^[\W#_]+|[\W#_]+$")
_ROMAN = re.compile(r"[ivxlc]+")
PAGE_NUMBER_KEY = "<page number>"


def is_placeholder_author(name: str) -> bool:
    """True for a blank name, one a PDF tool or template wrote in place of a person's, or a
    sign-in name."""
    name = " ".join(name.split())
    return not name or name.casefold() in PLACEHOLDER_AUTHORS or bool(_ACCOUNT_NAME.fullmatch(name))


def author_name(name: str) -> str:
    """A name as a citation gives it: spacing tidied, a directory's team code dropped."""
    return _TEAM_CODE.sub("", " ".join(name.split()))


def known_authors(authors: list[str]) -> list[str]:
    """The authors that are real names, as a citation gives them, in order, each once."""
    names = (author_name(a) for a in authors if not is_placeholder_author(a))
    return list(dict.fromkeys(n for n in names if n))


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
    key: Callable[[str], str] | None = None,
    min_count: int = 2,
) -> tuple[set[str], set[str]]:
    """Keys (see `running_line_key`) of lines that recur on at least `min_share` of the pages
    with text, and on at least `min_count` of them: those at the top of a page, and those at
    the bottom. Only the first and last `edge_lines` lines of each page count (a page's top and
    bottom never overlap); with `edge_lines=None` every line counts, keyed with
    `at_edge=False` (or by `key`, a caller's remembered keys), and both sets are the same.
    Fewer than `min_pages` pages with text have no running lines."""
    with_text = [p for p in pages if p.strip()]
    if len(with_text) < min_pages:
        return set(), set()
    at_edge = edge_lines is not None
    key_of = key or (lambda line: running_line_key(line, at_edge=at_edge))
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for page in with_text:
        lines = [line for line in page.split("\n") if line.strip()]
        top, bottom = edges_of(lines, edge_lines)
        top_keys = {key_of(line) for line in top}
        tops.update(top_keys)
        # Every line is both a top and a bottom when edge_lines is None: keyed once.
        bottoms.update(top_keys if bottom is top else {key_of(line) for line in bottom})
    needed = max(min_count, math.ceil(min_share * len(with_text)))
    top_keys = {k for k, n in tops.items() if k and n >= needed}
    bottom_keys = {k for k, n in bottoms.items() if k and n >= needed}
    return top_keys, bottom_keys


# A running header or footer is a phrase ("Joint Strategic Needs Assessment 2024", "Page 3")
# or a mark ("S32"), not one word: PDFs that set each word on a line of its own ("asthma",
# "your") recur word by word.
_ONE_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*[.,;:!?]?")
# A line this long that recurs is prose (a map's legend and description on every page of a
# series), not a header: it is kept where it first appears, so the text is read once.
_PROSE_WORDS = 8
# How near a page's top or bottom a figure alone on a line is taken for its page number.
_NUMBER_EDGE_LINES = 3
_WORD = re.compile(r"[^\W\d_]{2,}")
# A running head with its page's number at one end: "30 FREE CULTURE", "“PIRACY” 29".
_NUMBERED_HEAD = re.compile(r"(\d{1,4})\s+(\S.*)|(.*\S)\s+(\d{1,4})")
# How many pages must share a numbered head's step from the page's place in the file.
NUMBERED_HEAD_PAGES = 4
# A running line set on one hand's pages only: on this share of that hand's pages with text,
# and on at least this many of them.
FACING_SHARE = 0.6
FACING_PAGES = 8


def drop_running_lines(pages: list[str], min_share: float = 0.5) -> list[list[str]]:
    """Each page's lines without those that recur anywhere on at least `min_share` of the pages
    with text: what the chunker reads and what the page previews show.

    A recurring phrase or mark goes ("Joint Strategic Needs Assessment", "Page 3", "S32"); one
    plain word does not (PDFs that set a word a line repeat "asthma" page after page), and a
    recurring line of prose is kept where it first appears. A figure alone on a line goes at a
    page's top or bottom, when the same one recurs (a margin's line numbers), or when it runs
    with the page's place in the file (ii, iii, iv); elsewhere it is a figure of the text.
    Marks alone on a line ("•", ")") go wherever they recur, as page numbers do. A chart's
    axis ticks go too (`drop_axis_ticks`)."""
    # Each line is keyed once, though three passes read its key (a long document's page list
    # on its page is most of that page's work).
    keys: dict[str, str] = {}

    def key_of(line: str) -> str:
        found = keys.get(line)
        if found is None:
            found = keys[line] = running_line_key(line, at_edge=False)
        return found

    running, _ = find_running_lines(pages, min_share=min_share, edge_lines=None, key=key_of)
    with_text = [p for p in pages if p.strip()]
    needed = max(2, math.ceil(min_share * len(with_text)))
    figures, numbering = _figure_rules(pages if running else [], needed, key_of)
    page_lines = [page.splitlines() for page in pages]
    page_edges = [_edge_indexes(lines) for lines in page_lines]
    heads = _numbered_heads(page_lines, page_edges, len(with_text))
    heads |= _facing_page_lines(pages, page_lines, page_edges, key_of)
    seen: set[str] = set()
    out: list[list[str]] = []
    for number, (lines, (top, bottom)) in enumerate(zip(page_lines, page_edges, strict=True)):
        edges = {*top, *bottom}
        kept: list[str] = []
        for index, line in enumerate(lines):
            if (number, index) in heads:
                continue
            key = key_of(line)
            if key == PAGE_NUMBER_KEY and any(c.isalnum() for c in line):
                value = _figure_value(line)
                is_running = key in running and (
                    index in edges
                    or figures[line.strip()] >= needed
                    or (value is not None and value - number in numbering)
                )
            elif key == PAGE_NUMBER_KEY:  # marks alone ("•", ")", "*"): running as before
                is_running = key in running
            else:
                is_running = key in running and not _is_one_word(line)
            if not is_running:
                kept.append(line)
            elif len(_WORD.findall(line)) >= _PROSE_WORDS and key not in seen:
                seen.add(key)
                kept.append(line)
        out.append(drop_axis_ticks(kept))
    return out


def _edge_indexes(lines: list[str]) -> tuple[list[int], list[int]]:
    """Where a page's first and last `_NUMBER_EDGE_LINES` lines with text are, top and bottom."""
    return edges_of([i for i, x in enumerate(lines) if x.strip()], _NUMBER_EDGE_LINES)


def _numbered_heads(
    page_lines: list[list[str]], page_edges: list[tuple[list[int], list[int]]], with_text: int
) -> set[tuple[int, int]]:
    """(page, line) of each running head that carries its page's number: a short phrase with
    a number at one end, at a page's top or bottom, as a book sets them ("“PIRACY” 29" on one
    page, "30 FREE CULTURE" on the next). Facing pages and chapters each have their own, so
    none of them recurs on half the pages; what they share is their number, which steps with
    the page's place in the file. A head goes when its number does that on at least
    NUMBERED_HEAD_PAGES pages (and a tenth of the pages with text), and its phrase is at an
    edge of another page too. A figure that happens to equal the page's number once is not
    enough: the same step must be shared by many pages."""
    found: list[tuple[int, int, int, str]] = []  # (page, line, step, phrase key)
    for number, (lines, (top, bottom)) in enumerate(zip(page_lines, page_edges, strict=True)):
        for index in {*top, *bottom}:
            head = _NUMBERED_HEAD.fullmatch(lines[index].strip())
            if head is None:
                continue
            figure = head.group(1) or head.group(4)
            phrase = head.group(2) or head.group(3)
            if len(_WORD.findall(phrase)) >= _PROSE_WORDS or not _WORD.search(phrase):
                continue
            found.append((number, index, int(figure) - number, running_line_key(phrase)))
    if not found:
        return set()
    needed = max(NUMBERED_HEAD_PAGES, math.ceil(0.1 * with_text))
    steps = Counter(step for step, _ in {(step, page) for page, _, step, _ in found})
    phrases = Counter(key for key, _ in {(key, page) for page, _, _, key in found})
    return {
        (page, index)
        for page, index, step, key in found
        if steps[step] >= needed and phrases[key] >= 2
    }


def _facing_page_lines(
    pages: list[str],
    page_lines: list[list[str]],
    page_edges: list[tuple[list[int], list[int]]],
    key_of: Callable[[str], str],
) -> set[tuple[int, int]]:
    """(page, line) of each running line that a book or printed report sets on its left-hand
    pages only, or its right-hand ones ("<http://free-culture.org/get-it>" under every even
    page): `find_running_lines` over one hand's pages at a time, at least FACING_SHARE of them
    with text and FACING_PAGES at least, so on about half of all pages, short of the half that
    `drop_running_lines` asks. A phrase, not one word, and not a line of prose."""
    out: set[tuple[int, int]] = set()
    for hand in (0, 1):
        numbers = range(hand, len(pages), 2)
        tops, bottoms = find_running_lines(
            [pages[n] for n in numbers],
            min_share=FACING_SHARE,
            edge_lines=_NUMBER_EDGE_LINES,
            min_pages=FACING_PAGES,
            min_count=FACING_PAGES,
            key=key_of,
        )
        for n in numbers if tops or bottoms else ():
            lines, (top, bottom) = page_lines[n], page_edges[n]
            out |= {(n, i) for i in top if key_of(lines[i]) in tops and _is_phrase(lines[i])}
            out |= {(n, i) for i in bottom if key_of(lines[i]) in bottoms and _is_phrase(lines[i])}
    return out


def _is_phrase(line: str) -> bool:
    """A line that may be a running one: not one word, not a line of prose, and no figure
    alone (page numbers have rules of their own)."""
    return (
        not _is_one_word(line)
        and len(_WORD.findall(line)) < _PROSE_WORDS
        and _figure_value(line) is None
        and any(c.isalpha() for c in line)
    )


def _figure_rules(
    pages: list[str], needed: int, key_of: Callable[[str], str]
) -> tuple[Counter[str], set[int]]:
    """How many pages have each figure alone on a line, and the offsets between a figure's
    value and its page's place in the file that `needed` pages share (their page numbers);
    `key_of` gives a line's `running_line_key` (not at an edge)."""
    per_page = [
        {x.strip() for x in page.splitlines() if key_of(x) == PAGE_NUMBER_KEY} for page in pages
    ]
    figures = Counter(figure for found in per_page for figure in found)
    offsets: Counter[int] = Counter()
    for number, found in enumerate(per_page):
        values = {_figure_value(x) for x in found if figures[x] < needed}
        offsets.update({v - number for v in values if v is not None})
    return figures, {offset for offset, n in offsets.items() if n >= needed}


def _is_one_word(line: str) -> bool:
    return bool(_ONE_WORD.fullmatch(line.strip()))


_ROMAN_VALUES = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
_ROMAN_NUMERAL = re.compile(r"c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})")


def _figure_value(line: str) -> int | None:
    """The number a line holds when it is only a number, in figures or roman ("- 12 -", "iv")."""
    text = line.strip().strip("-–—|·•.()[] ").lower()
    if text.isdecimal() and len(text) <= 5:  # not isdigit(): "²" is a digit int() refuses
        return int(text)
    if not text or not _ROMAN_NUMERAL.fullmatch(text):  # "xiv", not "civil"
        return None
    total = 0
    for this, after in zip(text, [*text[1:], ""], strict=True):
        value = _ROMAN_VALUES[this]
        total += -value if after and _ROMAN_VALUES[after] > value else value
    return total


def edges_of(lines: list[T], edge_lines: int | None) -> tuple[list[T], list[T]]:
    """The first and last `edge_lines` of a page's lines (all of them when None)."""
    if edge_lines is None:
        return lines, lines
    size = min(edge_lines, len(lines) // 2)
    return lines[:size], lines[len(lines) - size :]


# A chart's axis, as a PDF's text layer gives it: its tick values, one a line ("0", "10%",
# "20%", "30%") or side by side on one line ("41 42 43 … 52" for a year's weeks), stepping
# evenly. Read as text they are noise in a passage ("1\n2\n3\n4\n5\n6\n7\n8\n41 42 43 …"). A
# table's column of figures rarely steps evenly four times; years do (a table's row labels),
# so runs of consecutive years stay, as do runs of one repeated figure (a column of zeros).
_TICK = re.compile(r"[<>]?[-–−]?[£$€]?\d{1,3}(?:,\d{3})*(?:\.\d+)?%?")
_TICKS_DOWN = 4
_TICKS_ACROSS = 7
# Counting by ones across a line is more often a table's heading ("Deciles 1 2 3 … 10", "Age
# 16 17 18 …") than an axis, unless it runs on as a year's weeks do.
_COUNTING_ACROSS = 11
_YEARS = range(1900, 2101)
# What a figure or a date (`_TICK`, `_DATE`) can start with.
_FIGURE_OPENERS = frozenset("0123456789<>-–−£$€")


def _tick_value(text: str) -> float | None:
    """The value of a lone figure such as "12", "1.5", "-2", "20%" or "£10,000" (None for
    anything else)."""
    if not _TICK.fullmatch(text):
        return None
    sign = -1.0 if any(dash in text for dash in "-–−") else 1.0
    return sign * float("".join(c for c in text if c.isdigit() or c == "."))


# A time axis across a line gives its dates ("24/09/17 22/10/17 19/11/17 …", four weeks apart).
_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")


def _across_value(text: str) -> float | None:
    """A figure's value (`_tick_value`), or a day/month/year date's day number, so a time
    axis steps evenly too. Only across a line: dates one a line are a table's row labels."""
    found = _DATE.fullmatch(text)
    if not found:
        return _tick_value(text)
    day, month, year = (int(part) for part in found.groups())
    try:
        return float(date(year + 2000 if year < 100 else year, month, day).toordinal())
    except ValueError:  # not a date ("31/02/24", "13/13/13")
        return None


def _step(first: float | None, second: float | None) -> float:
    """How far one figure steps to the next (0 when either is not a figure)."""
    return 0.0 if first is None or second is None else round(second - first, 9)


def _even_runs(
    values: list[float | None], least: int, counting: int | None = None
) -> list[tuple[int, int]]:
    """(start, end) of each stretch of at least `least` figures that step evenly (by the same
    amount, not zero) and are not consecutive years; with `counting`, at least that many when
    they step by one."""
    runs: list[tuple[int, int]] = []
    start = 0
    while start < len(values) - 1:
        step = _step(values[start], values[start + 1])
        end = start + 2
        while step and end < len(values) and _step(values[end - 1], values[end]) == step:
            end += 1
        is_years = step == 1 and all(v in _YEARS for v in values[start:end])
        needed = counting if counting is not None and step == 1 else least
        if step and end - start >= needed and not is_years:
            runs.append((start, end))
            start = end
        else:
            start += 1
    return runs


def drop_axis_ticks(lines: list[str]) -> list[str]:
    """A page's lines without a chart's axis ticks: `_TICKS_DOWN` or more lines in a row
    that are each one evenly stepping figure (and the next tick, when it opens the line after
    them: "1.2 weekend bank holiday …"), and `_TICKS_ACROSS` or more such figures in a row
    within a line (`_COUNTING_ACROSS` when they count by ones; dates count, a time axis; the
    rest of that line stays).
    Blank lines stay where they were."""
    down = [_tick_value(line.strip()) for line in lines]
    gone: set[int] = set()
    opens: set[int] = set()  # lines that lose their first figure, the axis's last tick
    for start, end in _even_runs(down, _TICKS_DOWN):
        gone.update(range(start, end))
        after = lines[end].split(maxsplit=1) if end < len(lines) else []
        step = _step(down[end - 2], down[end - 1])
        if after and _step(down[end - 1], _tick_value(after[0])) == step:
            opens.add(end)
    kept: list[str] = []
    for i, line in enumerate(lines):
        if i in gone:
            continue
        changed = i in opens
        if changed:
            line = line.split(maxsplit=1)[1] if len(line.split()) > 1 else ""
        tokens = line.split()
        # A line of prose holds too few figures for a run: most lines skip reading each word.
        figures = sum(1 for token in tokens if token[0] in _FIGURE_OPENERS)
        runs = (
            _even_runs([_across_value(t) for t in tokens], _TICKS_ACROSS, _COUNTING_ACROSS)
            if figures >= _TICKS_ACROSS
            else []
        )
        if runs:
            changed = True
            cut = {j for start, end in runs for j in range(start, end)}
            line = " ".join(t for j, t in enumerate(tokens) if j not in cut)
        if line.strip() or not changed:
            kept.append(line)
    return kept
