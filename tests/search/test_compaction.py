"""Compacting the embedded store while writers go on: what they change during the copy is in
the fresh shard that takes the live one's place (`EmbeddedStore.compact`)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest

from search.analysis import Bm25Weighting
from search.schema import Filters, IndexedChunk, point_id
from search.store import embedded
from search.store.base import CollectionLayout, StoreError, VectorQuery
from search.store.embedded import EmbeddedStore
from tests.libraries import files_holding

LAYOUT = CollectionLayout(model_id="test-model", dimension=4)
WEIGHTS = Bm25Weighting()
DOCS = ("housing", "lonely", "meals", "buses", "asthma")


def _chunk(doc: str, index: int, text: str, dense: list[float]) -> IndexedChunk:
    return IndexedChunk(
        id=point_id(doc, index),
        dense=dense,
        sparse=WEIGHTS.document_vector(text),
        payload={"doc_id": doc, "chunk_index": index, "text": text, "page": 1},
    )


def _library_chunks() -> list[IndexedChunk]:
    """Six chunks for each of five documents, each chunk's text naming its document."""
    return [
        _chunk(doc, i, f"{doc} passage {i} wordof{doc}", [1.0, float(d), float(i), 0.5])
        for d, doc in enumerate(DOCS)
        for i in range(6)
    ]


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[EmbeddedStore]:
    monkeypatch.setattr(
        embedded, "COMPACT_PAGE", 4
    )  # many steps of copying, so writes land between
    opened = EmbeddedStore(tmp_path / "store")
    opened.ensure_collection(LAYOUT)
    opened.upsert(_library_chunks())
    try:
        yield opened
    finally:
        opened.close()


def _count(store: EmbeddedStore, doc: str) -> int:
    return store.count(Filters(doc_ids=(doc,)))


