"""The ingest job: finds PDFs, skips what is unchanged, parses in isolated workers while the
model encodes, and writes each document through the index in one safe step."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from ingest.chunking import chunk_pages
from ingest.formats import is_ingestible
from ingest.metadata import apply_access_and_corrections, metadata_of, read_manifest
from ingest.pdf import CANNOT_OPEN, PdfText, is_waiting_for_ocr
from ingest.worker import ParseFailure, ParseLimits, ScanProgress, parse_isolated
from search.catalogue import (
    DUPLICATE,
    FAILED,
    INDEXED,
    REMOVED,
    SKIPPED,
    WARNINGS,
    DocumentRecord,
    FileOutcome,
)
from search.index import FileIndexError, Index
from search.models.encoder import Vectors
from search.schema import (
    READING_RULES,
    Chunk,
    DocumentMeta,
    Filters,
    document_id,
    next_document_id,
)
from search.settings import AccessSettings, ChunkSettings

__all__ = [
    "DUPLICATE",
    "ENCODING",
    "FAILED",
    "INDEXED",
    "READING",
    "READING_SCANS",
    "REMOVED",
    "SKIPPED",
    "STAGE_UNITS",
    "TRIED_AGAIN",
    "UNEXPECTED",
    "UNSTORABLE_NAME",
    "WARNINGS",
    "WRITING",
    "FileProgress",
    "Ingester",
    "Progress",
    "RunSummary",
    "content_hash",
    "find_pdfs",
]

log = logging.getLogger(__name__)

UNSTORABLE_NAME = "Its file name has letters we cannot store. Rename the file and run again."
UNEXPECTED = "Something went wrong while adding it."
NO_PASSAGES = (
    "Every line of it repeats on most of its pages, as running headers do, so no text is left"
    " to search (a form or a template filled in the same way on every page?). Check it is the"
    " document you meant to add."
)
# Said after a failure of the site's own (the model, the index, the catalogue), not the file's.
TRIED_AGAIN = (
    "It is tried again the next time it is uploaded or ingested; if it fails again, tell whoever"
    " runs the site."
)

# What a file being read is doing now. A stage that counts says how far it has got (done of
# total, in its unit); one that does not gives 0 of 0.
READING = "reading"
READING_SCANS = "reading scanned pages"
ENCODING = "encoding passages"
WRITING = "writing"
STAGE_UNITS = {READING_SCANS: "pages", ENCODING: "passages"}
# Told (file, stage, done, total) as a file moves through the stages; see `_Reporter`.
FileProgress = Callable[[Path, str, int, int], None]
# Within a stage a file's progress is passed on at most this often (its last step always).
PROGRESS_EVERY_S = 0.5


@dataclass
class RunSummary:
    """Counts for the end-of-run line and the status page."""

    indexed: int = 0
    with_warnings: int = 0
    skipped: int = 0
    duplicates: int = 0
    failed: int = 0
    # Of the failed, files unchanged since an earlier run failed on them: not read again.
    failed_before: int = 0
    removed: int = 0
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    outcomes: list[FileOutcome] = field(default_factory=list)

    def count(self, outcome: FileOutcome) -> None:
        self.outcomes.append(outcome)
        if outcome.outcome in (INDEXED, WARNINGS):
            self.indexed += 1
            self.with_warnings += outcome.outcome == WARNINGS
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
        return {
            "indexed": self.indexed,
            "with_warnings": self.with_warnings,
            "skipped": self.skipped,
            "duplicates": self.duplicates,
            "failed": self.failed,
            "failed_before": self.failed_before,
            "removed": self.removed,
            "pages": self.pages,
            "chunks": self.chunks,
            "seconds": round(self.seconds, 1),
        }


def find_pdfs(paths: list[Path]) -> list[Path]:
    """Every document (PDF, Word, web page) under the given files and folders, in a stable
    order, hidden ones skipped; files we cannot read are kept, to say so. A link in a folder
    to a file outside it is left out: a folder given to ingest is all it reads."""
    found: set[Path] = set()
    for path in paths:
        if path.is_file():
            found.add(path.resolve())
        elif path.is_dir():
            folder = path.resolve()
            for p in path.rglob("*"):
                if not p.is_file() or not is_ingestible(p):
                    continue
                if any(part.startswith(".") for part in p.relative_to(path).parts):
                    continue
                target = p.resolve()
                if not target.is_relative_to(folder):
                    log.warning("left out %s: it links to %s, outside %s", p, target, folder)
                    continue
                found.add(target)
    return sorted(found)


def _is_storable(path: Path) -> bool:
    # A name that is not valid UTF-8 (bytes from another system) cannot go into the catalogue.
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: Path) -> str:
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def _pages_read(parsed: PdfText) -> str:
    # A Word file or web page has sections where a PDF has pages: say so in its own words.
    unit = "section" if parsed.sections else "page"
    pages = parsed.pages
    read = sum(1 for page in pages if page)
    if read == len(pages):
        return f"The {unit} was read." if read == 1 else f"All {read} {unit}s were read."
    return f"{read} of {len(pages)} {unit}s were read."


def content_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _layout_extra(parsed: PdfText) -> dict[str, object]:
    # What the page view and citations need to say: pages read by OCR, or sections for
    # formats that have no pages.
    extra: dict[str, object] = {}
    if parsed.ocr_pages:
        extra["ocr_pages"] = parsed.ocr_pages
    if parsed.sections:
        extra["sections"] = parsed.sections
    return extra


@dataclass(frozen=True)
class _Job:
    path: Path
    digest: str
    previous: FileOutcome | None


@dataclass(frozen=True)
class _Parsed:
    result: PdfText | ParseFailure
    seconds: float


@dataclass
class _Prepared:
    """A parsed file cut into chunks, its vectors on their way from the model's thread."""

    job: _Job
    parse: _Parsed
    record: DocumentRecord | None = None
    chunks: list[Chunk] = field(default_factory=list)
    vectors: Future[Vectors] | None = None
    error: Exception | None = None
    # The document this file's bytes are stored as now, when this is a read of the same bytes
    # again (`--reread`, or points the store lost): written under a new id, then swapped in.
    replaces: str | None = None
    # Time spent on this file itself (parsing, cutting, encoding), not waiting behind others.
    seconds: float = 0.0


