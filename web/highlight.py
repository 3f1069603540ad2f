"""Marks the query's words in passage text. Every piece of text is escaped before any <mark> goes
in, so neither the query nor the document can inject HTML."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache, reduce
from itertools import accumulate, islice
from operator import add, or_

from markupsafe import Markup, escape

from search.analysis import search_words, terms, words
from search.evidence.strength import reads_as_prose
from search.retrieval.sentences import BULLETS, breaks_sentence
from search.retrieval.sentences import reads_as_prose as line_reads_as_prose
from search.retrieval.spelling import spellings

__all__ = [
    "ELLIPSIS",
    "WordMatcher",
    "excerpt",
    "excerpt_of",
    "excerpt_span",
    "highlight",
    "query_stems",
]

# A word as a reader sees it; the analyser decides whether it matches.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
ELLIPSIS = "…"
_NOT_ASCII = re.compile(r"[^\x00-\x7f]")


def query_stems(query: str) -> frozenset[str]:
    """The query's index terms (stemmed, stop words dropped): 'homes' gives 'home'; with its
    words' other spellings, as search matches them ('behavior' gives 'behaviour' too)."""
    spelt = spellings(search_words(query))
    return frozenset(terms(query)) | {t for words in spelt for w in words[1:] for t in terms(w)}


def _start(token: str) -> str:
    """A token's first two letters, y read as i.

    Snowball's English stemmer changes a word's ending but keeps these (checked over
    the 35,000 words of SciFact; y→i as in dying→die is the one change it makes), so a
    word whose start matches no query stem's start cannot match and is never stemmed.
    """
    return token[:2].replace("y", "i")


# Every page and API answer reads the same words of the same passages again: how a word splits
# into tokens, and each token's index terms, are the same for every query, so they are
# remembered across requests (bounded; the cache is thread-safe).
_WORDS_REMEMBERED = 65_536


@lru_cache(maxsize=_WORDS_REMEMBERED)
def _word_tokens(key: str) -> tuple[str, ...]:
    """The analyser's tokens of one case-folded word ("children's" gives "children")."""
    return (key,) if key.isascii() and key.isalnum() else tuple(words(key))


@lru_cache(maxsize=_WORDS_REMEMBERED)
def _token_terms(token: str) -> frozenset[str]:
    return frozenset(terms(token))


class WordMatcher:
    """Says whether a word matches the query, remembering each verdict.

    Make one per page and pass it to every `highlight` and `excerpt` call: passages
    repeat words a lot, and stemming is the slow part of drawing a results page.
    """

    def __init__(self, stems: Iterable[str], remember: int | None = None) -> None:
        self.stems = frozenset(stems)
        # A matcher kept across requests forgets its verdicts past this many, so its memory
        # stays bounded however many words the library holds (None: one page's, unbounded).
        self.remember = remember
        self._starts = frozenset(_start(stem) for stem in self.stems)
        # A word can match only if it begins with one of `_starts` (y read as either y or i):
        # one search in C rules out most of an ASCII passage's words at once.
        self._may_begin = _beginnings(self._starts)
        self._seen: dict[str, bool] = {}
        self._stems_seen: dict[str, frozenset[str]] = {}
        # Each span's verdict (`has_match`), looked up as a dict so a passage's words can be
        # read in one C loop (`excerpt_span`).
        self.span_verdicts = _SpanVerdicts(self)

    def _may_match(self, token: str) -> bool:
        return _start(token) in self._starts or token[:1] in self._starts

    def __call__(self, word: str) -> bool:
        if not self.stems:
            return False
        key = word.casefold()
        verdict = self._seen.get(key)
        if verdict is None:
            if self.remember is not None and len(self._seen) >= self.remember:
                self._seen.clear()
            verdict = any(
                not self.stems.isdisjoint(_token_terms(t))
                for t in _word_tokens(key)
                if self._may_match(t)
            )
            self._seen[key] = verdict
        return verdict

    def has_match(self, span: str) -> bool:
        """Whether any word in `span` (say, "homes," or "damp/mould") matches."""
        return self.span_verdicts[span]

    def stems_in(self, span: str) -> frozenset[str]:
        """Which of the query's stems the words of `span` match ("damp/mould" gives both)."""
        found = self._stems_seen.get(span)
        if found is None:
            if self.remember is not None and len(self._stems_seen) >= self.remember:
                self._stems_seen.clear()
            found = frozenset(
                stem
                for word in _WORD.findall(span)
                for token in _word_tokens(word.casefold())
                if self._may_match(token)
                for stem in self.stems & _token_terms(token)
            )
            self._stems_seen[span] = found
        return found

    def hits(self, spans: Sequence[str]) -> list[bool]:
        """`has_match` for each of `spans` (a passage's words, split at spaces)."""
        return self.hits_in(_Spans.of(spans))

    def hits_in(self, spans: _Spans) -> list[bool]:
        """`has_match` for each of a passage's words. One search over them all finds the few
        words that may match (those that begin like a query stem, and any with a letter
        outside ASCII, which the analyser folds), and only those are stemmed: every passage
        of a results page or of the JSON API comes through here."""
        words = spans.words
        begins = self._may_begin
        if begins is None:
            return [False] * len(words)
        if spans.lowered is None:  # a letter whose lower case is longer: word by word
            return list(map(self.span_verdicts.__getitem__, words))
        found = [False] * len(words)
        starts = spans.starts
        may_begin = {bisect_right(starts, m.start()) - 1 for m in begins.finditer(spans.lowered)}
        for at in may_begin | spans.not_ascii:
            found[at] = self.span_verdicts[words[at]]
        return found


