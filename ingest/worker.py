"""Parses each PDF in its own short-lived process, with a time and memory limit, so no file can
hang, exhaust or crash the ingest job."""

from __future__ import annotations

import logging
import multiprocessing
import resource
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from ingest.pdf import PdfText, UnreadablePdf, read_pdf

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ParseLimits:
    """How much time and memory one file may use."""

    open_timeout_s: float = 60.0
    seconds_per_page: float = 1.0
    memory_mb: int = 2048
    max_pages: int = 5000


@dataclass(frozen=True)
class ParseFailure:
    """Why a file gave no text."""

    reason: str


def _child(path: str, conn: Connection, limits: ParseLimits) -> None:
    logging.getLogger("pypdf").setLevel(logging.CRITICAL)
    limit = limits.memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        result: PdfText | ParseFailure = read_pdf(Path(path), max_pages=limits.max_pages,
                                                  on_page_count=lambda n: conn.send(("pages", n)))
    except UnreadablePdf as error:
        result = ParseFailure(str(error))
    except MemoryError:
        result = ParseFailure(f"needs more than {limits.memory_mb:,} MB of memory to read (it may be a decompression bomb)")
    except RecursionError:
        result = ParseFailure("corrupt PDF: its structure loops back on itself")
    except Exception as error:  # noqa: BLE001 - any parser failure is a reason, not a crash
        result = ParseFailure(f"corrupt PDF that cannot be read ({type(error).__name__})")
    try:
        conn.send(("done", result))
    except (MemoryError, OSError, ValueError):
        conn.send(("done", ParseFailure("the extracted text was too large to pass on")))
    conn.close()


def _context() -> multiprocessing.context.BaseContext:
    # forkserver: children fork from a small clean process, not from one holding the model.
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["ingest.pdf"])
    return ctx


def parse_isolated(path: Path, limits: ParseLimits) -> PdfText | ParseFailure:
    """Read one PDF in a child process; kill it if it runs past its limits."""
    ctx = _context()
    parent, child = ctx.Pipe(duplex=False)
    process = ctx.Process(target=_child, args=(str(path), child, limits), daemon=True)
    process.start()
    child.close()
    deadline = time.monotonic() + limits.open_timeout_s
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return ParseFailure(
                    f"took too long to read (over {limits.open_timeout_s + 0:.0f} s); it may be damaged or very complex"
                )
            if not parent.poll(min(remaining, 1.0)):
                if not process.is_alive() and not parent.poll(0):
                    return ParseFailure(_death_reason(process.exitcode))
                continue
            try:
                kind, value = parent.recv()
            except EOFError:
                process.join(1)
                return ParseFailure(_death_reason(process.exitcode))
            if kind == "pages":
                budget = limits.open_timeout_s + limits.seconds_per_page * int(value)
                deadline = time.monotonic() + budget
                limits = ParseLimits(budget, limits.seconds_per_page, limits.memory_mb, limits.max_pages)
                continue
            return value  # type: ignore[no-any-return]
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        parent.close()


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"the PDF reader crashed on this file (signal {-exitcode})"
    return "the PDF reader stopped unexpectedly on this file"
