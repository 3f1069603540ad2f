"""Payload indexes: where a new store keeps them, and how an older store's move to disk."""

from __future__ import annotations

from pathlib import Path

import pytest
import qdrant_edge as qe

from search.analysis import SparseVector
from search.schema import Filters, IndexedChunk
from search.store import embedded
from search.store.base import CollectionLayout
from search.store.core import missing_indexes
from search.store.embedded import EmbeddedStore, _is_on_disk

LAYOUT = CollectionLayout("test-model", 4)


def _index_places(store: EmbeddedStore) -> dict[str, bool]:
    return {field: _is_on_disk(info) for field, info in store.shard.info().payload_schema.items()}


CHUNKS = [
    IndexedChunk(
        id=f"00000000-0000-0000-0000-00000000000{n}",
        dense=[1.0, float(n), 0.0, 0.0],
        sparse=SparseVector([n + 1], [1.0]),
        payload={"doc_id": f"d{n % 2}", "year": 2020 + n, "text": f"passage {n}"},
    )
    for n in range(4)
]


def _older_store(path: Path) -> None:
    """A store as built before: its keyword and number indexes made from their types alone,
    held in memory (the engine rebuilds those at every opening)."""
    old = EmbeddedStore(path)
    try:
        old.ensure_collection(LAYOUT)
        old.upsert(CHUNKS)
        for field in ("doc_id", "year"):
            old.shard.update(qe.UpdateOperation.delete_field_index(field))
        keyword, integer = qe.PayloadSchemaType.Keyword, qe.PayloadSchemaType.Integer
        old.shard.update(qe.UpdateOperation.create_field_index("doc_id", keyword))
        old.shard.update(qe.UpdateOperation.create_field_index("year", integer))
        assert (_index_places(old)["doc_id"], _index_places(old)["year"]) == (False, False)
    finally:
        old.close()


def _filters_work(store: EmbeddedStore) -> None:
    assert store.count(Filters(doc_ids=("d1",))) == 2
    assert store.count(Filters(year_from=2022)) == 2


def test_payload_indexes_live_on_disk_and_an_older_store_moves_them_there_once(
    tmp_path: Path,
) -> None:
    new = EmbeddedStore(tmp_path / "new")
    try:
        new.ensure_collection(LAYOUT)
        assert set(_index_places(new).values()) == {True}
    finally:
        new.close()

    _older_store(tmp_path / "old")
    reopened = EmbeddedStore(tmp_path / "old")
    try:
        assert _index_places(reopened) == dict.fromkeys((f for f, _ in missing_indexes()), True)
        _filters_work(reopened)
    finally:
        reopened.close()


def test_an_index_that_cannot_be_moved_leaves_the_store_open_and_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _older_store(tmp_path / "old")
    # Number indexes cannot be made this time (a full disk, say).
    monkeypatch.setitem(embedded._INDEX_TYPES, "integer", "not index parameters")
    opened = EmbeddedStore(tmp_path / "old")
    try:
        assert "year" not in _index_places(opened)  # gone from memory, not yet on disk
        assert _index_places(opened)["doc_id"] is True
        _filters_work(opened)  # without its index a filter reads every candidate
        assert "could not be moved to disk" in caplog.text
    finally:
        opened.close()

    monkeypatch.undo()
    again = EmbeddedStore(tmp_path / "old")
    try:
        assert _index_places(again)["year"] is True
        _filters_work(again)
    finally:
        again.close()
