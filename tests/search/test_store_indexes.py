"""Payload indexes: where a new store keeps them, and how an older store's move there."""

from __future__ import annotations

from pathlib import Path

import pytest
import qdrant_edge as qe

from search.analysis import SparseVector
from search.schema import Filters, IndexedChunk
from search.store import embedded
from search.store.base import CollectionLayout
from search.store.core import IndexKind, missing_indexes
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


# Where a store keeps each index now: on disk, but for the field every reader's query filters on.
WANTED = {field: field != "access" for field, _ in missing_indexes()}


def _older_store(path: Path) -> None:
    """A store as built before: its keyword and number indexes made from their types alone,
    held in memory (the engine rebuilds those at every opening)."""
    old = EmbeddedStore(path)
    try:
        old.ensure_collection(LAYOUT)
        old.upsert(CHUNKS)
        types = {"keyword": qe.PayloadSchemaType.Keyword, "integer": qe.PayloadSchemaType.Integer}
        for field, kind in missing_indexes():
            if kind in types:
                old.shard.update(qe.UpdateOperation.delete_field_index(field))
                old.shard.update(qe.UpdateOperation.create_field_index(field, types[kind]))
        assert not any(_index_places(old)[field] for field in ("doc_id", "year", "access"))
    finally:
        old.close()


def _filters_work(store: EmbeddedStore) -> None:
    assert store.count(Filters(doc_ids=("d1",))) == 2
    assert store.count(Filters(year_from=2022)) == 2
    assert store.count(Filters(access_levels=("public",))) == 4  # no level counts as public


def test_payload_indexes_live_on_disk_and_an_older_store_moves_them_there_once(
    tmp_path: Path,
) -> None:
    new = EmbeddedStore(tmp_path / "new")
    try:
        new.ensure_collection(LAYOUT)
        assert _index_places(new) == WANTED
    finally:
        new.close()

    _older_store(tmp_path / "old")
    reopened = EmbeddedStore(tmp_path / "old")
    try:
        assert _index_places(reopened) == WANTED  # the access index stays where it was
        _filters_work(reopened)
    finally:
        reopened.close()


def test_an_index_that_cannot_be_moved_leaves_the_store_open_and_is_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _older_store(tmp_path / "old")
    # Number indexes cannot be made this time (a full disk, say).
    made = embedded._index_params

    def failing(field: str, kind: IndexKind) -> object:
        return "not index parameters" if kind == "integer" else made(field, kind)

    monkeypatch.setattr(embedded, "_index_params", failing)
    opened = EmbeddedStore(tmp_path / "old")
    try:
        assert "year" not in _index_places(opened)  # gone from memory, not yet on disk
        assert _index_places(opened)["doc_id"] is True
        _filters_work(opened)  # without its index a filter reads every candidate
        assert "could not be moved" in caplog.text
    finally:
        opened.close()

    monkeypatch.undo()
    again = EmbeddedStore(tmp_path / "old")
    try:
        assert _index_places(again) == WANTED
        _filters_work(again)
    finally:
        again.close()
