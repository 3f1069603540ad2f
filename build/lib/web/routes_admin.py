"""Admin routes: ingest status for every file, and ingest jobs handed over by `kb ingest`."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.responses import HTMLResponse, StreamingResponse
from pydantic import BaseModel, Field

from web.admin import require_admin
from web.deps import LibraryDep, TemplatesDep

# The site does not import the ingest package: `kb serve` passes in a runner that
# takes the job's paths and options and calls back once per file.
IngestRunner = Callable[[list[str], bool, bool, Callable[[dict[str, Any]], None]], dict[str, Any]]

router = APIRouter(dependencies=[Depends(require_admin)], include_in_schema=False)


class IngestJob(BaseModel):
    paths: list[str] = Field(min_length=1)
    prune: bool = False
    retry_failed: bool = False


def _when(ts: float | None) -> str:
    if not ts:
        return "never"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%d %B %Y at %H:%M UTC")


@router.get("/admin/status", response_class=HTMLResponse)
def admin_status(request: Request, library: LibraryDep, templates: TemplatesDep) -> HTMLResponse:
    data = library.status()
    last = data["last_run"]
    return templates.TemplateResponse(
        request,
        "admin_status.html",
        {"status": data, "last_finished": _when(last["finished_at"] if last else None)},
    )


@router.get("/api/admin/status")
def admin_status_json(library: LibraryDep) -> dict[str, Any]:
    return library.status()


@router.post("/admin/ingest")
def admin_ingest(job: IngestJob, request: Request) -> StreamingResponse:
    runner: IngestRunner | None = getattr(request.app.state, "ingest_runner", None)
    lock: threading.Lock = request.app.state.ingest_lock
    if runner is None:
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, "This site cannot run ingest jobs.")
    if not lock.acquire(blocking=False):
        raise HTTPException(status.HTTP_409_CONFLICT, "An ingest is already running. Try later.")
    lines: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def work() -> None:
        try:
            summary = runner(job.paths, job.prune, job.retry_failed, lines.put)
            lines.put({"summary": summary})
        except Exception as error:
            lines.put({"error": f"The ingest stopped: {error}"})
        finally:
            lock.release()
            lines.put(None)

    threading.Thread(target=work, name="ingest-job", daemon=True).start()

    def stream() -> Iterator[str]:
        while (line := lines.get()) is not None:
            yield json.dumps(line) + "\n"

    return StreamingResponse(stream(), media_type="application/x-ndjson")
