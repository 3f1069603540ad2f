"""The strongest passage per determinant, worked out at ingest from a document's chunks."""

from __future__ import annotations

from search.evidence.strength import (
    evidence_start,
    find_strongest_passages,
    is_quotable,
    prose_start,
)
from search.retrieval.sentences import is_table_row


def _chunk(page: int, scores: dict[str, float], matter: str = "body") -> dict[str, object]:
    return {"page": page, "determinants": list(scores), "determinant_scores": scores,
            "matter": matter}  # fmt: skip


def test_strongest_body_passage_wins_and_every_tagged_chunk_counts() -> None:
    found = find_strongest_passages(
        [
            ("contents", _chunk(1, {"housing": 0.99}, matter="front")),
            ("a", _chunk(2, {"housing": 0.7, "income": 0.9})),
            ("b", _chunk(3, {"housing": 0.8})),
            ("c", _chunk(4, {"housing": 0.8})),  # as strong as b but later: b stays
            ("refs", _chunk(9, {"food": 0.9}, matter="back")),
        ]
    )
    assert found["housing"] == {"chunk": "b", "strength": 0.8, "passages": 4}
    assert found["income"] == {"chunk": "a", "strength": 0.9, "passages": 1}
    # Only in the references: counted, with nothing to show.
    assert found["food"] == {"chunk": "", "strength": 0.0, "passages": 1}


DEFINITIONS = (
    "Table 2 Description of rented category\nTenure category Definition\n"
    "Private rented Household rents their home from a private landlord or letting agent.\n"
    "Social rented Household rents their home through the council or a housing association."
)
FINDING = (
    "Of those who rented their home in 2021, 12.7% rented from the council or a housing\n"
    "association and 17.6% rented privately, a rise of three points since the last census."
)
TABLE = "Adur 12.5% 12.5%\nArun 14.1% 13.9%\nCrawley 19.5% 19.5%\nWorthing 20.3% 19.9%"


def _passage(page: int, strength: float, text: str) -> dict[str, object]:
    return {**_chunk(page, {"housing": strength}), "text": text}


def test_a_finding_nearly_as_strong_is_shown_before_definitions_or_a_table() -> None:
    found = find_strongest_passages(
        [
            ("terms", _passage(3, 0.999, DEFINITIONS)),
            ("table", _passage(4, 0.998, TABLE)),
            ("finding", _passage(5, 0.97, FINDING)),
        ]
    )
    # The document's strength on housing stays its strongest passage's.
    assert found["housing"] == {"chunk": "finding", "strength": 0.999, "passages": 3}


def test_a_much_weaker_finding_does_not_displace_the_strongest_and_a_table_beats_nothing() -> None:
    found = find_strongest_passages(
        [("table", _passage(4, 0.99, TABLE)), ("finding", _passage(5, 0.6, FINDING))]
    )
    assert found["housing"]["chunk"] == "table"
    only = find_strongest_passages([("terms", _passage(3, 0.9, DEFINITIONS))])
    assert only["housing"]["chunk"] == "terms"


def test_what_reads_as_evidence() -> None:
    assert is_quotable(FINDING)
    assert not is_quotable(DEFINITIONS)  # a definitions table
    assert not is_quotable(TABLE)
    assert not is_quotable("Tenure is whether a household rents or owns the home it lives in.")
    assert not is_quotable("Defining homelessness\n" + FINDING)
    assert not is_quotable("Contents\nHousing 3\nIncome 5\nWork 9")
    assert not is_quotable("")
    # A budget table's row read across is long and has words, but its figures come in a row.
    budget = (
        "for the coroners service in the county -13.0 -11.0 -8.0 other public protection, "
        "environment, regeneration and planning core income 96,286.5 202.0 103,136.4"
    )
    assert not is_quotable(budget)
    assert is_quotable("Rates rose from 12.1% in 2019 to 14.0% in 2023, against 11.2% nationally.")


