"""The scale bench's own arithmetic (fast, no library): what it says about the machine."""

from __future__ import annotations

from tests.bench.scale.report import _waits
from tests.bench.scale.serving import cpu_times, machine_waits


def test_stolen_and_disk_wait_time_are_shares_of_all_cpu_time_between_readings() -> None:
    # user nice system idle iowait irq softirq steal guest guest_nice
    before = [100, 0, 50, 800, 10, 0, 5, 35, 0, 0]
    after = [400, 0, 150, 1300, 60, 0, 15, 75, 0, 0]  # 1,000 ticks: 50 waited, 40 stolen
    assert machine_waits(before, after) == {"stolen_pct": 4.0, "io_wait_pct": 5.0}
    assert machine_waits(before, before) == {}
    assert machine_waits([], after) == {}
    assert _waits({"stolen_pct": 4.0, "io_wait_pct": 5.0}) == "4.0 / 5.0"
    assert _waits({"load": 1.2}) == "?"  # a run from before the bench recorded them


def test_this_machine_reports_its_cpu_times() -> None:
    first, second = cpu_times(), cpu_times()
    assert len(first) >= 8
    assert all(b >= a for a, b in zip(first, second, strict=True))
