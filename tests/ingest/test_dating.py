"""The publication year read from a document's own words and layout, when there is no
manifest. Text and layout lines are written here; nothing is copied from real documents."""

from __future__ import annotations

import pytest

from ingest import dating
from ingest.dating import find_year, year_in_file_name
from ingest.layout import LayoutLine, pick_title
from tests.ingest.hostile_text import labels_before_blank_space, many_dates_line
from tests.ingest.pattern_shapes import quadratic_shapes


def _lines(*rows: tuple[str, float]) -> list[LayoutLine]:
    return [LayoutLine(text, size, 0.1 + 0.05 * i) for i, (text, size) in enumerate(rows)]


def test_stated_cover_date_beats_the_file_date() -> None:
    lines = _lines(("Green Space", 36), ("May 2026", 14))
    assert find_year(["Green Space\nMay 2026"], lines, "Green Space", 2019, 2026) == 2026


def test_a_publisher_named_before_the_date_still_states_when_it_came_out() -> None:
    # The period in the title is what it covers; the stated publication is when it came out.
    title = "Warm Spaces Evaluation: Winter 2025"
    text = f"{title}\nPublished by Leicestershire County Council, March 2026.\nSummary"
    assert find_year([text], [], title, None, 2026) == 2026
    ons = "Published by the Office for National Statistics on 5 May 2020."
    assert find_year([ons], [], "Deaths at home", 2023, 2026) == 2020
    # A year after the publisher that is not its date says nothing about when it came out.
    census = "Published by the council in response to the 2011 Census results."
    assert find_year([census], [], "Housing", 2014, 2026) == 2014


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


def test_a_sentence_wrapped_onto_its_own_line_is_not_a_cover_date() -> None:
    # The tail of running text ("… went live / in April 2023.") is no date on the cover.
    lines = _lines(
        ("Annual Impact Report 2023/24", 27),
        ("A dashboard our team built went live", 12),
        ("in April 2023.", 12),
    )
    assert find_year([""], lines, "Annual Impact Report 2023/24", 2026, 2026) == 2024
    assert find_year([""], _lines(("Published: May 2025", 12)), "Plan", 2026, 2026) == 2025


def test_review_expiry_and_next_meeting_dates_are_not_publication() -> None:
    lines = _lines(("Carers Strategy", 30), ("March 2024", 14), ("Review date: March 2027", 10))
    assert find_year([""], lines, "Carers Strategy", None, 2026) == 2024
    page = "Policy on lone working\nNext review due: 1 June 2027\nDate of next meeting: 4 May 2027"
    assert find_year([page], [], "Policy on lone working", 2025, 2026) == 2025
    page = "Consultation\nClosing date: 5 January 2027\nValid until 2027"
    assert find_year([page], [], "Consultation", 2026, 2026) == 2026


def test_stated_publication_and_meeting_dates_in_any_written_form() -> None:
    assert find_year(["Date of publication: 12/03/2021"], [], "Guide", 2023, 2026) == 2021
    assert find_year(["First published in 2019"], [], "Handbook", 2023, 2026) == 2019
    meeting = "Cabinet\nDate of meeting: Thursday, 30th January, 2025\nBudget monitoring"
    assert find_year([meeting], [], "Budget monitoring", 2024, 2026) == 2025
    assert find_year(["Issue date: 01.09.2022"], [], "Bulletin", 2023, 2026) == 2022
    online = "Received: 5 May 2020 / Accepted: 2 November 2020 / Published online: 20 Jan 2021"
    assert find_year([online], [], "A cohort study", 2020, 2026) == 2021


def test_a_journals_received_date_is_not_its_publication() -> None:
    page = "Received 3 December 2019; received in revised form 1 May 2020\nA cohort study"
    # No other date: the file's date beats the date the journal received the paper.
    assert find_year([page], [], "A cohort study", 2021, 2026) == 2021


