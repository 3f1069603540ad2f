"""The jobs admins start on the site (uploads, reading files again): each kept by id, the newest
MAX_JOBS_KEPT, and written to disk as a small JSON record, so a site that stops (a restart, a
crash, a power cut) still shows their pages when it starts again, and carries on with those it
had not finished.

A record is a file anyone with the disk can edit: every one read back is checked, field by
field and in range, and one that is not as this module writes it is passed over with a warning.
Paths are never taken from a record: an upload's files are found from its id and names under
the uploads folder, and reading again reads only files the catalogue still lists.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

from search.catalogue import DUPLICATE, FAILED, INDEXED, REMOVED, SKIPPED, WARNINGS
from search.schema import RunChoices
from web.ingest_lock import Holder, IngestLock, waiting_label

__all__ = [
    "FINISHED",
    "MAX_JOBS_KEPT",
    "RESUMED",
    "UNFINISHED",
    "Job",
    "JobShelf",
    "RecordError",
    "Runner",
    "fit_line",
    "is_progress",
    "read_count",
    "read_job_fields",
    "read_lines",
    "read_text",
    "read_texts",
    "run_in_turn",
]

log = logging.getLogger(__name__)

# The site does not import the ingest package: `kb serve` passes in a runner that takes the
# job's paths and choices and calls back once per file with its outcome line, and, between
# them, with progress lines for the files being read (`is_progress`).
Runner = Callable[[list[str], RunChoices, Callable[[dict[str, Any]], None]], dict[str, Any]]

MAX_JOBS_KEPT = 50
RECORD_FORMAT = 1
UNFINISHED = ("waiting", "running")
FINISHED = ("finished", "failed")
RESUMED = (
    "The site stopped before this job finished, so it carried on when the site started again."
    " Files read before the stop were not read twice."
)
# Past these a record is not one this site wrote: a job reads at most the whole library.
MAX_RECORD_BYTES = 64 * 1024 * 1024
MAX_ITEMS = 200_000
MAX_TEXT = 20_000
MAX_COUNT = 10**9
# A record's lines are saved as they come, but at most this often: reading a whole library
# again writes its record a few thousand times, not once per file of tens of thousands.
SAVE_EVERY_S = 1.0
JOB_ID = re.compile(r"[0-9a-f]{16}")
DOC_ID = re.compile(r"[0-9a-f]{1,64}")
# What a line may say happened: the ingest's outcomes, and the upload's own refusals.
OUTCOMES = frozenset({INDEXED, WARNINGS, SKIPPED, DUPLICATE, FAILED, REMOVED, "refused"})
LINE_TEXTS = ("file", "path", "reason")
LINE_COUNTS = ("pages", "chunks")
PROGRESS_TEXTS = ("file", "path", "stage", "unit")


class RecordError(ValueError):
    """A job record that is not as this site writes it."""


def read_text(value: object, most: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or len(value) > most or "\x00" in value:
        raise RecordError("a text field is not text, or is too long")
    return value


def read_count(value: object, most: int = MAX_COUNT) -> int:
    # bool is an int to isinstance: true is not a count.
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise RecordError("a count is not a whole number in range")
    return value


def _read_seconds(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError("a time is not a number")
    if not math.isfinite(value) or not 0 <= value <= 1e12:
        raise RecordError("a time is out of range")
    return float(value)


def _read_line(value: object) -> dict[str, Any]:
    """One outcome line, with only the fields the page shows, each checked."""
    if not isinstance(value, dict):
        raise RecordError("a line is not an object")
    line: dict[str, Any] = {k: read_text(value[k]) for k in LINE_TEXTS if k in value}
    if "file" not in line:
        raise RecordError("a line names no file")
    outcome = value.get("outcome")
    if outcome not in OUTCOMES:
        raise RecordError("a line's outcome is not one the ingest gives")
    line["outcome"] = outcome
    doc_id = value.get("doc_id")
    if doc_id is not None and not (isinstance(doc_id, str) and DOC_ID.fullmatch(doc_id)):
        raise RecordError("a line's document id is not one")
    line["doc_id"] = doc_id
    line.update({k: read_count(value[k]) for k in LINE_COUNTS if k in value})
    if "seconds" in value:
        line["seconds"] = _read_seconds(value["seconds"])
    return line


def read_lines(value: object) -> list[dict[str, Any]]:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise RecordError("the lines are not a list, or too many")
    return [_read_line(v) for v in value]


def read_texts(value: object, most: int = MAX_TEXT) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise RecordError("a list of texts is not a list, or too long")
    return [read_text(v, most) for v in value]


def is_progress(line: dict[str, Any]) -> bool:
    """Whether a runner's line says how far a file being read has got, rather than what
    happened to it: {"progress": {"file", "path", "stage", "done", "total", "unit"}}."""
    return "outcome" not in line and isinstance(line.get("progress"), dict)


def _read_progress(value: dict[str, Any]) -> dict[str, Any]:
    """A progress line's fields the page shows, checked; done never past total."""
    step: dict[str, Any] = {k: read_text(value.get(k, ""), 4096) for k in PROGRESS_TEXTS}
    total = read_count(value.get("total", 0))
    step.update(done=min(read_count(value.get("done", 0)), total), total=total)
    return step


