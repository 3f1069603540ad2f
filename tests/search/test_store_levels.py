"""The embedded store leaves a reader's access check out of a query only when it cannot matter:
no point is at a level the reader may not see, and no write began while the engine read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import search.store.embedded as embedded
from search.access import ScopedStore, levels_for
from search.analysis import Bm25Weighting
from search.schema import WITHDRAWN, Filters, IndexedChunk, point_id
from search.store.base import CollectionLayout, VectorQuery
from search.store.embedded import EmbeddedStore

WEIGHTS = Bm25Weighting()


def _chunk(doc: str, text: str, dense: list[float], **payload: object) -> IndexedChunk:
    return IndexedChunk(
        id=point_id(doc, 0),
        dense=dense,
        sparse=WEIGHTS.document_vector(text),
        payload={"doc_id": doc, "chunk_index": 0, "text": text, "page": 1, **payload},
    )


PUBLIC = [
    _chunk("damp", "damp and mould in rented homes", [1, 0, 0, 0], access="public"),
    _chunk("older", "damp homes of older people", [0.9, 0.1, 0, 0]),  # from before levels
    _chunk("meals", "free school meals uptake", [0, 0, 1, 0], access="public"),
]
STAFF = _chunk("staff", "damp homes: staff notes", [1, 0, 0, 0], access="internal")


def _damp(filters: Filters | None = None) -> VectorQuery:
    return VectorQuery(
        dense=[1, 0, 0, 0],
        sparse=WEIGHTS.query_vector("damp homes"),
        mode="hybrid",
        limit=10,
        candidates=10,
        filters=filters or Filters(),
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[EmbeddedStore]:
    opened = EmbeddedStore(tmp_path / "collection")
    opened.ensure_collection(CollectionLayout(model_id="test-model", dimension=4))
    opened.upsert(PUBLIC)
    yield opened
    opened.close()


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> list[Filters | None]:
    """Every filter the store hands the engine, in order."""
    seen: list[Filters | None] = []
    build = embedded.build_filter

    def recording(filters: Filters | None) -> Any:
        seen.append(filters)
        return build(filters)

    monkeypatch.setattr(embedded, "build_filter", recording)
    return seen


def _checks_levels(seen: list[Filters | None]) -> bool:
    return any(f is not None and f.hidden_access() for f in seen)


def test_levels_are_checked_only_once_a_point_is_at_a_hidden_level(
    store: EmbeddedStore, asked: list[Filters | None]
) -> None:
    visitor = ScopedStore(store, levels_for("visitor"))
    assert {h.doc_id for h in visitor.query(_damp())} == {"damp", "older", "meals"}
    assert not _checks_levels(asked), "nothing is hidden, yet each point's level was checked"

    store.upsert([STAFF])
    asked.clear()
    assert {h.doc_id for h in visitor.query(_damp())} == {"damp", "older", "meals"}
    assert _checks_levels(asked)
    # Staff see it, and have nothing hidden from them (no document is withdrawn).
    asked.clear()
    staff = ScopedStore(store, levels_for("staff"))
    assert {h.doc_id for h in staff.query(_damp())} == {"damp", "older", "meals", "staff"}
    assert not _checks_levels(asked)


def test_a_document_withdrawn_is_hidden_at_once_from_every_read(store: EmbeddedStore) -> None:
    admin = ScopedStore(store, levels_for("admin"))
    assert "damp" in {h.doc_id for h in admin.query(_damp())}
    store.set_payload({point_id("damp", 0): {"access": WITHDRAWN}})
    assert "damp" not in {h.doc_id for h in admin.query(_damp())}
    assert "damp" not in {h.doc_id for h in admin.chunks(Filters())}
    assert admin.count() == 2
    assert admin.facet("doc_id") == {"older": 1, "meals": 1}
    assert "damp" not in {h.doc_id for h in admin.recommend([point_id("older", 0)], Filters(), 5)}
    store.set_payload({point_id("damp", 0): {"access": "public"}})
    assert "damp" in {h.doc_id for h in admin.query(_damp())}
    # Nothing hidden again: the reads without the check count and list everything.
    assert admin.count() == 3
    assert admin.facet("doc_id") == {"damp": 1, "older": 1, "meals": 1}
    assert {h.doc_id for h in admin.chunks(Filters())} == {"damp", "older", "meals"}


class _WritingMidQuery:
    """The engine's shard, but the first query it is asked writes a staff point through the
    store before it reads, as an ingest writing beside a search would."""

    def __init__(self, store: EmbeddedStore, shard: Any) -> None:
        self._store, self._shard = store, shard
        self.first_read: list[str] | None = None

    def query(self, request: Any) -> Any:
        is_first = self.first_read is None
        if is_first:
            self.first_read = []
            self._store.upsert([STAFF])
        found = self._shard.query(request)
        if is_first:
            self.first_read = [str(p.id) for p in found]
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self._shard, name)


def test_a_write_while_the_engine_reads_sends_the_query_again_with_levels_checked(
    store: EmbeddedStore,
) -> None:
    shard = _WritingMidQuery(store, store.shard)
    store._shard = shard
    visitor = ScopedStore(store, levels_for("visitor"))
    dense_only = VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=10, candidates=10)
    found = {h.doc_id for h in visitor.query(dense_only)}
    # The first read ran without the check (nothing was hidden when it began) and met the
    # staff point written meanwhile; the answer is the second read's, with the check.
    assert shard.first_read is not None and STAFF.id in shard.first_read
    assert found == {"damp", "older", "meals"}
