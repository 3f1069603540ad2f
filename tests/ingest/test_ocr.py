"""Scanned pages (pictures, no text layer) are read by Tesseract inside the parse worker."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ingest.layout import LayoutLine
from ingest.metadata import metadata_of
from ingest.ocr import (
    RETRY_TIME_FACTOR,
    OcrOptions,
    OcrPage,
    _assemble,
    _layout_line,
    is_ocr_available,
    read_pages_by_ocr,
)
from ingest.pdf import NO_OCR, NO_TEXT, NO_WORDS_BY_OCR, PdfText, _scan_layout, read_pdf
from ingest.pipeline import FAILED, WARNINGS, Ingester, RunSummary
from ingest.worker import ParseFailure, ParseLimits, parse_isolated
from kb.reporting import summary_text
from search.library import Library
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
    assert result.reason == NO_OCR


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
        path,
        read_scans=lambda numbers: {n: OcrPage("Dmap and m0uld in homes", 31.0) for n in numbers},
    )
    assert result.ocr_pages == [1, 2]
    assert any("may have mistakes" in warning for warning in result.warnings)


def test_scan_that_times_out_page_by_page_still_gives_an_outcome(tmp_path: Path) -> None:
    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES[:1])
    limits = ParseLimits(ocr=OcrOptions(seconds_per_page=0.001))
    result = parse_isolated(path, limits)
    assert isinstance(result, ParseFailure)
    assert result.reason == NO_TEXT


def test_a_scanned_first_page_gives_its_heading_as_the_title(tmp_path: Path) -> None:
    """Tesseract's word boxes give each line a size and place, so the title finder reads a
    scan's first page as it reads a text page: the largest type near the top."""
    lines = ["Warm homes in Hinckley", "Cold homes make asthma worse for children.",
             "The council offers grants for loft insulation."]  # fmt: skip
    path = write_scanned_pdf(tmp_path / "warm-homes-scan.pdf", [lines], dpi=200, heading_size=30)
    result = parse_isolated(path, ParseLimits())
    assert isinstance(result, PdfText)
    assert result.ocr_pages == [1]
    heading = result.first_lines[0]
    assert heading.text == "Warm homes in Hinckley"
    assert heading.size > max(line.size for line in result.first_lines[1:])
    assert metadata_of(path, result, None).title == "Warm homes in Hinckley"


def test_a_scan_ocr_finds_no_words_on_says_so(tmp_path: Path) -> None:
    """OCR ran and read nothing: the reason must not say the file still needs OCR."""
    path = write_scanned_pdf(tmp_path / "blank.pdf", [[" "], [" "]])
    result = parse_isolated(path, ParseLimits())
    assert isinstance(result, ParseFailure)
    assert result.reason == NO_WORDS_BY_OCR
    off = parse_isolated(path, ParseLimits(ocr_enabled=False))
    assert isinstance(off, ParseFailure) and off.reason == NO_OCR


def _words(*rows: tuple[str, int, int, float]) -> dict[str, list[object]]:
    """Tesseract's word table for lines of (text, top, height, confidence), one line each."""
    table: dict[str, list[object]] = {k: [] for k in ("text", "conf", "top", "height")}
    table.update(block_num=[], par_num=[], line_num=[])
    for number, (text, top, height, confidence) in enumerate(rows, start=1):
        for word in text.split():
            for key, value in zip(
                ("text", "conf", "top", "height", "block_num", "par_num", "line_num"),
                (word, confidence, top, height, 1, number, 1),
                strict=True,
            ):
                table[key].append(value)
    return table


def test_lines_ocr_is_unsure_of_stay_in_the_text_but_not_in_the_layout() -> None:
    """On a map Tesseract reads shapes as short 'words'; they must never become a title."""
    page = _assemble(
        _words(("Wind capacity in 2023", 200, 40, 93.0), ("0.6 eee Pe kc 4", 900, 70, 41.0)),
        dpi=200,
        page_height=2339,
    )
    assert "eee Pe kc" in page.text
    assert [line.text for line in page.lines] == ["Wind capacity in 2023"]
    assert page.lines[0].size == round(40 * 72 / 200) and page.lines[0].top == 200 / 2339


def test_a_legend_word_joined_to_a_bar_does_not_make_its_line_the_largest_type() -> None:
    """On a chart Tesseract can box a legend's word together with the bar beside it; the line's
    size is its type's, so a scanned chart's legend never outranks the page's heading."""
    legend = [(100, 11)] * 6 + [(100, 28), (100, 28)]
    assert (
        _layout_line("Private rented or lives rent free Social rented", legend, 200, 2339).size == 4
    )
    heading = [(900, h) for h in (17, 22, 22, 23, 23, 23, 29, 29)]
    assert (
        _layout_line("Tenure by district and boroughs: 2011 vs 2021", heading, 200, 2339).size == 10
    )
    # Words with no ascender are about half a capital's height: the tallest is still the size.
    short_words = [(900, 13), (900, 13), (900, 13), (900, 27)]
    assert _layout_line("so we are Keen", short_words, 200, 2339).size == round(27 * 72 / 200)


