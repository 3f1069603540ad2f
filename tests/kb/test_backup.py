"""`kb backup` copies the index while the site serves it; `kb restore` brings the copy back (only
when nothing owns the index) and the same queries get the same answers."""

from __future__ import annotations

import json
import re
import shutil
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

from ingest.pipeline import Ingester
from kb.cli import app as cli
from search.backup import BackupError, restore_backup, write_backup
from search.curation import delete_document, has_deleted_traces
from search.library import Library
from search.models.encoder import Encoder
from search.schema import Filters
from search.settings import Settings
from tests.doubles import HashingEncoder
from tests.libraries import copy_library, files_holding
from tests.pdfs import write_pdf
from web.app import create_app
from web.ingest_lock import Holder, IngestLock
from web.users import UserStore

# Starlette warns that its test client runs on httpx rather than httpx2: its choice, not ours.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TOKEN = "backup-test-token"
QUERIES = ["damp and mould in rented homes", "lonely older people", "school meals", "bus routes"]
FIRST = {
    "housing": "Cold and damp homes in the private rented sector cause mould and asthma.",
    "lonely": "Older people in rural villages feel lonely when the bus service stops running.",
    "meals": "Free school meals improve attendance and concentration in primary schools.",
}


def _answers(library: Library) -> list[list[tuple[str, str, int, float]]]:
    out = []
    for query in QUERIES:
        results = library.searcher.search(query, Filters())
        out.append(
            [
                (r.doc_id, p.text, p.page_start, round(p.score, 5))
                for r in results.documents
                for p in r.passages
            ]
        )
    return out


def _ingest(library: Library, folder: Path) -> None:
    Ingester(library.index, library.settings.chunks, parse_workers=1).run([folder], prune=True)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        web={"admin_token": SecretStr(TOKEN)},  # type: ignore[arg-type]
    )


def _write_first(folder: Path) -> Path:
    for name, sentence in FIRST.items():
        write_pdf(folder / f"{name}.pdf", [f"{sentence} " * 4], title=name.title())
    return folder


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return _write_first(tmp_path / "pdfs")


@pytest.fixture
def double() -> Encoder:
    """Backups copy what is stored and the answers must come back the same: plumbing, so the
    deterministic double stands in for the model (the `kb` commands below need the real one)."""
    return HashingEncoder()


@pytest.fixture
def library(settings: Settings, double: Encoder, folder: Path) -> Iterator[Library]:
    """The first reports ingested from the test's own folder (for a test that changes it)."""
    opened = Library.open(settings, encoder=double)
    _ingest(opened, folder)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first reports ingested once, for tests that back up or guard what is there."""
    root = tmp_path_factory.mktemp("built")
    opened = Library.open(Settings(data_dir=root / "data"), encoder=HashingEncoder())
    try:
        _ingest(opened, _write_first(root / "pdfs"))
    finally:
        opened.close()
    return root / "data"


@pytest.fixture
def library_copy(settings: Settings, double: Encoder, built: Path) -> Iterator[Library]:
    copy_library(built, settings.data_dir)
    opened = Library.open(settings, encoder=double)
    assert opened.catalogue.stats()["documents"] == len(FIRST)
    yield opened
    opened.close()


def _site(settings: Settings, library: Library) -> TestClient:
    app = create_app(settings, library=library)
    return TestClient(
        app, client=("127.0.0.1", 50000), headers={"Authorization": f"Bearer {TOKEN}"}
    )


def test_backup_made_by_the_running_site_restores_to_the_same_answers(
    settings: Settings, library: Library, double: Encoder, folder: Path
) -> None:
    before = _answers(library)
    assert any(before)
    with _site(settings, library) as site:
        response = site.post("/api/admin/backup")
        assert response.status_code == 200, response.text
    made: dict[str, Any] = response.json()
    assert made["documents"] == 3 and made["chunks"] == library.store.count()
    backup = Path(made["path"])
    assert backup.is_relative_to(settings.data_dir)

    # The index moves on after the backup: one report withdrawn, another added.
    (folder / "meals.pdf").unlink()
    write_pdf(folder / "air.pdf", ["Air pollution near busy roads harms breathing. " * 4])
    _ingest(library, folder)
    assert _answers(library) != before
    library.close()

    restore_backup(settings, backup)
    restored = Library.open(settings, encoder=double)
    try:
        assert _answers(restored) == before
        assert restored.catalogue.stats()["documents"] == 3
        assert set(restored.store.facet("doc_id")) == restored.catalogue.doc_ids()
    finally:
        restored.close()
    # What the restore replaced is kept, not deleted.
    kept = list((settings.data_dir / "before-restore").iterdir())
    assert len(kept) == 1 and (kept[0] / "catalogue.sqlite").is_file()


def test_restore_refuses_while_the_index_is_open(
    settings: Settings, library_copy: Library, tmp_path: Path
) -> None:
    from search.backup import write_backup

    backup = tmp_path / "copy"
    write_backup(library_copy.store, library_copy.catalogue, settings, backup)
    with pytest.raises(BackupError, match="Stop the site first"):
        restore_backup(settings, backup)
    assert library_copy.catalogue.stats()["documents"] == 3
    assert not (settings.data_dir / "before-restore").exists()


@pytest.mark.parametrize(
    ("holder", "words"),
    [
        (Holder.INGEST, "busy with another change (an ingest)"),
        (Holder.DELETION, "(deleting a document, or clearing one"),
        (Holder.BACKUP, "busy with another change (a backup)"),
    ],
)
def test_site_refuses_a_backup_while_another_change_runs_and_says_which(
    settings: Settings, library_copy: Library, holder: Holder, words: str
) -> None:
    with _site(settings, library_copy) as site:
        lock: IngestLock = site.app.state.ingest_lock  # type: ignore[attr-defined]
        with lock.hold(holder):
            response = site.post("/api/admin/backup")
    assert response.status_code == 409
    assert words in response.json()["detail"]


def test_a_backup_made_before_a_deletion_was_cleared_does_not_hold_it(
    settings: Settings, library_copy: Library, tmp_path: Path
) -> None:
    """Deleted for good, but the site stopped before clearing the files: the backup clears
    them first, so the copy cannot bring the document's words back."""
    (lonely,) = [r for r in library_copy.catalogue.documents() if r.meta.title == "Lonely"]
    delete_document(library_copy.store, library_copy.catalogue, lonely.doc_id)
    assert files_holding(settings.data_dir / "qdrant", b"bus service")  # not yet cleared
    info = write_backup(
        library_copy.store, library_copy.catalogue, settings, tmp_path / "after-deletion"
    )
    assert info.documents == len(FIRST) - 1
    assert files_holding(tmp_path / "after-deletion", b"bus service") == []
    assert files_holding(tmp_path / "after-deletion", b"school meals")  # the rest is there
    assert not has_deleted_traces(library_copy.catalogue)


