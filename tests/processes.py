"""Processes a test or bench started, and the ones they started in turn, read from the kernel:
which are below a process, and whether one has ended."""

from __future__ import annotations

import time
from pathlib import Path

__all__ = ["descendants", "has_ended"]


def descendants(pid: int) -> list[int]:
    """Every process below `pid` (its children, theirs, ...), from each thread's list of the
    children it started."""
    found: list[int] = []
    waiting = [pid]
    while waiting:
        parent = waiting.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                kids = [int(k) for k in (task / "children").read_text().split()]
            except OSError:
                continue  # the thread or the process ended meanwhile
            found.extend(kids)
            waiting.extend(kids)
    return found


def has_ended(pid: int, timeout_s: float = 20.0) -> bool:
    """Whether `pid` ends within `timeout_s`: gone, or a zombie (its main thread has exited
    and it runs nothing; its parent has yet to wait for it)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1][0]
        except (OSError, IndexError):
            return True
        if state == "Z":
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
