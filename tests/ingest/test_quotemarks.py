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


def test_a_mark_is_learned_with_its_partner_from_words_they_open_and_close() -> None:
    # "ō" opens and "Ŏ", the next letter, closes, as “ and ” sit side by side: two words each,
    # four between them.
    text = (
        "The wider determinants, the ōcauses of the causes”, and positive ōsocial norms” "
        "matter. What is a “Whole Systems ApproachŎ? “GenerationalŎ behaviours persist."
    )
    marks = learn_letter_quotes([text])
    assert marks == frozenset("ōŎ")
    mended = mend_letter_quotes(text, marks)
    assert "the ‘causes of the causes”" in mended
    assert "“Whole Systems Approach’?" in mended
    assert "“Generational’ behaviours" in mended


def test_a_quotation_two_such_marks_bracket_on_one_page_gives_them_back() -> None:
    quote = (
        "ŖI’ve always had problems managing my weight... I wanted to do something about it and "
        "stop worrying. My Wellbeing Advisor helped me find my own solutions and her support has "
        "been crucial to my success.ŗ"
    )
    pages = ["Case study 3: healthy behaviours in West Sussex.", quote + "\nResident"]
    marks = learn_letter_quotes(pages)
    assert marks == frozenset("Ŗŗ")
    mended = mend_letter_quotes(pages[1], marks)
    assert mended.startswith("‘I’ve always had problems")
    assert "crucial to my success.’\nResident" in mended


def test_letters_that_only_look_like_a_pair_of_quote_marks_are_left_alone() -> None:
    texts = [
        # Polish: "Ć" opens and "ć" closes words, but what they bracket is no English.
        "Ćwiczenia są ważne dla zdrowia i trzeba je robić.",
        # On two pages: no quotation between them.
        "ŖThe first page ends here.",
        "The second page starts here.ŗ",
        # The letter that would open also closes a word elsewhere.
        "ŖI went home to see my family and friends at the weekend.ŗ Then fooŖ.",
    ]
    assert learn_letter_quotes(texts[:1]) == frozenset()
    assert learn_letter_quotes(texts[1:3]) == frozenset()
    assert learn_letter_quotes(texts[3:]) == frozenset()


def test_a_real_summary_read_from_its_pdf_has_its_quote_marks_back(shared_pdfs: Path) -> None:
    read = read_pdf(shared_pdfs / "real" / "wsjsna__west-sussex-jsna-summary-2018.pdf")
    text = "\n".join(read.pages)

    assert "Ŏ" not in text and "ŏ" not in text
    assert "‘bite-sized’" in text
    assert any("quote marks as letters" in note for note in read.warnings)


def test_a_residents_quoted_words_read_from_the_aphr_have_quote_marks(shared_pdfs: Path) -> None:
    # Page 23 sets a resident's words in a font of its own, which gives “ as Ŗ and ” as ŗ.
    read = read_pdf(shared_pdfs / "real" / "wsjsna__aphr-2018-final.pdf")
    page = read.pages[22]

    assert "‘I’ve always had problems" in page
    assert "crucial to my success.’" in page
    assert not {"Ŗ", "ŗ"} & set("".join(read.pages))
