"""Page text by PDFium, and the ways each page falls back to pypdf."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from ingest import pdf
from ingest.pdf import read_pdf
from ingest.textlayer import TextLayer, join_line_hyphens, reads_right_to_left
from tests.pdfs import write_pdf

BODY = "Cold and damp homes in the private rented sector cause mould and breathing problems."


def test_hyphens_pdfium_marks_at_line_ends_read_as_the_words_were_written() -> None:
    assert join_line_hyphens("please pur\x02chase only") == "please purchase only"
    assert join_line_hyphens("COVID\x0219 and Age\x02Standardised") == (
        "COVID-19 and Age-Standardised"
    )
    # Marks among junk from a font with no map to letters stay for the garbage test to see.
    assert join_line_hyphens("\x02\x03\x04") == "\x02\x03\x04"
    assert join_line_hyphens("no marks here") == "no marks here"


def test_right_to_left_scripts_are_recognised() -> None:
    assert reads_right_to_left("حَبيبي habibi")
    assert reads_right_to_left("שלום")
    assert not reads_right_to_left("Cold homes, 日本語 and café")


def test_pdfium_reads_each_page_of_a_pdf(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "two.pdf", [BODY, "Second page about fuel poverty."])
    with TextLayer(path, 2) as layer:
        assert " ".join((layer.page_text(0) or "").split()) == BODY
        assert "fuel poverty" in (layer.page_text(1) or "")
        assert layer.page_text(7) is None  # no such page: the caller falls back
    # pypdf counting other pages than PDFium: page numbers could mean other pages, so none.
    with TextLayer(path, 3) as layer:
        assert layer.page_text(0) is None


def test_a_file_pdfium_cannot_open_reads_no_pages(tmp_path: Path) -> None:
    path = tmp_path / "not.pdf"
    path.write_bytes(b"%PDF-1.4 this is not really a PDF")
    with TextLayer(path, 1) as layer:
        assert layer.page_text(0) is None
    assert TextLayer(None, 1).page_text(0) is None


def test_pages_pdfium_gives_nothing_for_are_read_by_pypdf(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_pdf(tmp_path / "three.pdf", [BODY, "Damp and mould in the second page.", BODY])
    fast = read_pdf(path)
    slow = read_pdf(path, fast_text=False)
    assert [" ".join(p.split()) for p in fast.pages] == [" ".join(p.split()) for p in slow.pages]

    # PDFium failing on one page, or finding no words there, leaves that page to pypdf.
    def page_text(self: TextLayer, number: int) -> str | None:
        return {0: None, 1: "  "}.get(number, "Words PDFium read on the last page.")

    monkeypatch.setattr(pdf.TextLayer, "page_text", page_text)
    mixed = read_pdf(path)
    assert mixed.pages[:2] == slow.pages[:2]
    assert mixed.pages[2] == "Words PDFium read on the last page."


def test_words_drawn_one_by_one_on_a_line_read_as_one_line(tmp_path: Path) -> None:
    # Words placed one by one with gaps and no space characters: pypdf gave a line per word.
    path = tmp_path / "placed.pdf"
    sheet = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    sheet.setFont("Helvetica", 11)
    x = 50.0
    for word in ["Social", "capital", "within", "West", "Sussex", "communities"]:
        sheet.drawString(x, 700, word)
        x += sheet.stringWidth(word, "Helvetica", 11) + 3.5
    sheet.showPage()
    sheet.save()
    assert "Social capital within West Sussex communities" in read_pdf(path).pages[0]
