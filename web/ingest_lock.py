"""The ingest lock: the one lock that keeps the site's changes to the library in turn (ingests,
backups, deletions, the work it does as it starts), and what holds it, so a job waiting for it
can say what it waits for."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from enum import StrEnum

from fastapi import HTTPException, status

__all__ = ["Holder", "IngestLock", "busy_message", "take_or_refuse", "waiting_label"]


class Holder(StrEnum):
    """What may hold the ingest lock: every place that takes it names one of these."""

    INGEST = "ingest"  # an upload, reading again, or `kb ingest` through the site
    BACKUP = "backup"
    # A document deleted for good, a failed file taken off the list, or clearing what deleted
    # documents leave in the index's files.
    DELETION = "deletion"
    START_UP = "start-up"  # strongest passages chosen again, earlier editions settled


_WAITING_LABELS = {
    Holder.INGEST: "Waiting for another ingest to finish",
    Holder.BACKUP: "Waiting for a backup to finish",
    Holder.DELETION: "Waiting for a deletion to finish",
    Holder.START_UP: "Waiting for the site to finish starting up",
}


_BUSY_WITH = {
    Holder.INGEST: "an ingest",
    Holder.BACKUP: "a backup",
    Holder.DELETION: "deleting a document, or clearing one from the index files",
    Holder.START_UP: "the work the site does as it starts",
}


def busy_message(holder: Holder | None) -> str:
    """What a refused change says while `holder` has the lock (None: let go a moment ago)."""
    doing = _BUSY_WITH.get(holder, "") if holder is not None else ""
    doing = doing or "an ingest, or clearing a deleted document from the index files"
    return f"The library is busy with another change ({doing}). Try again when it has finished."


def take_or_refuse(lock: IngestLock, holder: Holder) -> None:
    """Take the lock for `holder` now, or refuse the request (409) saying what holds it; the
    caller lets it go when its change is done."""
    if not lock.take(holder, blocking=False):
        raise HTTPException(status.HTTP_409_CONFLICT, busy_message(lock.holder))


def waiting_label(holder: Holder | None) -> str:
    """What the page says of a job that waits for the lock while `holder` has it. None: the
    lock was let go a moment ago, or the job waits behind work carried on after a restart that
    has not taken it yet; either way the job waits its turn, and says no more than that."""
    return "Waiting for its turn" if holder is None else _WAITING_LABELS[holder]


class IngestLock:
    """A lock that knows what holds it. It has no bare `acquire`: whoever takes it says why."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holder: Holder | None = None

    @property
    def holder(self) -> Holder | None:
        """What holds the lock now; None when nothing does. A moment old by the time it is
        read: good for saying what a job waits for, never for deciding whether to take it."""
        return self._holder

    def locked(self) -> bool:
        return self._lock.locked()

    def take(self, holder: Holder, *, blocking: bool = True) -> bool:
        """Take the lock for `holder`, waiting for it unless `blocking` is off; False when it
        was held and not waited for."""
        if not self._lock.acquire(blocking=blocking):
            return False
        self._holder = holder
        return True

    def release(self) -> None:
        self._holder = None
        self._lock.release()

    @contextlib.contextmanager
    def hold(self, holder: Holder) -> Iterator[None]:
        """Hold the lock for `holder` until the block ends, waiting for it if need be."""
        self.take(holder)
        try:
            yield
        finally:
            self.release()
