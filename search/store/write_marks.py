"""Write marks: whether a store call overlapped any write, told without locking readers out.

A store counts the writes begun on it and those under way. A reader takes a mark before a call
(only while no write is under way) and asks afterwards whether it still holds: it does when no
write has begun since, so the store's contents were the same from the mark to the end of the
call. The embedded store leaves a reader's access check out of a query on that basis
(`search.store.embedded`).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["WriteMarks"]


class WriteMarks:
    """The writes begun on one store and those under way; thread-safe."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._begun = 0
        self._under_way = 0

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Around every change to the store's points, however it ends."""
        with self._guard:
            self._begun += 1
            self._under_way += 1
        try:
            yield
        finally:
            with self._guard:
                self._under_way -= 1

    def mark(self) -> int | None:
        """The writes begun so far, when none is under way (None while one is)."""
        with self._guard:
            return None if self._under_way else self._begun

    def holds(self, mark: int) -> bool:
        """Whether no write has begun since `mark` was taken."""
        with self._guard:
            return self._begun == mark
