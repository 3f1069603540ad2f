"""Decides which passages match a query by a rule that needs no candidate cut-off.

A passage matches when it shares at least one search word with the query (its keyword score is
above zero) or when its meaning is at least `min_cosine` close (dense cosine). A document
matches when any of its passages does. Totals and filter counts are counted over this set, so
they do not depend on how many fused candidates the ranking looked at. Reading is capped at
`max_chunks` passages per rule; when a cap is reached the counts are floors and say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from search.schema import Filters, Hit
from search.settings import MatchSettings
from search.store.base import Store, VectorQuery

__all__ = ["MATCH_FIELDS", "ChunkMatch", "Matches", "chunk_passes", "find_matches"]

# What counting and filtering need; passages' text is read only for the documents shown.
MATCH_FIELDS = (
    "doc_id",
    "organisation",
    "kind",
    "year",
    "determinants",
    "lenses",
    "places",
    "page",
    "page_end",
)


@dataclass(frozen=True)
class ChunkMatch:
    """One passage that matches, and how: its cosine when close in meaning, its keyword score
    when it shares words (None when that rule did not match it)."""

    hit: Hit
    cosine: float | None
    keyword: float | None


@dataclass(frozen=True)
class Matches:
    """Every matching passage for one query and filters."""

    chunks: list[ChunkMatch]
    is_capped: bool

    def documents(self, visible: Iterable[str] | None = None) -> dict[str, list[ChunkMatch]]:
        """Matching passages per document, best cosine first (then keyword score)."""
        allowed = None if visible is None else set(visible)
        out: dict[str, list[ChunkMatch]] = {}
        for match in self.chunks:
            if allowed is None or match.hit.doc_id in allowed:
                out.setdefault(match.hit.doc_id, []).append(match)
        for passages in out.values():
            passages.sort(key=_passage_order)
        return out

    def best_cosines(self) -> dict[str, float]:
        """Each document's closest passage in meaning, for those with one over min_cosine."""
        best: dict[str, float] = {}
        for match in self.chunks:
            if match.cosine is not None:
                doc = match.hit.doc_id
                best[doc] = max(best.get(doc, match.cosine), match.cosine)
        return best

    def where(self, filters: Filters) -> Matches:
        """The passages that also pass `filters`, judged on their payload as the store would."""
        return Matches(
            [m for m in self.chunks if chunk_passes(m.hit.payload, filters)], self.is_capped
        )


def _passage_order(match: ChunkMatch) -> tuple[float, float]:
    return (-(match.cosine or 0.0), -(match.keyword or 0.0))


def find_matches(store: Store, query: VectorQuery, settings: MatchSettings) -> Matches:
    """Every passage (up to the caps) that matches `query` under its filters."""
    by_id: dict[str, ChunkMatch] = {}
    is_capped = False
    cap = settings.max_chunks
    if query.dense is not None and query.mode != "sparse":
        dense = replace(
            query,
            mode="dense",
            limit=cap,
            candidates=cap,
            score_threshold=settings.min_cosine,
            payload_fields=MATCH_FIELDS,
        )
        hits = store.query(dense)
        is_capped |= len(hits) >= cap
        for hit in hits:
            by_id[hit.id] = ChunkMatch(hit, hit.score, None)
    if query.sparse is not None and not query.sparse.is_empty() and query.mode != "dense":
        sparse = replace(
            query,
            mode="sparse",
            limit=cap,
            candidates=cap,
            score_threshold=None,
            payload_fields=MATCH_FIELDS,
        )
        hits = store.query(sparse)
        is_capped |= len(hits) >= cap
        for hit in hits:
            if hit.score <= 0:
                continue
            known = by_id.get(hit.id)
            by_id[hit.id] = ChunkMatch(
                known.hit if known else hit, known.cosine if known else None, hit.score
            )
    return Matches(list(by_id.values()), is_capped)


def _has_any(payload: Mapping[str, Any], field: str, wanted: tuple[str, ...]) -> bool:
    value = payload.get(field)
    values = value if isinstance(value, list) else [] if value in (None, "") else [value]
    return any(str(v) in wanted for v in values)


def _in_any_span(year: Any, spans: tuple[tuple[int | None, int | None], ...]) -> bool:
    if not isinstance(year, int):
        return False
    return any(
        (first is None or year >= first) and (last is None or year <= last) for first, last in spans
    )


def chunk_passes(payload: Mapping[str, Any], filters: Filters) -> bool:
    """The store's filter rule on one passage: AND across fields, OR within one."""
    for field, wanted in (
        ("organisation", filters.organisations),
        ("kind", filters.kinds),
        ("determinants", filters.determinants),
        ("places", filters.places),
        ("lenses", filters.lenses),
        ("doc_id", filters.doc_ids),
    ):
        if wanted and not _has_any(payload, field, wanted):
            return False
    if filters.exclude_doc_ids and _has_any(payload, "doc_id", filters.exclude_doc_ids):
        return False
    if filters.year_spans and not _in_any_span(payload.get("year"), filters.year_spans):
        return False
    if filters.year_from is not None or filters.year_to is not None:
        year = payload.get("year")
        if not isinstance(year, int):
            return False
        if filters.year_from is not None and year < filters.year_from:
            return False
        if filters.year_to is not None and year > filters.year_to:
            return False
    return True
