"""The publication year read from a document's own words and layout, when there is no
manifest. Text and layout lines are written here; nothing is copied from real documents."""

from __future__ import annotations

from ingest.dating import find_year
from ingest.layout import LayoutLine


def _lines(*rows: tuple[str, float]) -> list[LayoutLine]:
    return [LayoutLine(text, size, 0.1 + 0.05 * i) for i, (text, size) in enumerate(rows)]


def test_stated_cover_date_beats_the_file_date() -> None:
    lines = _lines(("Green Space", 36), ("May 2026", 14))
    assert find_year(["Green Space\nMay 2026"], lines, "Green Space", 2019, 2026) == 2026


def test_financial_year_in_title_is_its_first_year() -> None:
    assert find_year([""], [], "Budget Risks Register 2025-26", None, 2026) == 2025


def test_years_on_the_cover_beat_the_file_date_and_data_periods_count_for_nothing() -> None:
    lines = _lines(("West Sussex County Council", 22), ("Annual Public Health Report 2018", 21))
    lines += _lines(*[("Body text about health in the county and its people.", 11)] * 5)
    assert find_year([""], lines, "Looking through a public health lens", 2019, 2026) == 2018
    assert find_year([""], [], "Annual Impact Report 2023/24", None, 2026) == 2024
    body = _lines(("Rates fell in 2013-15 and 2004-06.", 11))
    assert find_year([""], body, "Heart disease", None, 2026) is None


def test_the_way_a_paper_asks_to_be_cited_gives_its_year() -> None:
    pages = ['Reference: Chuttur M.Y. (2009). "Overview of the Technology Acceptance Model"']
    assert find_year(pages, [], "Overview of the Technology Acceptance Model", 2010, 2026) == 2009
