"""Whether a word of the search that its first strong passages lack pulls it away from them.

A near miss names the subject and place of a document and one thing more that the document
never speaks of: "pharmacies in West Sussex that open on Christmas Day" against a pharmacy
needs assessment, "What share of Crawley pupils missed school because of toothache last
year?" against a school health profile. The encoder still puts the document's closest passage
close to the search, but the search without that word ("pharmacies in West Sussex that open
on Day") is closer still: the passage is about the rest of it. A passage that answers is
brought no closer by leaving out a word it lacks, one it says in other words ("chemists" for
"pharmacies"), since the word means what the passage says.

So, for a search with strong documents: each search word that the closest passage of one of
the first `word_pull_checks` strong documents (in the order the page lists them) does not hold
is left out in turn, and the search so shortened is encoded; when, for every one of those
passages, some word's absence brings the search at least `word_pull_bar` closer in meaning,
the search has no strong match. The documents, their order among themselves and every count
are unchanged. Sentences (a statement ending with a full stop, such as SciFact's claims) are
not judged, as the answer check does not read them, nor searches of more than
`MOST_SEARCH_WORDS` search words (a pasted paragraph holds incidental words, and each word
judged is one more encoding of about 5 ms).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace

import numpy as np

from search.analysis import term_index, terms
from search.retrieval.answer_check import is_checked
from search.retrieval.matching import ChunkMatch
from search.retrieval.strong_matches import StrongMatches, is_asking, search_words, word_stems
from search.settings import MatchSettings
from search.store.base import Store

__all__ = ["MOST_SEARCH_WORDS", "WordPull", "is_judged", "lacking_words", "pulling_word"]

# Searches with more search words than this are not judged (as for the unused-word check).
MOST_SEARCH_WORDS = 12
# A word as typed: letters or digits, with the apostrophes and hyphens inside it ("carers'",
# "alcohol-related" are one word each, left out whole).
_WORD = re.compile(r"[^\W_][\w'’-]*")

Vector = Sequence[float]


def is_judged(query: str) -> bool:
    """Whether a search is judged at all: one with search words, no sentence ending with a
    full stop (`answer_check.is_checked` at any phrase length), of at most
    `MOST_SEARCH_WORDS` search words."""
    return is_checked(query, 1) and 0 < len(search_words(query)) <= MOST_SEARCH_WORDS


def lacking_words(query: str, held: Collection[int]) -> list[tuple[str, str]]:
    """Each search word of `query` that a passage holding the term ids `held` lacks in every
    spelling, with the query without it (words people ask with are never judged), in the
    query's order; a word typed twice once."""
    out: dict[str, str] = {}
    for found in _WORD.finditer(query):
        word = found.group(0).lower()
        stems = terms(word)
        if not stems or is_asking(stems[0], word) or word in out:
            continue
        ids = {term_index(s) for stem in stems for s in word_stems(stem, word)}
        if ids.isdisjoint(held):
            out[word] = " ".join((query[: found.start()] + query[found.end() :]).split())
    return list(out.items())


def pulling_word(
    query: str,
    query_vector: Vector,
    passage_vector: Vector,
    held: Collection[int],
    vector: Callable[[str], Vector],
    bar: float,
) -> str | None:
    """The first word of `query` that the passage (its vector and term ids) lacks whose
    absence brings the query at least `bar` closer to it in meaning; None when no such word."""
    passage = _unit(passage_vector)
    cosine = float(_unit(query_vector) @ passage)
    for word, shortened in lacking_words(query, held):
        if shortened and float(_unit(vector(shortened)) @ passage) - cosine >= bar:
            return word
    return None


class WordPull:
    """Judges a search's strong documents by the words their closest passages lack (see the
    module's docstring); `vector` encodes a search as the searcher does (remembered)."""

    def __init__(self, vector: Callable[[str], Vector]) -> None:
        self.vector = vector

    def judge(
        self,
        strength: StrongMatches,
        passages: Mapping[str, Sequence[ChunkMatch]],
        among: Sequence[str],
        query: str,
        store: Store,
        settings: MatchSettings,
    ) -> StrongMatches:
        """`strength` as it was, or with no strong document and the words that pulled the
        search away from each of its first strong documents' closest passage. `among` is the
        ranking's order of the documents, `passages` their passages, closest first."""
        checks = settings.word_pull_checks
        if not strength.documents or checks == 0 or not is_judged(query):
            return strength
        firsts = [passages[d][0].id for d in among if d in strength.documents and passages.get(d)][
            :checks
        ]
        # Their words were mostly read already, to judge strength.
        read = strength.terms_read
        unread = [chunk_id for chunk_id in firsts if chunk_id not in read]
        held = {c: read[c] for c in firsts if c in read}
        held.update(store.chunk_terms(unread) if unread else {})
        vectors = store.chunk_vectors(firsts)
        query_vector = self.vector(query)
        words = []
        for chunk_id in firsts:
            if chunk_id not in vectors:
                return strength
            word = pulling_word(
                query,
                query_vector,
                vectors[chunk_id],
                held.get(chunk_id, frozenset()),
                self.vector,
                settings.word_pull_bar,
            )
            if word is None:
                return strength
            words.append(word)
        if not words:
            return strength
        return replace(strength, documents=frozenset(), pulled_words=tuple(dict.fromkeys(words)))


def _unit(vector: Vector) -> np.ndarray:
    array = np.asarray(vector, dtype=np.float64)
    norm = float(np.linalg.norm(array))
    return array / norm if norm else array
