"""An admin brings a new version's reading rules to documents an older one read, from the status
page, without a shell: the page says how many there are, one button reads them again (the files
come from the catalogue, never from the form), a progress page follows it, and afterwards each
document has a new id its old address leads to and the page has nothing left to offer."""

from __future__ import annotations

import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

import ingest.pipeline
from ingest.pipeline import Ingester
from kb.handoff import make_ingest_runner
from search.library import Library
from search.schema import READING_RULES
from search.settings import Settings
from tests.accounts.conftest import add_accounts, csrf_of, signed_in_clients
from tests.doubles import HashingEncoder
from tests.pdfs import write_pdf
from web.app import create_app
from web.ingest_lock import Holder, IngestLock
from web.users import UserStore

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "copper kettle meadow 2024"
NOTES = {
    "damp": "Cold damp homes in the private rented sector cause mould and asthma in children.",
    "buses": "Rural bus routes link villages to doctors, shops and jobs for older people.",
    "meals": "Free school meals and breakfast clubs help families on low incomes.",
}
SECTION = "Documents read by an earlier version"


@pytest.fixture
def library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Library]:
    settings = Settings(data_dir=tmp_path / "data", qdrant={"mode": "memory"})  # type: ignore[arg-type]
    # Which files are read again and how the swap goes is plumbing: the encoder double will do.
    opened = Library.open(settings, encoder=HashingEncoder())
    for name, text in NOTES.items():
        write_pdf(tmp_path / "docs" / f"{name}.pdf", [text], title=name.title())
    # Read as an earlier version read them: its edition of the reading rules was older.
    monkeypatch.setattr(ingest.pipeline, "READING_RULES", READING_RULES - 1)
    Ingester(opened.index, settings.chunks, parse_workers=1).run([tmp_path / "docs"])
    monkeypatch.undo()
    add_accounts(settings.users_path, ("staff", "admin"), PASSWORD)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def clients(library: Library) -> dict[str, TestClient]:
    app = create_app(library.settings, library=library, ingest_runner=make_ingest_runner(library))
    return signed_in_clients(app, ("staff", "admin"), PASSWORD)


def _read_again(client: TestClient, token: str) -> str:
    response = client.post("/admin/reread", data={"csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text
    return str(response.headers["location"])


def _finished(client: TestClient, location: str) -> str:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        page = client.get(location).text
        if "Finished" in page or "Stopped" in page:
            return page
        time.sleep(0.2)
    pytest.fail("reading again did not finish")


def test_the_status_page_offers_to_read_again_and_the_job_does_it(
    clients: dict[str, TestClient], library: Library
) -> None:
    admin = clients["admin"]
    before = {f.path: f.doc_id for f in library.catalogue.files()}
    assert len(before) == 3
    page = admin.get("/admin/status").text
    assert SECTION in page and "3 files were read by an earlier version" in page
    data = admin.get("/api/admin/status").json()
    assert data["read_by_older_rules"] == 3
    took = sum(f.seconds for f in library.catalogue.files())
    assert took > 0 and data["read_by_older_rules_seconds"] == round(took, 1)
    assert "It should take at most a minute or two" in page

    location = _read_again(admin, csrf_of(admin, "/admin/status"))
    assert location.startswith("/admin/reread/")
    done = _finished(admin, location)
    assert "Finished" in done and "Reading files again" in done
    assert done.count('<td class="govuk-table__cell">indexed</td>') == 3

    after = {f.path: f.doc_id for f in library.catalogue.files()}
    assert after.keys() == before.keys()
    for path, old in before.items():
        new = after[path]
        assert new is not None and old is not None and new != old
        assert library.catalogue.current_edition(old) == new
        moved = admin.get(f"/documents/{old}", follow_redirects=False)
        assert moved.status_code == 302 and moved.headers["location"] == f"/documents/{new}"
    assert library.catalogue.read_by_older_rules_totals(READING_RULES)[0] == 0
    assert SECTION not in admin.get("/admin/status").text
    users = UserStore(library.settings.users_path)
    try:
        [entry] = users.audit_log(1)
    finally:
        users.close()
    assert (entry.actor, entry.action, entry.detail) == (
        "admin-user",
        "read again",
        "3 file(s), 0 not found",
    )


def test_a_file_gone_from_disk_is_left_as_it_is_and_the_job_says_so(
    clients: dict[str, TestClient], library: Library
) -> None:
    admin = clients["admin"]
    gone = next(f for f in library.catalogue.files() if f.file_name == "buses.pdf")
    Path(gone.path).unlink()
    done = _finished(admin, _read_again(admin, csrf_of(admin, "/admin/status")))
    assert "1 file(s) were not found where they were read from" in done
    assert done.count('<td class="govuk-table__cell">indexed</td>') == 2
    still = library.catalogue.file(gone.path)
    assert still is not None and still.doc_id == gone.doc_id  # its document is untouched
    assert gone.doc_id is not None and library.catalogue.document(gone.doc_id) is not None


def test_only_an_admin_with_the_forms_token_can_start_it(
    clients: dict[str, TestClient], library: Library
) -> None:
    before = {f.path: f.doc_id for f in library.catalogue.files()}
    visitor = clients["visitor"].post("/admin/reread", data={"csrf": "x"}, follow_redirects=False)
    assert visitor.status_code == 401
    staff = clients["staff"]
    refused = staff.post(
        "/admin/reread", data={"csrf": csrf_of(staff, "/account")}, follow_redirects=False
    )
    assert refused.status_code == 403
    forged = clients["admin"].post("/admin/reread", data={"csrf": "forged"})
    assert forged.status_code == 403
    assert {f.path: f.doc_id for f in library.catalogue.files()} == before
    assert clients["admin"].get("/admin/reread/not-a-job").status_code == 404


def test_pressing_again_while_it_waits_follows_the_same_job(
    clients: dict[str, TestClient], library: Library
) -> None:
    admin = clients["admin"]
    lock: IngestLock = admin.app.state.ingest_lock  # type: ignore[attr-defined]
    with lock.hold(Holder.INGEST):  # another ingest is running: the job waits its turn
        first = _read_again(admin, csrf_of(admin, "/admin/status"))
        again = _read_again(admin, csrf_of(admin, "/admin/status"))
        assert again == first
        assert "Waiting for another ingest to finish" in admin.get(first).text
    assert "Finished" in _finished(admin, first)
    assert library.catalogue.read_by_older_rules_totals(READING_RULES)[0] == 0
    users = UserStore(library.settings.users_path)
    try:
        started = [e for e in users.audit_log(10) if e.action == "read again"]
    finally:
        users.close()
    assert len(started) == 1  # one job, started once