def fit_line(line: dict[str, Any]) -> dict[str, Any]:
    """A line with its texts cut to what a record may hold, so its record reads back."""
    return {k: v[:MAX_TEXT] if isinstance(v, str) else v for k, v in line.items()}


def _save_nothing(is_line: bool) -> None:
    return None


@dataclass(kw_only=True)
class Job:
    """What every admin job has: its id, its state, each file's outcome line as it comes, and
    whether it carried on after the site restarted. Each change is saved to its record."""

    kind: ClassVar[str] = ""
    id: str
    created_at: float = field(default_factory=time.time)
    lines: list[dict[str, Any]] = field(default_factory=list)
    state: str = "waiting"
    error: str = ""
    resumed: bool = False
    summary: dict[str, Any] = field(default_factory=dict)
    # The files being read now, by path: each one's latest progress, until its outcome line
    # comes. Only for the page: not saved (a restart reads them again from the start).
    progress: dict[str, dict[str, Any]] = field(default_factory=dict, repr=False, compare=False)
    # The parse, model and ingest threads give progress and outcomes while a page reads them.
    _progress_lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )
    # Set by the shelf that keeps the job; True for a new line, False for a change of state.
    save: Callable[[bool], None] = field(default=_save_nothing, repr=False, compare=False)
    # The ingest lock while, still waiting, it waits for whatever holds that lock, rather than
    # for its own worker to start; None otherwise. Only for the page: a restart decides it
    # again. Changed only by `set_queued`.
    _queued_on: IngestLock | None = field(default=None, init=False, repr=False, compare=False)

    @contextlib.contextmanager
    def ingest_turn(self, ingest_lock: IngestLock) -> Iterator[None]:
        """Hold the ingest lock for the job's work, one change to the library at a time; while
        something else holds it, the page says the job waits for that."""
        if not ingest_lock.take(Holder.INGEST, blocking=False):
            self.set_queued(ingest_lock)
            ingest_lock.take(Holder.INGEST)
        self.set_queued(None)
        try:
            yield
        finally:
            ingest_lock.release()

    def status(self) -> str:
        """What the page's tag says of a job not yet finished."""
        if self.state == "running":
            return "Working"
        queued_on = self._queued_on
        return "Starting" if queued_on is None else waiting_label(queued_on.holder)

    def set_queued(self, lock: IngestLock | None) -> None:
        """Say which lock the job, still waiting, waits on (None: for its own worker to start);
        not saved."""
        self._queued_on = lock

    def set_state(self, state: str, error: str = "") -> None:
        self.state, self.error = state, error
        if state in FINISHED:
            with self._progress_lock:
                self.progress.clear()
        self.save(False)

    def add_line(self, line: dict[str, Any]) -> None:
        self.lines.append(fit_line(line))
        self.end_progress(line)
        self.save(True)

    def taking(self, on_line: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
        """The runner's callback: progress lines kept as each file's latest, the rest (each
        file's outcome line) given to `on_line`."""

        def take(line: dict[str, Any]) -> None:
            if is_progress(line):
                self.note_progress(line["progress"])
            else:
                on_line(line)

        return take

    def note_progress(self, value: dict[str, Any]) -> None:
        try:
            step = _read_progress(value)
        except RecordError:
            log.warning(
                "passed over a progress line of job %s that is not as the ingest gives", self.id
            )
            return
        with self._progress_lock:
            self.progress[step["path"]] = step

    def end_progress(self, line: dict[str, Any]) -> None:
        """Its outcome has come: the file is no longer being read."""
        with self._progress_lock:
            self.progress.pop(str(line.get("path")), None)

    def reading_now(self) -> list[dict[str, Any]]:
        """The files being read, each with its stage and how far it has got, for the page."""
        with self._progress_lock:
            return list(self.progress.values()) if self.state == "running" else []

    def notices(self) -> list[str]:
        return [RESUMED] if self.resumed else []

    def record(self) -> dict[str, Any]:
        """What is saved: the fields every job has, then the kind's own (`own_record`)."""
        return {
            "format": RECORD_FORMAT,
            "kind": self.kind,
            "id": self.id,
            "created_at": self.created_at,
            "state": self.state,
            "error": self.error,
            "resumed": self.resumed,
            "lines": list(self.lines),
            **self.own_record(),
        }

    def own_record(self) -> dict[str, Any]:
        return {}


def read_job_fields(data: dict[str, Any], kind: str) -> dict[str, Any]:
    """The fields every job has, from a record, checked; RecordError if any is not right."""
    if data.get("format") != RECORD_FORMAT or data.get("kind") != kind:
        raise RecordError(f"it is not a record of a {kind} job")
    job_id = data.get("id")
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise RecordError("its id is not one the site makes")
    state = data.get("state")
    if state not in (*UNFINISHED, *FINISHED):
        raise RecordError("its state is not one a job has")
    if not isinstance(data.get("resumed"), bool):
        raise RecordError("whether it was resumed is not true or false")
    return {
        "id": job_id,
        "created_at": _read_seconds(data.get("created_at")),
        "state": state,
        "error": read_text(data.get("error")),
        "resumed": data["resumed"],
        "lines": read_lines(data.get("lines")),
    }


J = TypeVar("J", bound=Job)


class JobShelf(Generic[J]):
    """This site's jobs of one kind by id, the newest MAX_JOBS_KEPT of them: in memory for
    their pages, and each as a record in `folder` (none without one) for the next start."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder
        self._jobs: dict[str, J] = {}
        self._saved_at: dict[str, float] = {}
        self._lock = threading.Lock()
        self._writing = threading.Lock()

    def get(self, job_id: str) -> J | None:
        with self._lock:
            return self._jobs.get(job_id)

    def keep(self, job: J) -> None:
        """Keep a job, saving it now and at each change; an older job makes room (a finished
        one first: an unfinished one's record is what a restart carries on from)."""
        with self._lock:
            if len(self._jobs) >= MAX_JOBS_KEPT:
                done = [j for j in self._jobs.values() if j.state in FINISHED]
                oldest = (done or list(self._jobs.values()))[0]
                del self._jobs[oldest.id]
                self._saved_at.pop(oldest.id, None)
                self._forget(oldest.id)
            self._jobs[job.id] = job
        self._attach(job)
        self._save(job, False)

    def _attach(self, job: J) -> None:
        job.save = lambda is_line: self._save(job, is_line)

    def _record_path(self, job_id: str) -> Path | None:
        return self.folder / f"{job_id}.json" if self.folder is not None else None

    def _forget(self, job_id: str) -> None:
        path = self._record_path(job_id)
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

    def _save(self, job: J, is_line: bool) -> None:
        """Write the job's record in full, then put it in place in one step, so a stop midway
        leaves the last record whole. A failed write is logged: the job goes on."""
        path = self._record_path(job.id)
        now = time.monotonic()
        with self._lock:
            if path is None or self._jobs.get(job.id) is not job:
                return  # no folder, or a job that made room for newer ones
            if is_line and now - self._saved_at.get(job.id, -SAVE_EVERY_S) < SAVE_EVERY_S:
                return
            self._saved_at[job.id] = now
        # Its own lock: a page asking for a job need not wait for a record to reach the disk.
        with self._writing:
            try:
                _write_atomically(path, json.dumps(job.record(), ensure_ascii=False))
            except (OSError, ValueError):
                log.warning("the record of job %s could not be saved", job.id, exc_info=True)

    def load(self, read: Callable[[dict[str, Any]], J]) -> list[J]:
        """Keep the jobs whose records are in the folder (the newest MAX_JOBS_KEPT; older
        records are deleted); the unfinished ones, oldest first. A record `read` refuses, or
        that cannot be read at all, is passed over with a warning and left as it is."""
        if self.folder is None or not self.folder.is_dir():
            return []
        found: list[J] = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                job = read(_read_record(path))
                if f"{job.id}.json" != path.name:
                    raise RecordError("its name is not its id")
            except (OSError, RecordError) as error:
                log.warning("passed over the job record %s: %s", path.name, error)
                continue
            found.append(job)
        found.sort(key=lambda j: j.created_at)
        for old in found[:-MAX_JOBS_KEPT]:
            self._forget(old.id)
        kept = found[-MAX_JOBS_KEPT:]
        with self._lock:
            for job in kept:
                if job.id not in self._jobs:
                    self._jobs[job.id] = job
        for job in kept:
            self._attach(job)
        return [j for j in kept if j.state in UNFINISHED]


def _read_record(path: Path) -> dict[str, Any]:
    """A record file's JSON object, if it is a plain file of a sane size holding one."""
    info = path.lstat()
    if not stat.S_ISREG(info.st_mode):
        raise RecordError("it is not a plain file")
    if info.st_size > MAX_RECORD_BYTES:
        raise RecordError("it is too big to be a job record")
    try:
        data = json.loads(path.read_bytes())
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise RecordError(f"it is not JSON ({type(error).__name__})") from None
    if not isinstance(data, dict):
        raise RecordError("it is not a JSON object")
    return data


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def run_in_turn(works: list[tuple[float, Callable[[], None]]], name: str) -> None:
    """Run the jobs' work on one worker thread, oldest first: two uploads of one name left
    waiting by a stop end with the later one as the current edition, as they would have."""
    ordered = [work for _, work in sorted(works, key=lambda w: w[0])]
    if not ordered:
        return

    def work_through() -> None:
        for work in ordered:
            try:
                work()
            except Exception:
                log.exception("a job carried on after a restart stopped")

    threading.Thread(target=work_through, name=name, daemon=True).start()
