"""The embedded engine in a child process: its life, its failures and its answers.

The store contract (`test_store_contract.py`) runs every read and write against this store
too; these tests cover what only a second process can do wrong."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client
from pathlib import Path

import pytest

from search.schema import Filters, point_id
from search.store.base import StoreBusyError, StoreError, VectorQuery
from search.store.embedded import EmbeddedStore
from search.store.engine_process import STOPPED_MESSAGE, ProcessStore
from tests.processes import has_ended
from tests.search.test_store_contract import CHUNKS, LAYOUT

QUERY = VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=2)


@pytest.fixture
def written(tmp_path: Path) -> Path:
    path = tmp_path / "collection"
    store = EmbeddedStore(path)
    store.ensure_collection(LAYOUT)
    store.upsert(CHUNKS)
    store.close()
    return path


def test_the_answers_are_the_engines_own(written: Path) -> None:
    store = ProcessStore(written)
    try:
        answered = store.query(QUERY)
        assert store.pid is not None and store.pid != os.getpid()
    finally:
        store.close()
    here = EmbeddedStore(written)
    try:
        assert answered == here.query(QUERY)
        assert [h.id for h in answered] == [point_id("housing", 0), point_id("housing", 1)]
    finally:
        here.close()


@pytest.fixture
def killed(written: Path) -> Iterator[tuple[ProcessStore, int]]:
    """A store whose child was just killed (as the kernel does when memory runs out), and
    that child's process id."""
    store = ProcessStore(written)
    try:
        first = store.pid
        assert first is not None
        os.kill(first, signal.SIGKILL)
        assert has_ended(first)
        yield store, first
    finally:
        store.close()


def test_a_read_after_the_child_was_killed_is_answered_by_a_new_one(
    killed: tuple[ProcessStore, int],
) -> None:
    store, first = killed
    assert store.count() == len(CHUNKS)  # asked again of a new child
    assert store.pid not in (None, first)


def test_a_write_the_killed_child_could_not_answer_fails_plainly_then_writes_go_on(
    killed: tuple[ProcessStore, int],
) -> None:
    store, _ = killed
    # Whether a write reached the engine is unknown, so it is not made again unasked.
    with pytest.raises(StoreError, match="stopped and is being started again"):
        store.delete_documents(["housing"])
    store.delete_documents(["housing"])
    assert store.count() == len(CHUNKS) - 2
    assert "try again" in STOPPED_MESSAGE


def test_a_folder_another_process_owns_is_refused_with_the_usual_message(written: Path) -> None:
    owner = EmbeddedStore(written)
    try:
        with pytest.raises(StoreBusyError, match="in use by a running site"):
            ProcessStore(written)
    finally:
        owner.close()


def test_closing_ends_the_child_and_lets_the_folder_go(written: Path) -> None:
    store = ProcessStore(written)
    pid = store.pid
    assert pid is not None
    store.close()
    assert has_ended(pid)
    with pytest.raises(StoreError, match="closed"):
        store.count()
    EmbeddedStore(written).close()  # free for the next owner


def test_the_child_ends_when_the_site_process_is_gone(written: Path) -> None:
    site = textwrap.dedent(
        f"""
        import os
        from pathlib import Path
        from search.store.engine_process import ProcessStore
        store = ProcessStore(Path({str(written)!r}))
        print(store.pid, store._socket_dir, flush=True)
        os._exit(0)  # gone without closing anything
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", site], capture_output=True, text=True, timeout=120, check=True
    )
    pid, folder = done.stdout.split()
    child = int(pid)
    assert has_ended(child)
    assert not Path(folder).exists()  # the child took its socket's folder with it
    reopened = EmbeddedStore(written)  # the lock went with it, and the points are intact
    try:
        assert reopened.count() == len(CHUNKS)
    finally:
        reopened.close()


def test_a_compaction_reports_its_progress_across_the_processes(written: Path) -> None:
    store = ProcessStore(written)
    try:
        store.delete_documents(["housing"])
        seen: list[tuple[int, int]] = []
        kept = store.compact(lambda done, total: seen.append((done, total)))
        assert kept == len(CHUNKS) - 2
        assert seen and seen[-1][0] == seen[-1][1]
        assert store.count() == len(CHUNKS) - 2
    finally:
        store.close()


def test_an_engine_error_comes_back_as_an_error_and_the_store_goes_on(written: Path) -> None:
    store = ProcessStore(written)
    try:
        with pytest.raises(Exception, match="Vector dimension error: expected dim: 4, got 2"):
            store.query(VectorQuery(dense=[1.0, 0.0], sparse=None, mode="dense"))
        assert store.count(Filters(doc_ids=("meals",))) == 1
    finally:
        store.close()


def test_readers_on_many_threads_each_get_their_own_answer(written: Path) -> None:
    store = ProcessStore(written)
    wanted = {doc: store.count(Filters(doc_ids=(doc,))) for doc in ("housing", "lonely", "meals")}
    failures: list[str] = []

    def read(doc: str) -> None:
        for _ in range(30):
            got = store.count(Filters(doc_ids=(doc,)))
            if got != wanted[doc]:
                failures.append(f"{doc}: {got}")

    threads = [threading.Thread(target=read, args=(d,)) for d in wanted for _ in range(3)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not failures
        assert wanted == {"housing": 2, "lonely": 1, "meals": 1}
    finally:
        store.close()


def test_only_the_site_can_ask_the_engine(written: Path) -> None:
    store = ProcessStore(written)
    try:
        folder = store._socket_dir
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700  # no other user reaches the socket
        with pytest.raises(AuthenticationError):
            Client(str(store._address), family="AF_UNIX", authkey=b"not the key")
        assert store.count() == len(CHUNKS)  # and the engine goes on answering the site
    finally:
        store.close()
    assert not folder.exists()


def test_a_child_whose_index_cannot_close_still_ends_by_itself(written: Path) -> None:
    """A flush that fails at closing (here the folder removed under the running site, as a
    full or lost disk would fail it) ends the child at once: it is not left serving nothing
    until the site gives up waiting and kills it."""
    store = ProcessStore(written)
    child = store._child
    assert child is not None
    store.set_payload({CHUNKS[0].id: {"year": 2001}})  # something the close must write
    shutil.rmtree(written)
    store.close()
    assert child.returncode == 1  # ended itself, reporting the failure; killed would be -9
