"""How often a thread holding Python's interpreter lock lets a waiting thread have it.

The site runs a few searches at once in threads of one process, and each search waits for the
engine's process several times (`search.store.engine_process`); so does each of the engine
process's own threads, whose engine calls hold the lock. A thread whose answer has arrived
then waits for the lock until the thread holding it lets it go: by Python's default, up to
5 ms of another search's Python. With 1 ms, eight clients at 300k chunks got about 3% more
searches a second, more in four of five rounds alternating with the default (bench/RESULTS.md,
"Forty-sixth session"); 0.1 ms read fewer than the default in its one run.
"""

from __future__ import annotations

import sys

__all__ = ["SWITCH_INTERVAL_S", "share_the_lock_often"]

SWITCH_INTERVAL_S = 0.001


def share_the_lock_often() -> None:
    """Set this process's switch interval to `SWITCH_INTERVAL_S` (for a serving process: the
    site's, and the engine's process beside it)."""
    sys.setswitchinterval(SWITCH_INTERVAL_S)