def test_backup_needs_the_admin_token(settings: Settings, library_copy: Library) -> None:
    with _site(settings, library_copy) as site:
        response = site.post("/api/admin/backup", headers={"Authorization": "Bearer wrong"})
    assert response.status_code == 401
    assert not (settings.data_dir / "backups").exists()


def test_restore_refuses_a_folder_that_is_not_a_backup(settings: Settings, tmp_path: Path) -> None:
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "backup.json").write_text("{not json")
    with pytest.raises(BackupError, match="not a backup"):
        restore_backup(settings, tmp_path / "junk")


def test_commands_back_up_and_restore_when_no_site_runs(
    settings: Settings, encoder: Encoder, folder: Path, tmp_path: Path
) -> None:
    # The commands open the library with the configured model: so does this test.
    library = Library.open(settings, encoder=encoder)
    _ingest(library, folder)
    documents = library.catalogue.stats()["documents"]
    library.close()
    env = {"KB_DATA_DIR": str(settings.data_dir)}
    runner = CliRunner()
    made = runner.invoke(cli, ["backup", str(tmp_path / "nightly")], env=env)
    assert made.exit_code == 0, made.output
    again = runner.invoke(cli, ["backup", str(tmp_path / "nightly")], env=env)
    assert again.exit_code == 2 and "not an empty folder" in again.output
    back = runner.invoke(cli, ["restore", str(tmp_path / "nightly")], env=env)
    assert back.exit_code == 0, back.output
    assert "kept in" in back.output
    assert "uploaded files and the accounts from" in back.output
    reopened = Library.open(settings, encoder=encoder)
    try:
        assert reopened.catalogue.stats()["documents"] == documents
    finally:
        reopened.close()


def test_a_reply_that_is_not_json_is_read_as_empty_not_a_crash() -> None:
    import httpx

    from kb.handoff import read_reply

    assert read_reply(httpx.Response(400, text="Invalid host header")) == {}
    assert read_reply(httpx.Response(502, text="<html>Bad gateway</html>")) == {}
    assert read_reply(httpx.Response(200, json=["not", "a", "dict"])) == {}
    assert read_reply(httpx.Response(200, json={"path": "/x"})) == {"path": "/x"}


PASSWORD = "river lamp orchard 1977"
UPLOADED = "Warm home grants cut damp and mould in private rented housing. " * 4


def _with_upload_and_account(settings: Settings, double: Encoder) -> tuple[Library, str, str]:
    """A library holding one file uploaded in the browser (kept only under the data folder)
    and one account signed in: the document's id and the session's secret id."""
    # Where the site keeps an uploaded file once accepted (web.uploads: one home per name).
    upload = settings.uploads_dir / "files" / "warm-homes.pdf" / "warm-homes.pdf"
    write_pdf(upload, [UPLOADED], title="Warm homes")
    library = Library.open(settings, encoder=double)
    _ingest(library, upload.parent)
    doc_id = next(r.doc_id for r in library.catalogue.documents())
    users = UserStore(settings.users_path)
    try:
        users.add_user("dana", "admin", PASSWORD)
        user = users.check_password("dana", PASSWORD)
        assert user is not None
        session_id, _ = users.start_session(user, 3600)
    finally:
        users.close()
    return library, doc_id, session_id


