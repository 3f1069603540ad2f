"""The ingest job: finds PDFs, skips what is unchanged, parses in isolated workers while the
model encodes, and writes each document through the index in one safe step."""

from __future__ import annotations

import hashlib
import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from ingest.chunking import chunk_pages
from ingest.metadata import read_manifest, resolve_metadata
from ingest.pdf import PdfText
from ingest.worker import ParseFailure, ParseLimits, parse_isolated
from search.catalogue import DocumentRecord, FileOutcome
from search.index import Index
from search.schema import DocumentMeta
from search.settings import ChunkSettings

log = logging.getLogger(__name__)

INDEXED = "indexed"
WARNINGS = "indexed_with_warnings"
SKIPPED = "skipped"
DUPLICATE = "duplicate"
FAILED = "failed"
REMOVED = "removed"


@dataclass
class RunSummary:
    """Counts for the end-of-run line and the status page."""

    indexed: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    removed: int = 0
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: FileOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.outcome in (INDEXED, WARNINGS):
            self.indexed += 1
            self.pages += outcome.pages
            self.chunks += outcome.chunks
        elif outcome.outcome == SKIPPED:
            self.skipped += 1
        elif outcome.outcome == DUPLICATE:
            self.duplicates += 1
        elif outcome.outcome == FAILED:
            self.failed += 1
        elif outcome.outcome == REMOVED:
            self.removed += 1

    def as_dict(self) -> dict[str, float | int]:
        return {"indexed": self.indexed, "skipped": self.skipped, "duplicates": self.duplicates,
                "failed": self.failed, "removed": self.removed, "pages": self.pages,
                "chunks": self.chunks, "seconds": round(self.seconds, 1)}


