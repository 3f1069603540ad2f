"""Files built to break an ingest: each ends with an honest outcome and a plain reason, the run
goes on, and a file that runs too long or grows too big is stopped by its limits."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject
from reportlab.pdfgen import canvas

from ingest.ocr import is_ocr_available
from ingest.pdf import PdfText
from ingest.pipeline import FAILED, INDEXED, WARNINGS, Ingester
from ingest.worker import STOPPED, ParseFailure, ParseLimits, parse_isolated, too_slow
from search.catalogue import FileOutcome
from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from tests.conftest import SHARED_DATA
from tests.pdfs import write_corrupt_pdf, write_pdf

HOSTILE = SHARED_DATA / "pdfs" / "hostile"

# One of each kind of trouble: file name → (outcome, words the reason must contain).
REPRESENTATIVE = {
    "enc__r6-both-passwords.pdf": (FAILED, "password"),
    "enc__r2-empty-password.pdf": (INDEXED, "read"),
    "enc__issue19484_2.pdf": (FAILED, "damaged"),  # a bare ValueError, not a PdfReadError
    "xref__bad35.pdf": (FAILED, "damaged"),  # a bare AssertionError
    "xref__bad-xref.pdf": (FAILED, "damaged"),
    "xref__truncated-60pct-homelessness-review.pdf": (FAILED, "stops before its end"),
    "xref__issue-117.pdf": (FAILED, "loop"),  # fuzzed
    "stream__poppler-395-0-fuzzed.pdf": (FAILED, "cannot unpack"),
    "stream__flate-bomb-1.5GB-content.pdf": (FAILED, "zip bomb"),
    "pages__huge-30000-pages.pdf": (FAILED, "too many pages"),
    # A scan too faint to read: OCR runs and finds no words (with no OCR, the file needs it).
    "image__scan-bad.pdf": (
        FAILED,
        "OCR found no words" if is_ocr_available() else "Tesseract is not installed",
    ),
    # pypdf read its Chinese font as jumbled Latin-1 symbols; PDFium reads the Chinese text.
    "text__XiaoBiaoSong.pdf": (INDEXED, "read"),
    "text__noembed-sjis.pdf": (INDEXED, "read"),
    "enc__rc4-128-owner-only-no-extract-green-space.pdf": (WARNINGS, "do not copy"),
}

# What every one of the 50 files should end as (the slow run, `make bench`).
ALL_INDEXED = {
    "enc__r2-empty-password.pdf",
    "enc__r4-owner-password.pdf",
    "form__pdflatex-forms.pdf",
    "form__prefilled_f1040.pdf",
    "image__Seige_of_Vicksburg_Sample_OCR.pdf",
    "stream__bug1978317.pdf",
    "stream__self-referencing-xobject.pdf",
    "text__ArabicCIDTrueType.pdf",
    "text__copy_paste_ligatures.pdf",
    "text__french_diacritics.pdf",
    "text__noembed-sjis.pdf",
    "text__XiaoBiaoSong.pdf",
    # Its picture would unpack to gigabytes; PDFium reads the page's text without unpacking it.
    "image__bomb_giant.pdf",
    # pypdf failed on it; PDFium reads its text.
    "stream__operator-in-TJ-array.pdf",
    "xref__xref_command_missing.pdf",
}
ALL_WARNINGS = {
    "enc__rc4-128-owner-only-no-extract-green-space.pdf",
    # Fuzzed: PDFium reads 3 of its 16 pages (pypdf none), and the warning names the others.
    "stream__poppler-90-0-fuzzed.pdf",
    # Japanese set vertically: PDFium reads its first page, pypdf none; the warning names the rest.
    "text__vertical.pdf",
}
# Four pages that each hold the same one line ("habibi"), which running-line stripping takes
# away: nothing is left to search, and the file fails saying so (ingest's NO_PASSAGES).
REPEATS_ONLY = "text__habibi-rotated.pdf"


@pytest.fixture
def hostile() -> Path:
    if not HOSTILE.is_dir():
        pytest.skip(f"the hostile PDFs are not at {HOSTILE}; they come with the shared test data")
    return HOSTILE


@pytest.fixture
def library(tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    opened = Library.open(Settings(data_dir=tmp_path / "data"), encoder=encoder)
    yield opened
    opened.close()


def _ingest(library: Library, folder: Path) -> dict[str, FileOutcome]:
    summary = Ingester(library.index, library.settings.chunks).run([folder])
    return {o.file_name: o for o in summary.outcomes}


def _is_plain(reason: str) -> bool:
    jargon = ("Error", "Exception", "pypdf", "xref", "Traceback", "0x")
    # A sentence starts with a capital or a figure ("3 of 16 pages were read.").
    starts = reason[:1].isupper() or reason[:1].isdigit()
    return starts and reason.endswith(".") and not any(j in reason for j in jargon)


def test_representative_hostile_files_each_get_an_honest_outcome(
    hostile: Path, library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in REPRESENTATIVE:
        shutil.copy(hostile / name, folder / name)
    outcomes = _ingest(library, folder)
    assert set(outcomes) == set(REPRESENTATIVE)
    for name, (expected, words) in REPRESENTATIVE.items():
        outcome = outcomes[name]
        assert (outcome.outcome, name) == (expected, name), outcome.reason
        assert words in outcome.reason, (name, outcome.reason)
        assert _is_plain(outcome.reason), (name, outcome.reason)
    # The big ones are refused for what they are (counted, not read): no time limit had to stop
    # them (a stopped file's reason says it took too long; how long it took is timed by
    # test_all_hostile_files_end_with_an_outcome_and_a_reason, under make bench).
    for name in ("pages__huge-30000-pages.pdf", "stream__flate-bomb-1.5GB-content.pdf"):
        outcome = outcomes[name]
        assert not outcome.reason.startswith("It took too long"), (name, outcome.reason)
        assert (outcome.chunks, outcome.doc_id) == (0, None), name
    assert library.catalogue.stats()["documents"] == 4


@pytest.mark.bench
def test_all_hostile_files_end_with_an_outcome_and_a_reason(
    hostile: Path, library: Library
) -> None:
    started = time.monotonic()
    outcomes = _ingest(library, hostile)
    names = {p.name for p in hostile.glob("*.pdf")}
    assert set(outcomes) == names
    for name, outcome in sorted(outcomes.items()):
        expected = INDEXED if name in ALL_INDEXED else WARNINGS if name in ALL_WARNINGS else FAILED
        assert outcome.outcome == expected, (name, outcome.reason)
        assert _is_plain(outcome.reason), (name, outcome.reason)
    assert "repeats on most of its pages" in outcomes[REPEATS_ONLY].reason
    # The big ones are counted, not read: they end within what the worker allows a file before
    # its pages are counted (timed here, not in the default suite, where a loaded machine rules).
    limits = ParseLimits()
    opening_s = limits.cpu_budget_s(0) * limits.wall_factor
    for name in ("pages__huge-30000-pages.pdf", "stream__flate-bomb-1.5GB-content.pdf"):
        assert outcomes[name].seconds < opening_s, (name, outcomes[name].seconds)
    slowest = max(outcomes.values(), key=lambda o: o.seconds)
    print(
        f"\n{len(outcomes)} files in {time.monotonic() - started:.0f} s; "
        f"slowest {slowest.file_name} {slowest.seconds:.1f} s"
    )


# --- limits --------------------------------------------------------------------------------------


def _write_busy_pdf(path: Path, operators: int) -> Path:
    """One page with a very long run of text operators: slow to read, small on disk."""
    sheet = canvas.Canvas(str(path))
    text = sheet.beginText(40, 800)
    for _ in range(operators):
        text.textOut("a ")
    sheet.drawText(text)
    sheet.showPage()
    sheet.save()
    return path


def _write_bomb_pdf(path: Path, megabytes: int) -> Path:
    """A page whose content stream inflates from a few kB to `megabytes` of spaces."""
    sheet = canvas.Canvas(str(path))
    sheet.drawString(40, 800, "Damp homes")
    sheet.showPage()
    sheet.save()
    writer = PdfWriter(clone_from=PdfReader(path))
    stream = StreamObject()
    stream[NameObject("/Filter")] = NameObject("/FlateDecode")
    content = b"BT /F1 12 Tf 40 800 Td (Damp homes cause mould) Tj ET\n" + b" " * (megabytes << 20)
    stream.set_data(zlib.compress(content, 9))  # stored as is: the filter says it is compressed
    writer.pages[0][NameObject("/Contents")] = writer._add_object(stream)
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def test_a_file_that_runs_past_its_time_limit_is_stopped(tmp_path: Path) -> None:
    # About 15 CPU seconds of parsing here, far past the 2 s allowed: 100,000 operators took
    # about 2 s, which left the outcome to the speed of the machine.
    path = _write_busy_pdf(tmp_path / "busy.pdf", 400_000)
    limits = ParseLimits(open_timeout_s=0.5, seconds_per_page=0.5)
    result = parse_isolated(path, limits)
    assert isinstance(result, ParseFailure)
    # Stopped by its own limit (CPU, or the wall clock on a machine too busy to give it CPU),
    # and the reason names that limit: the budget to open it, or that plus its one page.
    assert result.reason in (too_slow(limits.cpu_budget_s(0)), too_slow(limits.cpu_budget_s(1)))
    assert result.detail in ("CPU limit", "wall-clock limit")


def test_a_file_that_needs_too_much_memory_is_stopped(tmp_path: Path) -> None:
    path = _write_bomb_pdf(tmp_path / "bomb.pdf", 100)
    assert path.stat().st_size < 1_000_000
    result = parse_isolated(path, ParseLimits(memory_mb=120))
    assert isinstance(result, ParseFailure)
    assert "too much memory" in result.reason


def test_a_file_within_its_limits_is_read(tmp_path: Path) -> None:
    path = _write_busy_pdf(tmp_path / "busy.pdf", 2_000)
    result = parse_isolated(path, ParseLimits(open_timeout_s=5, memory_mb=512))
    assert isinstance(result, PdfText)
    assert result.pages[0].startswith("a a a")


def test_a_stopped_run_ends_its_parse_at_once(tmp_path: Path) -> None:
    # About 15 CPU seconds of parsing here, far past the 2 s allowed: 100,000 operators took
    # about 2 s, which left the outcome to the speed of the machine.
    path = _write_busy_pdf(tmp_path / "busy.pdf", 400_000)
    stop = threading.Event()
    timer = threading.Timer(0.5, stop.set)
    timer.start()
    result = parse_isolated(path, ParseLimits(), stop)
    timer.join()
    # Stopped, not read to its end nor stopped by a limit: the default limits allow it far
    # more than the half second before the stop.
    assert isinstance(result, ParseFailure) and result.reason == STOPPED


def test_a_changed_file_that_cannot_be_read_keeps_its_old_version(
    library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    write_pdf(folder / "report.pdf", ["Cold and damp homes cause mould and breathing problems."])
    assert _ingest(library, folder)["report.pdf"].outcome == INDEXED
    kept = library.catalogue.doc_ids()
    write_corrupt_pdf(folder / "report.pdf")
    outcome = _ingest(library, folder)["report.pdf"]
    assert outcome.outcome == FAILED
    assert outcome.reason.endswith("The earlier version stays in the index.")
    assert library.catalogue.doc_ids() == kept
    assert library.searcher.search("damp homes mould").documents
    (folder / "report.pdf").unlink()
    Ingester(library.index, library.settings.chunks).run([folder], prune=True)
    assert library.catalogue.doc_ids() == set()
    assert library.store.count() == 0


def test_a_file_name_that_is_not_utf8_is_reported_and_the_run_goes_on(
    library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "inbox"
    write_pdf(folder / "good.pdf", ["Cold and damp homes cause mould and breathing problems."])
    shutil.copy(folder / "good.pdf", os.fsdecode(bytes(folder) + b"/caf\xe9.pdf"))
    outcomes = _ingest(library, folder)
    assert outcomes["good.pdf"].outcome == INDEXED
    assert outcomes["caf\ufffd.pdf"].outcome == FAILED
    assert "Rename the file" in outcomes["caf\ufffd.pdf"].reason


def test_the_fork_server_holds_the_code_each_parse_child_runs() -> None:
    # A child unpickles its target by importing the target's module: unless the server has it
    # already, every file pays for importing settings and pydantic again.
    from multiprocessing import forkserver

    from ingest import worker

    worker._context()
    assert worker._child.__module__ in forkserver._forkserver._preload_modules
    assert "ingest.worker_preload" in forkserver._forkserver._preload_modules


def test_the_fork_server_reads_the_word_list_once_for_every_child() -> None:
    # Nearly every document's text repairs ask the English word list (about 0.17 CPU-s to
    # read): imported by the server, the module leaves it read for the children it forks.
    probe = (
        "import ingest.worker_preload\n"
        "from search.retrieval.spelling import english_words\n"
        "print(english_words.cache_info().currsize)\n"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert ran.stdout.split() == ["1"]
