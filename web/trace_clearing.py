"""Clearing what documents deleted for good leave in the library's files, in the background.

Deleting a document takes it out of every search at once, but its text stays readable in the
index's files until they are rewritten (`search.curation.clear_deleted_traces`). The site does
that after each deletion, beside searches and uploads (the store copies again what they
change), taking the ingest lock only to rewrite the catalogue at the end; deletions made while
it runs are cleared by one more run. A site stopped before it finished clears them when it
starts again (`web.app.resume_jobs`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

from search.curation import clear_deleted_traces
from search.library import Library
from web.ingest_lock import Holder, IngestLock

__all__ = ["ClearingState", "ClearingStopped", "TraceClearing"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClearingState:
    """Where the clearing has got: passages copied of the library's total (0 of 0 while it
    starts; all of them while it indexes the copy and tidies the catalogue)."""

    copied: int
    total: int

    @property
    def percent(self) -> int:
        return 100 * self.copied // self.total if self.total else 0


class ClearingStopped(Exception):
    """The site is stopping: the clearing gives up before the rewritten files replace the
    live ones (the mark stays set, and the next start clears again)."""


class TraceClearing:
    """One clearing at a time in a thread of its own; asking while one runs queues one more."""

    def __init__(self, library: Library, lock: IngestLock) -> None:
        self._library = library
        self._lock = lock
        self._guard = threading.Lock()
        self._is_wanted = False
        self._thread: threading.Thread | None = None
        self._state: ClearingState | None = None
        # When the last clearing that finished did so, and how many passages it kept.
        self._finished: tuple[datetime, int | None] | None = None
        self._is_stopping = False

    def request(self) -> None:
        """Clear the traces soon (now, or when the ingest under way has finished)."""
        with self._guard:
            if self._is_stopping:
                return
            self._is_wanted = True
            if self._state is None:
                self._state = ClearingState(0, 0)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="clear-deleted-traces", daemon=True
                )
                self._thread.start()

    def stop(self) -> None:
        """Give up a clearing under way while it copies, wait for its thread, and start no
        other: before the library closes, which the thread would otherwise be reading (a
        closed catalogue connection under a running query can crash the process)."""
        with self._guard:
            self._is_stopping = True
            self._is_wanted = False
            thread = self._thread
        if thread is not None:
            thread.join()

    def state(self) -> ClearingState | None:
        """How far a clearing under way (or waiting) has got; None when none is."""
        return self._state

    def finished(self) -> tuple[datetime, int | None] | None:
        """When the last clearing this site ran finished (UTC), and the passages it kept."""
        return self._finished

    def _run(self) -> None:
        while True:
            with self._guard:
                if not self._is_wanted:
                    self._thread = None
                    self._state = None
                    return
            self._run_once()

    def _run_once(self) -> None:
        with self._guard:
            self._is_wanted = False
        library = self._library
        try:
            kept = clear_deleted_traces(
                library.store,
                library.catalogue,
                self._report,
                writers_out=self._lock.hold(Holder.DELETION),
            )
        except ClearingStopped:
            log.info("the site stopped during a clearing: the next start clears again")
        except Exception:
            # The mark stays set: the next deletion, or the next start, tries again.
            log.exception("the index files could not be rewritten without deleted documents")
        else:
            log.info("deleted documents cleared from the index files (%s passages kept)", kept)
            self._finished = (datetime.now(UTC), kept)

    def _report(self, copied: int, total: int) -> None:
        if self._is_stopping:
            raise ClearingStopped
        self._state = ClearingState(copied, total)
