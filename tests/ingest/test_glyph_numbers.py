"""A font that numbers its glyphs: a few pages read by OCR teach them, the rest are read from
their own text (ingest.glyph_numbers, and read_pdf around it)."""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from pathlib import Path

import pytest

import ingest.pdf
from ingest import glyph_numbers
from ingest.glyph_numbers import (
    MAX_SAMPLES,
    GlyphVotes,
    as_units,
    fill_alphabets,
    glyph,
    learn_glyphs,
    mark_between,
    read_glyph_page,
    read_glyph_pages,
)
from ingest.misread import english_known
from ingest.ocr import OcrOptions, OcrPage, is_ocr_available, read_pages_by_ocr
from ingest.pdf import read_pdf
from tests.pdfs import name_glyphs_by_number, write_pdf

# Pages of plain English, each with words the others lack ("quiz", "jumpy", "vex").
PAGES = [
    "Overview of the Technology Acceptance Model: origins, developments and future directions. "
    "The model explains why people accept or reject a new system at work, and how perceived "
    "usefulness and perceived ease of use shape their intention to use it over time. "
    "Researchers tested the model in many settings, from email to hospital records.",
    "Davis proposed that attitude toward using a system depends on two beliefs. People who "
    "find a system useful and easy to learn form a positive attitude, and that attitude "
    "leads to the intention to use it. Later studies added social influence and the quiz "
    "results of a large survey of office workers in several countries.",
    "Critics argued that the model leaves out the groups and organisations in which people "
    "work, and that self reported use is a weak measure of real use. A jumpy start to a new "
    "system can vex its users, and training or support may change how they judge it. "
    "Several reviews called for models that explain behaviour in the long run.",
    "The extended model adds subjective norm, image, job relevance, output quality and result "
    "demonstrability as causes of perceived usefulness. Experience and voluntariness change "
    "how strongly the norm acts on the intention to use the system in mandatory settings.",
]


def font(order: Callable[[str], int]) -> dict[str, str]:
    """A font that numbers each letter, figure and mark by `order`, and the space as 3."""
    chars = string.ascii_letters + string.digits + ".,:;'-()"
    return {" ": "/g3", **{c: f"/g{order(c)}" for c in chars}}


def alphabetical(char: str) -> int:
    """Glyph numbers as fonts usually give them: each alphabet in order, marks after."""
    if char in string.ascii_lowercase:
        return 131 + string.ascii_lowercase.index(char)
    if char in string.ascii_uppercase:
        return 4 + string.ascii_uppercase.index(char)
    if char in string.digits:
        return 882 + string.digits.index(char)
    return 481 + ".,:;'-()".index(char)


def in_glyphs(text: str, glyphs: dict[str, str]) -> str:
    """`text` as pypdf gives it in a font that names its glyphs by number (lines kept)."""
    return "\n".join("".join(glyphs[c] for c in line) for line in text.split("\n"))


def in_units(text: str, glyphs: dict[str, str]) -> str:
    """`text` in such a font, each glyph as one unit, as read_pdf hands it on."""
    return as_units(in_glyphs(text, glyphs), {int(g[2:]) for g in glyphs.values()})


def ocr_of(pages: dict[int, str], asked: list[int]) -> Callable[[list[int]], dict[int, OcrPage]]:
    def read_scans(numbers: list[int]) -> dict[int, OcrPage]:
        asked.extend(numbers)
        return {n: OcrPage(pages[n], 92.0) for n in numbers}

    return read_scans


KNOWN = english_known()


def test_one_page_read_by_ocr_teaches_the_glyphs_of_the_others() -> None:
    glyphs = font(alphabetical)
    plain = dict(enumerate(PAGES, 1))
    texts = {n: in_units(page, glyphs) for n, page in plain.items()}
    asked: list[int] = []
    reading = read_glyph_pages(texts, ocr_of(plain, asked), KNOWN)
    assert 1 <= len(asked) <= MAX_SAMPLES
    assert set(reading.by_ocr) == set(asked)
    assert set(reading.read) == set(plain) - set(asked)
    for number, text in reading.read.items():
        # Marks the page read by OCR never showed are left as spaces; every letter is right.
        assert text.split() == plain[number].split() or _letters(text) == _letters(plain[number])
    # Letters no page OCR read had come from their alphabet's order ("quiz", "jumpy", "vex").
    sampled = set("".join(plain[n] for n in asked))
    assert set("".join(reading.read.values())) - sampled


def _letters(text: str) -> str:
    return "".join(c for c in text if c.isalnum())


