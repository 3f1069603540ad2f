"""Decides which passages match a query by a rule that needs no candidate cut-off.

A passage matches when its text holds every search word of the query (stemmed, stop words left
out; the engine's full-text index decides) or when its meaning is at least `min_cosine` close
(dense cosine). A document matches when any of its passages does. (Until 2026-11-30 one shared
word was enough: with common words that let most of a library match every question, so totals
said little and counting cost grew with the library.) Totals and filter counts are counted over
this set, so they do not depend on how many fused candidates the ranking looked at. The engine
returns ids (and cosines) only (the store applies the filters and the reader's access levels);
each chunk's document and counted values come from the chunk table.

Up to `exact_up_to` passages in the library, closeness is found by comparing with every passage
(no close passage is missed) and reading is capped at `max_chunks` passages per rule, so counts
are exact unless a cap is reached. Past that size a full comparison is linear in the library
(about 20 ms at 300,000 passages before anything is read), so the engine's graph is walked
instead, reading at most `graph_max_chunks` passages per rule; a walk can miss a passage, so
the counts are then always floors. Whenever counts are floors the page and the API say so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

from search.retrieval.chunk_table import ChunkTable, TableRows
from search.schema import Hit, tuples_of
from search.settings import MatchSettings
from search.store.base import Store, VectorQuery

__all__ = ["ChunkMatch", "Matches", "find_matches", "walk_graph"]


class ChunkMatch(NamedTuple):
    """One passage that matches, and how: its cosine when close in meaning (None when that
    rule did not match it), and whether its text holds every search word. (A named tuple: a
    search makes up to a thousand, and a frozen dataclass takes twice as long to make.)"""

    id: str
    doc_id: str
    cosine: float | None
    has_words: bool


@dataclass(frozen=True)
class Matches:
    """Every matching passage for one query and filters."""

    chunks: list[ChunkMatch]
    is_capped: bool
    table: TableRows | None = None

    def documents(self) -> dict[str, list[ChunkMatch]]:
        """Matching passages per document, best cosine first (then those holding every word,
        in id order)."""
        out: dict[str, list[ChunkMatch]] = {}
        for match in self.chunks:
            out.setdefault(match.doc_id, []).append(match)
        for passages in out.values():
            passages.sort(key=_passage_order)
        return out

    def best_cosines(self) -> dict[str, float]:
        """Each document's closest passage in meaning, for those with one over min_cosine."""
        best: dict[str, float] = {}
        for match in self.chunks:
            if match.cosine is not None:
                doc = match.doc_id
                best[doc] = max(best.get(doc, match.cosine), match.cosine)
        return best

    def count_documents(
        self, name: str, visible: Collection[str], label: Callable[[str], str | None] | None = None
    ) -> dict[str, int]:
        """Visible matching documents per value of a counted field (see chunk_table)."""
        if self.table is None or not self.chunks:
            return {}
        return self.table.count_documents(name, visible, label)

    def first_with(
        self, name: str, values: Collection[str], visible: Collection[str], limit: int
    ) -> dict[str, list[str]]:
        """For each of `values` of a counted field, its first `limit` matching passages of
        visible documents, in this order (closest in meaning first, see find_matches)."""
        if self.table is None or not self.chunks:
            return {}
        return self.table.first_with(name, values, visible, limit)


def _passage_order(match: ChunkMatch) -> tuple[float, bool]:
    return (-(match.cosine or 0.0), not match.has_words)


def _is_exact(settings: MatchSettings, library_chunks: int) -> bool:
    """Whether a library of this size is compared passage by passage (else its graph is walked)."""
    return library_chunks <= settings.exact_up_to


def walk_graph(
    store: Store, query: VectorQuery, settings: MatchSettings, library_chunks: int, at_least: int
) -> list[Hit] | None:
    """The graph walk `find_matches` makes for `query`'s dense vector, made once so that the
    ranking can share it: the closest passages under the filters (ids and cosines, closest
    first, at least `at_least` of them if there are so many), whatever their cosine. None when
    the library is compared passage by passage instead (see `find_matches`) or the query has
    no dense vector.

    A beam search gives the same closest passages whatever it is asked to return below its
    beam, so the walk's first `candidates` are the ranking's own dense candidates."""
    if _is_exact(settings, library_chunks) or query.dense is None or query.mode == "sparse":
        return None
    limit = max(settings.graph_max_chunks, at_least)
    walk = replace(query, mode="dense", limit=limit, candidates=limit, payload_fields=())
    return store.query(walk)


def find_matches(
    store: Store,
    query: VectorQuery,
    settings: MatchSettings,
    table: ChunkTable,
    version: int,
    library_chunks: int,
    walk: Sequence[Hit] | None = None,
) -> Matches:
    """Every passage (up to the caps) that matches `query` under its filters; `version` is the
    catalogue's change count, so the table knows whether what it keeps is current.

    A library of more than `settings.exact_up_to` passages (`library_chunks`) is not compared
    passage by passage: the engine's graph is walked instead, reading at most
    `settings.graph_max_chunks` passages per rule, and the counts are then floors. `walk` is
    that walk when the caller has already made it (`walk_graph`, same query and filters)."""
    is_exact = _is_exact(settings, library_chunks)
    cap = settings.max_chunks if is_exact else settings.graph_max_chunks
    is_capped = not is_exact
    cosines: dict[str, float] = {}
    if query.dense is not None and query.mode != "sparse":
        if walk is not None and not is_exact:
            hits = [hit for hit in walk[:cap] if hit.score >= settings.min_cosine]
        else:
            dense = replace(
                query,
                mode="dense",
                limit=cap,
                candidates=cap,
                score_threshold=settings.min_cosine,
                payload_fields=(),
                exact=is_exact,
            )
            hits = store.query(dense)
        is_capped |= len(hits) >= cap
        cosines = {hit.id: hit.score for hit in hits}
    worded: list[str] = []
    if query.words and query.sparse is not None and query.mode != "dense":
        # Which passages hold every word is the text index's answer alone: listing their ids
        # costs a fraction of scoring them by keyword (9 against 57 ms for 2,860 at 300k).
        filters = replace(query.filters, all_words=query.words)
        worded = [hit.id for hit in store.chunks(filters, limit=cap, fields=())]
        is_capped |= len(worded) >= cap
    has_words = set(worded)
    ids = list(cosines) + [i for i in worded if i not in cosines]
    rows = table.rows(store, ids, version)
    ids = rows.ids
    # One C loop a field, and the tuples made in C: a search makes up to a thousand.
    found = map(cosines.get, ids), map(has_words.__contains__, ids)
    chunks = tuples_of(ChunkMatch, ids, rows.doc_ids, *found)
    return Matches(chunks, is_capped, rows)