Progress = Callable[[Path, FileOutcome], None]


class _Reporter:
    """Passes on a file's progress from whichever thread makes it (parsers, the model, this
    one): a new stage at once, steps within one at most every PROGRESS_EVERY_S and the last
    one always, so a few calls a second at most; nothing once the file's outcome is out."""

    def __init__(self, on_progress: FileProgress | None = None) -> None:
        self.on_progress = on_progress
        self._lock = threading.Lock()
        # Each file's last stage passed on and when; None once its outcome is reported.
        self._last: dict[Path, tuple[str, float] | None] = {}

    def __call__(self, path: Path, stage: str, done: int, total: int) -> None:
        if self.on_progress is None:
            return
        now = time.monotonic()
        # Held while passing it on: an outcome cannot overtake a step of the same file.
        with self._lock:
            if path in self._last and self._last[path] is None:
                return
            last = self._last.get(path)
            if last and last[0] == stage and done < total and now - last[1] < PROGRESS_EVERY_S:
                return
            self._last[path] = (stage, now)
            try:
                self.on_progress(path, stage, done, total)
            except Exception:  # a watcher that fails never fails the file
                log.exception("passing on the progress of %s failed", path.name)

    def finish(self, path: Path) -> None:
        if self.on_progress is not None:
            with self._lock:
                self._last[path] = None


def _first_takeable(parsing: deque[tuple[_Job, Future[_Parsed]]]) -> int | None:
    """The first parsed file, in file order, that is not a copy of a file before it still being
    read: of identical files the first by name is always the one stored, however the parses
    end, so a run killed and run again leaves what a clean run leaves."""
    before: set[str] = set()
    for index, (job, future) in enumerate(parsing):
        if future.done() and job.digest not in before:
            return index
        before.add(job.digest)
    return None


