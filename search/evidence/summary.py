"""Picks the chunks and sentences that best represent a document, for its page and related work."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from search.analysis import terms
from search.retrieval.passages import opens_sentence, overlap_chars, read_page_map
from search.retrieval.sentences import (
    BOUNDARY,
    BULLETS,
    RUN_IN_OPENER,
    breaks_sentence,
    holds_caption,
    is_table_row,
)
from search.schema import IndexedChunk

__all__ = [
    "SummarySentence",
    "central_chunks",
    "opens_on_earlier",
    "summarise",
]

# A sentence ends at . ! ? before a capital, or at a newline: the chunker ends every heading
# and paragraph with one, so a heading is never run into the sentence after it. A list's bullet
# starts a new one too (a word processor's "o" among them): a bulleted list read as one line is
# several points, not a sentence. So does a sentence's first word laid out on a heading's or a
# table cell's line (`RUN_IN_OPENER`).
_SENTENCE = re.compile(
    rf"(?<=[.!?])[ \t]+(?=[A-Z0-9“\"‘(])|\n|\s+[{BULLETS}]\s+(?=[A-Z0-9])|\s+o\s+(?=[A-Z])"
    rf"|{RUN_IN_OPENER}"
)
# A numbered paragraph's number ("1.2 The plan sets out …") is not part of its sentence, nor is
# one the text layer ran into its first word ("1.2The decision …", "10.Section 17.74 …").
_PARAGRAPH_NUMBER = re.compile(
    r"^\d{1,2}(?:\.\d{1,2}){1,3}\.?\s+(?=[A-Z“\"‘(])"
    r"|^\d{1,2}(?:(?:\.\d{1,2}){1,3}\.?|\.)(?=[A-Z][a-z]|[A-Z]{2,}\b)"
)


@dataclass(frozen=True)
class SummarySentence:
    text: str
    page: int


def central_chunks(chunks: Sequence[IndexedChunk], count: int) -> list[IndexedChunk]:
    """The chunks nearest the centroid of all the document's chunk vectors."""
    if not chunks:
        return []
    vectors = np.asarray([c.dense for c in chunks], dtype=np.float32)
    centroid = vectors.mean(axis=0)
    order = np.argsort(-(vectors @ centroid), kind="stable")
    return [chunks[int(i)] for i in order[:count]]


# A web address or DOI marks a reference or a note, not a sentence to quote as a summary.
_LINK = re.compile(r"https?:|www\.|\bdoi\b", re.IGNORECASE)


# A sentence that leans on the one before it ("This was higher than the South East (13.6%)
# …", "However, they also felt …"): quoted alone in a summary it says nothing. ("This is a data
# profile of …" and "Overall, …" stand on their own.)
_LEANS_BACK = re.compile(
    r"^(?:(?:This|These|That|Those)\s+(?:was|were|is|are|represents|represented|equates"
    r"|equated|compares|compared)\b(?!\s+(?:a|an|the)\b)"
    r"|(?:However|Therefore|Additionally|Furthermore|Similarly|Conversely|Thus|Hence"
    r"|They|He|She|It\s+also)\b)"
)


