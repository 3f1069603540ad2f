"""Reads every passage's row of the chunk table in the background while a site runs.

A search counts its matches from the chunk table (see chunk_table), which otherwise reads a
passage's row the first time a search matches it. Those reads are the engine's slowest: about
0.1 ms a passage, so a question nobody had asked before spent 35-90 ms of its 70-150 ms on
them at 300,000 passages (bench/RESULTS.md, Scale). Read ahead, only the first sight of the
library costs that, once, in the background.

When the catalogue changes, the table keeps every row but the changed documents' (see
chunk_table), so each check reads only the documents new or changed since the last: during an
ingest, the few documents written in the last `check_s`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from search.catalogue import Catalogue
from search.retrieval.chunk_table import ChunkTable
from search.store.base import Store

__all__ = ["ReadAhead"]

log = logging.getLogger(__name__)


class ReadAhead:
    """A daemon thread that keeps `table` holding every chunk's row."""

    def __init__(
        self,
        table: ChunkTable,
        store: Store,
        catalogue: Catalogue,
        check_s: float = 10.0,
        batch: int = 8,
        pause_s: float = 0.002,
        delay_s: float = 5.0,
    ) -> None:
        self.table = table
        self.store = store
        self.catalogue = catalogue
        self.check_s = check_s
        self.batch = batch
        self.pause_s = pause_s
        # Let the site start and answer its first searches before reading.
        self.delay_s = delay_s
        self.filled_version: int | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def read_once(self, is_stopping: Callable[[], bool] = lambda: False) -> bool:
        """Read every chunk's row at the catalogue's version now (those of documents the table
        already holds whole are kept, not read again); True when it read them all (False when
        the catalogue changed, or the reader was stopped, meanwhile)."""
        version = self.catalogue.changes()
        doc_ids = sorted(self.catalogue.doc_ids())
        started = time.perf_counter()

        def is_current() -> bool:
            return not is_stopping() and self.catalogue.changes() == version

        added = self.table.fill(
            self.store, doc_ids, version, is_current, batch=self.batch, pause_s=self.pause_s
        )
        if not is_current():
            return False
        self.filled_version = version
        log.info(
            "read %d passages' filter values ahead of searches in %.1f s",
            added,
            time.perf_counter() - started,
        )
        return True

    def is_current(self) -> bool:
        """Whether every chunk's row was read at the catalogue's version now."""
        return self.filled_version is not None and self.filled_version == self.catalogue.changes()

    def _run(self) -> None:
        self._stop.wait(self.delay_s)
        while not self._stop.is_set():
            try:
                if not self.is_current():
                    self.read_once(self._stop.is_set)
            except Exception:  # a closed library or a failing engine: searches still work
                log.exception("reading the chunk table ahead failed; searches read as they go")
            self._stop.wait(self.check_s)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="read-ahead", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None
