"""Which matching documents answer a query well ("strong"), by a rule on their passages.

A document is strong when one of its matching passages is very close in meaning to the query
(`strong_cosine`), or close (`strong_cosine_with_words`) and holding at least
`strong_word_share` of the query's search words. Cosine alone let passages about something
else pass: the encoder puts a table of weekly figures close to "football results", and a
housing briefing close to "planning permission for a loft conversion". Such passages share
few of the question's words, while the passages that answer it share most of them.

Which words a passage holds is read from its keyword vector (term ids, no text), for at most
`strong_word_checks` passages a search, closest first; past that the count is a floor.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from search.analysis import term_index, terms
from search.retrieval.matching import ChunkMatch
from search.settings import MatchSettings
from search.store.base import Store

__all__ = [
    "PASSAGES_PER_DOCUMENT",
    "StrongMatches",
    "find_strong",
    "is_strong_passage",
    "query_term_ids",
]

# A document's closest passages whose words are read (the rule was tuned reading three).
PASSAGES_PER_DOCUMENT = 3


@dataclass(frozen=True)
class StrongMatches:
    """The strong documents, and whether some passages went unread (the count is a floor)."""

    documents: frozenset[str]
    is_capped: bool = False


def query_term_ids(query: str) -> frozenset[int]:
    """The query's search words as the keyword vectors hold them (stemmed term ids)."""
    return frozenset(term_index(term) for term in terms(query))


def is_strong_passage(cosine: float, word_share: float, settings: MatchSettings) -> bool:
    """The rule for one passage: its cosine to the query and the share of the query's search
    words it holds (0 to 1). The calibration bench judges its candidate bars with it too."""
    return cosine >= settings.strong_cosine or (
        cosine >= settings.strong_cosine_with_words and word_share >= settings.strong_word_share
    )


def find_strong(
    passages: Mapping[str, Sequence[ChunkMatch]],
    among: Collection[str],
    query: str,
    settings: MatchSettings,
    store: Store,
) -> StrongMatches:
    """The documents of `among` that are strong matches for `query`; `passages` are each
    document's matching passages, closest in meaning first (`Matches.documents`)."""
    strong: set[str] = set()
    to_read: list[tuple[float, str, str]] = []
    for doc_id in among:
        close = [
            p
            for p in passages.get(doc_id, ())[:PASSAGES_PER_DOCUMENT]
            if p.cosine is not None and p.cosine >= settings.strong_cosine_with_words
        ]
        if not close:
            continue
        if any(is_strong_passage(p.cosine or 0.0, 0.0, settings) for p in close):
            strong.add(doc_id)  # strong without its words being read
        else:
            to_read.extend((p.cosine or 0.0, p.id, doc_id) for p in close)
    words = query_term_ids(query)
    if not to_read or not words:
        return StrongMatches(frozenset(strong))
    to_read.sort(key=lambda item: (-item[0], item[1]))
    read = to_read[: settings.strong_word_checks]
    held = store.chunk_terms([chunk_id for _, chunk_id, _ in read])
    for cosine, chunk_id, doc_id in read:
        share = len(words & held.get(chunk_id, frozenset())) / len(words)
        if is_strong_passage(cosine, share, settings):
            strong.add(doc_id)
    return StrongMatches(frozenset(strong), is_capped=len(read) < len(to_read))
