"""Marks the query's words in passage text. Every piece of text is escaped before any <mark> goes
in, so neither the query nor the document can inject HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from search.analysis import search_words, terms, words
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


class WordMatcher:
    """Says whether a word matches the query, remembering each verdict.

    Make one per page and pass it to every `highlight` and `excerpt` call: passages
    repeat words a lot, and stemming is the slow part of drawing a results page.
    """

    def __init__(self, stems: Iterable[str]) -> None:
        self.stems = frozenset(stems)
        self._starts = frozenset(_start(stem) for stem in self.stems)
        self._seen: dict[str, bool] = {}
        self._spans: dict[str, bool] = {}

    def _may_match(self, token: str) -> bool:
        return _start(token) in self._starts or token[:1] in self._starts

    def __call__(self, word: str) -> bool:
        if not self.stems:
            return False
        key = word.casefold()
        verdict = self._seen.get(key)
        if verdict is None:
            plain = key.isascii() and key.isalnum()
            tokens = [t for t in ([key] if plain else words(word)) if self._may_match(t)]
            verdict = bool(tokens) and any(t in self.stems for t in terms(" ".join(tokens)))
            self._seen[key] = verdict
        return verdict

    def has_match(self, span: str) -> bool:
        """Whether any word in `span` (say, "homes," or "damp/mould") matches."""
        verdict = self._spans.get(span)
        if verdict is None:
            verdict = any(self(word) for word in _WORD.findall(span))
            self._spans[span] = verdict
        return verdict


def _matcher(stems: Iterable[str] | WordMatcher) -> WordMatcher:
    return stems if isinstance(stems, WordMatcher) else WordMatcher(stems)


def highlight(text: str, stems: Iterable[str] | WordMatcher) -> Markup:
    """`text` as safe HTML with each word whose stem is in `stems` wrapped in <mark>."""
    matches = _matcher(stems)
    pieces: list[Markup] = []
    last = 0
    # Text between matches is escaped in one piece: most words are not marked.
    for found in _WORD.finditer(text):
        word = found.group()
        if matches(word):
            pieces.append(escape(text[last : found.start()]))
            pieces.append(Markup("<mark>{}</mark>").format(word))
            last = found.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


_TOKEN = re.compile(r"\S+")


def excerpt_span(
    text: str, stems: Iterable[str] | WordMatcher, max_words: int = 45
) -> tuple[int, int]:
    """Where in `text` (character offsets) the run of `max_words` words with the most query
    words in it starts and ends, each edge then moved by up to SNAP_WORDS to a sentence's
    start or end when one is that near (so it may hold up to 2 * SNAP_WORDS more words)."""
    tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
    if len(tokens) <= max_words:
        return (tokens[0][0], tokens[-1][1]) if tokens else (0, 0)
    matches = _matcher(stems)
    hits = [int(matches.has_match(token)) for _, _, token in tokens]
    best_start, best, current = 0, -1, sum(hits[:max_words])
    for start in range(len(tokens) - max_words + 1):
        if start:
            current += hits[start + max_words - 1] - hits[start - 1]
        if current > best:
            best_start, best = start, current
    # Slide right so the first match sits a few words in: it reads in context and
    # no match is lost, since only non-matching words drop off the left.
    first = next((i for i in range(best_start, best_start + max_words) if hits[i]), 8)
    start = max(0, first - 8) if best > 0 else 0
    end = min(len(tokens), start + max_words)
    start = max(0, end - max_words)
    start, end = _snap_to_sentences(tokens, start, end, first if best > 0 else start)
    return tokens[start][0], tokens[end - 1][1]


# How far (in words) an excerpt's edges may move to begin and end with whole sentences.
SNAP_WORDS = 12
_SENTENCE_END = re.compile(r"[.!?][\"'\u201d\u2019)\]]*$")
# What a sentence opens with, as search.retrieval.passages reads it when it cuts passages: a
# capital, a number or a bullet, perhaps after an opening quote or bracket.
_SENTENCE_OPENING = re.compile(r"[\"“‘'(\[]?[A-Z0-9•]")


def _starts_sentence(tokens: list[tuple[int, int, str]], i: int) -> bool:
    return i == 0 or (
        bool(_SENTENCE_END.search(tokens[i - 1][2])) and bool(_SENTENCE_OPENING.match(tokens[i][2]))
    )


def _snap_to_sentences(
    tokens: list[tuple[int, int, str]], start: int, end: int, first_match: int
) -> tuple[int, int]:
    """Move an excerpt's start to where a sentence starts (forward, up to its first matching
    word, or else back), and its end forward to where a sentence ends, each by at most
    SNAP_WORDS, so a quote reads from the start of a sentence where one is near."""
    forward = next(
        (i for i in range(start, min(first_match, end) + 1) if _starts_sentence(tokens, i)), None
    )
    if forward is not None and forward - start <= SNAP_WORDS:
        start = forward
    else:
        back = next(
            (
                i
                for i in range(start, max(-1, start - SNAP_WORDS - 1), -1)
                if _starts_sentence(tokens, i)
            ),
            None,
        )
        if back is not None:
            start = back
    if not _SENTENCE_END.search(tokens[end - 1][2]):
        ahead = next(
            (
                i + 1
                for i in range(end, min(len(tokens), end + SNAP_WORDS))
                if _SENTENCE_END.search(tokens[i][2])
            ),
            None,
        )
        if ahead is not None:
            end = ahead
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
