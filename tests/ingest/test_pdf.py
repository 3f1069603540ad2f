"""Reading PDFs: text clean-up as pure functions, and plain reasons for files we cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from pypdf.errors import DeprecationError, LimitReachedError, PdfStreamError
from pypdf.generic import NameObject, StreamObject
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from ingest import pdf
from ingest.layout import LayoutLine
from ingest.ocr import OcrPage
from ingest.pdf import (
    UnreadablePdf,
    clean_text,
    explain_error,
    garbage_share,
    has_words,
    is_glyph_garbage,
    read_layout_lines,
    read_pdf,
    strip_decoration,
    strip_repeated_lines,
)
from tests.pdfs import write_corrupt_pdf, write_encrypted_pdf, write_pdf

BODY = "Cold and damp homes in the private rented sector cause mould and breathing problems."


# --- clean-up ------------------------------------------------------------------------------------


def test_clean_text_expands_ligatures() -> None:
    assert clean_text("e\ufb00ect of \ufb01re and \ufb02ood, o\ufb03ce, ba\ufb04e") == (
        "effect of fire and flood, office, baffle"
    )


def test_clean_text_turns_private_use_glyphs_into_bullets() -> None:
    assert clean_text("\uf0b7 damp\n\uf0a7 mould") == "• damp\n• mould"


def test_clean_text_reads_control_characters_as_spaces() -> None:
    assert clean_text("damp\x03homes\x00in\x01winter") == "damp homes in winter"


def test_clean_text_drops_soft_hyphens_and_joins_words_broken_at_line_ends() -> None:
    assert (
        clean_text("private rent\u00ad\ned sector, land-\nlords")
        == "private rented sector, landlords"
    )


def test_clean_text_folds_presentation_forms_and_keeps_other_scripts() -> None:
    assert clean_text("\ufe8d\ufedf\ufecc\ufeae\ufe91\ufef4\ufe94") == "العربية"
    assert clean_text("住房  与健康") == "住房 与健康"


def test_clean_text_tidies_spaces_and_blank_lines() -> None:
    assert clean_text("  a\u00a0\u00a0b  \n\n\n\n c ") == "a b\n\nc"


@pytest.mark.parametrize(
    "text",
    [
        "\ufffd\ufffd\ufffd \ufffd\ufffd\ufffd\ufffd \ufffd\ufffd",
        "(cid:12)(cid:45)(cid:3) (cid:88)(cid:19)",
        "Ä¿ ¡¡ Â¼ ¹Ø ÓÚ ºì ¾ü ×÷ Õ½ µÄ Ô­ Ôò",  # GBK Chinese read as Latin-1
        "\uf021\uf022\uf023 \uf024\uf025\uf026",  # a symbol font with no text mapping
        "\x01\x02\x03\x04 \x05\x06\x07",
    ],
)
def test_glyph_garbage_is_recognised(text: str) -> None:
    assert is_glyph_garbage(text)


@pytest.mark.parametrize(
    "text",
    [
        BODY,
        "à À â Â ä Ä ç Ç é É è È ê Ê ë Ë î Î ï Ï ô Ô ù Ù û Û ü Ü",
        "住房条件与健康之间的关系已被广泛研究。",
        "حَبيبي habibi حَبيبي",
        "\uf0b7 Damp homes\n\uf0b7 Mould © 2023 — 45 °C → ±2",
        "x² + y² = z²; 5 ≤ n ≤ 10",
    ],
)
def test_real_text_is_not_garbage(text: str) -> None:
    assert garbage_share(text) < 0.3
    assert not is_glyph_garbage(text)


# A book's running bar, as PDFium gives it from the free culture book's pages.
BAR = "❚❘❙❚❘❙ ❚❘❙❚❘❙❚❘❙❚ ❙❚❘❙❚❘❙❚❘❙❚❘❙❚❘❘ ❙❚❘❙❚❘❙❚❘❙❚❘❙❚❘❙ ❚❘❙❚❘❙❚❘❙❚❘❙❚❘❙❚❘❘❘❙❚❘❙❚ ❙❚❘"


def test_a_rule_drawn_in_symbols_is_not_jumbled_text() -> None:
    page = f"{BAR}\r\nTo Eric Eldred, whose work first drew me to this cause."
    assert is_glyph_garbage(page)  # counted as junk, the bar outweighs the sentence
    kept = strip_decoration(page)
    assert "❚" not in kept
    assert kept.strip() == "To Eric Eldred, whose work first drew me to this cause."
    assert not is_glyph_garbage(kept)


@pytest.mark.parametrize(
    "text",
    [
        "Service ✓ ✓ ✗ ✓ ✓ ✓",  # a table row of ticks: short, and it means something
        "★★★★☆ rated by residents",
        # symbols of many kinds: what a font that lost its letter map gives
        "☂☃☄★☆☇☈☉☊☋ ☌☍☎☏",
        "\uf021\uf022\uf023\uf024 \uf025\uf026\uf027\uf028\uf029",
        "Heating costs → rising → faster → than → wages",
    ],
)
def test_symbols_that_are_not_a_rule_are_kept(text: str) -> None:
    assert strip_decoration(text) == text


def test_a_page_with_a_symbol_rule_is_read_from_its_text_not_by_ocr(shared_pdfs: Path) -> None:
    book = shared_pdfs / "real" / "other__freeculture.pdf"
    if not book.is_file():
        pytest.skip(f"{book} is not in the shared test data")
    asked: list[int] = []

    def scans(numbers: list[int]) -> dict[int, OcrPage]:
        asked.extend(numbers)
        return {}

    text = read_pdf(book, read_scans=scans)
    # Only the pages with no text of their own (a picture each) are left for OCR: before, nine
    # pages whose text sat under the book's bar of symbols were read as jumbled and sent too.
    assert asked == [1, 255]
    assert text.pages[7].startswith("To Eric Eldred")
    assert not any("❚" in page for page in text.pages)


def test_a_page_needs_a_few_letters_and_cjk_counts_for_more() -> None:
    assert not has_words("12")
    assert not has_words("pdf.js", min_letters=10)
    assert has_words("あいうえお", min_letters=10)
    assert has_words(BODY, min_letters=10)


def _paged(header: str, footer: str, bodies: list[str]) -> list[str]:
    return [f"{header}\n{body}\n{footer.format(n=n)}" for n, body in enumerate(bodies, start=1)]


def test_running_headers_and_numbered_footers_are_dropped() -> None:
    bodies = [f"Finding {n}: damp homes cause mould in winter." for n in range(1, 6)]
    pages = _paged("Kent County Council | Housing review 2023", "Page {n} of 5", bodies)
    assert strip_repeated_lines(pages) == bodies


def test_header_with_page_number_in_front_or_behind_is_dropped() -> None:
    bodies = ["Damp homes.", "Cold homes.", "Mould in homes.", "Landlords."]
    pages = [f"{n} THE SIEGE OF VICKSBURG.\n{b}" for n, b in enumerate(bodies, start=48)]
    pages[1] = f"THE SIEGE OF VICKSBURG. 49\n{bodies[1]}"
    assert strip_repeated_lines(pages) == bodies


def test_lines_on_fewer_than_most_pages_are_kept() -> None:
    pages = [
        "Summary\nDamp homes.",
        "Summary\nCold homes.",
        "Method\nMould.",
        "Results\nRepairs.",
        "X\nY",
    ]
    assert strip_repeated_lines(pages) == pages


def test_short_documents_keep_their_first_lines() -> None:
    pages = ["Housing review\nDamp homes.", "Housing review\nCold homes."]
    assert strip_repeated_lines(pages) == pages


def test_repeated_lines_in_the_middle_of_a_page_are_kept() -> None:
    pages = [f"a{n}\nb{n}\nc{n}\nKey finding\nd{n}\ne{n}\nf{n}" for n in range(4)]
    assert all("Key finding" in page for page in strip_repeated_lines(pages))


# --- reasons ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (ValueError("Invalid key size (48) for RC4."), pdf.DAMAGED),
        (AssertionError(), pdf.DAMAGED),
        (TypeError("unhashable type: 'ArrayObject'"), pdf.DAMAGED),
        (AttributeError("'NumberObject' object has no attribute 'items'"), pdf.DAMAGED),
        (PdfStreamError("Stream has ended unexpectedly"), pdf.DAMAGED),
        (NotImplementedError("Unsupported filter /PlateDecode"), pdf.UNPACKING),
        (DeprecationError("The filter name /A85 is deprecated"), pdf.UNPACKING),
        (LimitReachedError("Limit reached while decompressing."), pdf.BOMB),
        (LimitReachedError("Reached maximum number of tokens per stream."), pdf.TOO_COMPLEX),
        (LimitReachedError("Detected loop with self reference"), pdf.LOOPS),
        (RecursionError("maximum recursion depth exceeded"), pdf.NESTED),
    ],
)
def test_every_error_type_gets_a_plain_reason(error: Exception, reason: str) -> None:
    assert explain_error(error) == reason


def test_reasons_are_plain_sentences() -> None:
    reasons = [v for k, v in vars(pdf).items() if k.isupper() and isinstance(v, str) and " " in v]
    assert len(reasons) >= 15
    for reason in reasons:
        assert reason[0].isupper() and reason.endswith("."), reason
        assert "Error" not in reason and "pypdf" not in reason, reason


# --- whole files ------------------------------------------------------------------------------


def test_reads_pages_and_drops_running_headers(tmp_path: Path) -> None:
    bodies = [f"Finding number {n}: damp homes need repairs." for n in range(1, 5)]
    pages = [["Housing review", body, str(n)] for n, body in enumerate(bodies, start=1)]
    path = _write_lines(tmp_path / "report.pdf", pages)
    text = read_pdf(path)
    assert text.pages == bodies
    assert text.warnings == []


def test_each_page_is_read_once_with_the_title_layout_from_the_same_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "titled.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    sheet.drawString(50, 800, "7")  # too few letters: not the first page with text
    sheet.showPage()
    sheet.setFont("Helvetica-Bold", 28)
    sheet.drawString(50, 760, "Damp homes review")
    sheet.setFont("Helvetica", 11)
    sheet.drawString(50, 700, BODY)
    sheet.showPage()
    sheet.drawString(50, 700, BODY.upper())
    sheet.showPage()
    sheet.save()
    readings: list[int] = []
    extract = pdf.pypdf.PageObject.extract_text

    def counted(page: pdf.pypdf.PageObject, *args: object, **kwargs: object) -> str:
        readings.append(page.page_number or 0)
        return extract(page, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pdf.pypdf.PageObject, "extract_text", counted)
    text = read_pdf(path)
    # pypdf reads the pages up to the title's once each (main read the title's page twice);
    # the rest are read by PDFium alone.
    assert sorted(readings) == [0, 1]
    assert [(x.text, x.size) for x in text.first_lines] == [
        ("Damp homes review", 28.0),
        (BODY, 11.0),
    ]
    monkeypatch.undo()
    assert text.first_lines == read_layout_lines(PdfReader(path), 1)


_SMALL_REAL = (
    "kcc__24-00115-eqia.pdf",
    "kcc__2-amendment-greens-and-independents-home-to-school-transport-feasibili.pdf",
    "nhsuk__asthma.pdf",
)


@pytest.mark.parametrize("name", _SMALL_REAL)
def test_real_pages_read_with_the_layout_visitor_give_pypdfs_plain_text(
    shared_pdfs: Path, name: str
) -> None:
    reader = PdfReader(shared_pdfs / "real" / name)
    for page in reader.pages:
        assert pdf._extract_with_layout(page)[0] == page.extract_text()
    text = read_pdf(shared_pdfs / "real" / name)
    first = next(n for n, page in enumerate(text.pages) if page)
    separate = read_layout_lines(reader, first)

    def shape(lines: list[LayoutLine]) -> list[tuple[str, float, float]]:
        # The one reading joins split words against the page's text ("h ealth"); spaces aside,
        # its lines are the separate reading's.
        return [("".join(x.text.split()), x.size, x.top) for x in lines]

    assert text.first_lines and shape(text.first_lines) == shape(separate)


def test_scanned_pdf_needs_ocr(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    page = canvas.Canvas(str(path), pagesize=A4)
    picture = Image.new("L", (200, 280), color=200)
    page.drawImage(ImageReader(picture), 50, 50, width=400, height=560)
    page.drawString(50, 20, "p. 1")
    page.showPage()
    page.save()
    with pytest.raises(UnreadablePdf) as caught:
        read_pdf(path)
    assert str(caught.value) == pdf.NO_OCR  # read without OCR


def test_garbage_page_is_left_out_with_a_warning(tmp_path: Path) -> None:
    text_pages = [BODY, "(cid:3)(cid:4)(cid:5) (cid:6)(cid:7)(cid:8)(cid:9) (cid:10)(cid:11)"]
    path = write_pdf(tmp_path / "mixed.pdf", text_pages)
    text = read_pdf(path)
    assert text.pages == [BODY, ""]
    assert text.warnings == ["1 page of jumbled symbols left out: 2."]


def test_damaged_page_is_left_out_with_a_warning(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "report.pdf", [BODY, BODY.upper(), BODY.lower()])
    writer = PdfWriter(clone_from=PdfReader(path))
    contents = writer.pages[1][NameObject("/Contents")].get_object()
    assert isinstance(contents, StreamObject)
    contents[NameObject("/Filter")] = NameObject("/PlateDecode")  # a filter nobody knows
    with path.open("wb") as handle:
        writer.write(handle)
    text = read_pdf(path)
    assert text.pages == [BODY, "", BODY.lower()]
    assert text.warnings == ["1 page could not be read (damaged): 2."]


def test_encrypted_with_empty_password_is_read(tmp_path: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "open.pdf", BODY, password="")
    assert read_pdf(path).pages == [BODY]


def test_encrypted_with_password_is_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(UnreadablePdf, match="locked with a password"):
        read_pdf(write_encrypted_pdf(tmp_path / "locked.pdf", BODY))


def test_corrupt_and_empty_files_are_refused_plainly(tmp_path: Path) -> None:
    with pytest.raises(UnreadablePdf, match="corrupt"):
        read_pdf(write_corrupt_pdf(tmp_path / "broken.pdf"))
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(UnreadablePdf, match="empty"):
        read_pdf(tmp_path / "empty.pdf")
    (tmp_path / "notes.pdf").write_text("just some notes")
    with pytest.raises(UnreadablePdf, match="not a PDF"):
        read_pdf(tmp_path / "notes.pdf")


def test_too_many_pages_is_refused_before_reading_them(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "long.pdf", [BODY] * 12)
    with pytest.raises(UnreadablePdf, match=r"too many pages \(12\)"):
        read_pdf(path, max_pages=10)


def _write_lines(path: Path, pages: list[list[str]]) -> Path:
    """One PDF page per list, one text line per string, top to bottom."""
    sheet = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    for lines in pages:
        for row, line in enumerate(lines):
            sheet.drawString(50, 800 - 20 * row, line)
        sheet.showPage()
    sheet.save()
    return path
