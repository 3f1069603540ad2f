"""The embedded store run in a process of its own, asked over a local socket.

The engine binding (qdrant-edge) holds Python's interpreter lock while it reads, so in the
site's process every search waited for every other one's graph walk and fused query: eight
readers were answered at the rate of one. Here the shard lives in a child process that does
nothing but the engine's work; the site's thread waiting on the socket lets the lock go, so
one search's Python runs on one core while another's engine read runs on the other.

Every call of the `Store` interface is sent as (method, arguments) over one of a pool of
connections (one per thread in use at once) and answered with its value or its exception (and,
for a compaction, its progress on the way).
The child owns the folder's lock; when it stops (killed, out of memory) the next call starts
a new one, and a read is asked again once, so the site goes on without a restart.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import queue
import secrets
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from multiprocessing import AuthenticationError
from multiprocessing.connection import Client, Connection, Listener
from pathlib import Path
from typing import Any, BinaryIO

from search.schema import Filters, Hit, IndexedChunk, tuples_of
from search.store.base import CollectionLayout, StoreError, VectorQuery
from search.store.folder import read_layout

__all__ = ["ProcessStore"]

log = logging.getLogger(__name__)

# Calls that change nothing: asked again once of a new child when the old one stopped.
_READS = frozenset(
    {
        "query",
        "recommend",
        "chunks",
        "chunk_vectors",
        "chunk_terms",
        "retrieve",
        "count",
        "facet",
    }
)
# The Store interface, and nothing else, is served.
_SERVED = _READS | {
    "ensure_collection",
    "upsert",
    "optimize",
    "compact",
    "set_payload",
    "delete_documents",
    "copy_to",
}
# How long a child that failed a call is given to end by itself before it is ended.
_DYING_S = 5.0
# Opening a large shard takes a few seconds; a slow disk or a busy machine several times that.
START_TIMEOUT_S = 300.0
STOPPED_MESSAGE = (
    "The search engine's process stopped and is being started again: try again in a moment. "
    "If this keeps happening, the server may be short of memory."
)


class ProcessStore:
    """An `EmbeddedStore` at `path`, in a child process; the same interface, the same locks."""

    def __init__(self, path: Path, start_timeout_s: float = START_TIMEOUT_S) -> None:
        self._path = path
        self._start_timeout_s = start_timeout_s
        self._guard = threading.Lock()  # one start or stop at a time
        self._idle: queue.SimpleQueue[Connection] = queue.SimpleQueue()
        self._generation = 0  # bumped at every start: connections of an old child are dropped
        self._closed = False
        self._child: subprocess.Popen[bytes] | None = None
        # Private to this user (0700), and each connection must know the child's random key.
        self._socket_dir = Path(tempfile.mkdtemp(prefix="kb-engine-"))
        try:
            self._start()
        except BaseException:
            shutil.rmtree(self._socket_dir, ignore_errors=True)
            raise

    # -- the Store interface ------------------------------------------------------------------

    def layout(self) -> CollectionLayout | None:
        # A file in the folder, read without the lock (as `EmbeddedStore.layout` reads it): no
        # call to the child, whose writes of it are complete when `ensure_collection` returns.
        return read_layout(self._path)

    def ensure_collection(self, layout: CollectionLayout) -> None:
        self._call("ensure_collection", layout)

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        self._call("upsert", list(chunks))

    def query(self, request: VectorQuery) -> list[Hit]:
        return self._call("query", request)  # type: ignore[no-any-return]

    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        return self._call("recommend", list(positive_ids), filters, limit)  # type: ignore[no-any-return]

    def chunks(
        self, filters: Filters, limit: int = 10_000, fields: Sequence[str] | None = None
    ) -> list[Hit]:
        return self._call("chunks", filters, limit, _listed(fields))  # type: ignore[no-any-return]

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        return self._call("chunk_vectors", list(ids))  # type: ignore[no-any-return]

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        return self._call("chunk_terms", list(ids))  # type: ignore[no-any-return]

    def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        return self._call("retrieve", list(ids), _listed(fields))  # type: ignore[no-any-return]

    def optimize(self) -> None:
        self._call("optimize")

    def compact(self, report: Callable[[int, int], None] | None = None) -> int | None:
        return self._call("compact", report=report)  # type: ignore[no-any-return]

    def set_payload(self, payloads: Mapping[str, Mapping[str, Any]]) -> None:
        self._call("set_payload", {k: dict(v) for k, v in payloads.items()})

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        self._call("delete_documents", list(doc_ids))

    def count(self, filters: Filters | None = None) -> int:
        return self._call("count", filters)  # type: ignore[no-any-return]

    def facet(self, field: str, filters: Filters | None = None, limit: int = 100) -> dict[str, int]:
        return self._call("facet", field, filters, limit)  # type: ignore[no-any-return]

    def copy_to(self, target: Path) -> None:
        """The files as `EmbeddedStore.copy_to` copies them (a backup)."""
        self._call("copy_to", target)

    def close(self) -> None:
        with self._guard:
            self._closed = True
            self._stop()
        shutil.rmtree(self._socket_dir, ignore_errors=True)

    @property
    def pid(self) -> int | None:
        """The child's process id (for tests and the bench's memory reading)."""
        child = self._child
        return None if child is None else child.pid

    # -- calls ----------------------------------------------------------------------------------

    def _call(
        self, method: str, *args: Any, report: Callable[[int, int], None] | None = None
    ) -> Any:
        try:
            return self._ask(method, args, report)
        except _ChildStopped as stopped:
            self._replace_child(stopped.generation)
            if method not in _READS:
                raise StoreError(STOPPED_MESSAGE) from None
        try:
            return self._ask(method, args, report)
        except _ChildStopped:
            raise StoreError(STOPPED_MESSAGE) from None

    def _ask(
        self, method: str, args: tuple[Any, ...], report: Callable[[int, int], None] | None
    ) -> Any:
        generation, conn = self._connection()
        try:
            _send(conn, (method, args, report is not None))
            while True:
                kind, value = _receive(conn)
                if kind == "progress" and report is not None:
                    report(*value)
                    continue
                break
        except (EOFError, OSError, pickle.UnpicklingError) as error:
            conn.close()
            raise _ChildStopped(generation) from error
        except BaseException:
            # Interrupted mid-answer: the connection's state is unknown, so it is not reused.
            conn.close()
            raise
        if generation == self._generation:
            self._idle.put(conn)
        else:
            conn.close()
        if kind == "error":
            raise value
        if kind == "hits":
            return tuples_of(Hit, *value)
        return value

    def _connection(self) -> tuple[int, Connection]:
        if self._closed:
            raise StoreError("The index is closed.")
        while True:
            try:
                conn = self._idle.get_nowait()
            except queue.Empty:
                break
            if not conn.closed:
                return self._generation, conn
        generation = self._generation
        try:
            return generation, Client(str(self._address), family="AF_UNIX", authkey=self._key)
        except (OSError, EOFError, AuthenticationError) as error:
            raise _ChildStopped(generation) from error

    # -- the child's life ---------------------------------------------------------------------

    @property
    def _address(self) -> Path:
        return self._socket_dir / f"engine-{self._generation}.sock"

    def _start(self) -> None:
        """Start a child on the shard and wait until it has opened it (or says why not).

        The child is a fresh interpreter running this module (not multiprocessing's spawn,
        which imports the caller's main script again). Its stdin is its lifeline: the site
        keeps it open, and the child closes the index and ends when it reads the end."""
        self._generation += 1
        self._key = secrets.token_bytes(32)
        child = subprocess.Popen(
            [sys.executable, "-m", "search.store.engine_process"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            close_fds=True,
        )
        assert child.stdin is not None and child.stdout is not None
        try:
            child.stdin.write(pickle.dumps((self._path, str(self._address), self._key)))
            child.stdin.flush()
            ready, _, _ = select.select([child.stdout], [], [], self._start_timeout_s)
            if not ready:
                raise StoreError(
                    f"The search engine did not open the index in {self._path} within "
                    f"{self._start_timeout_s:.0f} s."
                )
            kind, value = pickle.load(child.stdout)
        except (EOFError, OSError, pickle.UnpicklingError):
            child.kill()
            _reap(child)
            raise StoreError(
                f"The search engine's process stopped while opening the index in {self._path} "
                f"(exit code {child.returncode})."
            ) from None
        except BaseException:
            child.kill()
            _reap(child)
            raise
        if kind == "error":
            _reap(child)
            raise value
        self._child = child

    def _replace_child(self, generation: int) -> None:
        """Start a new child in place of the one of `generation`, which failed a call: it
        stopped, or it no longer answers on its socket, which leaves it of no use either."""
        with self._guard:
            if self._closed:
                raise StoreError("The index is closed.")
            if generation != self._generation:
                return  # another thread's call replaced it already
            child = self._child
            self._drop_connections()
            if child is not None:
                # A killed process takes a moment to end (its threads first); one that is
                # still running is ended, so that it lets the folder's lock go.
                _reap(child, _DYING_S)
            log.error(
                "The search engine's process stopped (exit code %s); starting it again",
                None if child is None else child.returncode,
            )
            self._start()

    def _stop(self) -> None:
        child, self._child = self._child, None
        self._drop_connections()
        if child is None:
            return
        try:
            with Client(str(self._address), family="AF_UNIX", authkey=self._key) as conn:
                _send(conn, ("close", (), False))
                _receive(conn)
        except (EOFError, OSError, AuthenticationError):
            pass  # already gone: nothing to tell
        _reap(child, 30.0)

    def _drop_connections(self) -> None:
        while True:
            try:
                self._idle.get_nowait().close()
            except queue.Empty:
                return


def _reap(child: subprocess.Popen[bytes], timeout_s: float = 5.0) -> None:
    """Wait for a child that was told to stop (or has stopped), ending it if it does not,
    and close its pipes."""
    try:
        child.wait(timeout_s)
    except subprocess.TimeoutExpired:
        log.error("The search engine's process did not stop in %.0f s; ending it", timeout_s)
        child.kill()
        child.wait(5)
    for pipe in (child.stdin, child.stdout):
        if pipe is not None:
            pipe.close()


class _ChildStopped(Exception):
    """The child process of a generation is gone (or its socket is)."""

    def __init__(self, generation: int) -> None:
        super().__init__(generation)
        self.generation = generation


def _listed(fields: Sequence[str] | None) -> tuple[str, ...] | None:
    # An empty tuple means "no payload"; keep that apart from None ("all of it").
    return None if fields is None else tuple(fields)


# -- in the child -----------------------------------------------------------------------------


def serve_store(lifeline: BinaryIO, answer: BinaryIO) -> None:
    """The child's body: read where the shard is from `lifeline`, open it, say so on
    `answer`, then answer calls until told to close or until `lifeline` ends (the site's
    process is gone)."""
    from search.interpreter_lock import share_the_lock_often
    from search.store.embedded import EmbeddedStore

    share_the_lock_often()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s kb-engine %(message)s")
    # Ctrl-C reaches the site and this child alike; the site closes the index for both.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    path, address, key = pickle.load(lifeline)
    try:
        store = EmbeddedStore(path)
        listener = Listener(address, family="AF_UNIX", authkey=key)
    except BaseException as error:
        pickle.dump(("error", _sendable(error)), answer)
        answer.flush()
        return
    pickle.dump(("ready", None), answer)
    answer.flush()
    os.dup2(2, 1)  # nothing else may write to the pipe the site no longer reads
    stopping = threading.Lock()

    def close_store() -> None:
        # Once, whichever comes first: the site's "close" or the site's process gone.
        if stopping.acquire(blocking=False):
            store.close()

    threading.Thread(
        target=_end_with_site, args=(lifeline, close_store, Path(address)), daemon=True
    ).start()
    while True:
        try:
            conn = listener.accept()
        except (OSError, EOFError, AuthenticationError):
            time.sleep(0.05)  # a caller without the key, or out of descriptors: not a spin
            continue
        threading.Thread(target=_answer, args=(store, conn, close_store), daemon=True).start()


def _end_with_site(lifeline: BinaryIO, close_store: Callable[[], None], socket: Path) -> None:
    lifeline.read()  # returns when the site's end of the pipe closes
    log.info("the site's process is gone: closing the index")
    close_store()
    # The site had no chance to remove the socket's folder; a later child's socket keeps it.
    socket.unlink(missing_ok=True)
    with contextlib.suppress(OSError):
        socket.parent.rmdir()
    os._exit(0)


def _answer(store: Any, conn: Connection, close_store: Callable[[], None]) -> None:
    """Answer one connection's calls, one after another, until the site hangs up."""
    with conn:
        try:
            _answer_calls(store, conn, close_store)
        except (EOFError, OSError):
            return  # the site's thread gave up on this connection (or the site is gone)


def _answer_calls(store: Any, conn: Connection, close_store: Callable[[], None]) -> None:
    while True:
        method, args, wants_progress = _receive(conn)
        if method == "close":
            # Closed or not (a full disk, the folder gone), the accept loop has nothing left to
            # serve: this process ends either way, rather than be waited for and then killed.
            try:
                close_store()
            except Exception:
                log.exception("the index could not be closed cleanly")
                os._exit(1)
            _send(conn, ("ok", None))
            conn.close()
            os._exit(0)
        if method not in _SERVED:
            _send(conn, ("error", StoreError(f"Unknown store call {method!r}.")))
            continue
        kwargs: dict[str, Any] = {}
        if wants_progress:
            kwargs["report"] = lambda done, total: _send(conn, ("progress", (done, total)))
        try:
            value = getattr(store, method)(*args, **kwargs)
        except BaseException as error:
            _send(conn, ("error", _sendable(error)))
            continue
        _send(conn, _answer_of(value))


def _answer_of(value: Any) -> tuple[str, Any]:
    """A call's value as sent: hits as three lists (ids, scores, payloads), which pickle in a
    fifth of the time a list of named tuples takes (a graph walk returns 500)."""
    if isinstance(value, list) and value and isinstance(value[0], Hit):
        return "hits", ([h.id for h in value], [h.score for h in value], [h.payload for h in value])
    return "ok", value


def _send(conn: Connection, message: tuple[Any, ...]) -> None:
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive(conn: Connection) -> Any:
    return pickle.loads(conn.recv_bytes())


def _sendable(error: BaseException) -> BaseException:
    """`error` if it survives pickling, else a plain error with its message."""
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


if __name__ == "__main__":
    serve_store(sys.stdin.buffer, sys.stdout.buffer)