def find_pdfs(paths: list[Path]) -> list[Path]:
    """Every *.pdf under the given files and folders, in a stable order, hidden ones skipped."""
    found: set[Path] = set()
    for path in paths:
        if path.is_file():
            found.add(path.resolve())
        elif path.is_dir():
            found.update(
                p.resolve() for p in path.rglob("*")
                if p.is_file() and p.suffix.lower() == ".pdf"
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
    return sorted(found)


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class _Job:
    path: Path
    digest: str
    previous: FileOutcome | None


Progress = Callable[[Path, FileOutcome], None]


class Ingester:
    """Runs one ingest over some paths against an open index."""

    def __init__(self, index: Index, chunking: ChunkSettings, limits: ParseLimits | None = None,
                 parse_workers: int = 2, retry_failed: bool = False) -> None:
        self.index = index
        self.chunking = chunking
        self.limits = limits or ParseLimits()
        self.parse_workers = parse_workers
        self.retry_failed = retry_failed
        self._manifests: dict[Path, dict[str, DocumentMeta]] = {}

    def run(self, paths: list[Path], prune: bool = False, on_file: Progress | None = None,
            on_start: Callable[[int], None] | None = None) -> RunSummary:
        started = time.monotonic()
        catalogue = self.index.catalogue
        run_id = catalogue.start_run()
        summary = RunSummary()
        self.index.prepare()
        files = find_pdfs(paths)
        if on_start:
            on_start(len(files))

        def report(path: Path, outcome: FileOutcome) -> None:
            summary.count(outcome)
            if on_file:
                on_file(path, outcome)

        for path, outcome in self._process(files):
            report(path, outcome)
        if prune:
            for path, outcome in self._prune(paths, set(files)):
                report(path, outcome)
        summary.seconds = time.monotonic() - started
        catalogue.finish_run(run_id, summary.as_dict())
        return summary

    def _jobs(self, files: list[Path]) -> Iterator[_Job | FileOutcome]:
        catalogue = self.index.catalogue
        for path in files:
            try:
                digest = content_hash(path)
            except OSError as error:
                yield FileOutcome(str(path), path.name, FAILED, f"cannot read the file: {error.strerror}")
                continue
            previous = catalogue.file(str(path))
            if previous and previous.content_hash == digest and self._is_settled(previous):
                yield FileOutcome(str(path), path.name, SKIPPED, "unchanged since the last run",
                                  digest, previous.doc_id, previous.pages, previous.chunks)
                continue
            yield _Job(path, digest, previous)

    def _is_settled(self, previous: FileOutcome) -> bool:
        if previous.outcome == FAILED:
            return not self.retry_failed
        if previous.doc_id is None:
            return False
        return self.index.catalogue.document(previous.doc_id) is not None

    def _process(self, files: list[Path]) -> Iterator[tuple[Path, FileOutcome]]:
        # Parsing runs ahead in worker processes while this thread embeds and writes.
        lookahead = max(2, self.parse_workers * 2)
        with ThreadPoolExecutor(max_workers=self.parse_workers, thread_name_prefix="parse") as pool:
            pending: list[tuple[_Job, Future[PdfText | ParseFailure]]] = []
            jobs = self._jobs(files)
            exhausted = False
            while True:
                while not exhausted and len(pending) < lookahead:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                    elif isinstance(job, FileOutcome):
                        yield Path(job.path), self._record_simple(job)
                    else:
                        pending.append((job, pool.submit(parse_isolated, job.path, self.limits)))
                if not pending:
                    return
                job, future = pending.pop(0)
                yield job.path, self._index_one(job, future.result())

    def _record_simple(self, outcome: FileOutcome) -> FileOutcome:
        if outcome.outcome == SKIPPED:
            return outcome
        self.index.catalogue.record_outcome(outcome)
        return outcome

    def _manifest_for(self, folder: Path) -> dict[str, DocumentMeta]:
        if folder not in self._manifests:
            self._manifests[folder] = read_manifest(folder)
        return self._manifests[folder]

    def _index_one(self, job: _Job, parsed: PdfText | ParseFailure) -> FileOutcome:
        started = time.monotonic()
        path, digest = job.path, job.digest
        catalogue = self.index.catalogue
        if isinstance(parsed, ParseFailure):
            outcome = FileOutcome(str(path), path.name, FAILED, parsed.reason, digest)
            catalogue.record_outcome(outcome)
            return outcome
        doc_id = digest[:20]
        old = job.previous.doc_id if job.previous else None
        existing = catalogue.document(doc_id)
        if existing is not None and existing.path != str(path):
            outcome = FileOutcome(str(path), path.name, DUPLICATE,
                                  f"same content as {existing.file_name}; stored once", digest, doc_id)
            catalogue.record_outcome(outcome)
            self._withdraw_if_orphaned(old, str(path))
            return outcome
        meta = resolve_metadata(path, self._manifest_for(path.parent).get(path.name),
                                parsed.title, parsed.author, parsed.year, parsed.pages[0])
        chunks = chunk_pages(doc_id, parsed.pages, self.chunking.max_words, self.chunking.overlap_words)
        record = DocumentRecord(doc_id=doc_id, meta=meta, file_name=path.name, path=str(path),
                                page_count=len(parsed.pages), chunk_count=len(chunks),
                                added_at=time.time())
        indexed = self.index.embed(record, chunks)
        kind = WARNINGS if parsed.warnings else INDEXED
        outcome = FileOutcome(str(path), path.name, kind, "; ".join(parsed.warnings), digest, doc_id,
                              len(parsed.pages), len(chunks), round(time.monotonic() - started, 2))
        replaces = old if old and old != doc_id and len(catalogue.paths_for(old)) <= 1 else None
        self.index.add_document(record, parsed.pages, indexed, outcome, replaces=replaces)
        return outcome

    def _withdraw_if_orphaned(self, doc_id: str | None, path: str) -> None:
        if doc_id and set(self.index.catalogue.paths_for(doc_id)) <= {path}:
            self.index.remove_document(doc_id)

    def _prune(self, roots: list[Path], present: set[Path]) -> Iterator[tuple[Path, FileOutcome]]:
        resolved = [r.resolve() for r in roots]
        catalogue = self.index.catalogue
        for known in catalogue.files():
            path = Path(known.path)
            inside = any(path == r or r in path.parents for r in resolved)
            if not inside or path in present:
                continue
            catalogue.forget_file(known.path)
            self._withdraw_if_orphaned(known.doc_id, known.path)
            yield path, FileOutcome(known.path, known.file_name, REMOVED,
                                    "the file is no longer in the folder", known.content_hash, known.doc_id)