# A sentence that opens on what an earlier one said: a connective that carries on from it
# ("In addition, …", "As a result …", "But …"), a pronoun or demonstrative standing for
# something in it ("It will also …", "These small areas …", "This left …", "In this proposal,
# …", "The latter …", "Other research …"), "these" among its first words ("Generally, the
# distribution of these …"), an "also" among them adding to something said before ("The report
# also describes …", "We have also supported …"; not "also known as"), or "this" or "these"
# opening the main clause after one set before it ("Working together across …, this approach
# has …"). Fine inside a summary, it reads wrong as the summary's first sentence; so does one with
# a connective or an example's marker set off in its first clause ("Any response …, therefore,
# should …", "When, for example, …"). Not the document speaking of itself ("This briefing looks
# at …", "In this report …", "This is a data profile of …"), a time ("This year …"), an "It"
# that points ahead ("It is estimated that …"), "Those who …", a motion's "That the committee
# supports …", or a summing up ("Overall, …", "West Sussex, overall, is …").
_CONNECTIVE = (
    r"(?:However|Therefore|Thus|Hence|Additionally|Furthermore|Moreover|Similarly|Likewise"
    r"|Conversely|Consequently|Accordingly|Nevertheless|Nonetheless|Meanwhile|Instead|Otherwise"
    r"|Also|Again|Besides|Still|Yet|But|And|So|Then|Indeed|Alternatively|Subsequently"
    r"|In addition|As a result|As such|In contrast|By contrast|On the other hand|In turn"
    r"|For example|For instance|At the same time|Even so|Despite this|Because of this"
    r"|Following this|Of these|Of those|In both cases|In each case|A further)\b"
)
_ITSELF = (
    r"(?:\w+\s+){0,2}(?:report|briefing|brief|document|paper|book|strategy|plan|review|chapter"
    r"|section|profile|assessment|analysis|study|survey|bulletin|guide|leaflet|summary"
    r"|evaluation|appendix|update|publication|framework|needs|year|month|week|quarter|winter"
    r"|summer|spring|autumn|time)\b|is\s+an?\b"
)
_OPENS_ON_EARLIER = re.compile(
    rf"^(?:{_CONNECTIVE}"
    r"|(?:Its|They|Their|Them|He|She|His|Her|Such|These)\b"
    r"|It\b(?!\s+(?:is|was|has\s+been|will\s+be|may\s+be)\s+\w+\s+(?:that|to)\b)"
    r"|Those\b(?!\s+(?:who|whose|aged|with|without|living|in|over|under|from|most|least)\b)"
    rf"|(?:This|That)\s+(?!{_ITSELF}|(?:the|an?)\b)[a-z]"
    rf"|(?:In|For|From|At|On|By|Under|With|Within|Given|Beyond)\s+(?:this|that)\s+(?!{_ITSELF})"
    r"|(?:\S+\s+){1,4}these\b"
    r"|(?:\S+\s+){1,5}also\b(?!\s+(?:known|called|referred|termed)\b)"
    r"|The\s+(?:latter|former|same)\b(?!-)"
    r"|Other\s+[a-z]"
    rf"|[^.;:]{{1,100}},\s+(?:this|these)\s+(?!(?i:{_ITSELF}))"
    r"|[^.,;:]{1,60},\s+(?:therefore|however|thus|consequently|moreover|furthermore|in\s+turn"
    r"|as\s+a\s+result|in\s+addition|by\s+contrast|in\s+contrast|similarly|likewise"
    r"|nevertheless|nonetheless|also|for\s+example|for\s+instance|in\s+particular|too|again"
    r"|though|instead|then|conversely|as\s+well),)"
)


def opens_on_earlier(sentence: str) -> bool:
    """Whether a sentence opens on what an earlier one said (`_OPENS_ON_EARLIER`)."""
    return bool(_OPENS_ON_EARLIER.match(sentence.strip()))


# The end of a bracket opened in the sentence before ("23%) and those who are satisfied …",
# "985) Davis, Bagozzi …"): a fragment, though it starts with a figure.
_BRACKET_CLOSED = re.compile(r"^[\d.,]+%?\)")
# A bare number before a capital: a footnote's, a section's or a table row's number run into
# the words after it ("46 However, set against …", "36 Efficiency CED Peter Oakford …"), not a
# count that starts a sentence ("46 people were …").
_NUMBERED = re.compile(r"^\d{1,3}\s+[A-Z]")
# A sentence that introduces a list, with the list's first number run into its end.
_LIST_FOLLOWS = re.compile(r":\s*\(?\d{1,2}[.)]$")
# A chart's own label, numbered without the word "Figure" ("10a: Asthma by age", "… fever 3:
# Pharyngitis"), in or at the start of a sentence: a chart's legend read as a sentence. A
# numbered heading of the document's own ("Recommendation 2: Focus on …") is not one.
_CHART_LABEL = re.compile(r"(?:^|\s)\d{1,2}[a-z]:\s+[A-Z]|(?:^|\s[^A-Z\s]\S*\s)\d{1,2}:\s+[A-Z]")