def _beginnings(starts: Iterable[str]) -> re.Pattern[str] | None:
    """A pattern found where a word (lower case) begins with one of `starts`, y read as either
    y or i. Each start's first letter leads and the look behind it follows ("c", then not a
    letter or digit before it, then "h"): the engine then skips to the next such letter rather
    than testing every place in the text."""
    pieces = []
    for start in sorted(filter(None, starts), key=len, reverse=True):
        letters = ["[iy]" if c in "iy" else re.escape(c) for c in start]
        pieces.append(f"{letters[0]}(?<![a-z0-9]{letters[0]}){''.join(letters[1:])}")
    return re.compile("|".join(pieces)) if pieces else None


@dataclass(frozen=True)
class _Spans:
    """A passage's words (split at spaces) read as every query reads them: joined by newlines
    and lower-cased for one search (None when lower-casing changes a letter's length), where
    each word starts in that, and which words hold a letter outside ASCII."""

    words: Sequence[str]
    lowered: str | None
    starts: Sequence[int]
    not_ascii: frozenset[int]

    @staticmethod
    def of(words: Sequence[str]) -> _Spans:
        joined = "\n".join(words)
        lowered = joined.lower()
        if len(lowered) != len(joined):
            return _Spans(words, None, (), frozenset())
        # Where each word starts in `joined`: the lengths before it and one newline each.
        starts = array("q", map(add, accumulate(map(len, words), initial=0), range(len(words))))
        not_ascii = frozenset(
            bisect_right(starts, m.start()) - 1 for m in _NOT_ASCII.finditer(joined)
        )
        return _Spans(words, lowered, starts, not_ascii)


@dataclass(frozen=True)
class _Reading:
    """What choosing an excerpt reads of a passage whatever the query (`_Spans` without the
    words, which are quick to split again and take most of the memory), and the words that
    open a sentence (`_sentence_starts`)."""

    lowered: str | None
    starts: Sequence[int]
    not_ascii: frozenset[int]
    openings: Sequence[int]

    def spans(self, words: Sequence[str]) -> _Spans:
        return _Spans(words, self.lowered, self.starts, self.not_ascii)


# A results page and the API choose an excerpt of every passage they show, for each query; the
# reading of a passage that does not depend on the query (about 40% of choosing an excerpt) is
# remembered across requests, by the passage's text. Bounded: an entry holds about two and a
# half times a passage's text (3 kB for a typical passage of 900 characters).
_PASSAGES_REMEMBERED = 2_048


@lru_cache(maxsize=_PASSAGES_REMEMBERED)
def _read_passage(text: str) -> _Reading:
    words = text.split()
    spans = _Spans.of(words)
    return _Reading(
        spans.lowered, spans.starts, spans.not_ascii, array("q", _sentence_starts(words))
    )


