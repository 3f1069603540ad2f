"""What the catalogue keeps in memory between reads: documents' records and each view's totals,
as they stood at one catalogue version.

A search reads the same few documents' records several times (the page shown, the best passage
per determinant, the ones the ranking missed) and the library's totals once. Each read from
SQLite lets go of the interpreter lock while SQLite works; with eight clients the thread then
waits about a millisecond for the lock to come back, so a search spent 10-13 ms of its turn on
a dozen reads that took microseconds alone (`bench/RESULTS.md`, forty-seventh session).

Only a view pinned for one search (`Catalogue.pinned`) uses it, outside any write. Everything
held is labelled with the catalogue version (`Catalogue.changes()`) its reader had read before
reading it, so a record is never older than its label. A reader at another version neither
uses nor adds to what is held: the first reader at a newer version starts afresh, and a reader
at an older one reads SQLite as before.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable, Iterable, Mapping
from typing import Generic, TypeVar

__all__ = ["HeldReads"]

Record = TypeVar("Record")
Totals = TypeVar("Totals")

# Records held at most (oldest first out): a record is about 1.7 kB of JSON in SQLite, so
# about 5 MB at most, against the hundred or so documents a results page and its determinant
# list show.
RECORDS_HELD = 1024


class HeldReads(Generic[Record, Totals]):
    """Records by document id and totals by view, all at one catalogue version; shared by every
    view of one catalogue and safe across threads. Callers must not change what they are
    given: the same objects go to every reader."""

    def __init__(self, limit: int = RECORDS_HELD) -> None:
        if limit < 1:
            raise ValueError("limit must be at least 1")
        self._limit = limit
        self._lock = threading.Lock()
        self._version = -1
        self._records: dict[str, Record] = {}
        self._totals: dict[Hashable, Totals] = {}

    def _at(self, version: int) -> bool:
        """Whether what is held is at `version`, starting afresh at a newer one (call with the
        lock held)."""
        if version > self._version:
            self._version = version
            self._records.clear()
            self._totals.clear()
        return version == self._version

    def records(self, version: int, doc_ids: Iterable[str]) -> dict[str, Record]:
        """Those of the ids whose records are held at `version` (none at another version)."""
        with self._lock:
            if not self._at(version):
                return {}
            return {d: self._records[d] for d in doc_ids if d in self._records}

    def keep_records(self, version: int, records: Mapping[str, Record]) -> None:
        """Hold records read after the catalogue's version was `version`."""
        with self._lock:
            if not self._at(version):
                return
            for doc_id, record in records.items():
                self._records.pop(doc_id, None)
                self._records[doc_id] = record
            while len(self._records) > self._limit:
                del self._records[next(iter(self._records))]

    def totals(self, version: int, view: Hashable) -> Totals | None:
        """The totals held for `view` at `version`, or None."""
        with self._lock:
            return self._totals.get(view) if self._at(version) else None

    def keep_totals(self, version: int, view: Hashable, totals: Totals) -> None:
        """Hold `view`'s totals, read after the catalogue's version was `version`."""
        with self._lock:
            if self._at(version):
                self._totals[view] = totals
