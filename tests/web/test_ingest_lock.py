"""A job waiting for the ingest lock says what it waits for: another ingest, a backup, a
deletion, or the site's start-up work; and, when the lock is free but the job is still in the
queue, only that it waits its turn."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

import web.routes_admin
import web.routes_backup
from ingest.pipeline import Ingester
from search.library import Library
from search.schema import RunChoices
from search.settings import Settings
from tests.accounts.conftest import add_accounts, signed_in_clients
from tests.doubles import HashingEncoder
from tests.pdfs import write_pdf
from web.app import create_app
from web.ingest_lock import Holder, IngestLock, busy_message
from web.jobs import Job

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "lantern orchard pebble 2031"
TOKEN = "machine-token-for-tests"
WAIT_S = 30


def _tag(text: str) -> str:
    return f'<strong class="govuk-tag govuk-tag--blue">{text}</strong>'


def _wait_until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


@pytest.mark.parametrize(
    ("holder", "label"),
    [
        (Holder.INGEST, "Waiting for another ingest to finish"),
        (Holder.BACKUP, "Waiting for a backup to finish"),
        (Holder.DELETION, "Waiting for a deletion to finish"),
        (Holder.START_UP, "Waiting for the site to finish starting up"),
    ],
)
def test_a_queued_job_says_what_holds_the_lock(holder: Holder, label: str) -> None:
    lock = IngestLock()
    assert lock.take(holder, blocking=False)
    job = Job(id="0123456789abcdef")
    its_turn, done = threading.Event(), threading.Event()

    def work() -> None:  # as an upload's worker does
        with job.ingest_turn(lock):
            its_turn.set()
            done.wait(WAIT_S)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    _wait_until(lambda: job.status() != "Starting", "the job's worker never queued for the lock")
    assert job.status() == label
    lock.release()
    assert its_turn.wait(WAIT_S)
    # Its turn came: it holds the lock, for an ingest, and no longer says it waits.
    assert lock.holder is Holder.INGEST and job.status() == "Starting"
    done.set()
    worker.join(WAIT_S)
    assert lock.holder is None and not lock.locked()


def test_a_job_still_in_the_queue_while_the_lock_is_free_says_only_that_it_waits() -> None:
    """After a restart a job waits behind the work carried on before it, and between two of
    those works nothing holds the lock: naming something would be false."""
    lock = IngestLock()
    job = Job(id="0123456789abcdef")
    job.set_queued(lock)
    assert job.status() == "Waiting for its turn"


def test_the_lock_names_its_holder_only_while_held() -> None:
    lock = IngestLock()
    assert lock.holder is None and not lock.locked()
    with lock.hold(Holder.BACKUP):
        assert lock.holder is Holder.BACKUP
        # A second taker is refused and does not overwrite what holds it.
        assert not lock.take(Holder.DELETION, blocking=False)
        assert lock.holder is Holder.BACKUP
    assert lock.holder is None and not lock.locked()


# What the site does while it holds the lock, each paused part-way so a job can queue behind it.
@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    settings = Settings(
        data_dir=tmp_path / "data",
        web={"admin_token": SecretStr(TOKEN)},  # type: ignore[arg-type]
    )
    opened = Library.open(settings, encoder=HashingEncoder())
    write_pdf(tmp_path / "docs" / "walks.pdf", ["Guided walks in Rutland for older people."])
    Ingester(opened.index, settings.chunks).run([tmp_path / "docs"])
    add_accounts(settings.users_path, ("admin",), PASSWORD)
    try:
        yield opened
    finally:
        opened.close()


def _paused(monkeypatch: pytest.MonkeyPatch, module: object, name: str) -> threading.Event:
    """Pause the real `name` of `module` until the returned event is set."""
    go = threading.Event()
    real = getattr(module, name)

    def when_let_go(*args: Any, **kwargs: Any) -> Any:
        go.wait(WAIT_S)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, when_let_go)
    return go


def _backup(machine: TestClient, library: Library) -> int:
    return machine.post("/api/admin/backup").status_code


def _deletion(machine: TestClient, library: Library) -> int:
    [record] = library.catalogue.documents()
    return machine.delete(f"/api/admin/documents/{record.doc_id}").status_code


@pytest.mark.parametrize(
    ("change", "paused_at", "label"),
    [
        (_backup, (web.routes_backup, "write_backup"), "Waiting for a backup to finish"),
        (_deletion, (web.routes_admin, "delete_document"), "Waiting for a deletion to finish"),
    ],
    ids=["backup", "deletion"],
)
def test_reading_again_during_a_backup_or_deletion_says_which_it_waits_for(
    library: Library,
    monkeypatch: pytest.MonkeyPatch,
    change: Callable[[TestClient, Library], int],
    paused_at: tuple[object, str],
    label: str,
) -> None:
    def runner(paths: list[str], choices: RunChoices, emit: Callable[..., None]) -> dict[str, Any]:
        return {}

    app = create_app(library.settings, library=library, ingest_runner=runner)
    admin = signed_in_clients(app, ("admin",), PASSWORD)["admin"]
    machine = TestClient(
        app, client=("127.0.0.1", 50000), headers={"Authorization": f"Bearer {TOKEN}"}
    )
    go = _paused(monkeypatch, *paused_at)
    answers: list[int] = []
    worker = threading.Thread(target=lambda: answers.append(change(machine, library)))
    worker.start()
    lock: IngestLock = app.state.ingest_lock
    _wait_until(lock.locked, "the change never took the lock")
    [path] = [f.path for f in library.catalogue.files()]
    job = app.state.reread_jobs.start([path], 0, runner, lock)
    page = admin.get(f"/admin/reread/{job.id}").text
    go.set()
    worker.join(WAIT_S)
    # A deletion starts a clearing in the background: it must end before the library closes.
    app.state.trace_clearing.stop()
    assert _tag(label) in page, page
    assert "another ingest" not in page
    assert answers == [200]


def test_a_refusal_names_what_holds_the_lock_and_says_something_true_when_nothing_does() -> None:
    said = {holder: busy_message(holder) for holder in Holder}
    assert len(set(said.values())) == len(Holder)  # each holder its own words
    assert all(s.startswith("The library is busy with another change (") for s in said.values())
    assert "(a backup)" in said[Holder.BACKUP]
    assert "an ingest" in busy_message(None) and "clearing" in busy_message(None)