class _SpanVerdicts(dict[str, bool]):
    """A span's verdict, worked out by its matcher the first time it is asked for."""

    def __init__(self, matcher: WordMatcher) -> None:
        super().__init__()
        self.matcher = matcher

    def __missing__(self, span: str) -> bool:
        limit = self.matcher.remember
        if limit is not None and len(self) >= limit:
            self.clear()
        verdict = self[span] = any(self.matcher(word) for word in _WORD.findall(span))
        return verdict


def _matcher(stems: Iterable[str] | WordMatcher) -> WordMatcher:
    return stems if isinstance(stems, WordMatcher) else WordMatcher(stems)


def highlight(text: str, stems: Iterable[str] | WordMatcher) -> Markup:
    """`text` as safe HTML with each word whose stem is in `stems` wrapped in <mark>."""
    matches = _matcher(stems)
    pieces: list[str] = []
    last = 0
    # Text between matches is escaped in one piece: most words are not marked. Every piece is
    # escaped text or a literal tag, joined as plain text and marked safe once: `Markup.format`
    # for each marked word took about a third of this function's time (55.7 against 38.3 µs
    # for an excerpt, the same HTML, on 9,065 excerpts of the real PDFs).
    for found in _WORD.finditer(text):
        word = found.group()
        if matches(word):
            pieces += (escape(text[last : found.start()]), "<mark>", escape(word), "</mark>")
            last = found.end()
    pieces.append(escape(text[last:]))
    return Markup("".join(pieces))


_TOKEN = re.compile(r"\S+")
# Words an excerpt shows before its first matching word, for context.
_LEAD_WORDS = 8


def excerpt_span(
    text: str,
    stems: Iterable[str] | WordMatcher,
    max_words: int = 45,
    also: WordMatcher | None = None,
) -> tuple[int, int]:
    """Where in `text` (character offsets) the best run of `max_words` words starts and ends
    (`_best_run`: the most different query words first), its edges then moved to a sentence's
    start and end where one is near (`_snap_to_sentences`: it holds at most 2 * SNAP_WORDS
    more words). With `also` (say, a determinant's own words), of the runs equal on the
    query's different words the one with the most of those."""
    # Every passage of a results page and of the JSON API goes through here: `str.split` cuts
    # where `_TOKEN` does (both split on what `str.isspace` calls space), each word's verdict
    # is remembered, and only the runs that start on a matching word are compared.
    tokens = text.split()
    if len(tokens) <= max_words:
        if not tokens:
            return 0, 0
        return _without_headings(text, *_offsets(text, 0, len(tokens)), _matcher(stems))
    reading = _read_passage(text)
    spans, openings = reading.spans(tokens), reading.openings
    matches = _matcher(stems)
    hits = matches.hits_in(spans)
    found = [i for i, hit in enumerate(hits) if hit]
    if found:
        start, first = _best_run(spans, openings, found, matches, max_words, also)
    else:
        # No query word: the run with most of `also`'s words, or else the passage's start.
        others = also.hits_in(spans) if also is not None else []
        found = [i for i, other in enumerate(others) if other]
        start, first = _best_run(spans, openings, found, None, max_words, None)
    end = min(len(tokens), start + max_words)
    # The run's last matching word (the run holds at least its first, `first`).
    last = found[bisect_left(found, end) - 1] if found else start
    start, end = _snap_to_sentences(tokens, openings, start, end, first, last)
    return _without_headings(text, *_offsets(text, start, end), matches)


def _without_headings(text: str, start: int, end: int, matches: WordMatcher) -> tuple[int, int]:
    """The part without a heading laid out above its first sentence or carried in after its
    last (`_without_leading_heading`, `_without_trailing_heading`)."""
    start = _without_leading_heading(text, start, end, matches)
    return _without_trailing_heading(text, start, end)


