"""Access levels: which documents each role may see, and a read-only store view that keeps to them.

Every read the site makes goes through a library scoped to the reader's levels: the store
adds the levels to each query's filter and the catalogue adds them to each SQL query, so a
document above the reader's level is missing everywhere (hits, facets, counts, pages, files).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Literal

from search.schema import ACCESS_LEVELS, ALL_ACCESS, Filters, Hit, IndexedChunk
from search.store.base import CollectionLayout, Store, StoreError, VectorQuery
from search.store.core import plan_filter, plan_passes

__all__ = ["ROLES", "Role", "ScopedStore", "check_access", "levels_for"]

Role = Literal["visitor", "partner", "staff", "admin"]
ROLES: tuple[Role, ...] = ("visitor", "partner", "staff", "admin")

_LEVELS: dict[Role, tuple[str, ...]] = {
    "visitor": ("public",),
    "partner": ("public", "partner"),
    "staff": ACCESS_LEVELS,
    "admin": ACCESS_LEVELS,
}


def levels_for(role: str, *, with_withdrawn: bool = False) -> tuple[str, ...]:
    """The access levels a role may read; an unknown role gets the visitor's.

    A withdrawn document is gone for everyone, admins too, from searches, lists, feeds and
    counts. Only an admin opening that one document (`with_withdrawn`), to check it or bring
    it back, still sees it."""
    levels: tuple[str, ...] = _LEVELS.get(role, _LEVELS["visitor"])  # type: ignore[call-overload]
    return ALL_ACCESS if with_withdrawn and role == "admin" else levels


def check_access(value: str) -> str:
    """A level given by a person or a file, cleaned; raise ValueError naming the choices."""
    level = value.strip().lower()
    if level not in ACCESS_LEVELS:
        raise ValueError(f"access must be one of {', '.join(ACCESS_LEVELS)}, not {value!r}")
    return level


class ScopedStore:
    """A store that answers only with chunks of documents at the allowed levels; it never writes."""

    def __init__(self, store: Store, levels: Sequence[str]) -> None:
        self._store = store
        self._levels = tuple(levels)

    def _scope(self, filters: Filters | None) -> Filters:
        return replace(filters or Filters(), access_levels=self._levels)

    def layout(self) -> CollectionLayout | None:
        return self._store.layout()

    def ensure_collection(self, layout: CollectionLayout) -> None:
        raise StoreError("A reader's view of the index cannot change it.")

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        raise StoreError("A reader's view of the index cannot change it.")

    def query(self, request: VectorQuery) -> list[Hit]:
        return self._store.query(replace(request, filters=self._scope(request.filters)))

    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        return self._store.recommend(positive_ids, self._scope(filters), limit)

    def chunks(
        self, filters: Filters, limit: int = 10_000, fields: Sequence[str] | None = None
    ) -> list[Hit]:
        return self._store.chunks(self._scope(filters), limit, fields)

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        # Vectors carry no text, and callers reach ids only through scoped hits.
        return self._store.chunk_vectors(ids)

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        # Term ids carry no text either, and are read for ids of scoped matches only.
        return self._store.chunk_terms(ids)

    def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        # Reading by id takes no filter: the store core's rule is judged on each payload here,
        # the same rule the engine applies to this view's queries (it needs `access`).
        plan = plan_filter(self._scope(None))
        wanted = None if fields is None else (*fields, "access")
        return [hit for hit in self._store.retrieve(ids, wanted) if plan_passes(hit.payload, plan)]

    def optimize(self) -> None:
        raise StoreError("A reader's view of the index cannot change it.")

    def compact(self, report: Callable[[int, int], None] | None = None) -> int | None:
        raise StoreError("A reader's view of the index cannot change it.")

    def set_payload(self, payloads: Mapping[str, Mapping[str, Any]]) -> None:
        raise StoreError("A reader's view of the index cannot change it.")

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        raise StoreError("A reader's view of the index cannot change it.")

    def count(self, filters: Filters | None = None) -> int:
        return self._store.count(self._scope(filters))

    def facet(self, field: str, filters: Filters | None = None, limit: int = 100) -> dict[str, int]:
        return self._store.facet(field, self._scope(filters), limit)

    def close(self) -> None:
        """The view owns nothing; the library closes the real store."""
