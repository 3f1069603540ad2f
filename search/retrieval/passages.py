"""Turns a stored chunk into the passage a person sees: cut at sentence boundaries, never
overlapping another passage shown for its document, and tied to the page holding most of it."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from search.retrieval.headings import is_note_line, kept_lines
from search.retrieval.sentences import (
    BOUNDARY,
    ENDS_SENTENCE,
    SENTENCE_END,
    breaks_sentence,
    is_caption_line,
)
from search.schema import Hit

__all__ = [
    "ELLIPSIS",
    "MAX_CUT_SHARE",
    "MIN_LEFTOVER_WORDS",
    "Cut",
    "PageMap",
    "PageStarts",
    "Passage",
    "ShownText",
    "chunk_index_of",
    "cut_at_sentences",
    "document_passages",
    "is_apparatus",
    "opens_sentence",
    "overlap_chars",
    "pages_of_part",
    "passage_from_hit",
    "read_page_map",
    "sentence_starts",
    "show_span",
    "shown_words",
    "with_lead",
]

ELLIPSIS = "…"
# A lead longer than this is not one the chunker wrote (it keeps at most LEAD_WORDS words).
MAX_LEAD_CHARS = 2000
PageStarts = tuple[tuple[int, int], ...]
# Cut no more than this share of a passage off either end to reach a sentence boundary.
MAX_CUT_SHARE = 0.4


@dataclass(frozen=True)
class PageMap:
    """Which page each character of a chunk's text is on.

    `starts` holds (offset, page) for each page the text touches. Libraries built before
    offsets were stored have none; their chunks know only their first and last page.
    """

    first: int
    last: int
    starts: PageStarts = ()

    def page_at(self, offset: int) -> int:
        if not self.starts:
            return self.first
        page = self.starts[0][1]
        for start, number in self.starts:
            if start > offset:
                break
            page = number
        return page

    def pages_of(self, start: int, end: int) -> tuple[int, int]:
        """The first and last page a span [start, end) touches."""
        if not self.starts:
            return self.first, self.last
        return self.page_at(start), self.page_at(max(start, end - 1))

    def main_page(self, text: str, start: int, end: int) -> int:
        """The page holding most of the span's letters (the earlier page on a tie)."""
        if not self.starts:
            # The old chunker carried only a short tail (under a third) of a page onto the
            # next, so a chunk over two pages holds most of its words on the last one.
            return self.last
        return self.main_page_of_spans(text, ((start, end),))

    def letters_per_page(self, text: str, start: int, end: int) -> dict[int, int]:
        """How many letters (not spaces) of the span [start, end) sit on each page."""
        counts: dict[int, int] = {}
        bounds = [s for s, _ in self.starts[1:]] + [len(text)]
        for (offset, page), bound in zip(self.starts, bounds, strict=True):
            lo, hi = max(offset, start), min(bound, end)
            if hi > lo:
                # split() drops exactly the characters isspace() names, at C speed.
                letters = len("".join(text[lo:hi].split()))
                counts[page] = counts.get(page, 0) + letters
        return counts

    def main_page_of_spans(self, text: str, spans: Sequence[tuple[int, int]]) -> int:
        """The page holding most letters of all the spans together (earlier page on a tie)."""
        if not self.starts:
            return self.last
        counts: dict[int, int] = {}
        for start, end in spans:
            for page, letters in self.letters_per_page(text, start, end).items():
                counts[page] = counts.get(page, 0) + letters
        if not counts:
            return self.page_at(spans[0][0] if spans else 0)
        return max(sorted(counts), key=lambda p: counts[p])


