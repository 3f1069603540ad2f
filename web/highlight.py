"""Marks the query's words in passage text. Every piece of text is escaped before any <mark> goes
in, so neither the query nor the document can inject HTML."""

from __future__ import annotations

import re
from collections.abc import Iterable

from markupsafe import Markup, escape

from search.analysis import terms

# A word as a reader sees it; the analyser decides whether it matches.
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
ELLIPSIS = "…"


def query_stems(query: str) -> frozenset[str]:
    """The query's index terms (stemmed, stop words dropped): 'homes' gives 'home'."""
    return frozenset(terms(query))


class _Matcher:
    """Remembers each word's verdict: passages repeat words a lot."""

    def __init__(self, stems: Iterable[str]) -> None:
        self.stems = frozenset(stems)
        self._seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        if not self.stems:
            return False
        key = word.casefold()
        if key not in self._seen:
            self._seen[key] = any(t in self.stems for t in terms(word))
        return self._seen[key]


def highlight(text: str, stems: Iterable[str]) -> Markup:
    """`text` as safe HTML with each word whose stem is in `stems` wrapped in <mark>."""
    matches = _Matcher(stems)
    pieces: list[Markup] = []
    last = 0
    for found in _WORD.finditer(text):
        pieces.append(escape(text[last : found.start()]))
        word = found.group()
        pieces.append(Markup("<mark>{}</mark>").format(word) if matches(word) else escape(word))
        last = found.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def excerpt(text: str, stems: Iterable[str], max_words: int = 45) -> str:
    """The run of up to `max_words` words with the most query words in it, with ellipses."""
    tokens = text.split()
    if len(tokens) <= max_words:
        return " ".join(tokens)
    matches = _Matcher(stems)
    hits = [int(any(matches(w) for w in _WORD.findall(token))) for token in tokens]
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
    body = " ".join(tokens[start:end])
    return (ELLIPSIS + " " if start else "") + body + (" " + ELLIPSIS if end < len(tokens) else "")
