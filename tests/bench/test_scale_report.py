"""The scale bench's own arithmetic (fast, no library): what it says about the machine."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import Any

from tests.bench.scale.report import _waits, render
from tests.bench.scale.serving import (
    NEW_QUESTION_SETS,
    NEW_QUESTIONS_TIMED,
    QUERIES,
    cpu_times,
    machine_waits,
    new_questions,
)
from tests.bench.test_strength import read_queries
from tests.processes import cpu_s


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


def test_new_questions_are_officers_questions_the_bench_never_asks() -> None:
    asked = new_questions()
    assert len(asked) == NEW_QUESTIONS_TIMED
    assert len(set(asked)) == len(asked)
    assert not set(asked) & set(QUERIES)
    # Only the worn sets are read: those kept for judging strength rules stay untouched.
    assert not {"council11", "council12"} & set(NEW_QUESTION_SETS)
    timed = {str(q["query"]).strip() for name in NEW_QUESTION_SETS for q in read_queries(name)}
    assert set(asked) <= timed
    assert new_questions() == asked  # the same every run


def _run_at_10k(pages: dict[str, Any]) -> dict[str, Any]:
    """One size's readings as the bench writes them, with these pages' timings."""
    return {
        "chunks": 10_000,
        "build_s": 12,
        "disk_mb": 144.0,
        "start_to_first_answer_s": 1.5,
        "first_query_ms": 400.0,
        "site_memory": {"rss_mb": 500.0, "peak_rss_mb": 510.0},
        "recall_at_10": {"queries": 1.0, "chunk_vectors": 1.0},
        "load_before": [1.0],
        "load_after": [1.2],
        "pages": pages,
    }


def test_the_report_shows_new_questions_when_a_run_timed_them() -> None:
    run = _run_at_10k({})
    results = {"source_chunks": 6900, "cores": 2, "sizes": {"10000": run}}
    assert "had not been asked" not in render(results)
    run["new_questions"] = {
        "requests": 64,
        "p50_ms": 40.5,
        "p95_ms": 99.0,
        "errors": 0,
        "load": 1.1,
    }
    assert "| 10,000 | 64 | 40.5 / 99.0 | 0 | 1.1 |" in render(results)


def test_the_report_shows_each_process_cpu_a_request_when_a_run_measured_it() -> None:
    timed = {"p50_ms": 20.0, "p95_ms": 25.0, "requests_per_s": 40.0, "errors": 0}
    run = _run_at_10k({"/api/search": {"one_client": timed, "eight_clients": dict(timed)}})
    results = {"source_chunks": 6900, "cores": 2, "sizes": {"10000": run}}

    def search_row() -> str:
        (row,) = [
            line
            for line in render(results).splitlines()
            if line.startswith("| 10,000 | /api/search |")
        ]
        return row

    assert search_row().endswith("| ? |")  # a run from before the bench measured it
    split = {"site": 12.5, "engine": 9.8, "clients": 1.2}
    run["pages"]["/api/search"]["eight_clients"]["cpu_ms_per_request"] = split
    assert search_row().endswith("| 12.5 / 9.8 / 1.2 |")


def test_a_process_cpu_time_grows_as_it_and_its_waited_children_work_and_is_0_once_ended() -> None:
    before = cpu_s(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    # The kernel counts in clock ticks (10 ms here): a tenth of a second is well clear of them.
    assert cpu_s(os.getpid()) >= before + 0.1
    # A child that works a tenth of a second, waited for, counts with its parent's children.
    me = os.getpid()
    children_before = cpu_s(me, waited_children=True) - cpu_s(me)
    burn = "import time\nt = time.process_time() + 0.15\nwhile time.process_time() < t: pass"
    ended = subprocess.Popen([sys.executable, "-c", burn])
    ended.wait()
    assert cpu_s(me, waited_children=True) - cpu_s(me) >= children_before + 0.1
    assert cpu_s(ended.pid) == 0.0
