"""Words broken over two lines at a hyphen: joined when the layout broke them, the hyphen kept
when the author wrote it, on both text layers (PDFium's marks and a plain "-" at a line end)."""

from __future__ import annotations

import pytest

from ingest.hyphens import line_end_hyphen
from ingest.pdf import clean_text
from ingest.textlayer import join_line_hyphens

# (broken at a line end, as the author wrote it)
BREAKS = [
    ("absolute low-\nincome families", "absolute low-income families"),
    ("than non-\ncoastal areas", "than non-coastal areas"),
    ("The rural-\nurban classification", "The rural-urban classification"),
    ("pre-\npandemic levels", "pre-pandemic levels"),
    ("rates of self-\nharm", "rates of self-harm"),
    ("the TAM-\nmodel", "the TAM-model"),
    ("regener-\nation of the town", "regeneration of the town"),
    ("neighbour-\nhoods", "neighbourhoods"),
    ("commu-\nnities", "communities"),
    ("Kar-\nadzhov et al", "Karadzhov et al"),  # a name's pieces: no word either side
    ("COVID-19-\nrelated", "COVID-19-related"),
]


@pytest.mark.parametrize(("broken", "written"), BREAKS)
def test_a_line_end_hyphen_is_kept_only_where_the_author_wrote_it(
    broken: str, written: str
) -> None:
    assert clean_text(broken) == written
    # PDFium removes the hyphen and the break and marks the place with U+0002.
    assert join_line_hyphens(broken.replace("-\n", "\x02")) == written


def test_the_word_list_decides_with_a_word_ending_it_does_not_list() -> None:
    known = {"house", "hold", "low", "income"}.__contains__
    assert line_end_hyphen("house", "holds", known) == "-"  # "households" unknown here
    assert line_end_hyphen("low", "income", known) == "-"
    assert line_end_hyphen("inc", "ome", known) == ""
    listed = {"household", "house", "holds"}.__contains__
    assert line_end_hyphen("house", "holds", listed) == ""  # "households" is "household" + s


def test_a_run_of_letters_longer_than_any_word_is_read_once() -> None:
    # Junk text can hold a run of letters with no space in it. Tried from every letter, the
    # break rule read such a run again from each one (7 s for 40,000 letters, minutes for
    # this); from a word's start it is read once, and the break after it is still mended.
    run = "q" * 300_000
    assert clean_text(f"{run}-\nincome") == f"{run}income"
    assert join_line_hyphens(f"{run}\x02income") == f"{run}income"
