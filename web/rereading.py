"""Reading files again from the admin pages: the files an older edition of the reading rules
read go through the same job as `kb ingest --reread`, on a worker thread, one ingest at a time,
with a progress page like an upload's. A job a stop left unfinished carries on at the next
start, on the files the catalogue still lists as read by an older edition."""

from __future__ import annotations

import logging
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, ClassVar

from search.catalogue import Catalogue
from search.schema import READING_RULES, RunChoices
from web.ingest_lock import IngestLock
from web.jobs import (
    UNFINISHED,
    Job,
    JobShelf,
    Runner,
    read_count,
    read_job_fields,
    read_texts,
)

__all__ = ["RereadJob", "RereadJobs", "files_to_read_again"]

log = logging.getLogger(__name__)

MISSING = (
    "{count} file(s) were not found where they were read from, so their documents stay as they"
    " are. Put them back, or remove them with `kb ingest --prune`."
)
MAX_PATH = 4096


@dataclass(kw_only=True)
class RereadJob(Job):
    """One reading again: the files it reads, and each one's outcome as it comes."""

    kind: ClassVar[str] = "reread"
    paths: list[str]
    missing: int = 0  # files the catalogue lists that are no longer on disk

    def run(
        self, runner: Runner, ingest_lock: IngestLock, catalogue: Catalogue | None = None
    ) -> None:
        """Wait for the ingest, then read the files again. Carried on after a stop (given the
        catalogue), only the job's files the catalogue still lists as read by an older edition,
        and not read since the stop: its paths are a record's, trusted no further."""
        with self.ingest_turn(ingest_lock):
            try:
                paths = self.paths
                if catalogue is not None:
                    done = {line.get("path") for line in self.lines}
                    still = set(files_to_read_again(catalogue)[0])
                    paths = [p for p in self.paths if p in still and p not in done]
                self.set_state("running")
                if paths:
                    take = self.taking(self.add_line)
                    self.summary = runner(paths, RunChoices(reread=True), take)
                self.set_state("finished")
            except Exception as error:
                log.exception("reading again (job %s) stopped", self.id)
                self.set_state("failed", f"The ingest stopped: {error}")

    def own_record(self) -> dict[str, Any]:
        return {"paths": list(self.paths), "missing": self.missing}

    @classmethod
    def from_record(cls, data: dict[str, Any]) -> RereadJob:
        return cls(
            **read_job_fields(data, cls.kind),
            paths=read_texts(data.get("paths"), MAX_PATH),
            missing=read_count(data.get("missing")),
        )

    def view(self) -> dict[str, Any]:
        """What the progress page shows (the same shape as an upload's)."""
        return {
            "id": self.id,
            "title": "Reading files again",
            "href": f"/admin/reread/{self.id}",
            "next_href": "/admin/status",
            "next_text": "Back to the ingest status",
            "state": self.state,
            "status": self.status(),
            "error": self.error,
            "notices": [
                *self.notices(),
                *([MISSING.format(count=self.missing)] if self.missing else []),
            ],
            "kept": len(self.paths),
            "done": len(self.lines),
            "reading_now": self.reading_now(),
            "outcomes": list(self.lines),
        }


def files_to_read_again(catalogue: Catalogue) -> tuple[list[str], int]:
    """The paths of files an older edition of the reading rules read that are still on disk,
    and how many such files are not."""
    paths, missing = [], 0
    for known in catalogue.read_by_older_rules(READING_RULES):
        if Path(known.path).is_file():
            paths.append(known.path)
        else:
            missing += 1
    return paths, missing


class RereadJobs(JobShelf[RereadJob]):
    """The site's reading-again jobs; one a stop left unfinished carries on at the next start."""

    def unfinished(self) -> RereadJob | None:
        """The job still waiting or reading, if any: a second press joins it rather than
        queue the same files to be read twice."""
        with self._lock:
            return next((j for j in self._jobs.values() if j.state in UNFINISHED), None)

    def start(
        self, paths: list[str], missing: int, runner: Runner, ingest_lock: IngestLock
    ) -> RereadJob:
        job = RereadJob(id=secrets.token_hex(8), paths=paths, missing=missing)
        self.keep(job)
        if paths:
            # Said before the worker starts, so the first page does not wait on it to know.
            job.set_queued(ingest_lock if ingest_lock.locked() else None)
            threading.Thread(
                target=job.run, args=(runner, ingest_lock), name=f"reread-{job.id}", daemon=True
            ).start()
        else:
            job.set_state("finished")
        return job

    def resume(
        self, runner: Runner, ingest_lock: IngestLock, catalogue: Catalogue
    ) -> list[tuple[float, Callable[[], None]]]:
        """Keep the jobs recorded before the site stopped; the work of those unfinished, each
        with when it was made (web.jobs.run_in_turn runs them in that order)."""
        works: list[tuple[float, Callable[[], None]]] = []
        for job in self.load(RereadJob.from_record):
            job.resumed = True
            job.set_queued(ingest_lock)  # in turn, behind the work carried on before it
            job.save(False)
            works.append((job.created_at, partial(job.run, runner, ingest_lock, catalogue)))
        return works