def test_a_table_whose_rows_carry_a_line_of_text_is_not_prose() -> None:
    # A budget's rows: each description reads as prose, but the passage is a table.
    rows = [
        "84 Prices Highways contract related inflation Provision for price inflation related"
        " to highways contracted services (based on contractual indices)\n755.5 1,365.3 1,372.4"
        " Highways Core",
        "85 Prices Concessionary fares Provision for price inflation, resulting from bus"
        " operator fare increases feeding into the reimbursement calculator.\n539.0 558.0"
        " 577.0 Transport Core",
        "86 Prices Streetlight energy The rebate from the solar farm has a reduced forecast on"
        " the return, hence impacting the street light energy budget.\n480.0 0.0 0.0 Highways",
    ]
    assert not is_quotable("\n".join(rows))
    # Two are enough, even after a finding; one such row after it is a finding's figures.
    finding = (
        "Spending on concessionary fares rose in each of the last three years, as bus operators"
        " raised their fares and more older residents used their passes for daily trips.\n"
    )
    assert not is_quotable("\n".join(rows[:2]))
    assert not is_quotable(finding * 3 + "\n".join(rows[:2]))
    assert is_quotable(finding * 3 + rows[0])
    # A paragraph before a table of figures alone is unchanged, also when the table's row
    # labels are wrapped onto lines of their own.
    table = "Adur 12 30 42\nMid\nSussex\n40 61 101\nSouth\nEast\n22 35 57\nWest\nSussex\n3 4 7"
    assert is_quotable(finding * 3 + table)


def test_figures_that_only_end_a_finished_sentence_are_a_charts_axis_not_a_table_row() -> None:
    paragraph = (
        "77% of respondents said they had as much contact as they wanted. 7% said that they"
        " had little social contact and felt socially isolated 0% 100% 77%"
    )
    assert not is_table_row(paragraph)
    assert is_quotable(paragraph)
    # A row is still a row: figures inside the line, or no sentence ended before them.
    assert is_table_row("Adur 12.5% 12.5% 13.0% and Arun")
    assert is_table_row("Home to school transport inflationary increases 96,286.5 202.0 103.4")
    assert is_table_row("It rose. 1 2 3 and then 4 5 6")


TABLE_TAIL = (
    "Arun Hawthorn Road 28.1 8\nArun Littlehampton West and River 27.0 9\n"
    "Arun East Preston & Rustington East 26.7 10\n"
)


def test_the_shown_evidence_starts_at_its_prose_after_the_end_of_a_table() -> None:
    text = TABLE_TAIL + FINDING
    assert text[prose_start(text) :] == FINDING
    # The short heading just above the prose stays with it.
    headed = TABLE_TAIL + "Renting in 2021\n" + FINDING
    assert headed[prose_start(headed) :] == "Renting in 2021\n" + FINDING


def test_evidence_after_a_table_starts_where_a_sentence_broken_in_a_name_starts() -> None:
    # "The Council must ensure that the Medium\nTerm Financial Plan (MTFP) includes …": the
    # prose line goes on from the line before it, which starts the sentence.
    sentence = (
        "The Council must ensure that the Medium\nTerm Financial Plan (MTFP) includes robust"
        " estimates for spending pressures in every year of the plan.\n"
    )
    text = TABLE_TAIL + sentence + FINDING
    assert text[prose_start(text) :] == sentence + FINDING