# A line of this many words or fewer, ending no sentence, is a heading however it is written;
# one of up to TITLE_CASE_WORDS words is when most of its longer words are capitalised (a longer
# line with capitals in it is a sentence's middle as often: "… Gold" / "Award holder by sending
# KCC staff on the Sandhurst / Longmoor Leadership" / "Challenge training …").
TITLE_WORDS = 5
TITLE_CASE_WORDS = 8
# A section's number before a heading's words ("5.1 Food insecurity").
_SECTION_NUMBER = re.compile(r"\d+(?:\.\d+)*\.?\s+")


def _without_leading_heading(text: str, start: int, end: int, matches: WordMatcher) -> int:
    """Where the part starts once the whole lines above its first sentence that are headings
    are left out (`_is_heading_line`, ending where the line break ends a sentence,
    `breaks_sentence`; at most SNAP_WORDS words in all), before prose that opens a sentence,
    holds at least as many words and, where the headings hold a word searched for, one too.
    "Physical Activity and Obesity" over "An estimated 68.3% of adults …" read as one sentence
    in a quote. A data row's label, a list's item, or a sentence wrapped onto the next line,
    stays."""
    if start and text[:start].rstrip(" \t")[-1:] != "\n":
        return start  # the part opens inside a line
    at, heading_words = start, 0
    while (newline := text.find("\n", at, end)) >= 0:
        line = text[at:newline].strip()
        count = len(line.split())
        if (
            not _is_heading_line(line)
            or heading_words + count > SNAP_WORDS
            or not breaks_sentence(text, newline)
        ):
            break
        at, heading_words = newline + 1, heading_words + count
    if at == start:
        return start
    rest = text[at:end]
    if not _SENTENCE_OPENING.match(rest.lstrip()) or len(rest.split()) < heading_words:
        return start
    # The line under the headings reads as a sentence, not a table's row or a form's field
    # ("West Sussex" over "1,230 2,318 …" names the row), and so does the part.
    first_line = rest.lstrip().split("\n", 1)[0].lstrip(BULLETS + " ").split()
    if not line_reads_as_prose(first_line) or not reads_as_prose(rest):
        return start
    if matches.has_match(text[start:at]) and not matches.has_match(rest):
        return start
    return at + len(rest) - len(rest.lstrip())


def _is_heading_line(line: str) -> bool:
    """Whether a line reads as a heading: words that end no sentence or clause, with no figure
    but a section's number before them and no list's bullet, and written as a title (a
    section's number, capitals, `TITLE_WORDS` words or fewer, or most of its longer words
    capitalised in at most `TITLE_CASE_WORDS`). A sentence wrapped onto the next line is not
    ("… are funded through the Dedicated" / "Schools Grant (DSG).").

    Not `search.retrieval.headings.is_heading_line`, which `kept_lines` uses for a whole
    passage: that one judges a line after a paragraph's end, and reads a section's heading with
    small words in it as a sentence's line; a quote's first line has no paragraph shown above
    it. Swapped in here it changed 40 of 9,065 recorded quotes both ways: numbered headings
    ("5.4 Adapted housing to meet health / social care need") stayed, and a figure's lead-in
    ("In 2016/17 in West Sussex" / "68.3% of adults …") went."""
    if (
        not line
        or _SENTENCE_END.search(line)
        or line.endswith((":", ";", ","))
        or line[0] in BULLETS
    ):
        return False
    numbered = _SECTION_NUMBER.match(line)
    title = line[numbered.end() :] if numbered else line
    if any(c.isdigit() for c in title):
        return False
    longer = [w for w in title.split() if sum(c.isalpha() for c in w) > 3]
    capitalised = sum(w[:1].isupper() for w in longer)
    count = len(title.split())
    return (
        bool(numbered)
        or title.isupper()
        or count <= TITLE_WORDS
        or (count <= TITLE_CASE_WORDS and capitalised * 2 > len(longer))
    )