def read_page_map(payload: Mapping[str, Any]) -> PageMap:
    """A chunk's page map from its payload; bad or missing offsets fall back to its page range."""
    first = _int(payload.get("page"), 1)
    last = max(first, _int(payload.get("page_end"), first))
    text = str(payload.get("text", ""))
    raw = payload.get("page_starts")
    if not isinstance(raw, list) or not raw:
        return PageMap(first, last)
    starts: list[tuple[int, int]] = []
    for item in raw:
        if not (isinstance(item, list | tuple) and len(item) == 2):
            return PageMap(first, last)
        offset, page = item
        if not (isinstance(offset, int) and isinstance(page, int)):
            return PageMap(first, last)
        in_order = not starts or (offset > starts[-1][0] and page > starts[-1][1])
        if not (in_order and 0 <= offset <= len(text) and first <= page <= last):
            return PageMap(first, last)
        starts.append((offset, page))
    if starts[0][0] != 0:
        return PageMap(first, last)
    return PageMap(first, last, tuple(starts))


def _int(value: object, default: int) -> int:
    return (
        value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else default
    )


@dataclass(frozen=True)
class Cut:
    """The span of a chunk's text to show, and whether text was cut off before or after it."""

    start: int
    end: int
    cut_before: bool
    cut_after: bool


def cut_at_sentences(text: str, start: int, end: int, starts_clean: bool) -> Cut:
    """Narrow [start, end) to whole sentences, unless that would drop too much of it.

    `starts_clean` says the span begins where the document's text (or a page) begins,
    so its first words start a sentence.
    """
    start, end = _skip_space(text, start, end)
    if end <= start:
        return Cut(start, start, False, False)
    limit = int((end - start) * MAX_CUT_SHARE)
    cut_before = False
    if not starts_clean:
        first = next(
            (m.end() for m in BOUNDARY.finditer(text, start, end) if _starts_sentence(text, m)),
            None,
        )
        if first is not None and first - start <= limit:
            start = first
        else:
            cut_before = True
    cut_after = False
    if not ENDS_SENTENCE.search(text, start, end):
        last = None
        for m in SENTENCE_END.finditer(text, start, end):
            if m.group() != "\n" or breaks_sentence(text, m.start()):
                last = m
        if last is not None and end - last.end() <= limit and last.end() > start:
            end = last.end()
        else:
            cut_after = True
    start, end = _skip_space(text, start, end)
    return Cut(start, end, cut_before, cut_after)


def sentence_starts(text: str, start: int, end: int) -> list[int]:
    """Where sentences start in text[start:end] after its first, by the rule passages are cut
    by: after a stop, or after a line break that breaks the sentence."""
    return [m.end() for m in BOUNDARY.finditer(text, start, end) if _starts_sentence(text, m)]


def _starts_sentence(text: str, boundary: re.Match[str]) -> bool:
    """Whether a sentence starts after the boundary: always after a stop ("… ends. The"), and
    after a line break that breaks the sentence (`breaks_sentence`)."""
    return boundary.group() != "\n" or breaks_sentence(text, boundary.start())