def test_a_journals_citation_line_gives_the_papers_year() -> None:
    for line in (
        "BMJ Open 2019;9:e012345. doi:10.1136/bmjopen",
        "Lancet 2020; 396: 1204-22",
        "Social Science & Medicine 265 (2020) 113456",
        "Journal of Public Health, Vol. 42, No. 3 (2020), pp. 1-9",
    ):
        page = f"{line}\nHousing and health: a cohort study\nAbstract\nWe followed 2,000 adults."
        year = 2019 if "2019" in line else 2020
        assert find_year([page], [], "Housing and health", 2023, 2026) == year


def test_copyright_lines_that_name_the_holder_before_the_year() -> None:
    assert find_year(["© The Author(s) 2021. Open Access."], [], "Paper", 2022, 2026) == 2021
    assert find_year(["© Kent County Council 2019"], [], "Kent facts", 2022, 2026) == 2019
    # A map's licence line dates the map data, not the report.
    osmap = "© Crown copyright and database rights 2015 Ordnance Survey 100023447"
    assert find_year([osmap], [], "Ward profile", 2022, 2026) == 2022


def test_a_web_pages_last_reviewed_date_when_it_states_no_publication() -> None:
    page = "Asthma\nOne in 12 adults (survey, March 2019).\nPage last reviewed: 12 April 2023"
    assert find_year([page], [], "Asthma", 2025, 2026) == 2023


def test_periods_are_read_as_periods_in_every_written_form() -> None:
    # A report on a period comes out after it ends; GOV.UK writes financial years "2023 to 2024".
    page = "This report covers April 2022 to March 2023 across the county."
    assert find_year([page], [], "Carers services", None, 2026) == 2023
    assert find_year([""], [], "Annual report 2023 to 2024", None, 2026) == 2024
    # A five-year span is no single year of data; only a plan named for it (below) reads it.
    assert (
        find_year([""], [], "Joint Health and Wellbeing Profile 2024 to 2029", None, 2026) is None
    )


def test_a_column_of_dates_in_a_table_is_not_a_cover_date() -> None:
    # An action plan's target dates stand alone in their cells; the latest is no publication.
    rows = [("Action plan", 20), ("Published: June 2024", 11)]
    rows += [(when, 9) for when in ("March 2025", "December 2026", "April 2027", "July 2025")]
    assert (
        find_year(["Action plan\nPublished: June 2024"], _lines(*rows), "Action plan", None, 2026)
        == 2024
    )


def test_dates_in_figures_and_with_of_are_dates() -> None:
    lines = _lines(("Cabinet", 20), ("22/01/2025", 12), ("Budget monitoring", 12))
    assert find_year([""], lines, "Budget monitoring", 2003, 2026) == 2025
    page = "Minutes of the meeting held on the 30th of January 2025 at County Hall"
    assert find_year([page], [], "Cabinet minutes", 2003, 2026) == 2025


def test_a_papers_own_doi_gives_its_year_when_the_publisher_writes_it_in() -> None:
    page = "Open access\nhttps://doi.org/10.1016/j.ssmph.2021.100845\nHousing and health\nAbstract"
    assert find_year([page], [], "Housing and health", 2023, 2026) == 2021
    page = "Research\nhttps://doi.org/10.1186/s12889-021-10123-4\nLoneliness in later life"
    assert find_year([page], [], "Loneliness in later life", 2023, 2026) == 2021
    # A DOI without a year in it says nothing: the file's date stands.
    page = "Research\nhttps://doi.org/10.1136/bmj.m1234\nLoneliness in later life"
    assert find_year([page], [], "Loneliness in later life", 2023, 2026) == 2023


def test_a_label_followed_by_a_run_of_blank_space_still_dates_the_document() -> None:
    # A hostile or broken PDF can put a label before megabytes of spaces. "\s*:?\s*" split such
    # a run every possible way between its two stars; no pattern here has that shape any more
    # (tests/bench/test_metadata_hostile.py times this page).
    assert quadratic_shapes(dating) == []
    page = labels_before_blank_space()
    assert find_year([page, page, page], [], "Plan", 2024, 2026) == 2024