def test_an_alphabet_is_filled_from_three_letters_at_one_step() -> None:
    seen = {glyph(n) for n in range(131, 157)}
    letters = {glyph(3): " ", glyph(135): "e", glyph(150): "t", glyph(139): "i"}
    filled = fill_alphabets(letters, seen)
    assert filled[glyph(131)] == "a"
    assert filled[glyph(156)] == "z"
    # Two letters are not enough, nor letters that disagree about the step.
    two = {glyph(135): "e", glyph(150): "t"}
    assert fill_alphabets(two, seen) == two
    odd = {glyph(135): "e", glyph(150): "t", glyph(139): "x", glyph(140): "q"}
    assert fill_alphabets(odd, seen) == odd
    # A glyph the document never uses is not invented.
    assert glyph(160) not in fill_alphabets(letters, seen | {glyph(160)})


def test_a_font_in_no_order_gets_no_guessed_letters_and_its_other_pages_go_to_ocr() -> None:
    shuffled = list(range(200, 200 + 70))
    random.Random(7).shuffle(shuffled)
    chars = string.ascii_letters + string.digits + ".,:;'-()"
    glyphs = font(lambda c: shuffled[chars.index(c)])
    plain = dict(enumerate(PAGES, 1))
    texts = {n: in_units(page, glyphs) for n, page in plain.items()}
    asked: list[int] = []
    reading = read_glyph_pages(texts, ocr_of(plain, asked), KNOWN)
    # Pages left unsure once the samples are read go to OCR at once, each one time.
    assert sorted(asked) == sorted(set(asked)) == sorted(reading.by_ocr)
    assert set(reading.by_ocr) | set(reading.read) == set(plain)
    # Whatever is read is read right; a page with a letter never seen is left for OCR.
    for number, text in reading.read.items():
        assert _letters(text) == _letters(plain[number])


def marked_font() -> dict[str, str]:
    """`font(alphabetical)` with a slash, an underscore, a joined "fi" and quote marks too."""
    marks = {"/": 512, "_": 820, "’": 821, "ﬁ": 190, "“": 498, "”": 499}
    return {**font(alphabetical), **{c: f"/g{n}" for c, n in marks.items()}}


def test_marks_no_sampled_page_showed_inside_words_are_read_as_marks() -> None:
    glyphs = marked_font()
    plain = dict(enumerate(PAGES, 1))
    plain[1] = PAGES[0] + " " + PAGES[1]  # the longest page: the first OCR reads
    # A page (never the first sample) with marks inside words that no other page has.
    plain[5] = PAGES[2] + (
        " It’s the degree to which the results of adopting/using the system are seen by "
        "others, and how anxious a person feels when she/he is faced with a CHART_MASTER screen."
    )
    texts = {n: in_units(page, glyphs) for n, page in plain.items()}
    asked: list[int] = []
    reading = read_glyph_pages(texts, ocr_of(plain, asked), KNOWN)
    # One page read by OCR teaches the letters (their order gives all of them), and every other
    # page is read from its text: the marks stand where only a mark can.
    assert len(asked) == 1
    assert set(reading.read) == set(plain) - set(asked)
    read = reading.read[5].removeprefix(PAGES[2]).split()
    shown = "It’s the degree to which the results of adopting using the system are seen by others,"
    assert read[: len(shown.split())] == shown.split()
    assert " ".join(read).endswith("when she he is faced with a CHART MASTER screen.")


def test_a_glyph_that_may_be_joined_letters_inside_a_word_sends_its_page_to_ocr() -> None:
    glyphs = marked_font()
    plain = dict(enumerate(PAGES, 1))
    # "con" and "ne" are words, but "confine" is one too: the glyph may be "fi", never split.
    plain[5] = PAGES[2] + " Staff conﬁne the trial to one ward, and the others wait for it."
    texts = {n: in_units(page, glyphs) for n, page in plain.items()}
    ocr = {**plain, 5: plain[5].replace("ﬁ", "fi")}
    asked: list[int] = []
    reading = read_glyph_pages(texts, ocr_of(ocr, asked), KNOWN)
    assert 5 not in reading.read
    assert 5 in reading.by_ocr
    assert mark_between("con", "ne", KNOWN) is None
    assert mark_between("It", "s", KNOWN) == "’"
    assert mark_between("she", "he", KNOWN) == " "
    # A lone letter or a piece of no word beside it: no mark is sure.
    assert mark_between("o", "set", KNOWN) is None
    assert mark_between("na", "ve", KNOWN) is None


