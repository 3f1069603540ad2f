"""Reading files again from the admin pages: the files an older edition of the reading rules
read go through the same job as `kb ingest --reread`, on a worker thread, one ingest at a time,
with a progress page like an upload's."""

from __future__ import annotations

import logging
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.catalogue import Catalogue
from search.schema import READING_RULES, RunChoices
from web.uploads import JobShelf, Runner

__all__ = ["RereadJob", "RereadJobs", "files_to_read_again"]

log = logging.getLogger(__name__)

MISSING = (
    "{count} file(s) were not found where they were read from, so their documents stay as they"
    " are. Put them back, or remove them with `kb ingest --prune`."
)


@dataclass
class RereadJob:
    """One reading again: the files it reads, and each one's outcome as it comes."""

    id: str
    paths: list[str]
    missing: int = 0  # files the catalogue lists that are no longer on disk
    lines: list[dict[str, Any]] = field(default_factory=list)
    state: str = "waiting"
    error: str = ""
    summary: dict[str, Any] = field(default_factory=dict)

    def view(self) -> dict[str, Any]:
        """What the progress page shows (the same shape as an upload's)."""
        return {
            "id": self.id,
            "title": "Reading files again",
            "href": f"/admin/reread/{self.id}",
            "next_href": "/admin/status",
            "next_text": "Back to the ingest status",
            "state": self.state,
            "error": self.error,
            "notices": [MISSING.format(count=self.missing)] if self.missing else [],
            "kept": len(self.paths),
            "done": len(self.lines),
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
    """This site run's reading-again jobs."""

    def unfinished(self) -> RereadJob | None:
        """The job still waiting or reading, if any: a second press joins it rather than
        queue the same files to be read twice."""
        with self._lock:
            return next((j for j in self._jobs.values() if j.state in ("waiting", "running")), None)

    def start(
        self, paths: list[str], missing: int, runner: Runner, ingest_lock: threading.Lock
    ) -> RereadJob:
        job = RereadJob(secrets.token_hex(8), paths, missing)
        self.keep(job.id, job)

        def work() -> None:
            with ingest_lock:  # one ingest at a time: wait for any other to finish
                job.state = "running"
                try:
                    job.summary = runner(job.paths, RunChoices(reread=True), job.lines.append)
                    job.state = "finished"
                except Exception as error:
                    log.exception("reading again (job %s) stopped", job.id)
                    job.error = f"The ingest stopped: {error}"
                    job.state = "failed"

        if paths:
            threading.Thread(target=work, name=f"reread-{job.id}", daemon=True).start()
        else:
            job.state = "finished"
        return job
