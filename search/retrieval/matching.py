"""Decides which passages match a query by a rule that needs no candidate cut-off.

A passage matches when its text holds every search word of the query (stemmed, stop words left
out; the engine's full-text index decides) or when its meaning is at least `min_cosine` close
(dense cosine, by exact search so no close passage is missed). A document matches when any of
its passages does. (Until 2026-11-30 one shared word was enough: with common words that let
most of a library match every question, so totals said little and counting cost grew with
the library.) Totals and filter counts are counted over this set, so they do not depend on how
many fused candidates the ranking looked at. The engine returns ids and scores only (the store
applies the filters and the reader's access levels); each chunk's document and counted values
come from the chunk table. Reading is capped at `max_chunks` passages per rule; when a cap is
reached the counts are floors and say so.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from search.retrieval.chunk_table import ChunkTable, TableRows
from search.settings import MatchSettings
from search.store.base import Store, VectorQuery

__all__ = ["ChunkMatch", "Matches", "find_matches"]


@dataclass(frozen=True)
class ChunkMatch:
    """One passage that matches, and how: its cosine when close in meaning, its keyword score
    when it shares words (None when that rule did not match it)."""

    id: str
    doc_id: str
    cosine: float | None
    keyword: float | None


@dataclass(frozen=True)
class Matches:
    """Every matching passage for one query and filters."""

    chunks: list[ChunkMatch]
    is_capped: bool
    table: TableRows | None = None

    def documents(self) -> dict[str, list[ChunkMatch]]:
        """Matching passages per document, best cosine first (then keyword score)."""
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


def _passage_order(match: ChunkMatch) -> tuple[float, float]:
    return (-(match.cosine or 0.0), -(match.keyword or 0.0))


def find_matches(
    store: Store, query: VectorQuery, settings: MatchSettings, table: ChunkTable, version: int
) -> Matches:
    """Every passage (up to the caps) that matches `query` under its filters; `version` is the
    catalogue's change count, so the table knows whether what it keeps is current."""
    cosines: dict[str, float] = {}
    keywords: dict[str, float] = {}
    is_capped = False
    cap = settings.max_chunks
    if query.dense is not None and query.mode != "sparse":
        dense = replace(
            query,
            mode="dense",
            limit=cap,
            candidates=cap,
            score_threshold=settings.min_cosine,
            payload_fields=(),
            exact=True,
        )
        hits = store.query(dense)
        is_capped |= len(hits) >= cap
        cosines = {hit.id: hit.score for hit in hits}
    if query.words and query.sparse is not None and query.mode != "dense":
        sparse = replace(
            query,
            mode="sparse",
            limit=cap,
            candidates=cap,
            score_threshold=None,
            payload_fields=(),
            filters=replace(query.filters, all_words=query.words),
        )
        hits = store.query(sparse)
        is_capped |= len(hits) >= cap
        keywords = {hit.id: hit.score for hit in hits if hit.score > 0}
    ids = list(cosines) + [i for i in keywords if i not in cosines]
    rows = table.rows(store, ids, version)
    chunks = [
        ChunkMatch(chunk_id, doc_id, cosines.get(chunk_id), keywords.get(chunk_id))
        for chunk_id, doc_id in zip(rows.ids, rows.doc_ids, strict=True)
    ]
    return Matches(chunks, is_capped, rows)
