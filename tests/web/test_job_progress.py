"""A job's page says which file is being read, at what stage and how far it has got, so a long
file that is moving can be told from a stuck job; it is gone once the file's outcome comes and
when the job ends. The hand-off to `kb ingest` streams outcome lines only."""

from __future__ import annotations

import json
import re
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from ingest.pipeline import ENCODING, READING, READING_SCANS, WRITING
from kb.handoff import make_ingest_runner
from kb.ingesting import progress_line
from search.library import Library
from search.schema import RunChoices
from search.settings import Settings
from tests.accounts.conftest import add_accounts, signed_in_clients
from tests.accounts.test_admin_browser_flows import _upload, _wait_for
from tests.doubles import HashingEncoder
from tests.pdfs import write_pdf
from web.app import create_app
from web.ingest_lock import Holder, IngestLock
from web.jobs import Job
from web.rereading import RereadJob
from web.uploads import UploadJob

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "lantern orchard pebble 2031"
TOKEN = "machine-token-for-tests"
Emit = Callable[[dict[str, Any]], None]


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    settings = Settings(
        data_dir=tmp_path / "data",
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
        web={"admin_token": SecretStr(TOKEN)},  # type: ignore[arg-type]
        ingest={"roots": [str(tmp_path / "docs")]},  # type: ignore[arg-type]
    )
    # What the page shows of a job, not what search finds: the encoder double will do.
    opened = Library.open(settings, encoder=HashingEncoder())
    add_accounts(settings.users_path, ("admin",), PASSWORD)
    try:
        yield opened
    finally:
        opened.close()


class GatedRunner:
    """A runner that says a long file is a quarter encoded, then waits to be let go; on the
    first release it gives the file's outcome line, on the second it ends."""

    def __init__(
        self, path: Path, stage: str = ENCODING, done: int = 120, total: int = 480
    ) -> None:
        self.path = path
        self.step = (stage, done, total)
        self.gates = [threading.Event(), threading.Event()]

    def __call__(self, paths: list[str], choices: RunChoices, emit: Emit) -> dict[str, Any]:
        emit(progress_line(self.path, *self.step))
        self.gates[0].wait(30)
        emit({"file": self.path.name, "path": str(self.path), "outcome": "indexed", "reason": ""})
        self.gates[1].wait(30)
        return {"indexed": 1}


def _page_when(client: TestClient, job: RereadJob, found: Callable[[str], bool]) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page = client.get(f"/admin/reread/{job.id}").text
        if found(page):
            return page
        time.sleep(0.05)
    pytest.fail(f"the page never showed what was waited for: {page}")


def test_the_job_page_shows_the_file_being_read_until_its_outcome_comes(
    library: Library, tmp_path: Path
) -> None:
    path = tmp_path / "docs" / "joint-strategic-needs-assessment.pdf"
    runner = GatedRunner(path)
    app = create_app(library.settings, library=library, ingest_runner=runner)
    admin = signed_in_clients(app, ("admin",), PASSWORD)["admin"]
    job = app.state.reread_jobs.start([str(path)], 0, runner, app.state.ingest_lock)

    page = _page_when(admin, job, lambda html: "Being read now" in html)
    reading = page[page.index('<div id="upload-reading">') : page.index('<div id="upload-files">')]
    assert "joint-strategic-needs-assessment.pdf" in reading
    assert "encoding passages, 120 of 480 passages" in reading
    bar = re.search(r'<progress id="([^"]+)"[^>]*max="480" value="120"', reading)
    assert bar is not None and f'<label for="{bar.group(1)}">' in reading
    assert "No file has finished yet." in page  # progress is not a finished file's line
    assert job.record()["lines"] == []  # nor is it saved with the job

    runner.gates[0].set()
    page = _page_when(admin, job, lambda html: "No file has finished yet." not in html)
    assert "<progress" not in page and "Being read now" not in page  # its outcome came

    runner.gates[1].set()
    page = _page_when(admin, job, lambda html: "Finished" in html)
    assert "<progress" not in page and "Being read now" not in page


def test_one_of_a_unit_is_said_in_the_singular(library: Library, tmp_path: Path) -> None:
    path = tmp_path / "docs" / "scanned-leaflet.pdf"
    runner = GatedRunner(path, READING_SCANS, 0, 1)
    app = create_app(library.settings, library=library, ingest_runner=runner)
    admin = signed_in_clients(app, ("admin",), PASSWORD)["admin"]
    job = app.state.reread_jobs.start([str(path)], 0, runner, app.state.ingest_lock)
    try:
        page = _page_when(admin, job, lambda html: "Being read now" in html)
        assert "reading scanned pages, 0 of 1 page</label>" in page
        assert "1 pages" not in page
    finally:
        runner.gates[0].set()
        runner.gates[1].set()
        _page_when(admin, job, lambda html: "Finished" in html)


def test_a_finished_job_shows_no_file_being_read(library: Library, tmp_path: Path) -> None:
    """Progress the run left behind (a file it gave up on) does not outlive the job."""
    path = tmp_path / "docs" / "left.pdf"

    def runner(paths: list[str], choices: RunChoices, emit: Emit) -> dict[str, Any]:
        emit(progress_line(path, READING, 0, 0))
        return {}

    app = create_app(library.settings, library=library, ingest_runner=runner)
    admin = signed_in_clients(app, ("admin",), PASSWORD)["admin"]
    job = app.state.reread_jobs.start([str(path)], 0, runner, app.state.ingest_lock)
    page = _page_when(admin, job, lambda html: "Finished" in html)
    assert "left.pdf" not in page and "Being read now" not in page