def test_writes_made_while_the_copy_runs_are_in_the_fresh_shard(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    new = _chunk("parks", 0, "green space and walking wordofparks", [0.0, 0.0, 0.0, 1.0])
    changed = _chunk("housing", 5, "housing passage rewritten wordofrewrite", [1.0, 0.0, 5.0, 0.5])
    steps: list[tuple[int, int]] = []

    def report(copied: int, total: int) -> None:
        steps.append((copied, total))
        if len(steps) == 2:  # part-way: the housing and lonely chunks are already copied
            store.upsert([new, changed])
            store.set_payload({point_id("lonely", 0): {"title": "Lonely villages"}})
            store.delete_documents(["meals", "lonely"])

    kept = store.compact(report)
    assert len(steps) > 3 and steps[-1][0] == steps[-1][1]  # ends at 100%
    assert all(copied <= total for copied, total in steps)
    assert kept == store.count() == 30 - 12 + 1
    assert _count(store, "meals") == _count(store, "lonely") == 0
    assert _count(store, "parks") == 1
    (found,) = store.retrieve([changed.id], fields=("text",))
    assert found.payload["text"] == changed.payload["text"]
    # The new point is found by meaning and by words, as any other.
    nearest = store.query(
        VectorQuery(dense=[0.0, 0.0, 0.0, 1.0], sparse=None, mode="dense", limit=1)
    )
    assert [h.id for h in nearest] == [new.id]
    by_words = store.query(
        VectorQuery(dense=None, sparse=WEIGHTS.query_vector("wordofparks"), mode="sparse", limit=3)
    )
    assert [h.id for h in by_words] == [new.id]
    # A document deleted after it was copied leaves a trace in the fresh shard, as any
    # deletion does; the next compaction clears it.
    folder = tmp_path / "store"
    assert files_holding(folder, b"wordofmeals")
    store.compact()
    assert files_holding(folder, b"wordofmeals") == []
    assert files_holding(folder, b"wordoflonely") == []
    assert files_holding(folder, b"wordofbuses")
    assert store.count() == 19


def test_the_copy_ends_however_fast_points_are_added_ahead_of_it(store: EmbeddedStore) -> None:
    """The copy once scrolled the live shard until the scroll ran out: points added faster than
    it read, ahead of its cursor, kept it going for ever. It copies the points there were when
    it began, a page a step; what is added meanwhile comes with the rounds after it."""
    steps: list[tuple[int, int]] = []
    added: list[str] = []

    def report(copied: int, total: int) -> None:
        steps.append((copied, total))
        if len(steps) <= 50:  # a bound for the test itself, should the copy not end
            batch = [
                _chunk("burst", len(added) + i, f"burst passage {i}", [0.0, 1.0, 0.0, 1.0])
                for i in range(3 * embedded.COMPACT_PAGE)
            ]
            store.upsert(batch)
            added.extend(c.id for c in batch)

    kept = store.compact(report)
    assert steps == [(min(n, 30), 30) for n in range(4, 33, 4)]  # 30 points, 4 a step
    assert kept == store.count() == 30 + len(added)
    assert {h.id for h in store.retrieve(added, fields=())} == set(added)


# The writer below rests this long after each write. Writing flat out, how far it got before
# the compaction's last round depended on how the threads shared the interpreter lock: 27,000
# to over 140,000 points alone, millions (gigabytes, for minutes) after other tests. A writer
# that never pauses is the next test's, with the copy slowed instead.
WRITE_PAUSE_S = 0.001


def test_a_writer_in_another_thread_loses_nothing(store: EmbeddedStore) -> None:
    started = threading.Event()
    stop = threading.Event()
    written: list[str] = []
    failures: list[BaseException] = []

    def write() -> None:
        n = 0
        try:
            while not stop.is_set():
                chunk = _chunk("stream", n, f"stream passage {n}", [0.0, 1.0, float(n), 1.0])
                store.upsert([chunk])
                written.append(chunk.id)
                if n % 3 == 2:
                    store.set_payload({chunk.id: {"title": f"Stream {n}"}})
                n += 1
                started.set()
                time.sleep(WRITE_PAUSE_S)
        except BaseException as failure:  # any failure fails the test
            failures.append(failure)
            started.set()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        started.wait(30)
        before = len(written)
        store.compact(lambda copied, total: None)
    finally:
        stop.set()
        writer.join()
    assert failures == []
    assert len(written) > before  # the writer ran alongside the compaction
    assert store.count() == 30 + len(written)
    assert {h.id for h in store.retrieve(written, fields=())} == set(written)
    titled = store.retrieve(written[2::3], fields=("title",))
    assert all(h.payload.get("title", "").startswith("Stream ") for h in titled)


def test_a_writer_faster_than_the_catch_up_rounds_does_not_make_them_grow(
    store: EmbeddedStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer that never pauses once outran the rounds that copy its changes again: each
    round had more to copy than the last (millions of points, a test run that never ended).
    With the copy slowed here so that the writer always outruns it, a round is copied while
    writes go on only if it has fewer points than the round before; the rest wait for the
    last round."""
    rounds: list[int] = []
    copy_again = store._copy_again

    def slow_copy_again(copy: object, points: list[str], doc_ids: list[str]) -> None:
        rounds.append(len(points))
        time.sleep(0.05 + 0.001 * len(points))  # the writer writes meanwhile
        copy_again(copy, points, doc_ids)  # type: ignore[arg-type]

    copy_live = store._copy_live_points

    def slow_copy_live(copy: object, listed: object, report: object) -> None:
        copy_live(copy, listed, report)  # type: ignore[arg-type]
        time.sleep(0.3)  # so the first round has more than the last round may hold

    monkeypatch.setattr(store, "_copy_again", slow_copy_again)
    monkeypatch.setattr(store, "_copy_live_points", slow_copy_live)
    stop = threading.Event()
    written: list[str] = []

    def write() -> None:
        n = 0
        while not stop.is_set() and n < 3_000:
            chunk = _chunk("stream", n, f"stream passage {n}", [0.0, 1.0, float(n), 1.0])
            store.upsert([chunk])
            written.append(chunk.id)
            n += 1
            time.sleep(0)

    writer = threading.Thread(target=write)
    writer.start()
    try:
        while len(written) < 50:
            time.sleep(0.01)
        store.compact()
    finally:
        stop.set()
        writer.join()
    while_writing = rounds[:-1]  # the last round is copied while writes wait
    assert all(later < earlier for earlier, later in pairwise(while_writing))
    assert len(while_writing) <= 2, rounds
    assert store.count() == 30 + len(written)  # and nothing was lost


def test_two_compactions_asked_at_once_run_one_after_the_other(store: EmbeddedStore) -> None:
    store.delete_documents(["asthma"])
    results: list[int] = []
    threads = [threading.Thread(target=lambda: results.append(store.compact())) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [24, 24]
    assert store.count() == 24 and _count(store, "asthma") == 0


def _folders(path: Path) -> list[str]:
    return sorted(p.name for p in path.iterdir() if p.is_dir())


def test_the_fresh_shard_goes_live_by_the_pointer_and_reopens_from_it(tmp_path: Path) -> None:
    path = tmp_path / "store"
    opened = EmbeddedStore(path)
    opened.ensure_collection(LAYOUT)
    opened.upsert(_library_chunks())
    try:
        opened.delete_documents(["housing"])
        assert opened.compact() == 24
        # The copy went live where it was written; the old shard is gone.
        assert _folders(path) == ["shard.b"]
        assert (path / "live_shard").read_text() == "shard.b"
        assert files_holding(path, b"wordofhousing") == []
        opened.upsert([_chunk("later", 0, "later passage wordoflater", [1.0, 0.0, 0.0, 0.5])])
    finally:
        opened.close()
    again = EmbeddedStore(path)
    try:
        assert again.count(Filters()) == 25 and _count(again, "later") == 1
        assert again.compact() == 25  # and back to the first folder
        assert _folders(path) == ["shard"] and (path / "live_shard").read_text() == "shard"
    finally:
        again.close()
    reopened = EmbeddedStore(path)
    assert reopened.count(Filters()) == 25
    reopened.close()


@pytest.mark.parametrize("pointed", [False, True])
def test_a_compaction_cut_short_leaves_the_live_shard_and_its_spare_goes(
    tmp_path: Path, pointed: bool
) -> None:
    path = tmp_path / "store"
    opened = EmbeddedStore(path)
    opened.ensure_collection(LAYOUT)
    opened.upsert(_library_chunks())
    opened.close()
    if pointed:
        # Cut after the pointer moved, before the old shard was deleted: the copy is live.
        shutil.copytree(path / "shard", path / "shard.b")
        (path / "live_shard").write_text("shard.b")
    else:
        # Cut while the copy was being written: a part of it, never pointed at.
        (path / "shard.b").mkdir()
        (path / "shard.b" / "segment").write_bytes(b"half a copy wordofhousing")
    reopened = EmbeddedStore(path)
    try:
        assert reopened.count(Filters()) == 30
        assert _folders(path) == (["shard.b"] if pointed else ["shard"])
    finally:
        reopened.close()


def test_a_damaged_pointer_stops_the_store_with_a_plain_message(tmp_path: Path) -> None:
    path = tmp_path / "store"
    opened = EmbeddedStore(path)
    opened.ensure_collection(LAYOUT)
    opened.upsert(_library_chunks())
    opened.close()
    (path / "live_shard").write_text("../elsewhere")
    with pytest.raises(StoreError, match="damaged 'live_shard' file"):
        EmbeddedStore(path)
    # The refusal let the folder's lock go: put right, it opens in the same process.
    (path / "live_shard").write_text("shard")
    mended = EmbeddedStore(path)
    assert mended.count(Filters()) == 30
    mended.close()


def test_a_copy_of_the_store_holds_the_live_shard_only(
    store: EmbeddedStore, tmp_path: Path
) -> None:
    # A compaction's copy in the making is no part of the library a backup holds.
    store_dir = tmp_path / "store"
    (store_dir / "shard.b").mkdir()
    (store_dir / "shard.b" / "segment").write_bytes(b"half a copy")
    store.copy_to(tmp_path / "backup")
    assert _folders(tmp_path / "backup") == ["shard"]
    copied = EmbeddedStore(tmp_path / "backup")
    assert copied.count(Filters()) == 30
    copied.close()


def test_a_pointer_renamed_into_place_is_the_live_shard_even_if_the_folder_sync_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The rename is the moment the copy goes live: a failure after it (the folder's entry made
    # durable) must not delete the copy the pointer now names.
    path = tmp_path / "store"
    opened = EmbeddedStore(path)
    opened.ensure_collection(LAYOUT)
    opened.upsert(_library_chunks())

    def no_sync(folder: Path) -> None:
        raise OSError("the disk refused to sync the folder")

    monkeypatch.setattr(embedded, "sync_folder", no_sync)
    try:
        opened.delete_documents(["housing"])
        with pytest.raises(OSError, match="refused"):
            opened.compact()
        assert opened.count(Filters()) == 24  # the store goes on, on the live copy
    finally:
        opened.close()
    monkeypatch.undo()
    again = EmbeddedStore(path)
    try:
        assert again.count(Filters()) == 24 and _count(again, "housing") == 0
    finally:
        again.close()
