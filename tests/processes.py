"""Processes a test or bench started, and the ones they started in turn, read from the kernel:
which are below a process, whether one has ended, and the CPU time it has used."""

from __future__ import annotations

import os
import time
from pathlib import Path

__all__ = ["cpu_s", "descendants", "has_ended"]


def cpu_s(pid: int, waited_children: bool = False) -> float:
    """A process's CPU time so far (user and system, its ended threads included), in seconds;
    with `waited_children`, also that of the children it has waited for. 0 once it has
    ended."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(") ", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # utime, stime, cutime and cstime are fields 14-17 of the line, 12-15 after the name.
    ticks = fields[11:15] if waited_children else fields[11:13]
    return sum(int(x) for x in ticks) / os.sysconf("SC_CLK_TCK")


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