def test_a_scan_whose_largest_type_is_low_on_the_page_gives_no_title_by_layout() -> None:
    notes = [LayoutLine("Plant size (GW)", 14.0, 0.73), LayoutLine("Onshore", 9.0, 0.69)]
    assert _scan_layout(notes) == []
    report = [LayoutLine("Warm homes", 30.0, 0.1), LayoutLine("Cold homes hurt.", 16.0, 0.2)]
    assert _scan_layout(report) == report


def test_a_page_that_ran_out_of_time_is_read_once_more_with_more_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Under load a page can run past its time; it is read again after the others (real OCR),
    and the caller is told first, so the worker's parent can allow the time."""
    import subprocess

    import ingest.ocr

    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES)
    real = ingest.ocr.read_page_by_ocr
    calls: list[tuple[int, float]] = []

    def busy_machine(pdf: Path, number: int, options: OcrOptions) -> OcrPage:
        calls.append((number, options.seconds_per_page))
        if number == 1 and len(calls) == 1:
            raise subprocess.TimeoutExpired("tesseract", options.seconds_per_page)
        if number == 2 and options.seconds_per_page < 100:
            raise RuntimeError("Tesseract process timeout")  # pytesseract's words
        return real(pdf, number, options)

    monkeypatch.setattr(ingest.ocr, "read_page_by_ocr", busy_machine)
    told: list[tuple[int, float]] = []
    done: list[int] = []
    read = read_pages_by_ocr(
        path,
        [1, 2],
        OcrOptions(seconds_per_page=60.0),
        on_page=done.append,
        on_retry=lambda pages, seconds: told.append((pages, seconds)),
    )
    assert told == [(2, 60.0 * RETRY_TIME_FACTOR)]
    assert calls == [(1, 60.0), (2, 60.0), (1, 120.0), (2, 120.0)]
    assert done == [1, 2]
    assert "mould in rented homes" in read[1].text and "bus service stops" in read[2].text


def test_a_page_that_fails_for_another_reason_is_not_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.ocr

    path = write_scanned_pdf(tmp_path / "scan.pdf", PAGES[:1])
    calls: list[int] = []

    def broken(pdf: Path, number: int, options: OcrOptions) -> OcrPage:
        calls.append(number)
        raise OSError("page picture too large")

    monkeypatch.setattr(ingest.ocr, "read_page_by_ocr", broken)
    told: list[tuple[int, float]] = []
    read = read_pages_by_ocr(
        path, [1], OcrOptions(), on_retry=lambda pages, s: told.append((pages, s))
    )
    assert read == {} and calls == [1] and told == []


def test_a_scan_refused_for_want_of_ocr_is_read_once_ocr_can(
    library: Library, tmp_path: Path
) -> None:
    """Unchanged failures are not read again, except a scan that failed only because OCR was
    off or missing: the first run after OCR is turned on reads it, unasked."""
    folder = tmp_path / "docs"
    write_scanned_pdf(folder / "scan.pdf", PAGES[:1])

    def run(limits: ParseLimits) -> RunSummary:
        chunks = library.settings.chunks
        return Ingester(library.index, chunks, limits, parse_workers=1).run([folder])

    off = ParseLimits(ocr_enabled=False)
    first = run(off)
    assert [(o.outcome, o.reason) for o in first.outcomes] == [(FAILED, NO_OCR)]
    assert first.failed_before == 0
    again = run(off)  # still off: failed again, from memory, and the summary says so
    assert (again.failed, again.failed_before) == (1, 1)
    assert "1 unchanged since an earlier run failed on it" in summary_text(
        again.as_dict(), tmp_path / "report.jsonl"
    )
    read = run(ParseLimits())
    assert [o.outcome for o in read.outcomes] == [WARNINGS]  # read by OCR, and marked so
    assert read.failed == 0 and read.failed_before == 0


@pytest.mark.parametrize("stored", ["before reasons said what to do", "earlier version kept"])
def test_a_scan_refused_for_want_of_ocr_in_other_words_is_read_once_ocr_can(
    library: Library, tmp_path: Path, stored: str
) -> None:
    """The catalogue keeps the reason as it was worded when the file failed: one stored before
    reasons gave a next step, or with a line added after it, is still known as waiting for
    OCR (the two were taken for other failures, and never read again)."""
    folder = tmp_path / "docs"
    path = write_scanned_pdf(folder / "scan.pdf", PAGES[:1])
    chunks = library.settings.chunks
    Ingester(library.index, chunks, ParseLimits(ocr_enabled=False), parse_workers=1).run([folder])
    catalogue = library.index.catalogue
    failed = catalogue.file(str(path))
    assert failed is not None and failed.reason == NO_OCR
    reason = (
        NO_OCR.split(" Ask whoever")[0]
        if stored == "before reasons said what to do"
        else f"{NO_OCR} The earlier version stays in the index."
    )
    catalogue.record_outcome(replace(failed, reason=reason))
    read = Ingester(library.index, chunks, ParseLimits(), parse_workers=1).run([folder])
    assert [o.outcome for o in read.outcomes] == [WARNINGS]
