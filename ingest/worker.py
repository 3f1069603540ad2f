"""Parses each PDF in its own short-lived process, with a time and memory limit, so no file can
hang, exhaust or crash the ingest job."""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from multiprocessing.connection import Connection
from multiprocessing.context import ForkServerContext
from pathlib import Path

from ingest.formats import read_document
from ingest.ocr import OcrOptions, OcrPage, is_ocr_available, read_pages_by_ocr
from ingest.pdf import (
    DAMAGED,
    PRINT_AGAIN,
    SMALLER,
    TRY_LATER,
    PdfText,
    ScanReader,
    UnreadablePdf,
)
from search.settings import OcrSettings

__all__ = [
    "CRASHED",
    "STOPPED",
    "TOO_MUCH",
    "ParseFailure",
    "ParseLimits",
    "ScanProgress",
    "limits_for",
    "parse_isolated",
    "too_big",
    "too_slow",
]

log = logging.getLogger(__name__)

# Told (pages done, pages in all) as a file's scanned pages are read by OCR.
ScanProgress = Callable[[int, int], None]

_PR_SET_PDEATHSIG = 1
_NICENESS = 10


@dataclass(frozen=True)
class ParseLimits:
    """How much work and memory one file may use.

    The time budget is CPU seconds, so a busy machine does not fail files that a quiet one would
    read: `open_timeout_s` to open the file and count its pages, plus `seconds_per_page` for each
    page. The wall clock allows `wall_factor` times that, for a reader stuck without using CPU.
    """

    open_timeout_s: float = 30.0
    seconds_per_page: float = 1.0
    memory_mb: int = 2048
    max_pages: int = 5000
    wall_factor: float = 3.0
    # Scanned pages: read by OCR (when Tesseract is installed), each with its own time, up to
    # `ocr_max_pages` a file; the rest of a longer scan is left out with a warning.
    ocr_enabled: bool = True
    ocr_max_pages: int = 100
    ocr: OcrOptions = field(default_factory=OcrOptions)
    # Page text by PDFium (`ingest.textlayer`); a file it crashes on is read again without it.
    fast_text: bool = True

    def can_read_scans(self) -> bool:
        """Whether a run with these limits reads scanned pages by OCR."""
        return self.ocr_enabled and self.ocr_max_pages > 0 and is_ocr_available()

    def cpu_budget_s(self, pages: int) -> float:
        return self.open_timeout_s + self.seconds_per_page * pages


def limits_for(ocr: OcrSettings) -> ParseLimits:
    """The default limits with the OCR settings a run was given."""
    return ParseLimits(
        ocr_enabled=ocr.enabled,
        ocr_max_pages=ocr.max_pages,
        ocr=OcrOptions(ocr.language, ocr.dpi, ocr.seconds_per_page),
    )


@dataclass(frozen=True)
class ParseFailure:
    """Why a file gave no text: a plain reason for people, and a technical detail for the log."""

    reason: str
    detail: str = ""


def too_slow(seconds: float) -> str:
    return (
        f"It took too long to read (more than {seconds:,.0f} seconds). "
        f"It may be damaged or very complicated. {TRY_LATER}"
    )


def too_big(memory_mb: int) -> str:
    return (
        f"It needs too much memory to read (more than {memory_mb:,} MB). "
        f"It may be a 'zip bomb' that grows huge when opened. {SMALLER}"
    )


TOO_MUCH = f"It took too much time or memory to read, so it was stopped. {TRY_LATER}"
CRASHED = f"The PDF reader crashed on this file, so it was skipped. {PRINT_AGAIN}"
STOPPED = "The ingest was stopped before this file was read."


def _limit_child(limits: ParseLimits) -> None:
    # Die with the parent (the fork server, which dies with the job), even after kill -9.
    with contextlib.suppress(OSError, AttributeError):  # not Linux: the wall clock still applies
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    # Parsing yields the CPU to the model: the encoder is the pace-setter, and its threads
    # stall whenever one of them is pushed off a core by a parser.
    with contextlib.suppress(OSError):
        os.nice(_NICENESS)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # the CPU limit's signal would dump core
    memory = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    most = int(limits.cpu_budget_s(limits.max_pages)) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (int(limits.open_timeout_s) + 1, most))


def _raise_cpu_limit(limits: ParseLimits, pages: int) -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    resource.setrlimit(resource.RLIMIT_CPU, (min(int(limits.cpu_budget_s(pages)) + 1, hard), hard))