def _signs_in(client: TestClient, name: str, password: str) -> bool:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/sign-in").text)
    assert token is not None
    response = client.post(
        "/sign-in",
        data={"name": name, "password": password, "csrf": token.group(1)},
        follow_redirects=False,
    )
    return response.status_code == 303


def test_a_backup_rebuilds_the_service_on_a_new_disk(tmp_path: Path, double: Encoder) -> None:
    old = Settings(data_dir=tmp_path / "old" / "data", web={"admin_token": SecretStr(TOKEN)})  # type: ignore[arg-type]
    library, doc_id, session_id = _with_upload_and_account(old, double)
    original = Path(library.catalogue.document(doc_id).path).read_bytes()  # type: ignore[union-attr]
    # The site's own backup (what `kb backup` asks for while the site runs), taken off the disk.
    with _site(old, library) as site:
        response = site.post("/api/admin/backup")
    assert response.status_code == 200, response.text
    assert response.json()["uploaded_files"] >= 1
    safe = tmp_path / "offsite"
    shutil.move(response.json()["path"], safe)
    library.close()
    shutil.rmtree(tmp_path / "old")  # the data disk is lost

    new = Settings(data_dir=tmp_path / "new" / "data", web={"admin_token": SecretStr(TOKEN)})  # type: ignore[arg-type]
    restore_backup(new, safe)
    restored = Library.open(new, encoder=double)
    try:
        record = restored.catalogue.document(doc_id)
        assert record is not None
        assert Path(record.path).is_relative_to(new.uploads_dir.resolve())
        assert restored.catalogue.file(record.path) is not None  # its file's outcome moved too
        site = TestClient(create_app(new, library=restored))
        with site:
            opened = site.get(f"/documents/{doc_id}/file")
            assert opened.status_code == 200
            assert opened.content == original
            assert _signs_in(site, "dana", PASSWORD)
            assert not _signs_in(TestClient(site.app), "dana", "not the password at all")
    finally:
        restored.close()
    users = UserStore(new.users_path)
    try:
        # Everyone signs in again: a session from before the backup does not come back.
        assert users.session(session_id) is None
        assert [u.name for u in users.users()] == ["dana"]
    finally:
        users.close()


def test_an_older_backup_without_uploads_restores_and_keeps_them(
    settings: Settings, double: Encoder, tmp_path: Path
) -> None:
    from search.backup import write_backup

    library, doc_id, _ = _with_upload_and_account(settings, double)
    backup = tmp_path / "old-format"
    write_backup(library.store, library.catalogue, settings, backup)
    library.close()
    # What `kb backup` wrote before uploads and accounts were part of a backup.
    manifest = json.loads((backup / "backup.json").read_text())
    del manifest["uploads_dir"], manifest["uploaded_files"]
    (backup / "backup.json").write_text(json.dumps({**manifest, "format": 1}))
    shutil.rmtree(backup / "uploads")
    (backup / "users.sqlite").unlink()

    info, kept = restore_backup(settings, backup)
    assert info.uploads_dir == "" and not (kept / "uploads").exists()
    restored = Library.open(settings, encoder=double)
    try:
        record = restored.catalogue.document(doc_id)
        assert record is not None and Path(record.path).is_file()
    finally:
        restored.close()
    users = UserStore(settings.users_path)
    try:
        assert users.check_password("dana", PASSWORD) is not None
    finally:
        users.close()


def test_a_backup_inside_the_data_folder_is_refused(
    settings: Settings, library_copy: Library
) -> None:
    env = {"KB_DATA_DIR": str(settings.data_dir)}
    inside = settings.data_dir / "backups" / "nightly"
    result = CliRunner().invoke(cli, ["backup", str(inside)], env=env)
    assert result.exit_code == 2
    assert "inside the library's data folder" in result.output
    assert "Traceback" not in result.output
    assert not inside.exists()


def test_a_restore_that_fails_part_way_puts_the_library_back(
    tmp_path: Path, double: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Half a restore is no library: when a late step fails (here the accounts' copy, as a full
    disk would), what was moved aside comes back and the message says so."""
    settings = Settings(data_dir=tmp_path / "data", web={"admin_token": SecretStr(TOKEN)})  # type: ignore[arg-type]
    library, doc_id, session_id = _with_upload_and_account(settings, double)
    original = Path(library.catalogue.document(doc_id).path).read_bytes()  # type: ignore[union-attr]
    with _site(settings, library) as site:
        response = site.post("/api/admin/backup")
    assert response.status_code == 200, response.text
    documents = library.catalogue.stats()["documents"]
    library.close()

    def full_disk(*args: Any, **kwargs: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("search.backup.copy_database", full_disk)
    with pytest.raises(BackupError, match="put back as it was"):
        restore_backup(settings, Path(response.json()["path"]))
    monkeypatch.undo()
    reopened = Library.open(settings, encoder=double)
    try:
        assert reopened.catalogue.stats()["documents"] == documents
        record = reopened.catalogue.document(doc_id)
        assert record is not None and Path(record.path).read_bytes() == original
        assert reopened.store.count() > 0
    finally:
        reopened.close()
    users = UserStore(settings.users_path)
    try:
        assert users.session(session_id) is not None  # the accounts it had, sessions and all
    finally:
        users.close()