# A word's full stop with a comma after it: two boxes of an infographic read as one line ("… at
# greater risk of loneliness., At the time …"). Not an abbreviation's ("i.e.,", "et al.,",
# "Calif.,", "etc.,").
_BOXES_RUN_TOGETHER = re.compile(r"(?<![A-Za-z])(?!etc\.)[a-z]{3,}\.,")


def _is_prose(sentence: str) -> bool:
    if holds_caption(sentence) or _LINK.search(sentence) or is_table_row(sentence):
        return False
    opening = sentence.strip()
    if _LEANS_BACK.match(opening) or _BRACKET_CLOSED.match(opening) or _NUMBERED.match(opening):
        return False
    if _CHART_LABEL.search(opening) or opening.count(")") > opening.count("("):
        return False  # a chart's legend, or the end of a bracket opened before the sentence
    if not sentence.rstrip().endswith((".", "!")) or _LIST_FOLLOWS.search(sentence):
        return False  # cut off at a chunk's edge, a question (mostly a heading that asks), or
        # the start of a list ("… have shown the following: 1.")
    if sentence.rstrip().endswith("..") or _BOXES_RUN_TOGETHER.search(sentence):
        return False  # trails off into what follows ("Amongst this group of people who died
        # …, homelessness..."), or an infographic's boxes run together ("… loneliness.,")
    if not sentence.lstrip()[:1].isupper() and not sentence.lstrip()[:1].isdigit():
        return False  # starts mid-sentence: the line before it was taken for a heading
    words = sentence.split()
    letters = sum(c.isalpha() for c in sentence)
    return 8 <= len(words) <= 45 and letters > 0.7 * len(sentence.replace(" ", ""))


def _sentences(text: str) -> list[tuple[int, str]]:
    """Each sentence of a chunk with its offset, so it can be tied to its own page."""
    out, start = [], 0
    for match in _SENTENCE.finditer(text):
        out.append((start, text[start : match.start()]))
        start = match.end()
    out.append((start, text[start:]))
    return [_unnumbered(at, sentence) for at, sentence in out]


def _unnumbered(start: int, sentence: str) -> tuple[int, str]:
    """A sentence without its paragraph's number, and where it then starts."""
    number = _PARAGRAPH_NUMBER.match(sentence)
    return (start + number.end(), sentence[number.end() :]) if number else (start, sentence)


_WORD = re.compile(r"\S+")
# A word that ends a sentence or a clause a new line may follow.
_STOPS = (".", "!", "?", ".”", '."', "?”", ":")


def _starts_clean(previous: str | None, text: str) -> bool:
    """Whether a later chunk's text starts a sentence: the words it repeats from the chunk
    before (`previous`; None when that one is not at hand, which counts as not clean) follow a
    sentence's or a line's end there, or, repeating none, the chunk before ends a sentence."""
    if previous is None:
        return False
    earlier = list(_WORD.finditer(previous))
    shared = len(text[: overlap_chars(previous, text)].split())
    if not shared:  # it starts where the chunk before stops
        return not earlier or earlier[-1].group().endswith(_STOPS)
    if shared == len(earlier):
        return True
    before, start = earlier[-shared - 1], earlier[-shared].start()
    return "\n" in previous[before.end() : start] or before.group().endswith(_STOPS)


# The authors of a cited work ("… Browne T, Horn O et al.", "Fear N, Iversen A, Meltzer H.", or
# a numbered note's "55 Royal British Legion."): the sentence after them is the work's title
# ("The health of UK military personnel …: a cohort study."), not the document's own finding.
_CITED_BY = re.compile(
    r"(?:\bet al\.|(?:\b[A-Z][\w'’-]+ [A-Z]{1,3},\s+){2}[A-Z][\w'’-]+ [A-Z]{1,3}\."
    r"|(?:^|\s)\d{1,3} (?:[A-Z][\w'’&-]*\s){0,5}[A-Z][\w'’&-]*\.)\s*$"
)
# How far back from a sentence its cited authors are looked for (a long author list is cut short,
# its "et al." or last initials stay in reach).
_CITED_BY_CHARS = 80
# A line of at least this many words is prose, not a heading.
_PROSE_LINE_WORDS = 6


