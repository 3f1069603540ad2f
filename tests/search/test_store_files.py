"""Store files are copied with their holes left as holes: the engine preallocates 32 MB segment
files it has barely written, and backups and test copies wrote every zero of them."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
import qdrant_edge as qe

from search.analysis import SparseVector
from search.schema import Filters, IndexedChunk
from search.store.base import CollectionLayout
from search.store.core import missing_indexes
from search.store.embedded import EmbeddedStore, _is_on_disk
from search.store.files import copy_sparse

LAYOUT = CollectionLayout("test-model", 4)


def _allocated(folder: Path) -> int:
    return sum(os.stat(p).st_blocks * 512 for p in folder.rglob("*") if p.is_file())


def _apparent(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_a_sparse_copy_has_the_same_bytes_and_no_written_holes(tmp_path: Path) -> None:
    source = tmp_path / "preallocated.dat"
    with source.open("wb") as handle:
        handle.write(b"head")
        handle.seek(8 << 20)
        handle.write(b"middle")
        handle.truncate(32 << 20)  # a hole to the end, as the engine leaves its files
    target = tmp_path / "copy.dat"
    copy_sparse(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert os.stat(target).st_blocks * 512 < (1 << 20)  # the 32 MB of zeros were not written


def test_a_file_system_that_cannot_find_holes_gets_every_byte_copied(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "data.dat"
    source.write_bytes(b"head" + bytes(1000) + b"tail")
    real_lseek = os.lseek

    def no_seek_data(fd: int, pos: int, how: int) -> int:
        if how in (os.SEEK_DATA, os.SEEK_HOLE):
            raise OSError(errno.EINVAL, "Invalid argument")
        return real_lseek(fd, pos, how)

    monkeypatch.setattr(os, "lseek", no_seek_data)
    target = tmp_path / "copy.dat"
    copy_sparse(source, target)
    assert target.read_bytes() == source.read_bytes()


def test_a_store_copy_writes_its_data_not_its_preallocated_space(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "collection")
    try:
        store.ensure_collection(LAYOUT)
        store.upsert(
            [
                IndexedChunk(
                    id=f"00000000-0000-0000-0000-00000000000{n}",
                    dense=[1.0, float(n), 0.0, 0.0],
                    sparse=SparseVector([n + 1], [1.0]),
                    payload={"doc_id": "d", "chunk_index": n, "text": f"passage {n}"},
                )
                for n in range(3)
            ]
        )
        store.copy_to(tmp_path / "copy")
    finally:
        store.close()
    copy = tmp_path / "copy"
    assert _apparent(copy) == _apparent(tmp_path / "collection")  # every file, same sizes
    assert _apparent(copy) > 64 << 20  # the engine's preallocated files are there...
    assert _allocated(copy) < 16 << 20  # ...but their unwritten space was not written
    reopened = EmbeddedStore(copy)
    try:
        assert reopened.count() == 3
    finally:
        reopened.close()


def _index_places(store: EmbeddedStore) -> dict[str, bool]:
    return {field: _is_on_disk(info) for field, info in store.shard.info().payload_schema.items()}


def test_payload_indexes_live_on_disk_and_an_older_store_moves_them_there_once(
    tmp_path: Path,
) -> None:
    chunks = [
        IndexedChunk(
            id=f"00000000-0000-0000-0000-00000000000{n}",
            dense=[1.0, float(n), 0.0, 0.0],
            sparse=SparseVector([n + 1], [1.0]),
            payload={"doc_id": f"d{n % 2}", "year": 2020 + n, "text": f"passage {n}"},
        )
        for n in range(4)
    ]
    new = EmbeddedStore(tmp_path / "new")
    try:
        new.ensure_collection(LAYOUT)
        assert set(_index_places(new).values()) == {True}
    finally:
        new.close()

    # A store built before: its keyword and number indexes made from their types alone, in
    # memory (the engine rebuilds those at every opening).
    old = EmbeddedStore(tmp_path / "old")
    old.ensure_collection(LAYOUT)
    old.upsert(chunks)
    for field in ("doc_id", "year"):
        old.shard.update(qe.UpdateOperation.delete_field_index(field))
    old.shard.update(qe.UpdateOperation.create_field_index("doc_id", qe.PayloadSchemaType.Keyword))
    old.shard.update(qe.UpdateOperation.create_field_index("year", qe.PayloadSchemaType.Integer))
    assert (_index_places(old)["doc_id"], _index_places(old)["year"]) == (False, False)
    old.close()

    reopened = EmbeddedStore(tmp_path / "old")
    try:
        places = _index_places(reopened)
        assert places == dict.fromkeys((f for f, _ in missing_indexes()), True)
        assert reopened.count(Filters(doc_ids=("d1",))) == 2
        assert reopened.count(Filters(year_from=2022)) == 2
    finally:
        reopened.close()
