"""Benchmark (make bench): how many scanned pages a second the isolated worker reads by OCR."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from ingest.ocr import is_ocr_available
from ingest.pdf import PdfText
from ingest.worker import ParseLimits, parse_isolated
from tests.documents import write_scanned_pdf

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
PAGES = 5
LINES = [
    "Cold and damp homes in the private rented sector cause mould and breathing problems.",
    "Older people in rural villages often feel lonely when the bus service stops running.",
    "Free school meals uptake rose in the districts with the highest child poverty.",
] * 8


@pytest.mark.bench
def test_ocr_pages_per_second(tmp_path: Path) -> None:
    if not is_ocr_available():
        pytest.skip("Tesseract or pdftoppm is not installed (make ocr-deps)")
    path = write_scanned_pdf(tmp_path / "scan.pdf", [LINES] * PAGES)
    started = time.monotonic()
    result = parse_isolated(path, ParseLimits())
    seconds = time.monotonic() - started
    assert isinstance(result, PdfText), result
    assert len(result.ocr_pages) == PAGES, result.warnings
    words = sum(len(page.split()) for page in result.pages)
    rate = PAGES / seconds
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ocr.json").write_text(
        json.dumps(
            {
                "pages": PAGES,
                "seconds": round(seconds, 1),
                "pages_per_s": round(rate, 2),
                "words": words,
            },
            indent=2,
        )
    )
    print(f"\nOCR: {PAGES} pages in {seconds:.1f} s = {rate:.2f} pages/s ({words} words)")
