"""Joined letters a font left out of its text are put back (`ingest.ligatures`)."""

from __future__ import annotations

from pathlib import Path

from ingest.ligatures import learn_lost_ligatures, mend_lost_ligatures
from ingest.pdf import read_pdf

# A data profile set in a font that gives nothing for its "ff" shape, beside words it set
# letter by letter (so some "ff" survive, fewer than were lost).
_PROFILE = (
    "Some issues aect people of all ages. Dierent groups need dierent support. "
    "Recorded oences fell, and fuel poverty measures energy eiciency. "
    "The survey found the eort worthwhile and its funding suicient. Staff and offices opened."
)


def test_a_lost_ligature_is_learned_from_the_document() -> None:
    assert learn_lost_ligatures([_PROFILE]) == ("ff",)


def test_the_lost_letters_are_put_back_where_they_make_words() -> None:
    mended = mend_lost_ligatures(_PROFILE, learn_lost_ligatures([_PROFILE]))

    for word in ("affect", "Different", "different", "offences", "efficiency", "effort"):
        assert word in mended
    assert "its funding sufficient" in mended
    # Words that are words already, and the letters kept intact, are left as they were.
    assert "Some issues" in mended and "Staff and offices opened." in mended


def test_ordinary_text_learns_nothing_and_is_not_changed() -> None:
    # Acronyms, codes and short words mend into words by chance ("RM" to "fiRM", "ve" to
    # "five"); a text that keeps its ligatures has more of them intact than mended.
    text = (
        "The RM and STI clinics saw five new staff. Officers filed the difference in effect, "
        "and the flood plan was finished. Ood, int and ller are not words here."
    )

    assert learn_lost_ligatures([text]) == ()
    assert mend_lost_ligatures(text, ()) == text


def test_two_words_are_not_enough_to_learn_a_ligature() -> None:
    assert learn_lost_ligatures(["Some issues aect people. Dierent groups."]) == ()


def test_a_real_data_profile_read_from_its_pdf_has_its_letters_back(shared_pdfs: Path) -> None:
    read = read_pdf(shared_pdfs / "real" / "wsjsna__arun-jsna-2024.pdf")
    text = "\n".join(read.pages)

    assert "aect" not in text.split() and "eiciency" not in text
    assert "affect" in text and "efficiency" in text
    assert any("joined letters" in note for note in read.warnings)
