"""The plain-dict views and pagination helpers that the pages, API and CLI share."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import TypeVar, get_args

import pytest
from fastapi import HTTPException

from search.catalogue import DocumentRecord
from search.evidence.ranking import Evidence
from search.evidence.strength import reads_as_prose
from search.library import Library
from search.retrieval.passages import Passage
from search.retrieval.related import RelatedDocument
from search.schema import DocumentMeta
from web.evidence_views import EVIDENCE_WORDS, evidence_json
from web.highlight import WordMatcher, excerpt_span, query_stems
from web.paging import count_pages, page_numbers, pagination
from web.search_form import YEAR_BANDS, SearchForm, YearBandId, year_band
from web.search_query import read_results_form, read_search_filters, read_search_form
from web.templating import build_environment
from web.views import (
    ONE_PAGE_MIN_WORDS,
    RELATED_WORDS,
    excerpt_out,
    one_page_span,
    page_previews,
    paragraphs,
    passage_json,
    related_json,
    results_json,
    shown_excerpt,
)
from web.vocabulary import default_vocabulary

PASSAGE_FIELDS = {"text", "page_start", "page_end", "pages", "file_url", "page_url"}
DOCUMENT_FIELDS = {
    "doc_id",
    "title",
    "organisation",
    "year",
    "kind",
    "file_name",
    "url",
    "rank",
    "score",
    "passages",
}


def test_results_json_has_the_fields_the_cli_promises(library: Library) -> None:
    data = results_json(library.searcher.search("free school meals"))
    assert data["documents"], "expected at least one document"
    for document in data["documents"]:
        assert set(document) >= DOCUMENT_FIELDS
        for passage in document["passages"]:
            assert set(passage) >= PASSAGE_FIELDS
            start = passage["page_start"]
            assert passage["pages"] == list(range(start, passage["page_end"] + 1))
            assert passage["file_url"] == f"/documents/{document['doc_id']}/file#page={start}"
            assert passage["page_url"] == f"/documents/{document['doc_id']}/pages/{start}"


def test_paragraphs_split_on_blank_lines_and_join_wrapped_lines() -> None:
    text = "First line\nwraps here.\n\n  \nSecond  paragraph.\n"
    assert paragraphs(text) == ["First line wraps here.", "Second paragraph."]


def test_pages_are_counted_up_with_one_for_an_empty_list() -> None:
    assert [count_pages(n, 20) for n in (0, 1, 20, 21, 40, 41)] == [1, 1, 1, 2, 2, 3]


def test_page_numbers_show_ends_and_neighbours_with_gaps() -> None:
    assert page_numbers(1, 1) == [1]
    assert page_numbers(5, 10) == [1, None, 4, 5, 6, None, 10]
    assert page_numbers(2, 4) == [1, 2, 3, 4]


def test_pagination_is_none_for_a_single_page() -> None:
    assert pagination(1, 1, str) is None
    params = pagination(2, 3, lambda n: f"?page={n}")
    assert params is not None
    assert params["previous"] == {"href": "?page=1"}
    assert params["next"] == {"href": "?page=3"}


def test_search_form_urls_keep_filters_and_drop_defaults() -> None:
    form = SearchForm(q="damp & mould", organisations=("A", "B"), year_from=2020)
    assert form.url() == "/search?q=damp+%26+mould&organisation=A&organisation=B&year_from=2020"
    removals = {value: url for _, value, url in form.removable_filters()}
    assert removals["A"] == "/search?q=damp+%26+mould&organisation=B&year_from=2020"
    assert form.without_filters().url() == "/search?q=damp+%26+mould"


def test_short_lines_end_paragraphs_when_a_pdf_has_no_blank_lines() -> None:
    text = (
        "Why damp matters\n"
        "The evidence base on housing and health is large and consistent. Reviews\n"
        "find that damp raises the odds of asthma in children.\n"
        "Excess cold is the most common serious hazard found in English homes and\n"
        "it harms older people."
    )
    assert paragraphs(text) == [
        "Why damp matters",
        "The evidence base on housing and health is large and consistent. Reviews "
        "find that damp raises the odds of asthma in children.",
        "Excess cold is the most common serious hazard found in English homes and "
        "it harms older people.",
    ]


def test_a_short_line_whose_sentence_goes_on_does_not_end_a_paragraph() -> None:
    # A poster's page: every line is short beside its title, but most run on.
    text = (
        "West Sussex Joint Strategic Needs Assessment Public Health Data Profiles 2024/25\n\n"
        "4,085\nchildren under 16 live in\nlow income households\n"
        "849\nhouseholds owed a duty\nunder the Housing Act\n"
        "Over 6,025\nhouseholds on prepayment meters,\nmostly in Arun"
    )
    assert paragraphs(text) == [
        "West Sussex Joint Strategic Needs Assessment Public Health Data Profiles 2024/25",
        "4,085 children under 16 live in low income households",
        "849 households owed a duty under the Housing Act",
        "Over 6,025 households on prepayment meters, mostly in Arun",
    ]


# A source line wider than the text under it: beside it, every line of the text is short.
_WIDE_SOURCE = (
    "Source: DCLG, an estimate of the number of people thought to be sleeping rough in a local "
    "authority area on any one\nnight in a chosen week."
)


def test_a_line_opening_with_a_bracket_goes_on_with_a_sentence_left_open() -> None:
    text = (
        f"{_WIDE_SOURCE}\n"
        "Councils have a duty to provide suitable interim accommodation while they look into\n"
        "the claim. This often includes temporary accommodation or emergency bed and breakfast\n"
        "(B&B) placements.\n"
        "Once the council has finished, it decides whether it owes the main duty."
    )
    assert paragraphs(text)[1:] == [
        "Councils have a duty to provide suitable interim accommodation while they look into "
        "the claim. This often includes temporary accommodation or emergency bed and breakfast "
        "(B&B) placements.",
        "Once the council has finished, it decides whether it owes the main duty.",
    ]


def test_the_short_tail_of_a_sentence_left_open_ends_its_paragraph_not_one_of_its_own() -> None:
    text = (
        f"{_WIDE_SOURCE}\n"
        "Screening of blood donations for people whose immune systems are weak began in 2016\n"
        "and was extended to every donation of blood in England from April\n"
        "2017.\n"
        "Hepatitis E cases fell in 2017 across the UK, after rising every year before that.\n"
        "Most were caught in the UK\n"
        "Public Health England.\n"
    )
    assert paragraphs(text)[1:] == [
        "Screening of blood donations for people whose immune systems are weak began in 2016 "
        "and was extended to every donation of blood in England from April 2017.",
        "Hepatitis E cases fell in 2017 across the UK, after rising every year before that.",
        # A title's words ("Most were caught in the UK" is too few for prose) stay apart.
        "Most were caught in the UK",
        "Public Health England.",
    ]


def test_a_line_after_a_finished_sentence_a_list_or_a_title_still_starts_its_own() -> None:
    text = (
        f"{_WIDE_SOURCE}\n"
        "The council will work with its partners on the three priorities for the coming year\n"
        "(a) Warm homes for older people.\n"
        "The council will work with its partners on the three priorities for the coming year\n"
        "1. Reduce smoking.\n"
        "The council agreed the plan and the budget for the coming year in March.\n"
        "(Source: minutes of the meeting.)\n"
        "Rough sleepers were counted in each district of the county on one night last winter\n"
        "Figure 2: Rough sleepers.\n"
        "Support that works for families who are homeless in the county and their children\n"
        "• Advice.\n"
    )
    assert paragraphs(text)[1:] == [
        "The council will work with its partners on the three priorities for the coming year",
        "(a) Warm homes for older people.",
        "The council will work with its partners on the three priorities for the coming year",
        "1. Reduce smoking.",
        "The council agreed the plan and the budget for the coming year in March.",
        "(Source: minutes of the meeting.)",
        "Rough sleepers were counted in each district of the county on one night last winter",
        "Figure 2: Rough sleepers.",
        "Support that works for families who are homeless in the county and their children",
        "• Advice.",
    ]


def test_page_previews_skip_running_headers_and_page_numbers() -> None:
    bodies = [
        "Damp harms children's lungs.",
        "Grants pay for insulation.",
        "Councils inspect homes.",
    ]
    texts = [f"Council report\nPage {n}\n{body}" for n, body in enumerate(bodies, start=1)]
    assert page_previews([*texts, ""], count=3) == [
        "Damp harms children's …",
        "Grants pay for …",
        "Councils inspect homes.",
        "",
    ]


def test_page_previews_of_a_contents_page_leave_out_the_dot_leaders() -> None:
    # A contents page's dots run for hundreds of characters: on a phone they filled the
    # screen, and a screen reader reads them out, before the words that say what is there.
    contents = (
        "Table of Contents\n"
        "Table of figures ..............................................3\n"
        "Acknowledgements . . . . . . . . . . . . . . . . . . . . . . . 4\n"
        "Chapter 1 – Homelessness….…………………..5"
    )
    assert page_previews([contents], count=14) == [
        "Table of Contents Table of figures 3 Acknowledgements 4 Chapter 1 – Homelessness 5"
    ]
    # An ellipsis in a sentence is the writer's own, and stays.
    assert page_previews(["We asked... and they said no."]) == ["We asked... and they said no."]


T = TypeVar("T")


def _run(step: Coroutine[object, None, T]) -> T:
    """The value of a dependency that never waits (they are `async` only so that FastAPI calls
    them without a thread hop): stepped once, outside any event loop, since another test in
    the same run may have left one running."""
    try:
        step.send(None)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    step.close()
    raise AssertionError("the dependency waited for something")


def test_search_form_keeps_evidence_filters_and_local_first_in_the_url() -> None:
    form = SearchForm(
        q="damp",
        determinants=("housing", "income"),
        places=("melton",),
        year_bands=("2015-2019",),
        is_local_first=True,
    )
    assert form.url() == (
        "/search?q=damp&determinant=housing&determinant=income&place=melton&years=2015-2019&local=1"
    )
    filters = _run(
        read_search_filters(
            determinant=["housing", "income", "housing"],
            place=["melton"],
            years=["2015-2019"],
            local=True,
        )
    )
    read = _run(read_results_form(filters, q="damp"))
    assert read == form
    assert _run(read_search_form(read)) == form  # no year box in error: the same form
    assert form.without_filters().url() == "/search?q=damp&local=1"
    labels = {"determinant": {"housing": "Housing and homelessness"}}
    removals = {value: url for _, value, url in form.removable_filters(labels)}
    assert removals["Housing and homelessness"] == (
        "/search?q=damp&determinant=income&place=melton&years=2015-2019&local=1"
    )
    assert removals["income"].startswith("/search?q=damp&determinant=housing&")  # no label
    assert removals["2015 to 2019"].endswith("place=melton&local=1")


def test_a_year_box_in_error_is_refused_before_anything_is_searched() -> None:
    # The results page keeps it to show back; every other page and download refuses it as the
    # form is read, so no search runs for a request that gets a 400.
    filters = _run(read_search_filters())
    form = _run(read_results_form(filters, q="damp", year_from="20x", year_to=""))
    assert form.bad_years == (("year_from", "20x"),)
    with pytest.raises(HTTPException) as refused:
        _run(read_search_form(form))
    assert refused.value.status_code == 400 and "Enter a year" in str(refused.value.detail)


def test_year_bands_cover_every_year_once() -> None:
    for year in (1990, 2014, 2015, 2019, 2020, 2022, 2023, 2031):
        assert sum(band.holds(year) for band in YEAR_BANDS) == 1, year
    assert year_band(None) is None
    assert set(get_args(YearBandId)) == {band.id for band in YEAR_BANDS}


def test_results_page_links_the_excerpt_shown_to_its_own_page() -> None:
    first = "Early words about buses and trains on the first page. " * 8
    second = "Damp and mould in rented homes harm children. " * 8
    passage = {
        "doc_id": "doc",
        "text": first + second,
        "page": 1,
        "page_starts": [[0, 1], [len(first), 2]],
    }
    shown = shown_excerpt(passage, {"damp", "mould"}, 20)
    assert "Damp" in shown["text"]
    assert shown["page"] == 2 and shown["file_url"].endswith("#page=2")
    assert shown["page_url"].endswith("/pages/2")
    # With no query words the excerpt is the start, which is on the first page.
    assert shown_excerpt(passage, [], 20)["page"] == 1


def _two_pages(first: str, second: str) -> dict[str, object]:
    return {
        "doc_id": "doc",
        "text": first + second,
        "page": 12,
        "page_starts": [[0, 12], [len(first), 13]],
    }


def test_an_excerpt_over_a_page_break_keeps_to_the_page_it_cites() -> None:
    # Page 12 ends on a list of names with no stop, so the sentence that holds "damp" seems
    # to open there, and the best run of words opened with them: the part shown is taken
    # from page 13 alone, so the quote under "page 13" is all on page 13 (an officer read the
    # first words' page as the one to cite).
    passage = _two_pages(
        "Staff changes Dan Barritt Public Health Lead Sara Shepherd Capital ",
        "Damp and mould in rented homes harm children's breathing. " * 3
        + "Landlords were asked to act within fourteen days of a report. " * 4,
    )
    shown = shown_excerpt(passage, {"damp", "mould"}, 30)
    assert (shown["page"], shown["page_start"], shown["page_end"]) == (13, 13, 13)
    assert shown["text"].startswith("… Damp and mould")
    assert "Shepherd" not in shown["text"]


def test_an_excerpt_keeps_both_pages_when_each_holds_a_word_searched_for() -> None:
    # "buses" is only on page 12 and "damp" only on page 13: the part needs both pages, and
    # says it spans them.
    passage = _two_pages(
        "Buses to the clinic run twice a day. ",
        "Damp homes were found in the same villages. " * 3,
    )
    shown = shown_excerpt(passage, query_stems("buses damp"), 30)
    assert (shown["page_start"], shown["page_end"]) == (12, 13)
    assert "Buses" in shown["text"] and "Damp" in shown["text"]


def test_an_excerpt_keeps_both_pages_when_its_own_page_gives_only_a_fragment() -> None:
    # Page 12 holds the word searched for, and page 13 none, but page 12's seven words alone
    # would be a fragment of a quote: the part shows both pages' words.
    own_page = "Damp and mould in private rented homes. "
    passage = _two_pages(own_page, "Landlord duties for repairs.")
    shown = shown_excerpt(passage, query_stems("mould"), 30)
    assert (shown["page_start"], shown["page_end"]) == (12, 13)
    assert "Landlord duties" in shown["text"]
    assert len(own_page.split()) < ONE_PAGE_MIN_WORDS


def test_a_determinants_excerpt_keeps_the_page_that_holds_its_own_words() -> None:
    # Nothing searched for, but the determinant's word ("buses") is only on page 12: the part
    # keeps it, though most of the part is on page 13.
    passage = _two_pages(
        "Residents said buses to the clinic ",
        "run twice a day and stop before the evening surgery opens for patients. " * 3,
    )
    shown = shown_excerpt(passage, (), 30, also=WordMatcher(query_stems("buses")))
    assert (shown["page_start"], shown["page_end"]) == (12, 13)
    assert "buses" in shown["text"]
    # Without the determinant's words the part keeps to page 13.
    assert shown_excerpt(passage, (), 30)["page_start"] == 13


def test_an_excerpt_on_one_page_is_the_best_run_of_words() -> None:
    text = "Cold homes in winter. " * 5 + "Damp and mould harm children. " * 5
    start, end, _ = one_page_span(text, [[0, 3]], {"damp"}, 12)
    assert (start, end) == excerpt_span(text, {"damp"}, 12)


def test_reading_a_search_and_its_views_needs_no_web_framework() -> None:
    # `kb search` validates the words with SearchForm and prints results_json: neither may
    # pull in FastAPI (about a quarter of a second of every `kb search`).
    import subprocess
    import sys

    code = "import sys, web.search_form, web.views; print('fastapi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_a_determinants_strongest_passage_links_the_page_its_shown_part_is_on() -> None:
    # Most of the passage is on page 8, but the part a determinant's page shows is on page 7:
    # the API gives that part and its page, as the page links it.
    opening = "Older residents wait longer for a GP appointment in rural villages. " * 6
    rest = "Table 4 Practice list sizes 12,000 9,500 7,200 by ward and quarter. " * 30
    text = opening + rest
    passage = Passage("c1", text, 7, 8, 1.0, page=8, page_starts=((0, 7), (len(opening), 8)))
    record = DocumentRecord("doc", DocumentMeta(title="GP access"), "gp.pdf", "/x.pdf", 9, 4, 0.0)
    shown = evidence_json(Evidence(record, passage, 0.9, False), default_vocabulary())["passage"]
    assert shown["page"] == 8  # the page holding most of the whole passage
    excerpt = shown["excerpt"]
    assert excerpt["text"].startswith("Older residents") and len(excerpt["text"].split()) <= 60
    assert (excerpt["page"], excerpt["file_url"]) == (7, "/documents/doc/file#page=7")
    assert shown_excerpt(shown, [], EVIDENCE_WORDS)["page"] == 7  # what the page links


def test_a_passage_read_from_a_scan_says_so_where_its_shown_part_is_on_that_page() -> None:
    typed = "Typed words about buses and trains on the first page of the report. " * 8
    scanned = "Damp and mould in rented homes harm children, read from a scan. " * 8
    passage = Passage(
        "c1", typed + scanned, 1, 2, 1.0, page=2, page_starts=((0, 1), (len(typed), 2))
    )
    shown = passage_json("doc", passage, (), frozenset({2, 5}))
    assert shown["ocr_pages"] == [2]
    assert shown_excerpt(shown, {"damp", "mould"}, 20)["is_ocr"]
    assert not shown_excerpt(shown, {"buses"}, 20)["is_ocr"]  # the part shown is typed
    assert passage_json("doc", passage)["ocr_pages"] == []
    html = build_environment("a@b.c").from_string(
        "{% from 'macros.html' import passage_links %}{{ passage_links(shown, '/r', 'Damp') }}"
    )
    on_scan = html.render(shown=shown_excerpt(shown, {"damp"}, 20))
    assert "Read from a scanned page by OCR" in on_scan
    assert "Read from a scanned page" not in html.render(shown=shown_excerpt(shown, {"buses"}, 20))


def test_a_part_laid_out_as_a_chart_is_shown_with_a_warning_to_check_its_figures() -> None:
    # An infographic's boxes, read in the order the PDF drew them: the figures are not beside
    # the words they go with.
    chart = "57.1 per\nhouseholds experience 100,000\nfuel poverty (low\n"
    chart += "income, low energy\n9.9%\n16.0%\n"
    prose = (
        "Fuel poverty may result in a colder, damper home, which may increase asthma in children.\n"
    )
    # The same boxes as the chunker may join them, one long line that reads as words.
    joined = "57.1 per households experience 100,000 fuel poverty (low income, low energy"
    joined += " efficiency methodology, (2022, England = 13.1%)) 9.9% 16.0% 19.6% Physically"
    joined += " inactive adults - less than 30 equivalent mins of moderate activity a week\n"
    for text, is_prose in ((chart, False), (joined, False), (prose * 3, True)):
        passage = {"doc_id": "d", "text": text, "page": 4, "page_starts": [[0, 4]]}
        shown = shown_excerpt(passage, {"fuel", "poverti"}, 45)
        assert shown["reads_as_prose"] is is_prose
        assert excerpt_out(shown)["reads_as_prose"] is is_prose
        html = build_environment("a@b.c").from_string(
            "{% from 'macros.html' import passage_links %}{{ passage_links(shown, '/r', 'F') }}"
        )
        assert ("Laid out as a table, chart or list" in html.render(shown=shown)) is not is_prose


def test_a_related_documents_passage_gives_the_part_its_card_shows_at_its_page() -> None:
    opening = "Older residents wait longer for a GP appointment in rural villages. " * 5
    rest = "Table 4 Practice list sizes 12,000 9,500 7,200 by ward and quarter. " * 30
    passage = Passage(
        "c1", opening + rest, 7, 8, 1.0, page=8, page_starts=((0, 7), (len(opening), 8))
    )
    record = DocumentRecord("doc", DocumentMeta(title="GP access"), "gp.pdf", "/x.pdf", 9, 4, 0.0)
    shown = related_json(RelatedDocument(record, passage))["passage"]
    assert shown["page"] == 8 and shown["excerpt"]["page"] == 7  # the card's part is on 7
    assert shown["excerpt"]["text"] == shown_excerpt(shown, [], RELATED_WORDS)["text"]


def test_a_long_token_of_figure_marks_is_read_once() -> None:
    # A figure and its closing marks both take commas; a token of thousands of them, read both
    # ways, took time growing with its square (0.2 s for 8,000, minutes past 100,000).
    token = "1" + "," * 200_000 + "x"
    assert reads_as_prose(f"{token} is not a figure but this line reads as a long sentence too")
    assert not reads_as_prose("Rates 9.9% 16.0% 19.6% in 2022")


def test_a_tables_column_headings_or_row_figures_in_a_part_carry_the_warning() -> None:
    """A risk register's part showed its column headings, a word to a line, and a row's
    scores on a line of their own, with no warning that it is laid out as a table."""
    sentence = "The council must ensure its financial plan includes robust estimates for pressures."
    headings = "Estimated\nAnnual\nFinancial\nExposure\nSignificant Risks\n"
    row = f"{sentence}\n4 12.0\nCYPE Market\n{sentence}\n"
    for text in (headings + sentence * 2, row):
        assert not reads_as_prose(text)
    assert reads_as_prose(f"Rough sleeping\n{sentence}\n{sentence}")  # one heading is no table