def _without_trailing_heading(text: str, start: int, end: int) -> tuple[int, int]:
    """The part of `text` from `start` to `end` (characters) without the whole lines after its
    last sentence that end no sentence, where they hold at most SNAP_WORDS words and what is
    left holds at least as many: the next section's heading, or a figure's caption, carried in
    at a passage's end ("… were suspected to be suicides. Location of death"). A line the part
    cuts off mid-way is the opening of the next paragraph, which stays."""
    part = text[start:end]
    if (
        not part
        or _SENTENCE_END.search(part[-3:])
        or text[end:].lstrip(" \t")[:1] not in ("", "\n")
    ):
        return start, end
    cut, left_out = len(part), 0
    while True:
        line_start = part.rfind("\n", 0, cut) + 1
        if line_start == 0:
            return start, end  # the part is one line: no sentence before it to end on
        left_out += len(part[line_start:cut].split())
        before = part[: line_start - 1].rstrip()
        if left_out > SNAP_WORDS or not before:
            return start, end
        if _SENTENCE_END.search(before[-3:]):
            kept = len(before.split()) >= left_out
            return (start, start + len(before)) if kept else (start, end)
        cut = len(before)


def _best_run(
    spans: _Spans,
    openings: Sequence[int],
    found: list[int],
    matches: WordMatcher | None,
    max_words: int,
    also: WordMatcher | None,
) -> tuple[int, int]:
    """Where the best run of `max_words` of `tokens` starts, and its first match; `openings`
    are the words that open a sentence (`_sentence_starts`).

    The runs tried hold a matching word (`found`, in order): one puts it a few words in, for
    context (`_LEAD_WORDS`, fewer at the text's start, more at its end), and one starts at the
    sentence it is in, if that is near enough. The best shows the most different query words,
    then the most of `also`'s words (a determinant's, for its best passage), then opens on a
    sentence's start (once its start moves by up to SNAP_WORDS), then holds the most
    query words; of equals, the first. A run that repeats one common word ("housing",
    "housing") shows less of the question than one holding another word asked about too
    ("housing", "damp"), and a quote that opens mid-sentence reads as a fragment. Without
    `matches`, the run with most of the found words; with nothing found, the start."""
    if not found:
        return 0, 0
    tokens = spans.words
    length = len(tokens)
    lead = min(_LEAD_WORDS, max_words - 1)
    # Each found word's query stems as the bits of one number, so a run's different query
    # words are an OR of its found words' numbers (every page of results compares dozens of
    # runs for each passage it shows).
    masks: list[int] = []
    if matches is not None:
        bits: dict[str, int] = {}
        for i in found:
            mask = 0
            for stem in matches.stems_in(tokens[i]):
                mask |= bits.setdefault(stem, 1 << len(bits))
            masks.append(mask)
    extra = list(accumulate(also.hits_in(spans), initial=0)) if also is not None else []
    # A run of `max_words` starting here or later would end past the text: it starts here.
    last_start = max(0, length - max_words)
    last_opening = len(openings)
    best: tuple[int, int, bool, int] | None = None
    best_run = (0, found[0])
    tried: set[int] = set()
    for at in found:
        sentence = openings[bisect_right(openings, at) - 1]
        for begin in (sentence, at - lead) if at - sentence < max_words else (at - lead,):
            start = min(max(0, begin), last_start)
            if start in tried:
                continue  # the same run as one before: the first of equals is kept
            tried.add(start)
            end = min(length, start + max_words)
            first, last = bisect_left(found, start), bisect_left(found, end)
            # Where `_snap_to_sentences` can move the start to: forward up to the first match,
            # or back, by at most SNAP_WORDS.
            near = bisect_left(openings, start - SNAP_WORDS)
            opens = near < last_opening and openings[near] <= min(found[first], start + SNAP_WORDS)
            score = (
                reduce(or_, masks[first:last], 0).bit_count() if masks else 0,
                extra[end] - extra[start] if extra else 0,
                opens,
                last - first,
            )
            if best is None or score > best:
                best, best_run = score, (start, found[first])
    return best_run


def _sentence_starts(tokens: list[str]) -> list[int]:
    """The words (by index, in order) that open a sentence: the first, and each that opens
    like one (`_SENTENCE_OPENING`) after a word that ends like one (`_SENTENCE_END`), found
    with one search of the joined words rather than a test of each."""
    joined = " ".join(tokens)
    # Where each word starts in `joined`.
    starts = list(accumulate((len(t) + 1 for t in tokens[:-1]), initial=0))
    found = [0]
    for end in _ENDS_WORD.finditer(joined):
        i = bisect_left(starts, end.end() + 1)
        if i < len(tokens) and i > found[-1] and _SENTENCE_OPENING.match(tokens[i]):
            found.append(i)
    return found


