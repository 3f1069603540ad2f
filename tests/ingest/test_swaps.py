"""Letters a font gave as other, accented letters are put back (`ingest.swaps`)."""

from __future__ import annotations

from pathlib import Path

from ingest.pdf import read_pdf
from ingest.swaps import learn_swapped_letters, mend_swapped_letters

# A quote set in a font that maps its "w" to "Ţ" (and, once only, its "v" to "š").
_QUOTE = (
    '"Be located in areas that are Ţell located Ţith respect to the highŢay netŢork and enable '
    "easy and safe access to sustainable settlements Ţith a range of local seršices including "
    "schools, shops and healthcare. NotŢithstanding this, sites shall not be located next to "
    'the motorway."'
)


def test_a_letter_given_as_another_is_learned_and_put_back() -> None:
    letters = learn_swapped_letters([_QUOTE])
    assert letters == {"Ţ": "w"}

    mended = mend_swapped_letters(_QUOTE, letters)
    assert "well located with respect to the highway network" in mended
    assert "settlements with a range" in mended
    assert "Notwithstanding this" in mended
    assert "Ţ" not in mended


def test_a_letter_seen_in_one_word_only_is_left_as_written() -> None:
    mended = mend_swapped_letters(_QUOTE, learn_swapped_letters([_QUOTE]))
    assert "local seršices" in mended


def test_a_capital_given_as_its_own_letter_is_learned_as_a_capital() -> None:
    text = f"Ŷomen and Ŷorld health, Ŷhich is Ŷidely read. {_QUOTE}"
    letters = learn_swapped_letters([text])
    assert letters == {"Ţ": "w", "Ŷ": "W"}
    assert mend_swapped_letters(text, letters).startswith("Women and World health, Which is")


def test_accented_words_written_as_such_are_left_alone() -> None:
    # Each would be an English word with its accent off: the accent is the document's own.
    texts = [
        "A naïve view, naïvely held; its naïvety and naïveté. The régime, the élite, a résumé.",
        "Łukasz of Łódź, Wrocław and Białystok; Michał and Paweł.",
    ]
    for text in texts:
        assert learn_swapped_letters([text]) == {}, text
        # A map learned from another document touches only its own letter.
        assert mend_swapped_letters(text, {"Ţ": "w"}) == text


def test_names_are_left_alone() -> None:
    # "ü" as "i" makes "Miller", "First" and "King" of three names, but not of the others.
    names = "Müller, Fürst, Küng, Schütz, Jünger, Mühlberg, Düsseldorf, Lübeck and Tübingen."
    assert learn_swapped_letters([names]) == {}


def test_a_letter_the_document_writes_in_an_english_word_is_its_own() -> None:
    swapped = "The hélf of the téble, géther the ménager's plén"
    assert learn_swapped_letters([swapped]) == {"é": "a"}
    assert learn_swapped_letters([f"{swapped}, over a coffee in the café."]) == {}


def test_too_few_different_words_teach_nothing() -> None:
    text = "Ţith this and Ţith that, Ţith all of it, on the highŢay."
    assert learn_swapped_letters([text]) == {}


def test_ordinary_text_learns_nothing_and_is_not_changed() -> None:
    text = "Air pollution near schools, and the road network around them."
    assert learn_swapped_letters([text]) == {}
    assert mend_swapped_letters(text, {"Ţ": "w"}) == text  # nothing of its letter to put back


def test_a_real_report_read_from_its_pdf_has_its_letters_back(shared_pdfs: Path) -> None:
    read = read_pdf(shared_pdfs / "real" / "wsjsna__aphr-2018-final.pdf")

    assert "well located with respect to the highway network" in " ".join(read.pages[14].split())
    assert "Ţ" not in "\n".join(read.pages)
    assert any("'w' as 'Ţ'" in note for note in read.warnings)