def test_the_site_runner_reports_each_stage_and_the_job_keeps_only_outcomes(
    library: Library, tmp_path: Path
) -> None:
    texts = ["Damp homes in the private rented sector make children ill."] * 2
    paths = [str(write_pdf(tmp_path / "docs" / f"{n}.pdf", [t])) for n, t in enumerate(texts)]
    real = make_ingest_runner(library)
    seen: list[dict[str, Any]] = []

    def watched(paths: list[str], choices: RunChoices, emit: Emit) -> dict[str, Any]:
        def take(line: dict[str, Any]) -> None:
            seen.append(line)
            emit(line)

        return real(paths, choices, take)

    app = create_app(library.settings, library=library, ingest_runner=watched)
    admin = signed_in_clients(app, ("admin",), PASSWORD)["admin"]
    job = app.state.reread_jobs.start(paths, 0, watched, app.state.ingest_lock)
    _page_when(admin, job, lambda html: "Finished" in html)
    steps = [line["progress"] for line in seen if "progress" in line]
    assert all("outcome" not in line for line in seen if "progress" in line)
    stages = {name: {s["stage"] for s in steps if s["file"] == name} for name in ("0.pdf", "1.pdf")}
    assert stages["0.pdf"] == {READING, ENCODING, WRITING}
    assert stages["1.pdf"] == {READING}  # a copy of 0.pdf: read, then stored once, as 0.pdf
    assert [line["outcome"] for line in job.lines] == ["indexed", "duplicate"]


def test_the_hand_off_streams_outcome_lines_but_no_progress(
    library: Library, tmp_path: Path
) -> None:
    path = write_pdf(tmp_path / "docs" / "a.pdf", ["Rural buses link villages to surgeries."])

    def runner(paths: list[str], choices: RunChoices, emit: Emit) -> dict[str, Any]:
        emit(progress_line(path, ENCODING, 1, 2))
        emit({"file": "a.pdf", "path": str(path), "outcome": "indexed", "reason": ""})
        return {"indexed": 1}

    app = create_app(library.settings, library=library, ingest_runner=runner)
    with TestClient(app, client=("127.0.0.1", 50000)) as client:
        response = client.post(
            "/admin/ingest",
            json={"paths": [str(path)]},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert response.status_code == 200, response.text
    lines = [json.loads(raw) for raw in response.text.splitlines() if raw.strip()]
    assert lines == [
        {"file": "a.pdf", "path": str(path), "outcome": "indexed", "reason": ""},
        {"summary": {"indexed": 1}},
    ]


STARTING = '<strong class="govuk-tag govuk-tag--blue">Starting</strong>'
WAITING = '<strong class="govuk-tag govuk-tag--blue">Waiting for another ingest to finish</strong>'


def _held_back(monkeypatch: pytest.MonkeyPatch, kind: type[Job]) -> threading.Event:
    """Hold each job's worker back before it asks for the ingest lock, until let go: the page
    then shows what the admin sees in the moment after pressing the button."""
    go = threading.Event()
    run = kind.run  # type: ignore[attr-defined]

    def run_when_let_go(self: Job, *args: Any) -> None:
        go.wait(30)
        run(self, *args)

    monkeypatch.setattr(kind, "run", run_when_let_go)
    return go


def test_a_job_says_it_is_starting_unless_another_holds_the_ingest(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Its first page said "Waiting for another ingest to finish" with no other job running:
    # its own worker had not taken the lock yet.
    path = tmp_path / "docs" / "a.pdf"
    runner = GatedRunner(path)
    app = create_app(library.settings, library=library, ingest_runner=runner)
    admin = signed_in_clients(app, ("admin",), PASSWORD)["admin"]
    go = _held_back(monkeypatch, RereadJob)
    lock: IngestLock = app.state.ingest_lock
    job = app.state.reread_jobs.start([str(path)], 0, runner, lock)
    page = admin.get(f"/admin/reread/{job.id}").text
    assert STARTING in page and WAITING not in page

    # Another ingest takes the lock before this job's worker asks for it.
    with lock.hold(Holder.INGEST):
        go.set()
        _page_when(admin, job, lambda html: WAITING in html)
    _page_when(admin, job, lambda html: "Being read now" in html)
    runner.gates[0].set()
    runner.gates[1].set()
    _page_when(admin, job, lambda html: "Finished" in html)

    # Another ingest runs when the job starts: its first page says it waits.
    with lock.hold(Holder.INGEST):
        second = app.state.reread_jobs.start([str(path)], 0, runner, lock)
        assert WAITING in admin.get(f"/admin/reread/{second.id}").text
    _page_when(admin, second, lambda html: "Finished" in html)


def test_an_upload_says_it_is_starting_when_nothing_else_runs(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def runner(paths: list[str], choices: RunChoices, emit: Emit) -> dict[str, Any]:
        return {}

    app = create_app(library.settings, library=library, ingest_runner=runner)
    admin = signed_in_clients(app, ("admin",), PASSWORD)["admin"]
    go = _held_back(monkeypatch, UploadJob)
    pdf = write_pdf(tmp_path / "walks.pdf", ["Guided walks in Rutland for older people."])
    response = _upload(admin, [("walks.pdf", pdf.read_bytes(), "application/pdf")])
    location = response.headers["location"]
    page = admin.get(location).text
    assert STARTING in page and WAITING not in page
    go.set()
    assert "Finished" in _wait_for(admin, location)
