"""Glyph names a PDF's text came out as: put back where the name says the letter, blanked where
it is a bare number (ingest.glyphs), and pages made of them read by OCR (ingest.pdf)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import glyphs, pdf
from ingest.glyphs import blank_glyph_numbers, glyph_number_chars, restore_glyph_names
from ingest.ocr import OcrPage
from ingest.pdf import clean_text, garbage_share, is_glyph_garbage, read_pdf
from tests.ingest.pattern_shapes import quadratic_shapes
from tests.pdfs import write_pdf

BODY = (
    "Damp and mould in rented homes harm children's breathing. The council inspected 412 "
    "homes last winter and found mould in a third of them."
)
# How a font that numbers its glyphs comes out of pypdf: some words mapped, most not.
NUMBERED = (
    "Overview/g3of/g3the/g3Technology/g3Acceptance/g3Model:/g3\n"
    "/g16/g3/g28/g131/g149/g149/g135/g148/g3/g6/g138/g151/g150/g150/g151/g148/g3\n"
    "/g24/g149/g135/g148/g3 /g131/g133/g133/g135/g146/g150/g131/g144/g133/g135/g3/g145/g136"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Strategy /two.tab/zero.tab/one.tab/seven.tab/hyphen.cap/two.tab/zero.tab",
            "Strategy 2017-20",
        ),
        ("Total /one.lf/five.osf/percent.tf", "Total 15%"),
        ("/A.sc/N.sc/N.sc/U.sc/A.sc/L.sc report", "ANNUAL report"),
        ("/f_i.liga/n.sc/d.sc", "find"),
        ("a dash /uni2013.case here", "a dash – here"),
    ],
)
def test_named_glyphs_are_put_back_as_their_letters(text: str, expected: str) -> None:
    assert restore_glyph_names(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "see https://example.org/files/one.pdf and /a/b",  # a path, not a glyph
        "the /g3 folder and /two/three",  # bare names pypdf would have mapped itself
        "/unknownname.tab stays",  # a name we cannot read stays as it is
        "no slashes at all",
    ],
)
def test_paths_and_unknown_names_are_left_alone(text: str) -> None:
    assert restore_glyph_names(text) == text


def test_bare_glyph_numbers_are_blanked_when_a_font_gave_them() -> None:
    assert blank_glyph_numbers(NUMBERED).split("\n")[0].split() == [
        "Overview",
        "of",
        "the",
        "Technology",
        "Acceptance",
        "Model:",
    ]
    assert "/g" not in blank_glyph_numbers(NUMBERED)
    # One or two in a web address are a path, not a font's numbering.
    path = "the data is at https://example.org/g12/tables/g7"
    assert glyph_number_chars(path) == 0
    assert blank_glyph_numbers(path) == path


def test_a_page_of_glyph_numbers_is_junk_and_clean_text_keeps_its_words() -> None:
    assert garbage_share(NUMBERED) > pdf.GARBAGE_LIMIT
    assert is_glyph_garbage(NUMBERED)
    assert not is_glyph_garbage(BODY + "\nSee https://example.org/g12/tables")
    assert clean_text(NUMBERED).startswith("Overview of the Technology Acceptance Model:")


def test_named_glyphs_are_read_back_from_a_pdf(tmp_path: Path) -> None:
    path = write_pdf(
        tmp_path / "strategy.pdf",
        [f"Suicide Prevention Strategy /two.tab/zero.tab/one.tab/seven.tab\n{BODY}"],
    )
    text = read_pdf(path)
    assert text.pages[0].startswith("Suicide Prevention Strategy 2017")
    assert ".tab" not in text.pages[0]


def test_jumbled_pages_are_read_by_ocr_and_said_so(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "jumbled.pdf", [BODY, NUMBERED, BODY.upper()])
    asked: list[list[int]] = []

    def read_scans(numbers: list[int]) -> dict[int, OcrPage]:
        asked.append(numbers)
        return {
            n: OcrPage("Overview of the Technology Acceptance Model and its origins", 91.0)
            for n in numbers
        }

    text = read_pdf(path, read_scans=read_scans)
    assert asked == [[2]]
    assert text.pages[1] == "Overview of the Technology Acceptance Model and its origins"
    assert text.ocr_pages == [2]
    assert text.warnings == [
        "1 page whose text came out as jumbled symbols read by OCR instead: 2."
    ]
    # Without OCR the page is left out as before.
    assert read_pdf(path).pages[1] == ""


def test_jumbled_pages_ocr_cannot_read_stay_jumbled(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "all-jumbled.pdf", [NUMBERED, NUMBERED])
    with pytest.raises(pdf.UnreadablePdf) as caught:
        read_pdf(path, read_scans=lambda numbers: {n: OcrPage("", 0.0) for n in numbers})
    assert str(caught.value) == pdf.GARBAGE


def test_a_jumbled_page_ocr_reads_without_confidence_stays_out(tmp_path: Path) -> None:
    # A font for another script read by English OCR gives letters, but nonsense, unsure.
    path = write_pdf(tmp_path / "other-script.pdf", [BODY, NUMBERED])
    unsure = OcrPage("AEYARAG EOAB EOLO ODEO Ot uADIEAOSETTA pPEBEVEGEO", 30.5)
    text = read_pdf(path, read_scans=lambda numbers: {n: unsure for n in numbers})
    assert text.pages[1] == ""
    assert text.ocr_pages == []
    assert text.warnings == ["1 page of jumbled symbols left out: 2."]


def test_the_glyph_patterns_have_no_shape_that_backtracks_without_end() -> None:
    # They run on every page and layout line, whatever a hostile file puts there.
    assert quadratic_shapes(glyphs) == []
    long_name = "/" + "a_" * 100_000 + "1"
    assert restore_glyph_names(long_name) == long_name
    assert blank_glyph_numbers("/g1" * 100_000).strip() == ""


def test_a_dash_a_font_gave_the_code_of_a_greek_letter_is_a_dash_again() -> None:
    assert restore_glyph_names("than nonͲlonely people") == "than non-lonely people"
    assert (
        restore_glyph_names("scored this as 7Ͳ10 on the scale")
        == "scored this as 7-10 on the scale"
    )
    assert clean_text("grouped into:Ͳ bonding") == "grouped into:- bonding"
