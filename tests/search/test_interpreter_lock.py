"""The switch interval a serving process sets (search.interpreter_lock)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest

from search.interpreter_lock import SWITCH_INTERVAL_S, share_the_lock_often


@pytest.fixture
def interval() -> Iterator[None]:
    before = sys.getswitchinterval()
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("interval")
def test_a_serving_process_shares_the_lock_every_millisecond() -> None:
    sys.setswitchinterval(0.005)  # Python's default
    share_the_lock_often()
    assert sys.getswitchinterval() == pytest.approx(SWITCH_INTERVAL_S)
