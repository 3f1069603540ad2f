"""An admin takes a file whose last ingest failed off the status page, without a shell: its
row and its count go, its uploaded copy is deleted so no later ingest tries it again, and
nothing else (a document, another file, a path the form names) is ever touched."""

from __future__ import annotations

import re
import warnings
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from kb.handoff import make_ingest_runner
from search.catalogue import FileOutcome
from search.library import Library
from search.settings import Settings
from tests.accounts.conftest import add_accounts, csrf_of, signed_in_clients
from tests.accounts.test_admin_browser_flows import _upload, _wait_for
from tests.doubles import HashingEncoder
from tests.pdfs import write_pdf
from web import routes_admin
from web.app import create_app
from web.ingest_lock import Holder, IngestLock
from web.users import UserStore

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "copper kettle meadow 2024"
PDF = "application/pdf"
# It starts as a PDF does, so the upload form keeps it; the ingest cannot read the rest.
BROKEN = b"%PDF-1.4\n" + b"this is not a PDF body at all\n" * 40


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
    )
    # Which files are listed and which deleted is plumbing: the encoder double will do.
    opened = Library.open(settings, encoder=HashingEncoder())
    add_accounts(settings.users_path, ("staff", "admin"), PASSWORD)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="module")
def clients(library: Library) -> dict[str, TestClient]:
    app = create_app(library.settings, library=library, ingest_runner=make_ingest_runner(library))
    return signed_in_clients(app, ("staff", "admin"), PASSWORD)


def _upload_one(admin: TestClient, name: str, content: bytes) -> None:
    response = _upload(admin, [(name, content, PDF)])
    assert response.status_code == 303, response.text
    _wait_for(admin, response.headers["location"])


def _home(library: Library, name: str) -> Path:
    return (library.settings.uploads_dir / "files" / name / name).resolve()


def _remove(client: TestClient, path: str, **headers: str):  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/account")
    return client.post(
        "/admin/files/remove",
        data={"path": path, "csrf": token},
        headers=headers,
        follow_redirects=False,
    )


def _counted_from_rows(library: Library) -> dict[str, int]:
    """The files per outcome counted one row at a time, against the running totals."""
    return dict(Counter(row.outcome for row in library.catalogue.files()))


def _failed_elsewhere(library: Library, folder: Path, name: str) -> Path:
    """A failed file `kb ingest` read from a folder of its own, not from the uploads."""
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(BROKEN)
    library.catalogue.record_outcome(FileOutcome(str(path), name, "failed", "It is broken."))
    return path


def test_removing_a_failed_upload_deletes_its_file_its_row_and_its_count(
    clients: dict[str, TestClient], library: Library
) -> None:
    admin = clients["admin"]
    _upload_one(admin, "broken-survey.pdf", BROKEN)
    home = _home(library, "broken-survey.pdf")
    row = library.catalogue.file(str(home))
    assert row is not None and row.outcome == "failed" and home.is_file()
    assert library.catalogue.unindexed_files([str(home)], {"failed"}) == {str(home)}
    page = admin.get("/admin/status", params={"outcome": "failed"}).text
    assert f'name="path" value="{home}"' in page
    assert '<span class="govuk-visually-hidden"> broken-survey.pdf from the list</span>' in page
    failed_before = library.catalogue.file_counts()["failed"]
    documents_before = library.catalogue.stats()

    response = _remove(admin, str(home))

    assert response.status_code == 303
    location = response.headers["location"]
    assert urlsplit(location).path == "/admin/status"
    assert parse_qs(urlsplit(location).query)["removed"] == [str(home)]
    assert not home.exists() and not home.parent.exists()  # the manifest and folder went too
    assert library.catalogue.file(str(home)) is None
    assert library.catalogue.file_counts().get("failed", 0) == failed_before - 1
    assert library.catalogue.file_counts() == _counted_from_rows(library)
    assert library.catalogue.stats() == documents_before
    shown = admin.get(location).text
    assert "File removed: broken-survey.pdf" in shown
    assert "the uploaded file has been deleted" in shown
    assert f'value="{home}"' not in shown
    users = UserStore(library.settings.users_path)
    try:
        [entry] = users.audit_log(1)
    finally:
        users.close()
    assert (entry.actor, entry.action) == ("admin-user", "remove file")
    assert str(home) in entry.detail and "its upload deleted" in entry.detail