class Ingester:
    """Runs one ingest over some paths against an open index."""

    def __init__(
        self,
        index: Index,
        chunking: ChunkSettings,
        limits: ParseLimits | None = None,
        parse_workers: int = 2,
        retry_failed: bool = False,
        access: AccessSettings | None = None,
        prefetch_chunks: int = 256,
        reread: bool = False,
    ) -> None:
        self.index = index
        self.access = access or AccessSettings()
        self.chunking = chunking
        self.limits = limits or ParseLimits()
        self.parse_workers = parse_workers
        self.retry_failed = retry_failed
        self.reread = reread
        # Chunks parsed and queued for the model ahead of the file being written.
        self.prefetch_chunks = prefetch_chunks
        self._manifests: dict[Path, dict[str, DocumentMeta]] = {}
        self._progress = _Reporter()
        self._failed_before = 0
        # Where the time goes: this thread waiting for parsers and the model, tagging and
        # writing; and the model's own thread encoding.
        self.stage_seconds: dict[str, float] = dict.fromkeys(
            ("parse wait", "encode wait", "tag and sparse", "write", "encode (model thread)"), 0.0
        )

    def run(
        self,
        paths: list[Path],
        prune: bool = False,
        on_file: Progress | None = None,
        on_start: Callable[[int], None] | None = None,
        on_progress: FileProgress | None = None,
    ) -> RunSummary:
        """Ingest the documents under `paths`: `on_file` is told each one's outcome as it
        comes, `on_progress` the stage of each one being read and how far it has got."""
        started = time.monotonic()
        catalogue = self.index.catalogue
        run_id = catalogue.start_run()
        summary = RunSummary()
        self._failed_before = 0
        self._progress = _Reporter(on_progress)

        def report(path: Path, outcome: FileOutcome) -> None:
            self._progress.finish(path)
            summary.count(outcome)
            if on_file:
                on_file(path, outcome)

        # The run's record is finished whatever happens, even when the run itself cannot go on.
        try:
            self.index.prepare()
            files = find_pdfs(paths)
            if on_start:
                on_start(len(files))
            for path, outcome in self._process(files):
                report(path, outcome)
            if prune:
                for path, outcome in self._prune(paths, set(files)):
                    report(path, outcome)
            # Index what was written now, so the first searches after a run do not scan it all.
            self.index.store.optimize()
        finally:
            summary.seconds = time.monotonic() - started
            summary.failed_before = self._failed_before
            log.info(
                "%.1f s in all: %s",
                summary.seconds,
                ", ".join(f"{name} {s:.1f} s" for name, s in self.stage_seconds.items()),
            )
            self._finish_run(run_id, summary)
        return summary

    def _finish_run(self, run_id: int, summary: RunSummary) -> None:
        try:
            self.index.catalogue.finish_run(run_id, summary.as_dict())
        except Exception:
            log.exception("the record of ingest run %d could not be finished", run_id)

    def _jobs(self, files: list[Path]) -> Iterator[_Job | FileOutcome]:
        for path in files:
            if not _is_storable(path):
                shown = Path(_shown(path))
                yield FileOutcome(str(shown), shown.name, FAILED, UNSTORABLE_NAME)
                continue
            try:
                yield self._job_for(path)
            except OSError as error:
                reason = CANNOT_OPEN.format(error=(error.strerror or "unknown error").lower())
                yield FileOutcome(str(path), path.name, FAILED, reason)
            except Exception:
                # A store or catalogue that cannot be read for this file: say so, go on.
                log.exception("checking %s against the index failed", path.name)
                yield FileOutcome(str(path), path.name, FAILED, f"{UNEXPECTED} {TRIED_AGAIN}")

    def _job_for(self, path: Path) -> _Job | FileOutcome:
        digest = content_hash(path)
        previous = self.index.catalogue.file(str(path))
        if previous and previous.content_hash == digest and self._is_settled(previous):
            # A file that failed and has not changed fails again, for the same reason, without
            # being read: the run's summary counts it as failed, not as fine.
            still_failed = previous.outcome == FAILED
            self._failed_before += still_failed
            return FileOutcome(
                str(path),
                path.name,
                FAILED if still_failed else SKIPPED,
                previous.reason if still_failed else "It has not changed since the last run.",
                digest,
                previous.doc_id,
                previous.pages,
                previous.chunks,
                previous.seconds if still_failed else 0.0,
            )
        return _Job(path, digest, previous)

    def _is_settled(self, previous: FileOutcome) -> bool:
        if previous.outcome == FAILED:
            # A scan refused for want of OCR is read again once OCR can read it.
            return not self.retry_failed and not (
                is_waiting_for_ocr(previous.reason) and self.limits.can_read_scans()
            )
        if previous.doc_id is None:
            return False
        document = self.index.catalogue.document(previous.doc_id)
        if document is None:
            return False
        if self.reread and previous.outcome != DUPLICATE:
            return False  # read again; a copy is not: it follows the file it copies
        # A committed document whose points are not all there (a store that lost its last
        # writes) is written again rather than skipped.
        return document.chunk_count == self.index.store.count(Filters(doc_ids=(document.doc_id,)))

    def _process(self, files: list[Path]) -> Iterator[tuple[Path, FileOutcome]]:
        # Three stages run at once: parsing in worker processes, the model on its own thread
        # (onnxruntime lets go of the GIL), and tagging and writing on this one. Each is
        # bounded, so memory stays flat however large the folder is.
        lookahead = max(4, self.parse_workers * 4)
        stop = threading.Event()
        pool = ThreadPoolExecutor(max_workers=self.parse_workers, thread_name_prefix="parse")
        model = ThreadPoolExecutor(max_workers=1, thread_name_prefix="encode")
        try:
            parsing: deque[tuple[_Job, Future[_Parsed]]] = deque()
            encoding: deque[_Prepared] = deque()
            jobs = self._jobs(files)
            exhausted = warmed = False
            while True:
                while not exhausted and len(parsing) < lookahead:
                    job = next(jobs, None)
                    if job is None:
                        exhausted = True
                    elif isinstance(job, FileOutcome):
                        yield Path(job.path), self._record_simple(job)
                    else:
                        if not warmed:
                            # The tagger's prototypes are embedded while the first file is read;
                            # a run with nothing to read (all unchanged) never embeds them.
                            model.submit(self._warm)
                            warmed = True
                        parsing.append((job, pool.submit(self._parse, job.path, stop)))
                if not parsing and not encoding:
                    return
                ready = self._next_parsed(parsing, wait=not encoding)
                if ready is not None and self._has_room(encoding):
                    job, future = parsing[ready]
                    del parsing[ready]
                    encoding.append(self._prepare(job, future.result(), encoding, model))
                    continue
                if ready is None and self._parse_ends_first(encoding, parsing):
                    continue  # a file was read while the model worked: queue it first
                prepared = encoding.popleft()
                yield prepared.job.path, self._index_safely(prepared)
        finally:
            # On an error or Ctrl-C, stop the children now rather than at their time limit.
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)
            model.shutdown(wait=True, cancel_futures=True)

    def _next_parsed(self, parsing: deque[tuple[_Job, Future[_Parsed]]], wait: bool) -> int | None:
        """Where the first parsed file waits in `parsing`, in file order among those done: a
        file still being read (many scanned pages for OCR) does not hold back the files parsed
        behind it. With `wait` (the model has nothing queued), wait for one to be done."""
        if not parsing:
            return None
        ready = _first_takeable(parsing)
        if ready is not None or not wait:
            return ready
        waited = time.monotonic()
        while ready is None:  # ends: once every parse is done, the first file is takeable
            still = [future for _, future in parsing if not future.done()]
            futures.wait(still, return_when=futures.FIRST_COMPLETED)
            ready = _first_takeable(parsing)
        self.stage_seconds["parse wait"] += time.monotonic() - waited
        return ready

    def _parse_ends_first(
        self, encoding: deque[_Prepared], parsing: deque[tuple[_Job, Future[_Parsed]]]
    ) -> bool:
        """Wait for the oldest queued file's vectors or for a parse, whichever ends first; True
        when a parse did and the model's queue has room for it. Waiting on the vectors alone
        would leave a file read meanwhile untaken until the oldest is tagged and written, and
        the model idle in between."""
        vectors = encoding[0].vectors if encoding else None
        still: list[Future[Any]] = [future for _, future in parsing if not future.done()]
        if vectors is None or vectors.done() or not still or not self._has_room(encoding):
            return False
        waited = time.monotonic()
        futures.wait([vectors, *still], return_when=futures.FIRST_COMPLETED)
        self.stage_seconds["encode wait"] += time.monotonic() - waited
        return not vectors.done()

    def _has_room(self, encoding: deque[_Prepared]) -> bool:
        """Take a parsed file now (rather than finish the oldest encoded one) while the model's
        queue is short. The file the model is on does not count: a long file left to encode
        with nothing queued behind it leaves the model idle while that file is tagged and
        written. Files encoded and not yet written count, up to twice the queue, so memory
        stays bounded however fast the model is."""
        waiting = [p for p in encoding if p.vectors is not None and not p.vectors.done()]
        running = len(waiting[0].chunks) if waiting else 0
        queued = sum(len(p.chunks) for p in waiting) - running
        held = sum(len(p.chunks) for p in encoding) - running
        return queued < self.prefetch_chunks and held < 2 * self.prefetch_chunks

    def _prepare(
        self, job: _Job, parse: _Parsed, encoding: deque[_Prepared], model: ThreadPoolExecutor
    ) -> _Prepared:
        """Metadata and chunks for a parsed file, its vectors asked of the model's thread."""
        prepared = _Prepared(job, parse, seconds=parse.seconds)
        if isinstance(parse.result, ParseFailure):
            return prepared
        started = time.monotonic()
        try:
            prepared.record, prepared.chunks, prepared.replaces = self._cut(job, parse.result)
            doc_id = prepared.record.doc_id
            existing = self.index.catalogue.document(doc_id)
        except Exception as error:  # reported as this file's failure, in its turn
            prepared.error = error
            return prepared
        finally:
            prepared.seconds += time.monotonic() - started
        # A copy of a stored or queued file is not encoded: it will be stored once.
        if (existing is None or existing.path == str(job.path)) and all(
            p.record is None or p.record.doc_id != doc_id for p in encoding
        ):
            if prepared.chunks:
                self._progress(job.path, ENCODING, 0, len(prepared.chunks))
            prepared.vectors = model.submit(self._encode, prepared)
        return prepared

    def _warm(self) -> None:
        try:
            self.index.warm()
        except Exception:  # the first file's tagging tries again, and fails as that file
            log.exception("the tagger could not be readied ahead of the first file")

    def _encode(self, prepared: _Prepared) -> Vectors:
        started = time.monotonic()
        try:
            if prepared.record is None:  # not reached: only prepared files are queued
                raise RuntimeError("the file was not prepared")
            return self._encode_now(prepared.job.path, prepared.record, prepared.chunks)
        finally:
            spent = time.monotonic() - started
            prepared.seconds += spent
            self.stage_seconds["encode (model thread)"] += spent

    def _encode_now(self, path: Path, record: DocumentRecord, chunks: list[Chunk]) -> Vectors:
        if self._progress.on_progress is None:
            return self.index.encode(record, chunks)
        total = len(chunks)
        return self.index.encode(
            record, chunks, lambda done: self._progress(path, ENCODING, done, total)
        )

    def _parse(self, path: Path, stop: threading.Event) -> _Parsed:
        started = time.monotonic()
        on_scans: ScanProgress | None = None
        if self._progress.on_progress is not None:
            self._progress(path, READING, 0, 0)
            on_scans = partial(self._progress, path, READING_SCANS)
        result = parse_isolated(path, self.limits, stop, on_scans)
        if isinstance(result, ParseFailure):
            log.info("%s: %s (%s)", path.name, result.reason, result.detail or "no detail")
        return _Parsed(result, time.monotonic() - started)

    def _record_simple(self, outcome: FileOutcome) -> FileOutcome:
        if outcome.outcome == SKIPPED or outcome.reason == UNSTORABLE_NAME:
            return outcome
        self._record_quietly(outcome)
        return outcome

    def _record_quietly(self, outcome: FileOutcome) -> None:
        # The file's line still reaches the report and the summary when its row cannot be saved.
        try:
            self.index.catalogue.record_outcome(outcome)
        except Exception:
            log.exception("the outcome of %s could not be saved", outcome.file_name)

    def _index_safely(self, prepared: _Prepared) -> FileOutcome:
        """Index one file; any failure in it becomes that file's failed line, never the run's."""
        job, parse = prepared.job, prepared.parse
        try:
            return self._index_one(prepared)
        except FileIndexError as error:
            reason = str(error)
        except Exception:
            log.exception("adding %s failed", job.path.name)
            reason = UNEXPECTED
        old = job.previous.doc_id if job.previous else None
        try:
            kept = old if old and self.index.catalogue.document(old) is not None else None
        except Exception:
            kept = old
        parts = [reason, TRIED_AGAIN] + (
            ["The earlier version stays in the index."] if kept else []
        )
        # No content hash: the next run sees the file as changed and tries it again.
        outcome = FileOutcome(
            str(job.path),
            job.path.name,
            FAILED,
            " ".join(parts),
            "",
            kept,
            seconds=round(parse.seconds, 2),
        )
        self._record_quietly(outcome)
        return outcome

    def _manifest_for(self, folder: Path) -> dict[str, DocumentMeta]:
        if folder not in self._manifests:
            self._manifests[folder] = read_manifest(folder)
        return self._manifests[folder]

    def _cut(self, job: _Job, parsed: PdfText) -> tuple[DocumentRecord, list[Chunk], str | None]:
        """The document's record (metadata from manifest, corrections and the text), its chunks,
        and the document of the same bytes it replaces; reads the catalogue, writes nothing."""
        path, digest = job.path, job.digest
        catalogue = self.index.catalogue
        old = job.previous.doc_id if job.previous else None
        doc_id, same = self._id_for(path, digest)
        replaces = same.doc_id if same else None
        meta = metadata_of(
            path,
            parsed,
            self._manifest_for(path.parent).get(path.name),
            correction=catalogue.correction(str(path)),
        )
        earlier = replaces or old
        meta = apply_access_and_corrections(
            meta,
            self.access.level_for(path),
            catalogue.document_correction(doc_id)
            or (catalogue.document_correction(earlier) if earlier else {}),
        )
        chunks = chunk_pages(
            doc_id, parsed.pages, self.chunking.max_words, self.chunking.overlap_words
        )
        record = DocumentRecord(
            doc_id=doc_id,
            meta=meta,
            file_name=path.name,
            path=str(path),
            page_count=len(parsed.pages),
            chunk_count=len(chunks),
            # The same bytes read again joined the library when they first did: "newest" lists
            # and feeds are not filled with every document a re-read touched.
            added_at=same.added_at if same else time.time(),
            extra=_layout_extra(parsed),
        )
        return record, chunks, replaces

    def _id_for(self, path: Path, digest: str) -> tuple[str, DocumentRecord | None]:
        """The id to store the file's document under, and the document it replaces when its
        bytes are stored already from this path. That one stays searchable until the new points
        are all written, so the two never share an id: writing over it in place would leave a
        visible document with nothing to find should the write or the commit fail."""
        same = self.index.catalogue.document_for_content(digest)
        if same is None:
            return document_id(digest), None
        if same.path != str(path):
            return same.doc_id, None  # a copy of another file: stored once, as that one
        return next_document_id(digest, same.doc_id), same

    def _index_one(self, prepared: _Prepared) -> FileOutcome:
        job, parse = prepared.job, prepared.parse
        started = time.monotonic()
        path, digest, parsed = job.path, job.digest, parse.result
        catalogue = self.index.catalogue
        old = job.previous.doc_id if job.previous else None
        if isinstance(parsed, ParseFailure):
            return self._record_failure(job, parsed, old, parse.seconds)
        if prepared.error is not None:
            raise prepared.error
        record, chunks = prepared.record, prepared.chunks
        if record is None:  # not reached: a parsed file has a record or an error
            raise RuntimeError("the file was not prepared")
        if not chunks:
            # Text, but none of it left to search once the lines every page repeats went.
            if prepared.vectors is not None:
                prepared.vectors.cancel()
            return self._record_failure(job, ParseFailure(NO_PASSAGES), old, parse.seconds)
        doc_id = record.doc_id
        existing = catalogue.document(doc_id)
        if existing is not None and existing.path != str(path):
            if prepared.vectors is not None:
                prepared.vectors.cancel()
            outcome = FileOutcome(
                str(path),
                path.name,
                DUPLICATE,
                f"It is the same as {existing.file_name}, so it is stored once.",
                digest,
                doc_id,
                seconds=round(prepared.seconds + time.monotonic() - started, 2),
            )
            # Withdraw first: a crash in between leaves the old row, so the next run redoes it.
            if old != doc_id:
                self._withdraw_if_orphaned(old, str(path))
            catalogue.record_outcome(outcome)
            return outcome
        waiting = time.monotonic()
        if prepared.vectors is not None:
            dense = prepared.vectors.result()
            started += time.monotonic() - waiting  # its encoding time is in prepared.seconds
        else:
            dense = self._encode_now(path, record, chunks)
        self.stage_seconds["encode wait"] += time.monotonic() - waiting
        self._progress(path, WRITING, 0, 0)
        embedding = time.monotonic()
        indexed = self.index.embed(record, chunks, dense=dense)
        self.stage_seconds["tag and sparse"] += time.monotonic() - embedding
        kind = WARNINGS if parsed.warnings else INDEXED
        outcome = FileOutcome(
            str(path),
            path.name,
            kind,
            " ".join([_pages_read(parsed), *parsed.warnings]),
            digest,
            doc_id,
            len(parsed.pages),
            len(chunks),
            round(prepared.seconds + time.monotonic() - started, 2),
            rules=READING_RULES,
        )
        replaces = prepared.replaces or (
            old if old and old != doc_id and len(catalogue.paths_for(old)) <= 1 else None
        )
        earlier = prepared.replaces or old
        writing = time.monotonic()
        if earlier and earlier != doc_id and not catalogue.document_correction(doc_id):
            # What an admin changed on the old version's page becomes the new version's own, so
            # it is there for the version after this one too. Written first: should the run
            # stop before the document, the next run finds it under the new id.
            carried = catalogue.document_correction(earlier)
            if carried:
                catalogue.save_correction(doc_id, carried)
        self.index.add_document(record, parsed.pages, indexed, outcome, replaces=replaces)
        self.stage_seconds["write"] += time.monotonic() - writing
        return outcome

    def _record_failure(
        self, job: _Job, failure: ParseFailure, old: str | None, seconds: float
    ) -> FileOutcome:
        # A new version that cannot be read does not take the readable old one away; the file
        # keeps its link to it, so --prune can still withdraw it when the file goes.
        kept = old if old and self.index.catalogue.document(old) is not None else None
        reason = failure.reason + (" The earlier version stays in the index." if kept else "")
        outcome = FileOutcome(
            str(job.path),
            job.path.name,
            FAILED,
            reason,
            job.digest,
            kept,
            seconds=round(seconds, 2),
        )
        self._record_quietly(outcome)
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
            # Withdraw before forgetting: a crash in between leaves the file row, so the next
            # --prune finds the document again instead of leaving it visible for ever.
            try:
                self._withdraw_if_orphaned(known.doc_id, known.path)
                catalogue.forget_file(known.path)
            except Exception:
                log.exception("withdrawing %s failed; the next --prune tries again", path.name)
                continue
            yield (
                path,
                FileOutcome(
                    known.path,
                    known.file_name,
                    REMOVED,
                    "The file is no longer in the folder.",
                    known.content_hash,
                    known.doc_id,
                ),
            )