def _child(path: str, conn: Connection, limits: ParseLimits) -> None:
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    warnings.simplefilter("ignore")
    _limit_child(limits)

    def on_page_count(pages: int) -> None:
        _raise_cpu_limit(limits, pages)
        conn.send(("pages", pages))

    try:
        result: PdfText | ParseFailure = read_document(
            Path(path),
            max_pages=limits.max_pages,
            on_page_count=on_page_count,
            read_scans=_scan_reader(Path(path), conn, limits),
            fast_text=limits.fast_text,
        )
    except UnreadablePdf as error:
        result = ParseFailure(str(error), error.detail)
    except MemoryError:
        result = ParseFailure(too_big(limits.memory_mb), "MemoryError")
    except Exception as error:  # any parser failure is a reason, not a crash
        result = ParseFailure(DAMAGED, repr(error)[:200])
    try:
        conn.send(("done", result))
    except (MemoryError, OSError, ValueError):
        conn.send(("done", ParseFailure(too_big(limits.memory_mb), "result too large to send")))
    conn.close()


def _scan_reader(path: Path, conn: Connection, limits: ParseLimits) -> ScanReader | None:
    if not limits.can_read_scans():
        return None

    def read_scans(numbers: list[int]) -> dict[int, OcrPage]:
        chosen = numbers[: limits.ocr_max_pages]
        # The parent moves its deadline on by the OCR time these pages are allowed.
        conn.send(("ocr", len(chosen)))
        # Each page takes seconds: one small message a page tells the job how far it is.
        return read_pages_by_ocr(
            path,
            chosen,
            limits.ocr,
            on_page=lambda done: conn.send(("ocr page", done)),
            # Pages read again after running out of time: the parent allows their time too.
            on_retry=lambda pages, seconds: conn.send(("ocr retry", pages * seconds)),
        )

    return read_scans


def _context() -> ForkServerContext:
    # forkserver: children fork from a small clean process, not from one holding the model.
    # The server holds this module, whose `_child` each child runs: preloading only the
    # readers left every child to import settings and pydantic again (about 0.14 CPU-s a file).
    # It also holds the English word list the text repairs read (`worker_preload`), which every
    # child otherwise read again for its one file (about 0.17 CPU-s a file).
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, f"{__package__}.worker_preload"])
    return ctx


def parse_isolated(
    path: Path,
    limits: ParseLimits,
    stop: threading.Event | None = None,
    on_scans: ScanProgress | None = None,
) -> PdfText | ParseFailure:
    """Read one PDF in a child process; kill it if it runs past its limits or `stop` is set.
    `on_scans` is told (done, total) as scanned pages are read by OCR, the slow part.

    PDFium is C code: on a file it crashes on (a damaged file, or one that unpacks past the
    memory limit) the file is read again by pypdf alone, which reads it or says why not."""
    result = _parse_once(path, limits, stop, on_scans)
    pdfium_read_it = limits.fast_text and path.suffix.lower() == ".pdf"
    if isinstance(result, ParseFailure) and result.reason == CRASHED and pdfium_read_it:
        log.info("%s: the fast text reader crashed (%s); reading it again", path, result.detail)
        return _parse_once(path, replace(limits, fast_text=False), stop, on_scans)
    return result


def _parse_once(
    path: Path,
    limits: ParseLimits,
    stop: threading.Event | None,
    on_scans: ScanProgress | None = None,
) -> PdfText | ParseFailure:
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(str(path), child, limits), daemon=True)
    process.start()
    child.close()
    budget = limits.open_timeout_s
    deadline = time.monotonic() + budget * limits.wall_factor
    scans = 0
    try:
        while True:
            if stop is not None and stop.is_set():
                return ParseFailure(STOPPED)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return ParseFailure(too_slow(budget), "wall-clock limit")
            if not parent.poll(min(remaining, 0.5)):
                if not process.is_alive() and not parent.poll(0):
                    return _death(process, budget)
                continue
            try:
                kind, value = parent.recv()
            except EOFError:
                return _death(process, budget)
            if kind == "pages":
                budget = limits.cpu_budget_s(int(value))
                deadline = time.monotonic() + budget * limits.wall_factor
                continue
            if kind == "ocr":
                scans = int(value)
                extra = limits.ocr.seconds_per_page * scans
                budget += extra
                deadline += extra * limits.wall_factor
                if on_scans is not None:
                    on_scans(0, scans)
                continue
            if kind == "ocr retry":
                budget += float(value)
                deadline += float(value) * limits.wall_factor
                continue
            if kind == "ocr page":
                if on_scans is not None:
                    on_scans(min(int(value), scans), scans)
                continue
            return value  # type: ignore[no-any-return]
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        parent.close()


def _death(process: multiprocessing.process.BaseProcess, budget: float) -> ParseFailure:
    process.join(1)
    code = process.exitcode
    if code == -signal.SIGXCPU:
        return ParseFailure(too_slow(budget), "CPU limit")
    if code == -signal.SIGKILL:  # the hard CPU limit, or the system out of memory
        return ParseFailure(TOO_MUCH, "SIGKILL")
    if code is not None and code < 0:
        return ParseFailure(CRASHED, f"signal {-code}")
    return ParseFailure(CRASHED, f"exit code {code}")
