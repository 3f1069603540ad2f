"""How long the metadata rules take on text a hostile file can hand them (make bench): runs of
blank space after date labels, blank lines before "doi", a line of 16,800 dates and a line of
years 800,000 characters long. Each once took seconds to minutes (quadratic backtracking or a
rewrite per date); the unit tests check the answers and, where they can, the shapes that made
it so, without a clock. Each case is timed here, printed, and held to 5 s."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from ingest.dating import find_year
from ingest.describing import ACADEMIC, find_kind, find_organisation
from ingest.layout import LayoutLine, pick_title
from tests.ingest.hostile_text import (
    blank_lines_then_doi,
    labels_before_blank_space,
    long_line_of_years,
    many_dates_line,
)

pytestmark = pytest.mark.bench

LIMIT_S = 5.0


def _lines(*texts: tuple[str, float]) -> list[LayoutLine]:
    return [LayoutLine(text, size, 0.1 + 0.05 * i) for i, (text, size) in enumerate(texts)]


def _dated_after_blank_space() -> None:
    page = labels_before_blank_space()
    assert find_year([page, page, page], [], "Plan", 2024, 2026) == 2024


def _no_publisher_in_blank_lines() -> None:
    pages = [blank_lines_then_doi()] * 4
    assert find_organisation(pages, []) == ("", "")
    assert find_kind(pages, "", "Plan") != ACADEMIC


def _dated_beside_many_dates() -> None:
    lines = _lines(("Action plan", 20), ("Published: June 2024", 11), (many_dates_line(), 9))
    assert find_year(["Action plan"], lines, "Action plan", None, 2026) == 2024


def _titled_beside_many_years() -> None:
    lines = _lines(("December 2024", 40), (long_line_of_years(80_000), 30), ("Carers", 20))
    assert pick_title(lines).startswith("2020 2020")


CASES: dict[str, Callable[[], None]] = {
    "date labels before 50,000-space runs (dating)": _dated_after_blank_space,
    "30,000 blank lines and spaces (organisation, kind)": _no_publisher_in_blank_lines,
    "a line of 16,800 dates (dating)": _dated_beside_many_dates,
    "a line of 80,000 years, 800,000 characters (title)": _titled_beside_many_years,
}


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_text_is_read_in_time(name: str) -> None:
    started = time.perf_counter()
    CASES[name]()
    took_s = time.perf_counter() - started
    print(f"\n{name}: {took_s:.3f} s")
    assert took_s < LIMIT_S, f"{name} took {took_s:.1f} s"
