"""Every reason an admin can read for a file that was not read (on the upload page, the status
page, in `kb ingest`'s report) says what went wrong and then what to do next, in one wording
shared by the upload door and the ingest."""

from __future__ import annotations

import re

import pytest

from ingest import formats, pdf, pipeline, webpage, wordfile, worker
from search import index, signatures
from web import uploads

# A next step is an instruction ("Save a copy…"), maybe after its condition ("If you trust the
# file, save…"), or says when the site tries again and what to do if that fails.
STEP = re.compile(
    r"(If .+?, )?(Ask|Check|Download|Give|Open|Print|Rename|Save|Scan|Split|Upload|"
    r"ask|check|open|print|save|scan|upload)\b|It is tried again .*; if it fails again, tell"
)
UNTIL = " The earlier version stays in the index."

# The pieces of ingest.pdf's reasons that are steps, not reasons, and its two templates
# (filled in below).
_PDF_NOT_REASONS = {"FROM_SOURCE", "PRINT_AGAIN", "RESAVE", "SMALLER", "TRY_LATER"}
_PDF_TEMPLATES = {"CANNOT_OPEN", "TOO_MANY_PAGES"}

REASONS = {
    # Every reason ingest.pdf exports, so a new one is checked without being listed here.
    **{
        name: getattr(pdf, name)
        for name in pdf.__all__
        if name.isupper()
        and isinstance(getattr(pdf, name), str)
        and name not in _PDF_NOT_REASONS | _PDF_TEMPLATES
    },
    "CANNOT_OPEN": pdf.CANNOT_OPEN.format(error="permission denied"),
    "TOO_MANY_PAGES": pdf.TOO_MANY_PAGES.format(count=6000, limit=5000),
    "UNSUPPORTED": formats.UNSUPPORTED,
    "NOT_WORD": wordfile.NOT_WORD,
    "WORD_BOMB": wordfile.WORD_BOMB,
    "WORD_EMPTY": wordfile.WORD_EMPTY,
    "WORD_ENTITIES": wordfile.WORD_ENTITIES,
    "WORD_TOO_BIG": wordfile.WORD_TOO_BIG.format(limit=64),
    "HTML_EMPTY": webpage.HTML_EMPTY,
    "HTML_NOT_TEXT": webpage.HTML_NOT_TEXT.format(kind="a picture"),
    "HTML_TOO_BIG": webpage.HTML_TOO_BIG.format(limit=32),
    "HTML_UNREADABLE": webpage.HTML_UNREADABLE.format(error="the markup is broken"),
    "too_slow": worker.too_slow(35),
    "too_big": worker.too_big(2048),
    "TOO_MUCH": worker.TOO_MUCH,
    "CRASHED": worker.CRASHED,
    "UNSTORABLE_NAME": pipeline.UNSTORABLE_NAME,
    "NO_PASSAGES": pipeline.NO_PASSAGES,
    "UNEXPECTED": f"{pipeline.UNEXPECTED} {pipeline.TRIED_AGAIN}",
    **{
        name: f"{getattr(index, name)} {pipeline.TRIED_AGAIN}"
        for name in ("MODEL_FAILED", "TAGGING_FAILED", "STORE_FAILED", "CATALOGUE_FAILED")
    },
    # Turned away at the upload door, before the ingest.
    "upload: not a PDF": uploads.UPLOAD_TYPES[".pdf"],
    "upload: not a Word file": uploads.UPLOAD_TYPES[".docx"],
    "upload: not a web page": uploads.UPLOAD_TYPES[".html"].format(kind="a PDF file"),
    "upload: too big": uploads.TOO_BIG.format(limit=50),
    "upload: empty": uploads.EMPTY_FILE,
    "upload: type": uploads.UNSUPPORTED,
    "upload: lost": uploads.LOST,
}


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.?!])\s+(?=[A-Z])", text)


@pytest.mark.parametrize("name", REASONS)
def test_every_reason_says_what_went_wrong_then_what_to_do(name: str) -> None:
    *why, step = _sentences(REASONS[name])
    assert why, f"{name} gives no next step: {REASONS[name]}"
    assert STEP.match(step), f"{name} does not end with what to do: {step}"
    # Said after the reason in a failed new edition's line, it stays its own sentence.
    assert _sentences(REASONS[name] + UNTIL)[-1] == UNTIL.strip()


def test_the_steps_are_the_ones_an_admin_can_take() -> None:
    assert pdf.PASSWORD == (
        "This file is locked with a password. Save a copy without the password and upload that."
    )
    assert "Check the file opens on your computer" in pdf.NO_PAGES
    assert "PDF files, Word files (.docx) and saved web pages (.html)" in formats.UNSUPPORTED
    # A scan OCR ran out of time on is not one that "needs OCR": say what to do instead.
    assert "needs OCR" not in pdf.NO_TEXT
    assert "less busy" in pdf.NO_TEXT and "KB_OCR__SECONDS_PER_PAGE" in pdf.NO_TEXT


def test_the_upload_door_and_the_ingest_refuse_in_the_same_words() -> None:
    assert uploads.UNSUPPORTED is formats.UNSUPPORTED is signatures.UNSUPPORTED
    assert uploads.EMPTY_FILE is pdf.EMPTY_FILE
    assert uploads.UPLOAD_TYPES[".pdf"] is pdf.NOT_A_PDF
    assert uploads.UPLOAD_TYPES[".html"] is webpage.HTML_NOT_TEXT
    assert wordfile.WORD_BOMB is pdf.BOMB


@pytest.mark.parametrize(
    "stored",
    [
        pdf.NO_OCR,
        pdf.NO_OCR + UNTIL,
        # As versions before the next steps stored it in the catalogue.
        "It has no text layer: the pages are pictures (a scan). OCR would read it, but Tesseract"
        " is not installed on this server or OCR is switched off (KB_OCR__ENABLED).",
    ],
)
def test_a_scan_waiting_for_ocr_is_known_by_its_reason_in_any_wording(stored: str) -> None:
    assert pdf.is_waiting_for_ocr(stored)
    assert not pdf.is_waiting_for_ocr(pdf.NO_TEXT)