def _goes_on(text: str, start: int, sentence: str) -> bool:
    """Whether a sentence goes on from the line before it rather than starting there: the line
    break does not end a sentence (`breaks_sentence`: the line runs on, "… represent areas of" /
    "West Sussex that fall …", or breaks a name, "… the updated Income Deprivation" /
    "Affecting Children Index …"), or the sentence opens with a figure after a line of prose
    that ends no sentence ("… during week" / "40 (figure 10), and …"). After a heading ("Key
    facts" / "46 people were …") a sentence starts its own."""
    if not text[:start].endswith("\n"):
        return False
    line = text[: start - 1].rsplit("\n", 1)[-1].strip()
    if not line or line.endswith(_STOPS):
        return False
    if not breaks_sentence(text, start - 1):
        return True
    return sentence.lstrip()[:1].isdigit() and len(line.split()) >= _PROSE_LINE_WORDS


def summarise(chunks: Sequence[IndexedChunk], sentences: int = 4) -> list[SummarySentence]:
    """Up to `sentences` of the document's own sentences, from its most central chunks.

    Each sentence is scored by how typical its words are of the whole document;
    one sentence per chunk and per page, and never a sentence the document repeats (a summary
    at the front and again at the end), keeps the summary from repeating itself. The summary
    opens on a sentence that stands on its own where the document has one: a chunk whose
    sentence would open it leaning on the one before (`opens_on_earlier`) gives its best
    sentence that does not, or none, and the chunks after it fill the summary.
    """
    weight = Counter(t for c in chunks for t in set(terms(str(c.payload.get("text", "")))))
    # Each chunk's text by its place in the document, to tell where the one after it starts.
    texts = {int(c.payload.get("chunk_index", 0)): str(c.payload.get("text", "")) for c in chunks}
    central = central_chunks(chunks, sentences * 3)
    standing: set[int] = set()  # chunks whose sentence must stand on its own
    picked = _pick(central, texts, weight, sentences, standing)
    first = picked
    # Each turn takes one more chunk's leaning sentence out of the opening, so it ends.
    while picked and opens_on_earlier(picked[0][1].text):
        standing.add(picked[0][0])
        picked = _pick(central, texts, weight, sentences, standing)
    return [s for _, s in (picked or first)]


def _pick(
    central: Sequence[IndexedChunk],
    texts: dict[int, str],
    weight: Counter[str],
    sentences: int,
    standing: set[int],
) -> list[tuple[int, SummarySentence]]:
    """The summary's sentences with their chunks' places, in the document's order: the best of
    each chunk in `central` in turn, leaning sentences left out in the chunks in `standing`."""
    picked: list[tuple[int, int, SummarySentence]] = []
    pages_used: set[int] = set()
    said: set[str] = set()
    for chunk in central:
        text = str(chunk.payload.get("text", ""))
        pages = read_page_map(chunk.payload)
        index = int(chunk.payload.get("chunk_index", 0))
        # A chunk after the first may start inside a sentence (its window overlaps the one
        # before): its words before the first sentence boundary are not taken for a sentence
        # ("Expectancy has improved …" for "Life Expectancy has improved …").
        clean = opens_sentence(chunk.payload) or _starts_clean(texts.get(index - 1), text)
        first = None if clean else BOUNDARY.search(text)
        begins = first.end() if first else 0
        best: tuple[float, str, int] | None = None
        for start, sentence in _sentences(text):
            page = pages.main_page(text, start, start + len(sentence))
            if start < begins or page in pages_used or not _is_prose(sentence):
                continue
            before = text[max(0, start - _CITED_BY_CHARS) : start]
            if _goes_on(text, start, sentence) or _CITED_BY.search(before):
                continue
            if " ".join(sentence.split()).casefold() in said:
                continue
            if index in standing and opens_on_earlier(sentence):
                continue
            stems = terms(sentence)
            score = sum(np.log1p(weight[t]) for t in set(stems)) / (len(stems) + 5)
            if best is None or score > best[0]:
                best = (score, sentence.strip(), page)
        if best is not None:
            picked.append((index, best[2], SummarySentence(best[1], best[2])))
            pages_used.add(best[2])
            said.add(" ".join(best[1].split()).casefold())
        if len(picked) == sentences:
            break
    return [(index, s) for index, _, s in sorted(picked, key=lambda p: p[0])]
