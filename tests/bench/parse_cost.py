"""Where parsing's CPU goes: core-seconds per chunk for each stage that runs per file before
encoding (pypdf's text extraction, the first page's layout pass, page cleaning, running lines,
matter, chunking, metadata, sparse vectors), on a sample of real PDFs.

Each stage's time is its own (process CPU time, nested stages taken out), read by wrapping the
functions the stages call; with `--profile FILE` a cProfile dump is written too. A script, not
a test: run it with the code of the commit to measure on PYTHONPATH.

    PYTHONPATH=. .venv/bin/python tests/bench/parse_cost.py ../shared/data/pdfs/real \
        --files 15 [--by-name] [--workers] [--rounds 2] [--profile /tmp/parse.prof]
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import json
import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ingest.chunking
import ingest.matter
import ingest.metadata
import ingest.pdf
from ingest.formats import read_document
from ingest.metadata import read_manifest
from ingest.ocr import OcrOptions, is_ocr_available, read_pages_by_ocr
from ingest.pdf import ScanReader
from search.analysis import Bm25Weighting
from search.settings import ChunkSettings
from tests.processes import cpu_s

# (module, function name, stage): the stage a function's own time is counted under.
_STAGES: list[tuple[Any, str, str]] = [
    (ingest.pdf, "_open", "open the file (pypdf reader, page tree)"),
    (ingest.pdf, "_page_count", "open the file (pypdf reader, page tree)"),
    (ingest.pdf, "_extract_pages", "page text (PDFium, pypdf where needed)"),
    (ingest.pdf, "_read_pages", "page text (PDFium, pypdf where needed)"),
    (ingest.pdf, "_join_fragments", "first page's layout (type sizes) for the title"),
    (ingest.pdf, "_page_text", "page cleaning (garbage, clean_text, pictures)"),
    (ingest.pdf, "read_layout_lines", "first page's layout (type sizes) for the title"),
    (ingest.pdf, "join_split_words", "first page's layout (type sizes) for the title"),
    (ingest.pdf, "is_glyph_garbage", "page cleaning (garbage, clean_text, pictures)"),
    (ingest.pdf, "clean_text", "page cleaning (garbage, clean_text, pictures)"),
    (ingest.pdf, "_is_text_page", "page cleaning (garbage, clean_text, pictures)"),
    (ingest.pdf, "_has_picture", "page cleaning (garbage, clean_text, pictures)"),
    (ingest.pdf, "strip_repeated_lines", "running headers and footers (read_pdf)"),
    (ingest.pdf, "_info", "file info"),
    (ingest.matter, "drop_running_lines", "running lines anywhere (chunker)"),
    (ingest.chunking, "read_lines", "matter and headings (chunker)"),
    (ingest.chunking, "chunk_pages", "windows into chunks"),
    (ingest.metadata, "resolve_metadata", "metadata (title, organisation, kind, year)"),
]
_SPARSE = "sparse vectors"
_OCR = "OCR of scanned pages (Tesseract, in child processes)"


class _Clock:
    """Own CPU time per stage: a nested stage's time is taken out of the one that called it."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._stack: list[float] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self._stack.append(0.0)
        started = time.process_time()
        try:
            yield
        finally:
            spent = time.process_time() - started
            nested = self._stack.pop()
            self.seconds[name] = self.seconds.get(name, 0.0) + spent - nested
            if self._stack:
                self._stack[-1] += spent

    def wrap(self, function: Callable[..., Any], name: str) -> Callable[..., Any]:
        @functools.wraps(function)
        def timed(*args: Any, **kwargs: Any) -> Any:
            with self.stage(name):
                return function(*args, **kwargs)

        return timed


def _install(clock: _Clock) -> None:
    for module, attribute, name in _STAGES:
        if hasattr(module, attribute):
            setattr(module, attribute, clock.wrap(getattr(module, attribute), name))


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _scan_reader(path: Path, clock: _Clock) -> ScanReader | None:
    # Scanned pages are read as the parse worker reads them; Tesseract and pdftoppm run as
    # child processes, so their CPU time is counted from the children's usage.
    if not is_ocr_available():
        return None

    def read_scans(numbers: list[int]) -> dict[int, tuple[str, float]]:
        before = _children_cpu_s()
        with clock.stage(_OCR):
            read = read_pages_by_ocr(path, numbers[:100], OcrOptions())
        clock.seconds[_OCR] += _children_cpu_s() - before
        return read

    return read_scans