def test_a_mark_between_figures_is_never_a_space() -> None:
    glyphs = marked_font()
    plain = dict(enumerate(PAGES, 1))
    # The first page OCR reads teaches the figures, not the slash; pages with rules OCR does
    # not read ("___") take the other samples.
    plain[1] = PAGES[0] + " " + PAGES[1] + " Davis wrote in 1989, 1993 and 2003."
    for number in (2, 3, 4):
        plain[number] = PAGES[number - 1] + " Scale" + " ___" * 5
    # "5/6" read as "5 6" would be two figures: a page with such a mark goes to OCR.
    plain[5] = PAGES[2] + " Information Systems Research, volume 38, issue 5/6, in 2003."
    ocr = {number: page.replace(" ___", "") for number, page in plain.items()}
    texts = {n: in_units(page, glyphs) for n, page in plain.items()}
    reading = read_glyph_pages(texts, ocr_of(ocr, []), KNOWN)
    assert 5 not in reading.read
    assert "issue 5/6" in reading.by_ocr[5].text


def test_marks_ocr_read_on_any_page_are_learned_for_the_others() -> None:
    glyphs = marked_font()
    plain = dict(enumerate(PAGES, 1))
    # The first page OCR reads (the longest) has a quote in a table, where OCR left out its
    # rules ("___"), so no run of four words of equal length holds the quote marks.
    plain[1] = (
        PAGES[0]
        + " "
        + PAGES[3]
        + " Davis wrote in 1989, 1993 and 2003.\nScale ___ “Neutral” ___ Good ___ Bad ___ Harmful"
    )
    # A page left unsure (a glyph inside a word that is no English word, "smcz/qxv") is read by
    # OCR, and teaches the slash.
    plain[5] = PAGES[2] + " The file was stored as smcz/qxv on the shared drive."
    plain[6] = PAGES[3] + " Respondents chose from the options yes / no for each item."
    plain[7] = PAGES[1] + " Each item was labeled “useful” or “not useful” by the researchers."
    ocr = {
        **plain,
        1: PAGES[0]
        + " "
        + PAGES[3]
        + " Davis wrote in 1989, 1993 and 2003.\nScale “Neutral” Good Bad Harmful",
    }
    texts = {n: in_units(page, glyphs) for n, page in plain.items()}
    asked: list[int] = []
    reading = read_glyph_pages(texts, ocr_of(ocr, asked), KNOWN)
    assert asked == [1, 5]
    assert "yes / no" in reading.read[6]
    assert "“useful” or “not useful”" in reading.read[7]


def test_ocr_of_another_page_teaches_nothing_wrong() -> None:
    glyphs = font(alphabetical)
    texts = {n: in_units(page, glyphs) for n, page in enumerate(PAGES, 1)}
    # OCR gives text that is not what the page says (a scan of the wrong page, another script).
    wrong = {n: "Lorem ipsum dolor sit amet " * 12 for n in texts}
    asked: list[int] = []
    reading = read_glyph_pages(texts, ocr_of(wrong, asked), KNOWN)
    assert reading.read == {}


def test_letters_the_text_layer_gives_as_text_must_agree_with_ocr() -> None:
    glyphs = font(alphabetical)
    # A page whose text layer has some words as text and the rest as glyph numbers.
    text = "The model " + in_units("explains why people accept or reject a system", glyphs)
    votes: GlyphVotes = {}
    # OCR misread the two words the text layer has as text: those pairs teach nothing.
    ocr = "Tha modal explains why people accept or reject a system"
    assert learn_glyphs(text, ocr, glyph(3), votes) == 8
    assert votes[glyph(int(glyphs["x"][2:]))] == {"x": 1}
    assert read_glyph_page(text, {glyph(3): " "}, KNOWN) is None  # every glyph unknown


def test_figures_pypdf_runs_into_a_glyph_number_are_figures_again() -> None:
    # "/g3" (the space) then "1989" in another font's figures: pypdf gives "/g31989".
    assert as_units("Davis,/g31989,/g3Table/g33", {3}) == (
        f"Davis,{glyph(3)}1989,{glyph(3)}Table{glyph(3)}3"
    )
    # A number the font names is one glyph, however it starts; an unnamed one is kept whole.
    assert as_units("/g512/g5", {5, 512}) == glyph(512) + glyph(5)
    assert as_units("/g77", {3}) == glyph(77)
    # A number past any font's glyphs (a hostile file's) stays text, never a unit.
    assert as_units("/g99999 and /g65534", set()) == "/g99999 and /g65534"


def test_a_document_with_one_such_page_has_it_read_by_ocr(tmp_path: Path) -> None:
    glyphs = font(alphabetical)
    body = "Damp and mould in rented homes harm the breathing of children in the county."
    path = write_pdf(tmp_path / "one.pdf", [body, in_glyphs(PAGES[0], glyphs)])
    asked: list[list[int]] = []

    def read_scans(numbers: list[int]) -> dict[int, OcrPage]:
        asked.append(numbers)
        return {n: OcrPage(PAGES[0], 91.0) for n in numbers}

    text = read_pdf(path, read_scans=read_scans)
    assert asked == [[2]]
    assert text.ocr_pages == [2]