def _skip_space(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def overlap_chars(earlier: str, later: str) -> int:
    """How many characters at the start of `later` repeat the end of `earlier` (whole words)."""
    a, b = earlier.split(), later.split()
    for n in range(min(len(a), len(b)), 0, -1):
        if a[-n:] == b[:n]:
            pos = 0
            for word in b[:n]:
                pos = later.index(word, pos) + len(word)
            return pos
    return 0


@dataclass(frozen=True)
class ShownText:
    """A passage's text as shown, with the page it is cited to and the pages it spans."""

    text: str
    page: int
    page_start: int
    page_end: int
    page_starts: PageStarts


def show_span(text: str, pages: PageMap, cut: Cut) -> ShownText:
    """The shown text of a cut (ellipses where it was cut) and where its pages begin in it.

    Headings that run straight into a sentence are left out, so that whatever a reader copies
    from the passage is made of real sentences."""
    spans = kept_lines(text, cut.start, cut.end)
    lead = ELLIPSIS + " " if cut.cut_before else ""
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = len(lead)
    for start, end in spans:
        if parts:
            offset += 1  # the newline that joins kept lines
        page = pages.page_at(start)
        if not starts or starts[-1][1] != page:
            starts.append((offset if starts else 0, page))
        for at, number in pages.starts:
            if start < at < end and number != starts[-1][1]:
                starts.append((at - start + offset, number))
        parts.append(text[start:end])
        offset += end - start
    shown = lead + "\n".join(parts) + (" " + ELLIPSIS if cut.cut_after else "")
    first, last = pages.pages_of(spans[0][0], spans[-1][1])
    return ShownText(shown, pages.main_page_of_spans(text, spans), first, last, tuple(starts))


def pages_of_part(
    starts: Sequence[Sequence[int]], text: str, start: int, end: int
) -> tuple[int, int, int]:
    """For text[start:end] of a shown text with these page starts: the page holding most of
    it, the page it starts on and the page it ends on."""
    clean = tuple((int(s), int(p)) for s, p in starts)
    if not clean:
        return 1, 1, 1
    pages = PageMap(clean[0][1], clean[-1][1], clean)
    return (
        pages.main_page(text, start, end),
        pages.page_at(start),
        pages.page_at(max(start, end - 1)),
    )


@dataclass(frozen=True)
class Passage:
    """One chunk as shown under its document: the text, the page to cite (`page`, holding
    most of the text) and the pages it spans; `page_starts` are offsets in `text`."""

    chunk_id: str
    text: str
    page_start: int
    page_end: int
    score: float
    page: int = 0
    page_starts: PageStarts = ()

    @property
    def cited_page(self) -> int:
        return self.page or self.page_start


def chunk_index_of(payload: Mapping[str, Any]) -> int:
    """A chunk's place in its document from its payload (0, a document's first, when missing
    or not a whole number)."""
    value = payload.get("chunk_index")
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def _chunk_index(hit: Hit) -> int:
    return chunk_index_of(hit.payload)


def opens_sentence(payload: Mapping[str, Any]) -> bool:
    """Whether a chunk's text starts where a sentence starts: a document's first chunk, or one
    the chunker found starting at a sentence (`opens_sentence`; libraries read before that say
    nothing, and their chunks count as starting inside one)."""
    return chunk_index_of(payload) == 0 or payload.get("opens_sentence") is True


def with_lead(hit: Hit) -> Hit:
    """The hit as shown: a chunk that starts inside a sentence with its `lead` (the words back
    to that sentence's start, stored at ingest) before its text, and its page map moved to
    match, so a passage opens on the whole sentence. Other hits (and one already given its
    lead) are returned as they are."""
    lead = hit.payload.get("lead")
    if not isinstance(lead, str) or not lead.strip() or len(lead) > MAX_LEAD_CHARS:
        return hit
    pages = read_page_map(hit.payload)
    lead_page = _int(hit.payload.get("lead_page"), pages.first)
    if lead_page > pages.first:
        return hit  # not before the chunk: a payload that does not hold together
    shifted = [(offset + len(lead), page) for offset, page in pages.starts or ((0, pages.first),)]
    starts = [(0, lead_page)] + [s for s in shifted if s[1] != lead_page]
    payload = {
        **{k: v for k, v in hit.payload.items() if k not in ("lead", "lead_page")},
        "text": lead + hit.text,
        "page": lead_page,
        "page_starts": [list(s) for s in starts],
        "opens_sentence": True,
    }
    return hit._replace(payload=payload)


def passage_from_hit(hit: Hit, score: float | None = None, start: int = 0) -> Passage:
    """A hit's chunk cut to whole sentences; from `start` (a line's start, so a sentence's)
    when given, in the text `with_lead` gives it (its lead, if any, then its own text)."""
    hit = with_lead(hit)
    return _passage(hit, _cut(hit, start, start > 0 or opens_sentence(hit.payload)), score)


# Cutting a chunk to whole sentences and laying out what is shown of it depend on nothing but
# its text, its page map and where the cut starts, and were most of what a shown passage
# costs (the JSON API's passages and excerpts were about a fifth of a search at 300k chunks).
# Searches show the same passages again and again, so both are remembered across requests,
# by those inputs: a passage shown again is cut and laid out as the first time, for the cost
# of a look-up. Bounded: an entry holds about two copies of a passage's text (5 kB for the two
# caches together, for a typical passage of 900 characters).
_CUTS_REMEMBERED = 2_048


@lru_cache(maxsize=_CUTS_REMEMBERED)
def _remembered_cut(text: str, start: int, starts_clean: bool) -> Cut:
    return cut_at_sentences(text, start, len(text), starts_clean)


@lru_cache(maxsize=_CUTS_REMEMBERED)
def _remembered_span(text: str, pages: PageMap, cut: Cut) -> ShownText:
    return show_span(text, pages, cut)


def _cut(hit: Hit, start: int, starts_clean: bool) -> Cut:
    text = hit.text
    return _remembered_cut(text, min(start, len(text)), starts_clean)


def _passage(hit: Hit, cut: Cut, score: float | None = None) -> Passage:
    text = hit.text
    shown = _remembered_span(text, read_page_map(hit.payload), cut)
    return Passage(
        chunk_id=str(hit.id),
        text=shown.text,
        page_start=shown.page_start,
        page_end=shown.page_end,
        score=float(hit.score if score is None else score),
        page=shown.page,
        page_starts=shown.page_starts,
    )


# A passage trimmed to fewer words than this, after its neighbour took the words it shared,
# is not shown.
MIN_LEFTOVER_WORDS = 12


def document_passages(hits: Sequence[Hit]) -> list[Passage]:
    """One document's hits as passages that never repeat each other's words.

    Neighbouring chunks share their edge words; the later one in the document loses them. A
    passage whose shown words another passage already shows (a document that prints the same
    paragraph on two pages) is left out: the better-ranked one stays.
    """
    hits = [with_lead(hit) for hit in hits]
    cuts: dict[str, Cut] = {}
    leftovers: set[str] = set()
    previous: tuple[Hit, Cut] | None = None
    for hit in sorted(hits, key=_chunk_index):
        cut = _cut(hit, 0, opens_sentence(hit.payload))
        if previous is not None and _chunk_index(previous[0]) == _chunk_index(hit) - 1:
            before, shown = previous
            repeated = overlap_chars(before.text, hit.text)
            # Where the earlier passage's shown text stops, in this chunk's offsets.
            stop = shown.end - (len(before.text) - repeated) if repeated else 0
            if stop > 0:
                cut = _cut(hit, stop, not shown.cut_after)
                # What is left of a short tail chunk ("… that come with it.") tells a reader
                # nothing the passage above did not: leave it out.
                if len(hit.text[cut.start : cut.end].split()) < MIN_LEFTOVER_WORDS:
                    leftovers.add(hit.id)
        cuts[hit.id] = cut
        previous = (hit, cut)
    passages: list[Passage] = []
    seen: set[str] = set()
    for hit in hits:
        if hit.id in leftovers:
            continue
        passage = _passage(hit, cuts[hit.id])
        words = shown_words(passage.text)
        if words in seen:
            continue  # the same words again, from elsewhere in the document
        seen.add(words)
        passages.append(passage)
    # A passage of nothing but footnotes or source lines can match a search's words best (the
    # title of a cited report): it is shown after the document's evidence, not as its best.
    return sorted(passages, key=lambda p: is_apparatus(p.text))


def shown_words(text: str) -> str:
    """A shown passage's words, to tell whether two passages show the same ones: without the
    ellipses of its cuts, spacing and case."""
    return " ".join(text.strip(" " + ELLIPSIS).split()).casefold()


def is_apparatus(text: str) -> bool:
    """Whether a shown passage is nothing but a page's apparatus: every line of it a footnote,
    a source line, a caption or a contact line."""
    lines = [line.strip(" " + ELLIPSIS) for line in text.splitlines()]
    kept = [line for line in lines if line]
    return bool(kept) and all(is_note_line(line) or is_caption_line(line) for line in kept)