class _CountingLine(str):
    """A line that counts how often it is rewritten."""

    rewrites = 0

    def replace(self, old: str, new: str, count: int = -1) -> str:  # type: ignore[override]
        type(self).rewrites += 1
        return str(self).replace(old, new, count)


def test_a_line_of_many_dates_is_not_rewritten_once_per_date(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Rewriting the line once for each date on it, to see what else it says, was quadratic in
    # its length (15 s for this one). The line's word counts already show that no date on it
    # stands alone, so it is not rewritten at all (tests/bench/test_metadata_hostile.py times it).
    rows = [("Action plan", 20), ("Published: June 2024", 11), (many_dates_line(), 9)]
    assert find_year(["Action plan"], _lines(*rows), "Action plan", None, 2026) == 2024
    monkeypatch.setattr(_CountingLine, "rewrites", 0)
    assert dating._dates_alone(_CountingLine(many_dates_line())) == []
    assert _CountingLine.rewrites == 0
    # A line that may be a date alone is still checked by taking the date out.
    (alone,) = dating._dates_alone(_CountingLine("Published: June 2024"))
    assert (alone.group(0), _CountingLine.rewrites) == ("June 2024", 1)


def test_every_way_of_writing_a_month_dates_a_cover_and_is_never_its_title() -> None:
    # ingest.dating and ingest.layout read months from one list, so a spelling one of them
    # knows the other knows too.
    names = "January February March April May June July August September October November"
    spellings = [*names.split(), "December", "Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug"]
    spellings += ["Sep", "Sept", "Oct", "Nov", "Dec", "SEPT", "dec"]
    for month in spellings:
        lines = _lines(("Carers support", 20), (f"{month} 2024", 24))
        assert find_year([""], lines, "Carers support", 2019, 2026) == 2024, month
        assert pick_title(lines) == "Carers support", month


def test_an_imprint_line_on_the_cover_beats_the_file_date() -> None:
    """'Melton Borough Council, 2022' under a title: the year it was published, where the PDF
    was saved in 2026."""
    lines = _lines(("Melton food pantry review", 24.0), ("Melton Borough Council, 2022", 11.0))
    assert (
        find_year(["Melton food pantry review"], lines, "Melton food pantry review", 2026, 2026)
        == 2022
    )
    # Only a body's name and a year make one: a sentence or a source line does not.
    for text in ("The council met in 2022", "Source: Office for National Statistics, 2021"):
        other = _lines(("Melton food pantry review", 24.0), (text, 11.0))
        assert find_year([""], other, "Melton food pantry review", 2026, 2026) == 2026, text
    # Any stronger sign still wins: a cover date alone on its line.
    dated = [*lines, *_lines(("March 2024", 11.0))]
    assert find_year([""], dated, "Melton food pantry review", 2026, 2026) == 2024


def test_a_year_alone_under_the_title_beats_the_file_date() -> None:
    # A needs audit's cover: its year alone on a line; the PDF was saved four years later.
    title = "Homelessness Needs Audit"
    rows = [("Public Health and Social Research Unit", 11.0), (title, 40.0), ("2016", 11.0)]
    lines = _lines(*rows, ("Authors", 11.0))
    assert find_year([""], lines, title, 2020, 2026) == 2016
    # Several years alone near the top are a table's column, not a date.
    table = _lines(*rows, ("2017", 11.0), ("2018", 11.0))
    assert find_year([""], table, title, 2020, 2026) == 2020


@pytest.mark.parametrize(
    ("name", "year"),
    [
        ("2025-01-22-housing-tenure-briefing.pdf", 2025),
        ("2024_11_child_poverty_v2.pdf", 2024),
        ("Agenda frontsheet 30th-Jan-2025 10.00 Cabinet.pdf", 2025),
        ("Forecasting_future_dependency_west_sussex_february_2024.pdf", 2024),
        ("carers-service-data-sep-2009.pdf", 2009),
        ("30-01-2025 minutes.docx", 2025),
        ("2019 March review.html", 2019),
        # A year alone may be a period or a number: no date.
        ("annual-report-2019.pdf", None),
        ("suicide-prevention-strategy-2017-2020.pdf", None),
        ("budget-2025-26.pdf", None),
        ("decision-2024-00115.pdf", None),
        ("mayor-2019.pdf", None),
        ("report.pdf", None),
    ],
)
def test_a_date_down_to_the_month_in_a_file_name_gives_its_year(
    name: str, year: int | None
) -> None:
    assert year_in_file_name(name) == year


def test_a_dated_file_name_comes_before_the_cover() -> None:
    # A cover that names the period a report covers ("April 2023 to March 2024" blanked, the
    # year on its own line kept) against the date its publisher filed it under.
    lines = [LayoutLine("Child poverty", 30, 0.2), LayoutLine("2025", 18, 0.3)]
    assert find_year(["Child poverty\n2025"], lines, "Child poverty", None, 2026) == 2025
    dated = find_year(
        ["Child poverty\n2025"], lines, "Child poverty", None, 2026, "2024-11-child-poverty.pdf"
    )
    assert dated == 2024
    # A year from the future is no date, wherever it is.
    assert find_year([""], [], "Plan", None, 2026, "2031-04-plan.pdf") is None


def test_a_range_set_in_capitals_is_a_period_not_two_years() -> None:
    # "TO" on a cover set in capitals joins a period as "to" does.
    assert find_year([""], [], "LOCAL HEALTH PROFILE 2015 TO 2018", None, 2026) is None
    assert find_year([""], [], "Local health profile 2015 to 2018", None, 2026) is None


def test_a_plan_named_for_its_years_came_out_as_they_began() -> None:
    title = "Carers Strategy 2022-2025"
    # A file saved later (a re-export, a plain-text version) does not move the plan's year ...
    assert find_year([""], [], title, 2024, 2026) == 2022
    assert find_year([""], [], "CARERS STRATEGY 2022 TO 2025", None, 2026) == 2022
    # ... but a file saved as the period began, or the year before it, is taken as it is.
    assert find_year([""], [], title, 2021, 2026) == 2021
    assert find_year([""], [], title, 2022, 2026) == 2022
    # A stated date still comes first.
    assert find_year(["Published: March 2023"], [], title, 2024, 2026) == 2023


def test_a_document_that_looks_back_on_a_plan_keeps_the_file_year() -> None:
    for title in (
        "Annual report on the Carers Strategy 2022-2025",
        "Carers Strategy 2022-2025: progress update",
        "Carers Strategy 2022-2025 addendum",
    ):
        assert find_year([""], [], title, 2024, 2026) == 2024, title
    # Not a plan, or not a period of a plan's length: nothing to read.
    assert find_year([""], [], "Carers 2022-2025", 2024, 2026) == 2024
    assert find_year([""], [], "Carers Strategy 2000-2025", 2024, 2026) == 2024


def test_a_late_quarter_of_a_financial_year_is_reported_in_its_second_year() -> None:
    # Quarters 3 and 4 (October to March) end in the financial year's second calendar year.
    assert find_year([""], [], "Quarterly Performance Report Q3 2024/25", None, 2026) == 2025
    assert find_year([""], [], "Performance report quarter four 2023-24", None, 2026) == 2024
    assert find_year([""], [], "Performance report 2023-24 Q4", None, 2026) == 2024
    # Quarters 1 and 2 are reported within its first.
    assert find_year([""], [], "Quarterly Performance Report Q1 2024/25", None, 2026) == 2024
    assert find_year([""], [], "Performance report quarter 2 2023-24", None, 2026) == 2023


def test_cover_headings_are_read_together() -> None:
    body = [("Text of the report about services across the county.", 11.0)] * 6
    quarter = _lines(("Performance Report", 26), ("Quarter 3", 26), ("2024/25", 26), *body)
    assert find_year([""], quarter, "Performance Report", None, 2026) == 2025
    annual = _lines(("Annual Report", 26), ("2023/24", 26), *body)
    assert find_year([""], annual, "Our year", None, 2026) == 2024
    plain = _lines(("Performance Report", 26), ("2024/25", 26), *body)
    assert find_year([""], plain, "Performance Report", None, 2026) == 2024