def test_a_tables_caption_source_and_note_are_not_prose() -> None:
    # A table of figures between its numbered caption and its note: long lines of words, but
    # they go with the table.
    table = (
        "Table 1. Number and percentage of pupils known to be eligible for free school meals in"
        " the county's schools: 2023/24 School type Pupils on roll Known to be eligible\n"
        "State-funded nursery 501 2 (0.4%)\nState-funded primary 64,491 9,983 (15.5%)\n"
        "Source: DfE, Explore Education Statistics, schools, pupils and their characteristics\n"
        "Note: Totals include state-funded primary, secondary and special schools, and do not"
        " include independent schools in the county or outside it.\n"
    )
    assert not is_quotable(table)
    # A sentence that only starts with the word is prose, and so is one that points to a table.
    assert is_quotable(
        "Note that the rates for the smallest districts rest on few households. " * 2
    )
    assert is_quotable("Table 3 shows that renting rose in every district between the censuses.")
    # A caption numbered within its chapter, its title starting with a sign, is one too.
    caption = "Figure 2.12 % of respondents agreeing that people here can change how it is run\n"
    assert not is_quotable(caption + "Agree 41%\nDisagree 12%\n")


def test_a_caption_run_into_the_first_prose_line_is_not_shown() -> None:
    captioned = (
        "Households deprived in education by MSOAs Figure 3 Deprivation proportion by MSOAs. "
        + FINDING
    )
    assert captioned[prose_start(captioned) :] == FINDING
    after_table = TABLE_TAIL + captioned
    assert after_table[prose_start(after_table) :] == FINDING
    # A figure the sentence itself points to is its own: nothing is cut.
    pointed = "Renting rose in every district (Figure 3). " + FINDING
    assert prose_start(pointed) == 0


def test_a_heading_or_nothing_but_table_keeps_the_passage_whole() -> None:
    assert prose_start("Renting in 2021\n" + FINDING) == 0  # a heading is not a lead-in
    assert prose_start(FINDING) == 0
    assert prose_start(TABLE) == 0  # no prose to start at
    # What would be left is too little to read as evidence on its own.
    assert prose_start(TABLE_TAIL + "Note: figures are rounded to the nearest whole number.") == 0


def test_a_short_caption_or_source_line_before_the_prose_is_not_shown() -> None:
    # Shorter than a lead-in that is cut for its length, but it goes with the table above.
    sourced = "Source: What About YOUth Survey (2014)\n" + FINDING
    assert sourced[prose_start(sourced) :] == FINDING
    # A caption stacked over headings: the evidence starts at the heading above the prose,
    # which the shown passage then leaves out as a heading run into its sentence.
    stacked = "Figure 2.12 Respondents agreeing they can change their area\nRenting in 2021\n"
    assert (stacked + FINDING)[prose_start(stacked + FINDING) :] == "Renting in 2021\n" + FINDING


def test_evidence_starts_at_a_whole_sentence_and_never_where_the_pdf_broke_one() -> None:
    # The chunk opens mid-sentence; its first whole sentence is a caption's, then the prose.
    text = "rose by a fifth (18%).\nFigure 4 Tenure by district, 2021\n" + FINDING
    assert text[evidence_start(text, starts_clean=False) :] == FINDING
    # A line that runs on into the next (here inside a bracket it opened) does not let the
    # next line pass for a sentence's start, however much it reads like prose.
    minutes = (
        "92. Commissioning Plan for Education (Item 9) Ms Jones (Director of Education) and"
        " Mr Smith (Assistant\nDirector Education, West Kent) were in attendance for this item\n"
        + FINDING
    )
    assert minutes[prose_start(minutes) :] == FINDING
    # A numbered footnote citing its source is no prose to start at.
    noted = (
        "• Trafficking • Cuckooed Addresses • Serious Violence • Child Sexual Exploitation\n"
        "45 Source: Home Office, County lines and the people who are exploited by them, an"
        " inspection of how the police consider those who are both victims and offenders (2020)"
    )
    assert prose_start(noted) == 0


def test_between_equally_strong_passages_on_one_page_the_earlier_chunk_is_shown() -> None:
    first = {**_passage(5, 0.99, FINDING), "chunk_index": 7}
    second = {**_passage(5, 0.99, FINDING), "chunk_index": 8}
    for order in ([("a", first), ("b", second)], [("b", second), ("a", first)]):
        assert find_strongest_passages(order)["housing"]["chunk"] == "a"
