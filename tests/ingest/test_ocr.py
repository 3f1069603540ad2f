"""Scanned pages (pictures, no text layer) are read by Tesseract inside the parse worker."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.ocr import OcrOptions, is_ocr_available
from ingest.pdf import NO_TEXT, PdfText, read_pdf
from ingest.worker import ParseFailure, ParseLimits, parse_isolated
from tests.documents import write_scanned_pdf

pytestmark = pytest.mark.skipif(
    not is_ocr_available(), reason="Tesseract or pdftoppm is not installed (make ocr-deps)"
)

PAGES = [
    ["Damp and mould in rented homes", "make young children cough at night."],
    ["Older people in rural villages feel lonely", "when the bus service stops running."],
]


def test_scanned_pdf_is_read_by_ocr_and_marked(tmp_path: Path) -> None:
    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES)
    result = parse_isolated(path, ParseLimits())
    assert isinstance(result, PdfText)
    assert result.ocr_pages == [1, 2]
    assert "mould in rented homes" in result.pages[0]
    assert "bus service stops" in result.pages[1]
    assert any("OCR" in warning for warning in result.warnings)


def test_ocr_can_be_turned_off(tmp_path: Path) -> None:
    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES[:1])
    result = parse_isolated(path, ParseLimits(ocr_enabled=False))
    assert isinstance(result, ParseFailure)
    assert result.reason == NO_TEXT


def test_long_scan_reads_only_the_allowed_pages(tmp_path: Path) -> None:
    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES)
    result = parse_isolated(path, ParseLimits(ocr_max_pages=1))
    assert isinstance(result, PdfText)
    assert result.ocr_pages == [1]
    assert result.pages[1] == ""
    assert any("without text" in warning for warning in result.warnings)


def test_low_confidence_ocr_page_is_reported_as_a_warning(tmp_path: Path) -> None:
    # How sure Tesseract is depends on the scan; the rule under test is what a low score does,
    # so the reader here reports one (plumbing only: the real OCR is proven above).
    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES)
    result = read_pdf(
        path, read_scans=lambda numbers: {n: ("Dmap and m0uld in homes", 31.0) for n in numbers}
    )
    assert result.ocr_pages == [1, 2]
    assert any("may have mistakes" in warning for warning in result.warnings)


def test_scan_that_times_out_page_by_page_still_gives_an_outcome(tmp_path: Path) -> None:
    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES[:1])
    limits = ParseLimits(ocr=OcrOptions(seconds_per_page=0.001))
    result = parse_isolated(path, limits)
    assert isinstance(result, ParseFailure)
    assert result.reason == NO_TEXT
