"""Sign-in attempt limits: a few wrong passwords per account, more per client address (an
office's people share one), then a pause."""

from __future__ import annotations

import threading
import time
from collections import deque

__all__ = ["SignInLimiter"]


class SignInLimiter:
    """Counts failed sign-ins in a sliding window, keyed by account and by client address.

    An account is held up after `attempts` wrong passwords from anywhere; a client address
    after `client_attempts` over all accounts (guessing one password across many accounts).
    The second is the larger: a council's staff sign in from behind one address, and one
    person's typos must not hold up everyone else, the admin among them."""

    MAX_KEYS = 10_000  # an attacker making up names must not grow memory without end

    def __init__(self, attempts: int, window_s: float, client_attempts: int | None = None) -> None:
        self.attempts = attempts
        self.client_attempts = attempts if client_attempts is None else client_attempts
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

    def is_blocked(self, client: str, account: str) -> bool:
        """Whether the account, or the client address, has had too many wrong passwords."""
        now = time.monotonic()
        with self._lock:
            return (
                len(self._recent(account, now)) >= self.attempts
                or len(self._recent(client, now)) >= self.client_attempts
            )

    def record_failure(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._failures) >= self.MAX_KEYS:
                self._forget_stale(now)
            for key in keys:
                times = self._recent(key, now)
                times.append(now)
                self._failures[key] = times

    def clear(self, key: str) -> None:
        with self._lock:
            self._failures.pop(key, None)

    def _forget_stale(self, now: float) -> None:
        for key in [k for k in self._failures if not self._recent(k, now)]:
            del self._failures[key]
        if len(self._failures) >= self.MAX_KEYS:  # still full: drop the oldest half
            oldest = sorted(self._failures, key=lambda k: self._failures[k][-1])
            for key in oldest[: len(oldest) // 2]:
                del self._failures[key]
