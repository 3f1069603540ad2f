"""Where a passage went when its document was read again.

A passage link (`/documents/ID?chunk=CHUNK`) names one chunk of one edition of a document. When
the file is read again (new reading rules, or a new version of the file), the document gets a
new id and new chunks, so the old chunk id names nothing. At that moment, with both editions in
hand, each old chunk is matched to the new chunk that holds most of its words, and the catalogue
keeps the pair: a link someone saved or cited then opens the same words in the newest edition.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

__all__ = ["MAX_FALLBACK_PAIRS", "MIN_SHARED", "PassageText", "match_passages"]

# The share of an old passage's words a new one must hold to stand for it. Below this the
# passage was rewritten or dropped, and its link opens the whole document instead.
MIN_SHARED = 0.5

_WORD = re.compile(r"\w+")
# About five seconds of comparing word sets here (788 passages against 788 whose every page
# moved took 3.4 s): enough for a 1,000-passage document, a bound on a hostile one.
MAX_FALLBACK_PAIRS = 1_000_000
# The most pages of a passage looked at for its neighbours (passages span one to three).
_MAX_SPAN = 20


@dataclass(frozen=True)
class PassageText:
    """What matching needs of a chunk: its id, its text and the pages it spans."""

    chunk_id: str
    text: str
    page_start: int
    page_end: int

    @classmethod
    def from_payload(cls, chunk_id: str, payload: Mapping[str, object]) -> PassageText:
        start = _page(payload.get("page"))
        end = _page(payload.get("page_end"), start)
        return cls(chunk_id, str(payload.get("text") or ""), start, max(start, end))


def _page(value: object, default: int = 0) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _words(text: str) -> frozenset[str]:
    return frozenset(w.casefold() for w in _WORD.findall(text))


def match_passages(old: Sequence[PassageText], new: Sequence[PassageText]) -> dict[str, str | None]:
    """Each old chunk id that is not a new one, mapped to the new chunk holding the largest
    share of its words (at least MIN_SHARED), or to None when none does; chunks on the same
    pages are tried first, then all, so a passage that moved pages in a new version of the file
    is still found."""
    new_words = [_words(n.text) for n in new]
    new_ids = {n.chunk_id for n in new}
    # The new passages on each page, so a passage's own pages are found without a pass over
    # every new passage (a passage spans a few pages; a hostile span is cut short).
    on_page: dict[int, list[int]] = {}
    for i, n in enumerate(new):
        for page in range(n.page_start, min(n.page_end, n.page_start + _MAX_SPAN) + 1):
            on_page.setdefault(page, []).append(i)
    moves: dict[str, str | None] = {}
    # Comparing a passage with every new one is the slow path (a new version whose pages
    # moved); past this many comparisons in all, a passage not found on its pages gets none.
    budget = MAX_FALLBACK_PAIRS
    for passage in old:
        if passage.chunk_id in new_ids:
            continue
        moves[passage.chunk_id] = None
        words = _words(passage.text)
        if not words:
            continue
        last = min(passage.page_end, passage.page_start + _MAX_SPAN)
        same_pages = sorted(
            {i for p in range(passage.page_start, last + 1) for i in on_page.get(p, ())}
        )
        best = _best(words, new_words, same_pages)
        if best is None and budget >= len(new):
            budget -= len(new)
            best = _best(words, new_words, range(len(new)))
        if best is not None:
            moves[passage.chunk_id] = new[best].chunk_id
    return moves


def _best(
    words: frozenset[str], new_words: Sequence[frozenset[str]], candidates: Sequence[int]
) -> int | None:
    """The candidate holding the largest share of `words` (the first of equals), if any holds
    at least MIN_SHARED of them."""
    best, best_share = None, MIN_SHARED
    for i in candidates:
        share = len(words & new_words[i]) / len(words)
        if share > best_share or (best is None and share >= best_share):
            best, best_share = i, share
    return best