def _offsets(text: str, start: int, end: int) -> tuple[int, int]:
    """Where word `start` begins and word `end - 1` ends, in characters."""
    found = _TOKEN.finditer(text)
    first = next(islice(found, start, None))
    last = first if end - 1 == start else next(islice(found, end - 2 - start, None))
    return first.start(), last.end()


# How far (in words) an excerpt's edges may move to begin and end with whole sentences.
SNAP_WORDS = 12
# A stop and the closing quotes or brackets after it: at a word's end, the sentence's end.
_STOP = r"[.!?][\"'\u201d\u2019)\]]*"
_SENTENCE_END = re.compile(_STOP + "$")
# The same in the joined words, followed by the space before the next word.
_ENDS_WORD = re.compile(_STOP + "(?= )")
# What a sentence opens with, as search.retrieval.passages reads it when it cuts passages: a
# capital, a number or a bullet, perhaps after an opening quote or bracket.
_SENTENCE_OPENING = re.compile(r"[\"“‘'(\[]?[A-Z0-9•]")


def _snap_to_sentences(
    tokens: Sequence[str],
    openings: Sequence[int],
    start: int,
    end: int,
    first_match: int,
    last_match: int,
) -> tuple[int, int]:
    """Move an excerpt's start to where a sentence starts (forward, up to its first matching
    word, or else back), and its end forward to where a sentence ends, each by at most
    SNAP_WORDS, so a quote reads from the start of a sentence where one is near. With no
    sentence end that near ahead, the end moves back to the last sentence end after its last
    matching word, if that keeps at least half the words, or else on to the end of the sentence
    it is in, if the quote then holds no more words than the two moves together could have
    added (SNAP_WORDS each); a start left inside a sentence then moves back to where that
    sentence opens, within the same bound. A quote that starts and stops with a sentence reads
    as one, and one cut mid-sentence does not. `openings` are the words that open a sentence
    (`_sentence_starts`)."""
    longest = end - start + 2 * SNAP_WORDS
    after = bisect_left(openings, start)
    if after < len(openings) and openings[after] <= min(first_match, end, start + SNAP_WORDS):
        start = openings[after]
    else:
        behind = bisect_right(openings, start) - 1
        if behind >= 0 and openings[behind] >= start - SNAP_WORDS:
            start = openings[behind]
    if not _SENTENCE_END.search(tokens[end - 1]):
        stop = next(
            (
                i + 1
                for i in range(end, min(len(tokens), end + SNAP_WORDS))
                if _SENTENCE_END.search(tokens[i])
            ),
            None,
        )
        if stop is None:  # none near ahead: the last one behind, if any
            keep = max(last_match + 1, start + (end - start) // 2)
            stop = next(
                (i + 1 for i in range(end - 2, keep - 2, -1) if _SENTENCE_END.search(tokens[i])),
                None,
            )
        if stop is None:  # none behind either: the end of its sentence, if the quote stays short
            stop = next(
                (
                    i + 1
                    for i in range(end + SNAP_WORDS, min(len(tokens), start + longest))
                    if _SENTENCE_END.search(tokens[i])
                ),
                None,
            )
        if stop is not None:
            end = stop
    # A start still inside a long sentence moves back to where it opens, if the quote stays as
    # short as above.
    behind = bisect_right(openings, start) - 1
    if behind >= 0 and end - openings[behind] <= longest:
        start = openings[behind]
    return start, end


def excerpt(text: str, stems: Iterable[str] | WordMatcher, max_words: int = 45) -> str:
    """The run of up to `max_words` words with the most query words in it, with ellipses."""
    start, end = excerpt_span(text, stems, max_words)
    return excerpt_of(text, start, end)


def excerpt_of(text: str, start: int, end: int) -> str:
    body = " ".join(text[start:end].split())
    before = ELLIPSIS + " " if text[:start].strip() else ""
    after = " " + ELLIPSIS if text[end:].strip() else ""
    return before + body + after
