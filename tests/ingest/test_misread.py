"""Letters a font gives out as quote marks are put back (`ingest.misread`)."""

from __future__ import annotations

from pathlib import Path

from ingest.misread import learn_misread_letters, mend_misread_letters
from ingest.pdf import read_pdf

# A page set in a font that gives "g" as "’" and "f" as "‘", beside real apostrophes.
_HEADINGS = (
    "Joint Health and Wellbeing Strate’y 2019–2024. Our Strate’ic Priorities. "
    "Borou’h and district councils will ali’n their strate’ies at every sta’e. "
    "Sa‘e’uardin’ children. Li‘e expectancy and e‘‘icient Trans‘ormation. "
    "The children’s services and people’s views, as we’ll say: don’t stop. "
    "She said ‘thinking’ matters, and O’Brien agreed."
)


def test_letters_given_as_marks_are_learned_from_the_document() -> None:
    assert learn_misread_letters([_HEADINGS]) == {"’": "g", "‘": "f"}


def test_the_learned_letters_are_put_back_where_they_make_words() -> None:
    mended = mend_misread_letters(_HEADINGS, learn_misread_letters([_HEADINGS]))

    for word in ("Strategy", "Strategic", "Borough", "align", "strategies", "stage"):
        assert word in mended
    assert "Safeguarding children" in mended
    assert "Life expectancy and efficient Transformation" in mended


def test_real_apostrophes_and_quotes_in_the_same_text_are_left_alone() -> None:
    mended = mend_misread_letters(_HEADINGS, learn_misread_letters([_HEADINGS]))

    for kept in ("children’s", "people’s", "we’ll", "don’t", "‘thinking’", "O’Brien"):
        assert kept in mended


def test_ordinary_text_learns_nothing_and_is_not_changed() -> None:
    text = (
        "The council’s plan isn’t final. ‘Health in all policies’ is the board’s aim, and "
        "residents’ views, O’Neill’s report and the children’s centre’s hours were heard. "
        "Contact public_health@example.gov.uk or see https://example.org/a?b=c&d=e_f."
    )

    assert learn_misread_letters([text]) == {}
    # Even with letters learned from another page, its apostrophes and quotes are left alone.
    assert mend_misread_letters(text, {"’": "g", "‘": "f"}) == text


def test_two_words_are_not_enough_to_learn_a_letter() -> None:
    text = "Our Strate’y for the Borou’h. The children’s plan."

    assert learn_misread_letters([text]) == {}


def test_a_mark_that_makes_different_letters_in_different_words_is_not_learned() -> None:
    # Each word is a word with several letters in the mark's place (page, pace, pane; rage,
    # race, rake; …), and no one letter stands out.
    text = "pa’e ca’e ma’e ra’e li’e"

    assert learn_misread_letters([text]) == {}


# A resident's words set in a font that gives "t" as “ and "u" as ” (as a real report does).
_QUOTED = (
    "I’ve always had problems managing my weigh“... I wan“ed “o do some“hing abo”“ i“ and "
    "s“op worrying abo”“ whe“her I was “he bigges“ person in “he room. The service gave me "
    "somewhere “o go and “alk “o someone wi“ho”“ feeling j”dged or cri“icised, and her "
    "s”ppor“ has been cr”cial “o my s”ccess."
)


def test_letters_given_as_double_quotes_are_learned_and_put_back() -> None:
    letters = learn_misread_letters([_QUOTED])
    mended = mend_misread_letters(_QUOTED, letters)

    assert letters == {"“": "t", "”": "u"}
    assert "my weight... I wanted to do something about it and stop worrying about" in mended
    assert "without feeling judged or criticised" in mended
    assert "support has been crucial to my success." in mended


def test_real_quotations_are_never_taken_for_letters() -> None:
    text = (
        "Parents asked for “the best start” and “more help”. One said “he was alone” and "
        "another “his school was “great”“. Staff called it “outstanding” and “one“two” twice."
    )

    assert learn_misread_letters([text]) == {}


def test_a_page_without_the_fault_keeps_its_double_quotes() -> None:
    letters = learn_misread_letters([_QUOTED])
    # On a page where no word has the mark between its letters, “he is a quotation's start.
    page = "A parent said “he was listening” and “here we are” about the “menu”."

    assert mend_misread_letters(page, letters) == page


def test_three_words_are_not_enough_to_learn_a_double_quote() -> None:
    text = "I wan“ed “o do some“hing and s“op."

    assert learn_misread_letters([text]) == {}


def test_a_real_strategy_read_from_its_pdf_has_its_letters_back(shared_pdfs: Path) -> None:
    read = read_pdf(shared_pdfs / "real" / "wsjsna__final-jhws-2019-2024.pdf")
    text = "\n".join(read.pages)

    assert "Strate’y" not in text and "Sa‘e’uardin’" not in text
    assert "Strategy" in text and "Safeguarding" in text
    assert "people’s" in text
    assert any("put back" in note for note in read.warnings)


def test_a_real_report_has_its_residents_quoted_words_back(shared_pdfs: Path) -> None:
    read = read_pdf(shared_pdfs / "real" / "wsjsna__aphr-2018-final.pdf")
    page = " ".join(read.pages[22].split())

    assert "I wanted to do something about it and stop worrying about whether" in page
    assert "crucial to my success." in page
    assert not any(mark in word for word in page.split() for mark in "“”")
    # Its real quotations elsewhere keep their marks.
    assert "“Whole" in " ".join(read.pages)
