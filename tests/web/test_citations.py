"""Citations and exports, each read back by a standard parser: rispy, bibtexparser 1.x, csv."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date

import bibtexparser
import rispy
from bibtexparser.bparser import BibTexParser
from bibtexparser.customization import convert_to_unicode

from search.catalogue import DocumentRecord
from search.retrieval.searcher import Passage
from search.schema import DocumentMeta
from web.citations import (
    CSV_COLUMNS,
    Reference,
    bibtex,
    citation_key,
    csv_table,
    harvard,
    in_text,
    person_parts,
    reference_for,
    ris,
)

BASE = "http://evidence.example/"

REPORT = Reference(
    doc_id="abc123",
    title="Cold and damp homes in Leicestershire",
    authors=("Smith, Jane Anne", "Public Health Team"),
    organisation="Leicestershire County Council",
    year=2023,
    kind="report",
    source_url="https://example.org/damp",
    link="http://evidence.example/documents/abc123",
    pdf_url="http://evidence.example/documents/abc123/file",
)
# Every character BibTeX, LaTeX, RIS or a spreadsheet treats specially, and a line break.
AWKWARD = replace(
    REPORT,
    doc_id="def456",
    title="Damp & mould: 50% of homes_{x} ~ ^ \\ $5 #1 } {",
    authors=(),
    organisation="Housing and Health {Team}",
    year=None,
    kind="JSNA chapter",
    source_url="",
)


def _parse_bibtex(text: str, unicode: bool = False) -> list[dict[str, str]]:
    parser = BibTexParser(common_strings=True)
    if unicode:
        parser.customization = convert_to_unicode
    entries: list[dict[str, str]] = bibtexparser.loads(text, parser=parser).entries
    return entries


def test_harvard_reference_names_people_by_initials_and_the_publisher() -> None:
    text = harvard(REPORT, date(2026, 11, 26)).text
    assert text == (
        "Smith, J.A. and Public Health Team (2023) Cold and damp homes in Leicestershire. "
        "Leicestershire County Council. Available at: https://example.org/damp "
        "(Accessed: 26 November 2026)."
    )


def test_harvard_reference_uses_the_organisation_as_author_and_says_no_date() -> None:
    reference = replace(REPORT, authors=(), year=None, source_url="")
    parts = harvard(reference, date(2026, 1, 5))
    assert parts.before_title == "Leicestershire County Council (no date) "
    assert parts.title == "Cold and damp homes in Leicestershire"
    assert parts.after_title.endswith(
        "Available at: http://evidence.example/documents/abc123 (Accessed: 5 January 2026)."
    )


def test_in_text_citation_gives_surnames_and_the_page() -> None:
    assert in_text(REPORT, 4) == "(Smith and Public Health Team, 2023, p. 4)"
    three = replace(REPORT, authors=("Smith, J", "Jones, K", "Patel, R"))
    assert in_text(three) == "(Smith et al., 2023)"
    assert in_text(replace(REPORT, authors=())) == "(Leicestershire County Council, 2023)"


def test_ris_records_parse_back_with_rispy() -> None:
    records = rispy.loads(ris([REPORT, AWKWARD]))
    assert len(records) == 2
    first, second = records
    assert first["type_of_reference"] == "RPRT"
    assert first["title"] == REPORT.title
    assert first["authors"] == ["Smith, Jane Anne", "Public Health Team"]
    assert first["year"] == "2023"
    assert first["publisher"] == "Leicestershire County Council"
    assert first["urls"] == ["https://example.org/damp"]
    assert first["file_attachments1"] == REPORT.pdf_url
    assert second["title"] == AWKWARD.title
    assert second["type_of_work"] == "JSNA chapter"
    assert second["urls"] == [AWKWARD.link]
    assert "year" not in second


def test_ris_keeps_each_value_on_one_line_so_records_cannot_be_split() -> None:
    sneaky = replace(REPORT, title="First line\r\nER  - \nTY  - JOUR\nTI  - injected")
    records = rispy.loads(ris([sneaky]))
    assert len(records) == 1
    assert records[0]["title"] == "First line ER - TY - JOUR TI - injected"


def test_bibtex_entries_parse_back_with_bibtexparser() -> None:
    entries = _parse_bibtex(bibtex([REPORT]), unicode=True)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["ENTRYTYPE"] == "techreport"
    assert entry["ID"] == "smith2023cold"
    assert entry["title"] == "Cold and damp homes in Leicestershire"
    assert entry["author"] == "Smith, Jane Anne and Public Health Team"
    assert entry["institution"] == "Leicestershire County Council"
    assert entry["year"] == "2023"
    assert entry["url"] == "https://example.org/damp"


def test_a_paper_is_an_article_in_bibtex_as_in_ris() -> None:
    paper = replace(REPORT, kind="academic paper", organisation="Social Science & Medicine")
    assert rispy.loads(ris([paper]))[0]["type_of_reference"] == "JOUR"
    (entry,) = _parse_bibtex(bibtex([paper]), unicode=True)
    assert entry["ENTRYTYPE"] == "article"
    assert entry["publisher"] == "Social Science & Medicine" and "institution" not in entry


def test_bibtex_escapes_special_characters_and_keeps_braces_balanced() -> None:
    entries = _parse_bibtex(bibtex([AWKWARD]))
    assert len(entries) == 1
    entry = entries[0]
    # Every field survives whole: a stray brace would have ended the title early.
    assert set(entry) == {"ENTRYTYPE", "ID", "title", "author", "institution", "type", "url"}
    assert entry["title"] == (
        r"{Damp \& mould: 50\% of homes\_\{x\} \textasciitilde{} \textasciicircum{} "
        r"\textbackslash{} \$5 \#1 \} \{}"
    )
    # An organisation with "and" in it stays one author, not two people.
    assert entry["author"] == r"{Housing and Health \{Team\}}"
    common = _parse_bibtex(bibtex([replace(AWKWARD, title="Damp & mould: 50% #1")]), True)
    assert common[0]["title"] == "Damp & mould: 50% #1"


def test_bibtex_keys_are_unique_and_plain() -> None:
    entries = _parse_bibtex(bibtex([REPORT, REPORT, replace(REPORT, title="Ēco façade")]))
    assert [e["ID"] for e in entries] == ["smith2023cold", "smith2023coldb", "smith2023eco"]
    assert citation_key(replace(REPORT, authors=(), organisation="", title="", year=None)) == (
        "document"
    )


def test_csv_parses_back_with_one_row_per_document_and_no_formulas() -> None:
    passage = Passage("c1", 'Damp, "mould"\nand cold', page_start=3, page_end=4, score=0.5)
    formula = replace(AWKWARD, title="=HYPERLINK(1)", organisation="@Council")
    text = csv_table([(REPORT, passage, "strong"), (formula, None, "weak")], BASE)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(CSV_COLUMNS)
    first, second = rows
    assert first["Rank"] == "1" and first["Title"] == REPORT.title
    assert (first["Match"], second["Match"]) == ("Strong match", "Weak match")
    assert first["Authors"] == "Smith, Jane Anne; Public Health Team"
    assert first["Best page"] == "3"
    assert first["Best passage"] == 'Damp, "mould" and cold'
    assert first["Best page in the PDF"] == f"{BASE}documents/abc123/file#page=3"
    assert first["Best page as text"] == f"{BASE}documents/abc123/pages/3"
    assert first["Source"] == "https://example.org/damp"
    assert second["Title"] == "'=HYPERLINK(1)" and second["Organisation"] == "'@Council"
    assert second["Best page"] == "" and second["Year"] == ""


def test_csv_cites_a_word_file_or_web_page_by_section_with_no_pdf_link() -> None:
    passage = Passage(
        "c1", "Findings on damp housing.", page_start=2, page_end=3, score=0.5, page=3
    )
    word = replace(REPORT, sections=("Summary", "Method", "Findings on damp housing"))
    rows = list(csv.DictReader(io.StringIO(csv_table([(word, passage, "strong")], BASE)[1:])))
    assert rows[0]["Best page"] == "section 3"
    assert rows[0]["Best page in the PDF"] == ""  # a .docx has no "#page=" to open at
    assert rows[0]["Best page as text"] == f"{BASE}documents/abc123/pages/3"


def test_reference_for_a_record_makes_absolute_links_and_drops_unsafe_sources() -> None:
    meta = DocumentMeta(
        title=" Cold\nhomes ",
        organisation="Council",
        year=2020,
        authors=["Smith, J", " "],
        url="javascript:alert(1)",
    )
    record = DocumentRecord("doc/1", meta, "cold.pdf", "/x/cold.pdf", 3, 5, 0.0)
    reference = reference_for(record, BASE)
    assert reference.title == "Cold homes"
    assert reference.authors == ("Smith, J",)
    assert reference.source_url == ""
    assert reference.link == "http://evidence.example/documents/doc%2F1"
    assert reference.url == reference.link
    spaced = replace(record, meta=replace(meta, url="https://example.org/a report{1}.pdf"))
    assert reference_for(spaced, BASE).source_url == "https://example.org/a%20report%7B1%7D.pdf"


def test_people_are_told_from_bodies_however_their_names_are_written() -> None:
    people = {
        "Sarah Pritchard": ("Pritchard", "Sarah"),
        "John A. Smith": ("Smith", "John A."),
        "Mary-Jane O'Neill": ("O'Neill", "Mary-Jane"),
        "Ludwig van Beethoven": ("van Beethoven", "Ludwig"),
        "Kerman N": ("Kerman", "N"),
        "Marshall CA": ("Marshall", "CA"),
        "Smith, Jane Anne": ("Smith", "Jane Anne"),
        # What a PDF's author field adds: a department's code, a body in brackets.
        "Carol Cook - ST SPRCA": ("Cook", "Carol"),
        "Turner, Debbie - ST SPRCA": ("Turner", "Debbie"),
        "BUCK, David (SUSSEX NHS COMMISSIONERS)": ("BUCK", "David"),
    }
    for name, parts in people.items():
        assert person_parts(name) == parts, name
    bodies = [
        "Public Health Intelligence Team",
        "Early Years and Family Hubs Partnership",
        "Leicestershire County Council",
        "Kent Analytics",  # a place's name
        "West Sussex",
        "NHS England",
        "Office for National Statistics",
        "The King's Fund",
        "Shelter",
        "Lake Market Research",
        "Smith and Jones, solicitors",
    ]
    for name in bodies:
        assert person_parts(name) is None, name


def test_a_person_written_given_name_first_is_cited_by_surname_everywhere() -> None:
    person = replace(REPORT, authors=("Sarah Pritchard",), organisation="Kent County Council")
    assert in_text(person, 3) == "(Pritchard, 2023, p. 3)"
    assert harvard(person, date(2026, 12, 2)).before_title == "Pritchard, S. (2023) "
    assert citation_key(person) == "pritchard2023cold"
    (record,) = rispy.loads(ris([person]))
    assert record["authors"] == ["Pritchard, Sarah"]
    (entry,) = _parse_bibtex(bibtex([person]), unicode=True)
    assert entry["author"] == "Pritchard, Sarah"
    vancouver = replace(REPORT, authors=("Kerman N", "Marshall CA", "Polillo C"))
    assert in_text(vancouver) == "(Kerman et al., 2023)"
    assert harvard(vancouver, date(2026, 12, 2)).before_title.startswith(
        "Kerman, N., Marshall, C.A. and Polillo, C. (2023)"
    )
    # A body stays whole: in BibTeX in braces, so it is not read as a person.
    team = replace(REPORT, authors=("Public Health Intelligence Team",))
    assert "{Public Health Intelligence Team}" in bibtex([team])
    assert in_text(team) == "(Public Health Intelligence Team, 2023)"


def test_a_reference_names_the_kind_as_the_site_does() -> None:
    meta = DocumentMeta(title="AMR", kind="gov report", year=2022)
    record = DocumentRecord("k1", meta, "amr.pdf", "/docs/amr.pdf", 3, 2, 0.0)
    reference = reference_for(record, BASE)
    assert reference.kind == "Government report"
    assert "M3  - Government report" in ris([reference])
