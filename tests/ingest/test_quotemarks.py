"""Quote marks a font gave as letters are put back (`ingest.quotemarks`)."""

from __future__ import annotations

from pathlib import Path

from ingest.pdf import read_pdf
from ingest.quotemarks import learn_letter_quotes, mend_letter_quotes

# A summary set in a font that maps its quote marks to "Ŏ" and "ŏ", and its "‘" to "ŋ".
_SUMMARY = (
    "We have moved to producing a set of smaller Ŏbite-sizedŏ products. A summary of Ŏvoiceŏ "
    "will follow. Residents fell into three groups: ŋsufferingŏ, ŋstrugglingŏ and ŋthrivingŏ, "
    "and Ŏresilienceŏ was measured."
)


def test_letters_used_as_quote_marks_are_learned_and_put_back() -> None:
    marks = learn_letter_quotes([_SUMMARY])
    assert marks == frozenset("Ŏŏŋ")
    mended = mend_letter_quotes(_SUMMARY, marks)
    assert "smaller ‘bite-sized’ products" in mended
    assert "‘suffering’, ‘struggling’ and ‘thriving’" in mended
    assert not set(mended) & marks


def test_letters_a_document_writes_as_letters_are_left_alone() -> None:
    # Inside a word (a romanised name), or leaving no English word when taken off (German),
    # or a Greek symbol in a formula: none of these is a quote mark.
    texts = [
        "The Chosŏn court and the Koryŏ kings; Ŏbite Ŏvoice Ŏthree Ŏfour appear as well.",
        "Die Abbildung ist über alle Äpfel und ähnlich für Über uns.",
        "The map γfoo, γbar, γbaz and γqux holds, and γ(1) = γ(0).",
        "Nothing unusual in this ordinary sentence about housing and health.",
    ]
    for text in texts:
        assert learn_letter_quotes([text]) == frozenset(), text
        assert mend_letter_quotes(text, frozenset()) == text


def test_two_words_are_not_enough_to_learn_a_mark() -> None:
    assert learn_letter_quotes(["A set of Ŏbite-sizedŏ products and Ŏvoiceŏ."]) == frozenset()


def test_a_real_summary_read_from_its_pdf_has_its_quote_marks_back(shared_pdfs: Path) -> None:
    read = read_pdf(shared_pdfs / "real" / "wsjsna__west-sussex-jsna-summary-2018.pdf")
    text = "\n".join(read.pages)

    assert "Ŏ" not in text and "ŏ" not in text
    assert "‘bite-sized’" in text
    assert any("quote marks as letters" in note for note in read.warnings)