def test_a_pdf_in_a_numbered_font_is_read_from_its_text_and_says_so(tmp_path: Path) -> None:
    glyphs = font(alphabetical)
    body = "Damp and mould in rented homes harm the breathing of children in the county."
    pages = [body, *(in_glyphs(page, glyphs) for page in PAGES)]
    path = write_pdf(tmp_path / "numbered.pdf", pages)
    # Drawn as text "/g150…" in a font whose encoding names its glyphs so, as in the real file.
    plain_font = read_pdf(path, read_scans=ocr_of(dict(enumerate(PAGES, 2)), []))
    name_glyphs_by_number(path, [3, 131, 135])
    asked: list[int] = []
    text = read_pdf(path, read_scans=ocr_of(dict(enumerate(PAGES, 2)), asked))
    assert 1 <= len(asked) < len(PAGES)
    assert text.ocr_pages == sorted(asked)
    read = [n for n in range(2, 2 + len(PAGES)) if n not in asked]
    for number in read:
        assert _letters(text.pages[number - 1]) == _letters(PAGES[number - 2])
    assert any("read from their own text" in note for note in text.warnings)
    # Without OCR nothing can be learned: the pages stay out, as before.
    assert read_pdf(path).pages[1:] == [""] * len(PAGES)
    # Junk in fonts that name no glyph by number is never read again: OCR reads all of it.
    assert plain_font.ocr_pages == list(range(2, 2 + len(PAGES)))


def test_a_font_is_asked_for_the_glyphs_it_names_once_a_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    glyphs = font(alphabetical)
    path = write_pdf(tmp_path / "numbered.pdf", [in_glyphs(page, glyphs) for page in PAGES])
    name_glyphs_by_number(path, [3, 131, 135])
    asked: list[int] = []
    named = ingest.pdf._glyph_numbers_named

    def counted(font: object) -> frozenset[int]:
        asked.append(id(font))
        return named(font)

    monkeypatch.setattr(ingest.pdf, "_glyph_numbers_named", counted)
    text = read_pdf(path, read_scans=ocr_of(dict(enumerate(PAGES, 1)), []))
    assert any("read from their own text" in note for note in text.warnings)
    # One font on every page: asked once, not by each page's check and again by its reading.
    assert len(asked) == 1


@pytest.mark.slow
@pytest.mark.skipif(not is_ocr_available(), reason="Tesseract or pdftoppm is not installed")
def test_a_real_paper_in_a_numbered_font_is_read_from_its_text(shared_pdfs: Path) -> None:
    # A working paper whose font numbers its glyphs: pypdf gives "/g150/g138/g3" for pages
    # 2–22. OCR of all 21 took about 30 CPU-s; now 4 are read by OCR (about 7 CPU-s): 3 to learn
    # from, and one with a mark between figures ("(5/6)") that none of them taught.
    path = shared_pdfs / "real" / "acad__tamreview.pdf"
    asked: list[int] = []

    def read_scans(numbers: list[int]) -> dict[int, OcrPage]:
        asked.extend(numbers)
        return read_pages_by_ocr(path, numbers, OcrOptions())

    text = read_pdf(path, read_scans=read_scans)
    # Most are read from their text: a few by OCR, to learn from or left unsure.
    assert len(asked) <= 4
    read = [n for n in range(2, 23) if n not in asked]
    # Every page read whole (page 21, the end of the references, has 45 words).
    assert all(len(text.pages[n - 1].split()) > 40 for n in read)
    assert all("/g1" not in page for page in text.pages)
    whole = " ".join(text.pages)
    # Words and figures exactly as the paper prints them (OCR had read "19839" for "1989").
    assert "Technology Acceptance Model" in whole
    assert "Perceived Usefulness" in whole
    assert "(Davis, 1989" in whole
    assert "19839" not in whole
    # Marks no page read by OCR taught, inside words where only a mark can stand.
    assert "It’s All About Attitude" in whole
    assert "CHART MASTER" in whole


def test_a_hostile_page_of_many_words_is_lined_up_by_its_first_words_only() -> None:
    # Lining up costs time that grows with both pages' word counts multiplied: a page of 12,000
    # words (a real one has a few hundred) teaches from its first _MAX_WORDS alone.
    glyphs = font(alphabetical)
    words = " ".join(PAGES).split() * 60
    text = in_units(" ".join(words), glyphs)
    votes: GlyphVotes = {}
    pairs = learn_glyphs(text, " ".join(words), glyph(3), votes)
    assert 0 < pairs <= glyph_numbers._MAX_WORDS < len(words)
