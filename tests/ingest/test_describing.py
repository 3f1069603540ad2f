"""Metadata read from a document's own words and layout, when there is no manifest."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from ingest import describing, metadata
from ingest.describing import (
    ACADEMIC,
    COUNCIL,
    GOVERNMENT,
    OTHER,
    Organisation,
    find_kind,
    find_organisation,
)
from ingest.layout import LayoutLine, find_byline, find_subject, join_split_words, pick_title
from ingest.metadata import read_manifest, resolve_metadata, split_credited_names
from search.schema import DocumentMeta
from tests.ingest.hostile_text import blank_lines_then_doi, long_line_of_years
from tests.ingest.pattern_shapes import quadratic_shapes


def _lines(*rows: tuple[str, float]) -> list[LayoutLine]:
    return [LayoutLine(text, size, 0.1 + 0.05 * i) for i, (text, size) in enumerate(rows)]


def test_title_is_the_largest_type_joined_across_lines() -> None:
    lines = _lines(
        ("Report template", 30),
        ("westsussex.gov.uk", 14),
        ("Rapid review of inequalities", 36),
        ("in access to healthcare", 36),
        ("December 2024", 24),
        ("This review brings together what is known.", 11),
    )
    assert pick_title(lines) == "Rapid review of inequalities in access to healthcare"


def test_title_skips_running_header_at_the_top_edge() -> None:
    lines = [LayoutLine("Running header in huge type", 40, 0.01), *_lines(("Real title", 20))]
    assert pick_title(lines) == "Real title"


def test_a_title_in_a_font_with_a_broken_text_map_is_no_title() -> None:
    # The cover's largest type comes out as "GreetinŰƹ froƔ…": better none (the reader falls
    # back to the first page's text, the file's own title or its name) than a garbled one.
    assert pick_title(_lines(("GreetinŰƹ froƔ the Chair", 30), ("People and places", 14))) == ""
    # Letters outside ASCII are fine where languages put them.
    assert pick_title(_lines(("Ynys Môn: café culture and McDonald's", 30))) == (
        "Ynys Môn: café culture and McDonald's"
    )


def test_committee_report_title_is_its_subject() -> None:
    lines = _lines(
        ("From: Cabinet Member for Education", 12),
        ("Subject: Commissioning Plan for Education Provision in Kent", 12),
        ("Classification: Unrestricted", 12),
    )
    assert pick_title(lines) == "Commissioning Plan for Education Provision in Kent"


def test_organisation_from_copyright_line_and_web_address() -> None:
    pages = ["Data from the Office for National Statistics.\n© 2024 Kent County Council"]
    assert find_organisation(pages, []) == ("Kent County Council", COUNCIL)
    pages = ["westsussex.gov.uk\nHousing Benefit briefing\nSource: Office for National Statistics"]
    lines = _lines(("westsussex.gov.uk", 14), ("Housing Benefit", 48))
    assert find_organisation(pages, lines) == ("West Sussex County Council", COUNCIL)


def test_crown_copyright_with_no_body_named_is_the_government() -> None:
    assert find_organisation(["© Crown copyright 2020. Licensed under OGL."], []) == (
        "HM Government",
        GOVERNMENT,
    )


def test_kind_of_a_journal_article_with_a_doi() -> None:
    page = "Abstract\nWe studied shelters.\nKeywords: homelessness\nhttps://doi.org/10.1016/j.x"
    assert find_kind([page], "", "Service restrictions") == ACADEMIC


def test_manifest_wins_and_an_admin_correction_wins_over_both() -> None:
    lines = _lines(("Title from the page", 30))
    row = DocumentMeta(title="Manifest title", organisation="Manifest body", year=2020)
    meta = resolve_metadata(Path("x.pdf"), row, "", "", 2011, "text", lines=lines)
    assert (meta.title, meta.organisation, meta.year) == ("Manifest title", "Manifest body", 2020)
    corrected = resolve_metadata(
        Path("x.pdf"), row, "", "", 2011, "text", lines=lines, correction={"year": 2021}
    )
    assert corrected.year == 2021 and corrected.title == "Manifest title"


def test_every_document_gets_a_kind() -> None:
    meta = resolve_metadata(Path("notes.pdf"), None, "", "", None, "Some words on a page.")
    assert meta.kind


def test_a_paper_laid_out_in_a_papers_sections_with_no_publisher_is_a_paper() -> None:
    # A student's project: no journal, no DOI, but a paper's parts as its headings.
    pages = [
        "Shelter use in one city\nA. Student\nThis paper analyses shelter use.\n1 Introduction",
        "Shelters are full.\n2 Data\nDaily counts from the open data portal.\n3 Results",
        "Older men use shelters most.\nReferences\nCity open data portal (2024).",
    ]
    assert find_kind(pages, "", "Shelter use in one city") == ACADEMIC
    # The same headings in a council's own report leave it the council's.
    assert find_kind(pages, COUNCIL, "Shelter use in one city") == COUNCIL
    # Two of them are not enough: most reports have an introduction and references.
    assert find_kind([pages[0], pages[2]], "", "Shelter use in one city") == OTHER


def test_file_author_field_naming_a_known_body_is_its_publisher() -> None:
    # A crown-copyright map that names nobody, but whose file says who made it.
    pages = ["Wind farms\n© Crown copyright 2024. Open Government Licence."]
    assert find_organisation(pages, [], said_by="DESNZ") == (
        "Department for Energy Security and Net Zero",
        GOVERNMENT,
    )
    # A staff account is nobody: the page's own signals still decide.
    assert find_organisation(pages, [], said_by="jcoz2180") == ("HM Government", GOVERNMENT)


def test_meeting_papers_are_named_by_meeting_paper_and_date() -> None:
    lines = _lines(
        ("AGENDA", 13),
        ("CABINET", 15),
        ("Thursday, 30th January, 2025, at 10.00 am Ask for: A Clerk", 12),
        ("1. Apologies", 12),
    )
    assert pick_title(lines) == "Cabinet agenda, 30 January 2025"
    plain = _lines(("Cabinet", 15), ("The cabinet met to agree the budget.", 12))
    assert pick_title(plain) == "Cabinet"


def test_letter_fragments_are_joined_when_the_page_has_the_whole_word() -> None:
    lines = _lines(("INDICES OF DEPRIVATI ON 2015", 14), ("Public h ealth in to care", 12))
    text = "INDICES OF DEPRIVATION 2015\nPublic health in to care"
    joined = [line.text for line in join_split_words(lines, text)]
    assert joined == ["INDICES OF DEPRIVATION 2015", "Public health in to care"]
    # A year's figures read apart are joined the same way; two numbers the page has are not.
    lines = _lines(("Needs Audit", 40), ("20 16", 11))
    joined = [line.text for line in join_split_words(lines, "Needs Audit\n2016")]
    assert joined == ["Needs Audit", "2016"]
    page = "Needs Audit 2016\nAged 20: 16 people"
    joined = [line.text for line in join_split_words(lines, page)]
    assert joined == ["Needs Audit", "20 16"]


def test_saved_word_file_name_is_a_title_when_the_page_shows_none() -> None:
    lines = _lines(("SERVICE DATA", 11), ("Data from the council as of August 2009.", 11))
    meta = resolve_metadata(
        Path("x.pdf"),
        None,
        "Microsoft Word - Carers - Review of Data September 2009.doc",
        "",
        2011,
        "SERVICE DATA",
        lines=lines,
    )
    assert meta.title == "Carers - Review of Data September 2009"


def test_a_paper_with_no_body_named_comes_from_the_author_under_its_title() -> None:
    lines = _lines(
        ("Overview of the Technology Acceptance Model:", 17),
        ("Origins and Future Directions", 17),
        ("Mohammad Chuttur", 12),
        ("Abstract", 12),
    )
    title = "Overview of the Technology Acceptance Model: Origins and Future Directions"
    assert find_byline(lines, title) == "Mohammad Chuttur"
    assert find_byline(_lines((title, 17), ("Executive Summary", 12)), title) == ""


def test_nhs_trusts_and_care_boards_are_found_by_the_shape_of_their_names() -> None:
    pages = ["Produced by Sussex Community NHS Foundation Trust for its patients."]
    assert find_organisation(pages, []) == ("Sussex Community NHS Foundation Trust", GOVERNMENT)
    pages = ["A plan by NHS Kent and Medway Integrated Care Board."]
    assert find_organisation(pages, []) == ("NHS Kent and Medway Integrated Care Board", GOVERNMENT)
    pages = ["Heart disease, June 2017\nNHS Coastal West Sussex CCG\nCare processes"]
    assert find_organisation(pages, []) == ("NHS Coastal West Sussex CCG", GOVERNMENT)


def test_a_self_statement_credits_the_body_it_names_first() -> None:
    # Whatever order the gazetteer lists them in, the maker comes before the data it used.
    pages = ["Produced by Kent County Council with data from NHS England and NHS Digital."]
    assert find_organisation(pages, []) == ("Kent County Council", COUNCIL)


def test_publisher_from_and_on_behalf_of_lines_name_the_publisher() -> None:
    # GOV.UK pages say who they are from under the title.
    page = "Source: Office for National Statistics\nFrom: Department for Education\nPublished 2021"
    assert find_organisation([page], []) == ("Department for Education", GOVERNMENT)
    page = "Data: Office for National Statistics\nPublisher: Department for Transport"
    assert find_organisation([page], []) == ("Department for Transport", GOVERNMENT)
    page = (
        "Data: Office for National Statistics\nAcme Ltd, on behalf of the Department for Transport"
    )
    assert find_organisation([page], []) == ("Department for Transport", GOVERNMENT)


def test_section_names_and_form_labels_are_never_the_title() -> None:
    lines = _lines(
        ("Foreword", 28),
        ("Director of Public Health Annual Report 2023", 20),
        ("This year we looked at the health of older people in the county.", 11),
    )
    assert pick_title(lines) == "Director of Public Health Annual Report 2023"
    lines = _lines(
        ("Report to Cabinet", 20),
        ("Key decision", 20),
        ("Carers support services", 16),
        ("The cabinet is asked to agree a new contract.", 11),
    )
    assert pick_title(lines) == "Carers support services"


def test_a_line_that_only_names_a_body_is_not_the_title() -> None:
    for body in (
        "Department of Health and Social Care",
        "University of Leicester",
        "Kent and Medway NHS Foundation Trust",
        "UK Health Security Agency",
    ):
        lines = _lines((body, 30), ("Adult social care charging reform", 24), ("Text.", 11))
        assert pick_title(lines) == "Adult social care charging reform"


def test_a_body_named_only_as_the_source_of_the_data_did_not_publish_it() -> None:
    page = "Benefit claimants\nSource: Office for National Statistics\nWest Sussex County Council"
    assert find_organisation([page], []) == ("West Sussex County Council", COUNCIL)


def test_a_cover_naming_a_councils_team_by_its_place_is_the_councils() -> None:
    # The national bodies whose data the briefing draws on are named on its cover page too.
    cover = _lines(
        ("Housing Tenure", 30),
        ("December 2025", 14),
        ("West Sussex Public Health and Social Research Unit", 14),
        ("This briefing draws on the Office for National Statistics' census tables.", 11),
    )
    body = (
        "The Office for National Statistics counts households by tenure. West Sussex has more"
        " owners than England; renting is commonest in Crawley, West Sussex's largest town, and"
        " the least common in rural West Sussex."
    )
    assert find_organisation([body, body], cover) == ("West Sussex County Council", COUNCIL)
    # A body of its own that carries the county's name is not the council's team.
    cover = _lines(("Fire safety in the home", 30), ("Kent Fire and Rescue Service", 14))
    assert find_organisation(["Fire safety."], cover) != ("Kent County Council", COUNCIL)


def test_web_addresses_outside_uk_public_domains_find_their_bodies() -> None:
    # A body's address may end in .org, .scot or .wales; the gazetteer lists them.
    page = "Active lives\nFigures from the Office for National Statistics\nwww.sportengland.org"
    assert find_organisation([page], [])[0] == "Sport England"
    page = "Child poverty\nData from the Office for National Statistics\nhttps://www.gov.scot/stats"
    assert find_organisation([page], [])[0] == "Scottish Government"


def test_a_journals_article_type_label_is_not_the_title() -> None:
    lines = _lines(
        ("RESEARCH ARTICLE", 22),
        ("Open Access", 22),
        ("Green space and mental health in older adults", 18),
        ("A. Author, B. Author", 11),
    )
    assert pick_title(lines) == "Green space and mental health in older adults"


def test_runs_of_blank_lines_and_space_leave_nothing_to_find() -> None:
    # A hostile or broken PDF can hold megabytes of blank lines or spaces. "^\s*" at every
    # line start and "doi\s*:?\s*" each went back over the whole run; no pattern here has
    # either shape any more (tests/bench/test_metadata_hostile.py times this page).
    assert quadratic_shapes(describing) == []
    page = blank_lines_then_doi()
    assert find_organisation([page] * 4, []) == ("", "")
    assert find_kind([page] * 4, "", "Plan") != ACADEMIC


def test_a_maps_crown_copyright_licence_does_not_make_a_government_report() -> None:
    # Ordnance Survey's licence line sits under every council map; it dates the map, as
    # ingest.dating already reads it, and says nothing of who published the document.
    osmap = "Ward profile\n© Crown copyright and database rights 2015 Ordnance Survey 100023447"
    assert find_organisation([osmap], []) == ("", "")
    assert find_organisation(["Annual report\n© Crown copyright 2023"], []) == (
        "HM Government",
        GOVERNMENT,
    )


def test_a_long_line_of_years_and_words_is_no_date_and_a_date_alone_is_no_title() -> None:
    lines = _lines(
        ("December 2024", 40), (long_line_of_years(), 30), ("Carers support services", 20)
    )
    assert pick_title(lines).startswith("2020 2020")  # the largest line that is no date
    assert pick_title(_lines(("December 2024", 40), ("Carers support services", 20))) == (
        "Carers support services"
    )


def test_an_assessment_forms_title_field_names_it_numbered_or_read_a_row_to_a_line() -> None:
    # The field's question carries a number and the form's short name in brackets.
    lines = _lines(
        ("EQIA Submission Draft Working Template", 16),
        ("Section A", 12),
        ("1. Name of Activity (EQIA Title):", 11),
        ("Commissioned Family Hub Contracts", 11),
        ("2. Directorate", 11),
    )
    assert pick_title(lines) == "Commissioned Family Hub Contracts"
    # A form read a row to a line: the label, its value, and the next row in the same type.
    lines = _lines(
        ("EQIA Submission Form", 16),
        ("Section A", 12),
        ("EQIA Title KCC adoption of ICS delivery Plan", 11),
        ("Responsible Officer Mike Gogarty", 11),
    )
    assert pick_title(lines) == "EQIA Submission: KCC adoption of ICS delivery Plan"
    # A heading that merely starts with a title-like word is no field.
    lines = _lines(("Title deeds and tenure", 30), ("Owners and renters in the county", 11))
    assert pick_title(lines) == "Title deeds and tenure"


def test_a_forms_subject_under_a_label_split_over_two_lines_names_it() -> None:
    # A narrow table cell wraps "Amendment Name:" and puts the subject on the line under it;
    # the form's own name says what kind of paper it is.
    lines = _lines(
        ("Budget Amendment Form", 20),
        ("Amendment", 12),
        ("Name:", 12),
        ("Expansion of Community Wardens", 12),
        ("Number: 6", 12),
        ("Proposer: A Member", 12),
    )
    assert pick_title(lines) == "Budget Amendment: Expansion of Community Wardens"


def test_a_label_alone_takes_the_next_line_unless_that_is_another_label() -> None:
    lines = _lines(("Title of decision:", 12), ("Family hub contracts", 12), ("Body", 11))
    assert find_subject(lines) == "Family hub contracts"
    assert find_subject(_lines(("Title:", 12), ("Directorate:", 12), ("Body", 11))) == ""
    # Two short lines that make no label are no subject.
    assert find_subject(_lines(("Subject", 12), ("to change", 12), ("Body", 11))) == ""


@pytest.mark.parametrize(
    "stamp",
    [
        "Thursday, January 25, 2024 10:51",
        "Sat, Feb 3, 2024, 4:05 PM",
        "Tue 3 March 2020 at 9.30am",
        "25 January 2024 10:51",
    ],
)
def test_a_date_and_time_stamp_is_no_title(stamp: str) -> None:
    # A note app's export or a browser's print puts the moment it was made in its largest type.
    assert pick_title(_lines((stamp, 28), ("Shelter beds by ward", 20))) == "Shelter beds by ward"


def test_a_title_that_starts_with_a_weekday_or_ends_with_a_date_is_kept() -> None:
    assert pick_title(_lines(("Monday Club report 2020", 28), ("Body", 11))) == (
        "Monday Club report 2020"
    )
    assert pick_title(_lines(("Housing in May 2024", 28), ("Body", 11))) == "Housing in May 2024"


@pytest.mark.slow
def test_a_very_long_line_of_years_and_words_is_read_well_within_its_time() -> None:
    # When "is it a date alone?" was one pattern, every year on the line began a scan to its
    # end: 200,000 characters took 15 s, so these 800,000 would take about four minutes; in one
    # pass they take well under a second. That backtracking lives inside the regex engine,
    # where nothing but a clock sees it, so this guard keeps a clock with a bound far above
    # the linear time (and far below the quadratic one) and runs with the slow tests only;
    # tests/bench/test_metadata_hostile.py reports the time itself.
    lines = _lines(("December 2024", 40), (long_line_of_years(80_000), 30), ("Carers", 20))
    started = time.monotonic()
    assert pick_title(lines).startswith("2020 2020")
    assert time.monotonic() - started < 30


def test_a_maps_licence_line_does_not_make_a_paper_a_government_report() -> None:
    # The kind rule reads Crown copyright as the organisation and dating rules do: under a map
    # it is Ordnance Survey's licence, and the paper is no government report for it.
    ward = (
        "Hillside ward profile\nPeople aged 65 and over make up a fifth of the ward.\n"
        "© Crown copyright and database rights 2019 Ordnance Survey 100019238.\n"
        "You are granted a non-exclusive licence to view this map."
    )
    assert find_kind([ward], "", "Hillside ward profile") == OTHER
    crown = "Hillside review\n© Crown copyright 2021\nPublished by the department."
    assert find_kind([crown], "", "Hillside review") == GOVERNMENT
    assert find_kind([ward + "\n" + crown], "", "Hillside review") == GOVERNMENT


def test_gazetteer_names_are_found_by_one_pattern_inside_and_beside_each_other() -> None:
    known = (
        Organisation("Department of Health and Social Care", GOVERNMENT, ("DHSC",)),
        Organisation("Department of Health", GOVERNMENT),
        Organisation("Public Health England", GOVERNMENT, ("PHE",)),
        Organisation("Sport England", OTHER, ("SE",), by_name=False),
    )
    text = (
        "Figures from PHE-led work for the Department of Health and Social Care, not from "
        "Public Health England-wide returns; Sport England and Public Health England agree."
    )
    # Each name counts from where it is first met: a short name beside a hyphen, a name that
    # begins a longer one, and not a long name run on with a hyphen or a body found by alias
    # only. "PHE" and "Public Health England" are two finds of one body.
    assert describing._named(text, known) == [
        ("Public Health England", GOVERNMENT),
        ("Department of Health and Social Care", GOVERNMENT),
        ("Department of Health", GOVERNMENT),
        ("Public Health England", GOVERNMENT),
    ]
    # The pattern is built once for a gazetteer, not once per name per document.
    assert describing._gazetteer_names(known) is describing._gazetteer_names(known)
    assert describing._named("no body here", ()) == []


def test_a_health_and_wellbeing_boards_own_papers_are_the_boards() -> None:
    # The council prints the strategy and names itself more often; the law makes it the board's.
    pages = [
        "Riverton County Council\nJoint Health and Wellbeing Strategy 2026 to 2031\n"
        "Foreword by the Chair of the Riverton Health and Wellbeing Board.\n"
        "Riverton County Council and its NHS partners will work with Riverton people. "
        "Riverton has an older population than England. Riverton districts differ."
    ]
    title = "Joint Health and Wellbeing Strategy 2026 to 2031"
    assert find_organisation(pages, [], title=title) == (
        "Riverton Health and Wellbeing Board",
        COUNCIL,
    )
    pna = ["Produced on behalf of the Riverton Health & Wellbeing Board by its council."]
    assert find_organisation(pna, [], title="Pharmaceutical Needs Assessment 2025")[0] == (
        "Riverton Health and Wellbeing Board"
    )
    # Any other paper that mentions the board is not the board's for that.
    assert find_organisation(pages, [], title="Annual Public Health Report")[0] == (
        "Riverton County Council"
    )
    # A board named without its place ("The Health and Wellbeing Board") credits nobody new.
    unnamed = ["Riverton County Council\nThe Health and Wellbeing Board agreed this strategy."]
    assert find_organisation(unnamed, [], title=title)[0] == "Riverton County Council"


def test_a_board_paper_is_known_by_its_cover_and_named_by_its_place() -> None:
    council = ["Riverton County Council\nRiverton County Council serves Riverton and Riverton."]
    # A slogan for a title, the paper's name in a cover heading under it.
    cover = _lines(
        ("Grow Well, Age Well:", 30), ("Riverton Joint Health and Wellbeing Strategy", 27)
    )
    assert find_organisation(council, cover, title="Grow Well, Age Well")[0] == (
        "Riverton Health and Wellbeing Board"
    )
    # No board named in the text: the place before the paper's name, in capitals or not.
    for title in (
        "Riverton Pharmaceutical Needs Assessment 2025 - 2028",
        "RIVERTON PHARMACEUTICAL NEEDS ASSESSMENT",
    ):
        assert find_organisation(council, [], title=title)[0] == (
            "Riverton Health and Wellbeing Board"
        ), title
    # A report about the strategy, and body text that names it, are the council's.
    for title in ("Adoption of the Joint Health and Wellbeing Strategy", "Cabinet report"):
        body = _lines((title, 30), ("Item 6 on the Joint Health and Wellbeing Strategy", 11))
        assert find_organisation(council, body, title=title)[0] == "Riverton County Council"


def test_a_files_author_field_is_a_person_only_when_it_names_one() -> None:
    page = "Free school meals\nA briefing on eligibility in the county's schools."
    for account in ["jcoz2180", "Your council", "Microsoft Office User", "NickL"]:
        meta = resolve_metadata(Path("b.pdf"), None, "", account, 2024, page)
        assert meta.authors == [], account
    # A directory's team code after the name goes; the person stays, when the document names
    # them: the file's author field is often just the account that saved it.
    named = page + "\nWritten by Mike Gogarty, Director of Public Health."
    meta = resolve_metadata(Path("b.pdf"), None, "", "Mike Gogarty - CED SC", 2024, named)
    assert meta.authors == ["Mike Gogarty"]
    for unnamed in ("Mike Gogarty - CED SC", "Williams Luke"):
        assert resolve_metadata(Path("b.pdf"), None, "", unnamed, 2024, page).authors == []
    # In any order, on a first page or one of the last two.
    pages = ["Data driven healthcare", "Contents", "Summary", "Findings", "Luke Williams, HEE"]
    meta = resolve_metadata(Path("b.pdf"), None, "", "Williams Luke", 2021, pages[0], pages=pages)
    assert meta.authors == ["Williams Luke"]
    # A staff account's name never becomes the organisation of a paper that names none.
    paper = "Notes on walking routes\nA short paper by Hayley Breathwick."
    staff = resolve_metadata(Path("p.pdf"), None, "", "Hayley Breathwick - ST F", 2024, paper)
    person = resolve_metadata(Path("p.pdf"), None, "", "Hayley Breathwick", 2024, paper)
    assert staff.kind == person.kind
    assert person.organisation == "Hayley Breathwick"
    assert staff.organisation == ""


def test_the_manifest_patterns_read_a_run_of_spaces_once() -> None:
    # An organisation cell of 80,000 spaces took 9 s: the people-in-brackets pattern opened on
    # a space run and was tried again from every space of it.
    assert quadratic_shapes(metadata) == []
    assert split_credited_names(" " * 80_000 + "(C. Wells)") == (" " * 80_000 + "(C. Wells)", [])


def test_people_a_manifest_names_after_the_body_are_its_authors(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text(
        "file,title,publisher_or_authors,year\n"
        'a.pdf,Deaths review,"County Council - Public Health (County JSNA) (C. Wells)",2024\n'
        'b.pdf,Needs audit,"Research Unit (J. Clay, R. Maconachie)",2016\n'
        'c.pdf,Budget,"Kent County Council (Green and Independent Group)",2025\n',
        encoding="utf-8",
    )
    rows = read_manifest(tmp_path)
    assert (rows["a.pdf"].organisation, rows["a.pdf"].authors) == (
        "County Council - Public Health (County JSNA)",
        ["C. Wells"],
    )
    assert (rows["b.pdf"].organisation, rows["b.pdf"].authors) == (
        "Research Unit",
        ["J. Clay", "R. Maconachie"],
    )
    # A group in brackets is part of the body's name; authors the manifest gives win.
    assert rows["c.pdf"].organisation == "Kent County Council (Green and Independent Group)"
    assert rows["c.pdf"].authors == []