def test_a_failed_file_from_another_folder_is_forgotten_but_left_in_place(
    clients: dict[str, TestClient], library: Library, tmp_path: Path
) -> None:
    path = _failed_elsewhere(library, tmp_path / "reports", "old-scan.pdf")

    response = _remove(clients["admin"], str(path))

    assert response.status_code == 303
    assert library.catalogue.file(str(path)) is None
    assert path.read_bytes() == BROKEN
    shown = clients["admin"].get(response.headers["location"]).text
    assert "File removed: old-scan.pdf" in shown
    assert "its file was left where it is" in shown


def test_a_file_whose_document_is_indexed_cannot_be_removed(
    clients: dict[str, TestClient], library: Library, tmp_path: Path
) -> None:
    admin = clients["admin"]
    good = write_pdf(tmp_path / "allotments.pdf", ["Allotment waiting lists in Oadby, 2023."])
    _upload_one(admin, "allotments.pdf", good.read_bytes())
    home = _home(library, "allotments.pdf")
    indexed = library.catalogue.file(str(home))
    assert indexed is not None and indexed.doc_id is not None
    # A newer edition that failed, with the earlier version still in the index: failed, but
    # its document is there, so it is not offered either.
    kept = _failed_elsewhere(library, tmp_path / "kept", "kept-edition.pdf")
    library.catalogue.record_outcome(
        FileOutcome(str(kept), kept.name, "failed", "Unreadable.", doc_id=indexed.doc_id)
    )
    # A file indexed, then read again and failed with no document of its own: its earlier
    # document, read from the same path, is still in the library, so it is not offered either.
    parks = write_pdf(tmp_path / "parks.pdf", ["Park visits in Melton, 2024."])
    _upload_one(admin, "parks.pdf", parks.read_bytes())
    shadow = _home(library, "parks.pdf")
    first = library.catalogue.file(str(shadow))
    assert first is not None and first.doc_id is not None
    library.catalogue.record_outcome(FileOutcome(str(shadow), shadow.name, "failed", "Unreadable."))
    again = library.catalogue.file(str(shadow))
    assert again is not None and again.outcome == "failed" and again.doc_id is None
    assert library.catalogue.unindexed_files([str(shadow), str(kept)], {"failed"}) == set()
    page = admin.get("/admin/status").text
    assert f'name="path" value="{home}"' not in page
    assert f'name="path" value="{kept}"' not in page
    assert f'name="path" value="{shadow}"' not in page

    for path in (home, kept, shadow):
        before = library.catalogue.file(str(path))
        response = _remove(admin, str(path))
        assert response.status_code == 404
        assert library.catalogue.file(str(path)) == before
        assert path.is_file()
    assert library.catalogue.document(indexed.doc_id) is not None
    assert library.catalogue.document(first.doc_id) is not None


@pytest.mark.parametrize(
    "name",
    [
        "../x",
        "../../catalogue.sqlite",
        "/etc/passwd",
        "files/bystander.pdf/bystander.pdf",
        "bystander.pdf",
        "",
        "bystander\x00.pdf",
    ],
)
def test_a_name_not_listed_as_failed_is_refused_and_nothing_is_deleted(
    clients: dict[str, TestClient], library: Library, name: str
) -> None:
    # An upload's home with no row, and the catalogue itself, right beside the names tried.
    bystander = _home(library, "bystander.pdf")
    bystander.parent.mkdir(parents=True, exist_ok=True)
    bystander.write_bytes(BROKEN)
    counts = library.catalogue.file_counts()

    response = _remove(clients["admin"], name)

    assert 400 <= response.status_code < 500
    assert "Traceback" not in response.text
    assert bystander.read_bytes() == BROKEN
    assert library.settings.catalogue_path.is_file()
    assert library.catalogue.file_counts() == counts


