"""Store files are copied with their holes left as holes: the engine preallocates 32 MB segment
files it has barely written, and backups and test copies wrote every zero of them."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from search.analysis import SparseVector
from search.schema import IndexedChunk
from search.store.base import CollectionLayout
from search.store.embedded import EmbeddedStore
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