def _ingest_one(path: Path, clock: _Clock, weighting: Bm25Weighting) -> int:
    """What ingest does to one file before encoding, as `Ingester._cut` and `Index.embed` do."""
    with clock.stage("other (read_pdf's own, reader setup)"):
        parsed = read_document(path, read_scans=_scan_reader(path, clock))
    settings = ChunkSettings()
    chunks = ingest.chunking.chunk_pages(
        "d", parsed.pages, settings.max_words, settings.overlap_words
    )
    meta = ingest.metadata.metadata_of(path, parsed, read_manifest(path.parent).get(path.name))
    with clock.stage(_SPARSE):
        for chunk in chunks:
            weighting.document_vector(meta.title + "\n" + chunk.text)
    return len(chunks)


def measure_workers(files: list[Path]) -> dict[str, float]:
    """CPU seconds per file of reading each file in its own parse worker, as ingest does,
    against reading it in this process: the difference is what a worker costs to start."""
    from multiprocessing import forkserver

    from ingest.worker import ParseLimits, parse_isolated

    limits = ParseLimits()
    parse_isolated(files[0], limits)  # start the fork server
    server = forkserver._forkserver._forkserver_pid  # type: ignore[attr-defined]
    before = cpu_s(server, waited_children=True)
    for path in files:
        parse_isolated(path, limits)
    time.sleep(0.5)  # the server reaps its last child
    isolated = cpu_s(server, waited_children=True) - before
    clock = _Clock()
    started = time.process_time() + _children_cpu_s()
    for path in files:
        read_document(path, read_scans=_scan_reader(path, clock))
    in_process = time.process_time() + _children_cpu_s() - started
    return {
        "in a worker, per file": round(isolated / len(files), 4),
        "in this process, per file": round(in_process / len(files), 4),
        "worker start, per file": round((isolated - in_process) / len(files), 4),
    }


def pick_files(folder: Path, count: int) -> list[Path]:
    """`count` PDFs spread over the range of sizes: every n-th by size, smallest to largest."""
    by_size = sorted(folder.glob("*.pdf"), key=lambda p: (p.stat().st_size, p.name))
    step = max(1, len(by_size) // count)
    return by_size[step // 2 :: step][:count]


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--files", type=int, default=15)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--profile", type=Path)
    parser.add_argument(
        "--workers", action="store_true", help="also the CPU a parse worker costs per file"
    )
    parser.add_argument(
        "--by-name", action="store_true", help="the first files by name, as the ingest bench takes"
    )
    args = parser.parse_args(argv)
    if args.by_name:
        files = sorted(args.folder.glob("*.pdf"))[: args.files]
    else:
        files = pick_files(args.folder, args.files)
    clock = _Clock()
    _install(clock)
    weighting = Bm25Weighting()
    profiler = cProfile.Profile() if args.profile else None
    chunks = 0
    started = time.process_time() + _children_cpu_s()
    for _ in range(args.rounds):
        for path in files:
            if profiler:
                profiler.enable()
            chunks += _ingest_one(path, clock, weighting)
            if profiler:
                profiler.disable()
    total = time.process_time() + _children_cpu_s() - started
    if profiler:
        profiler.dump_stats(str(args.profile))
    per_chunk = {
        k: round(v / chunks, 5) for k, v in sorted(clock.seconds.items(), key=lambda kv: -kv[1])
    }
    workers = measure_workers(files) if args.workers else {}
    print(
        json.dumps(
            {
                "parse_worker_cpu_s": workers,
                "files": [p.name for p in files],
                "rounds": args.rounds,
                "chunks": chunks,
                "cpu_seconds": round(total, 2),
                "core_seconds_per_chunk": round(total / chunks, 5),
                "by_stage": per_chunk,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main(sys.argv[1:])