def test_an_absolute_path_in_the_upload_folder_but_not_listed_is_refused(
    clients: dict[str, TestClient], library: Library
) -> None:
    stray = _home(library, "stray.pdf")
    stray.parent.mkdir(parents=True, exist_ok=True)
    stray.write_bytes(BROKEN)

    response = _remove(clients["admin"], str(stray))

    assert response.status_code == 404
    assert stray.read_bytes() == BROKEN


def test_a_listed_path_that_leads_out_of_the_upload_folder_deletes_nothing(
    clients: dict[str, TestClient], library: Library, tmp_path: Path
) -> None:
    """A row whose path climbs out with `..`, or reaches out through a link, is forgotten (it
    is a listed failure) but what it points at is never deleted."""
    victim = tmp_path / "victim.pdf"
    victim.write_bytes(BROKEN)
    homes = library.settings.uploads_dir.resolve() / "files"
    climbing = f"{homes}/climb.pdf/../../../../{victim.relative_to('/')}"
    link = homes / "link.pdf" / "link.pdf"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(victim)
    for path in (climbing, str(link)):
        library.catalogue.record_outcome(FileOutcome(path, Path(path).name, "failed", "Broken."))

        response = _remove(clients["admin"], path)

        assert response.status_code == 303
        assert library.catalogue.file(path) is None
        assert victim.read_bytes() == BROKEN
    assert link.is_symlink()


def test_visitors_and_other_roles_cannot_remove_a_file(
    clients: dict[str, TestClient], library: Library, tmp_path: Path
) -> None:
    path = _failed_elsewhere(library, tmp_path, "guarded.pdf")
    visitor = clients["visitor"].post(
        "/admin/files/remove", data={"path": str(path)}, follow_redirects=False
    )
    assert visitor.status_code == 401
    staff = _remove(clients["staff"], str(path))
    assert staff.status_code == 403
    _left_alone(library, path)


def _left_alone(library: Library, path: Path) -> None:
    """The refused removal changed nothing: the file is still listed and still on disk."""
    assert library.catalogue.file(str(path)) is not None
    assert path.is_file()


def test_a_removal_from_another_site_or_without_the_form_token_is_refused(
    clients: dict[str, TestClient], library: Library, tmp_path: Path
) -> None:
    path = _failed_elsewhere(library, tmp_path, "forged.pdf")
    admin = clients["admin"]
    foreign = _remove(admin, str(path), Origin="https://evil.example")
    assert foreign.status_code == 403
    no_token = admin.post(
        "/admin/files/remove", data={"path": str(path), "csrf": "nope"}, follow_redirects=False
    )
    assert no_token.status_code == 403
    _left_alone(library, path)


def test_a_removal_waits_for_no_ingest_and_changes_nothing_while_one_runs(
    clients: dict[str, TestClient], library: Library, tmp_path: Path
) -> None:
    path = _failed_elsewhere(library, tmp_path, "busy.pdf")
    lock: IngestLock = clients["admin"].app.state.ingest_lock  # type: ignore[attr-defined]
    with lock.hold(Holder.INGEST):
        response = _remove(clients["admin"], str(path))
    assert response.status_code == 409
    assert re.search(r"The library is busy with another change \(an ingest", response.text)
    _left_alone(library, path)


def test_a_file_the_site_cannot_delete_stays_listed_with_a_plain_answer(
    clients: dict[str, TestClient], library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = clients["admin"]
    _upload_one(admin, "locked.pdf", BROKEN)
    home = _home(library, "locked.pdf")
    before = library.catalogue.file(str(home))
    assert before is not None and before.outcome == "failed"

    def refuse(uploads_dir: Path, path: str) -> bool:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(routes_admin, "delete_upload", refuse)
    response = _remove(admin, str(home))
    assert response.status_code == 409
    assert "could not be deleted from the upload folder" in response.text
    assert "Traceback" not in response.text
    after = library.catalogue.file(str(home))
    assert after is not None and (after.outcome, after.reason) == (before.outcome, before.reason)
    assert home.is_file()
    assert library.catalogue.file_counts() == _counted_from_rows(library)
