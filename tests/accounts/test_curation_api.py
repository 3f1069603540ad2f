"""Withdrawing, bringing back and removing a document over the JSON API: admins only, with
their session's token (a script signed in as a person) or the machine token (`kb remove`)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path
from typing import Any

from search.curation import TRACES_MARK, has_deleted_traces
from search.library import Library
from search.schema import Filters
from tests.accounts.conftest import SECRETS, csrf_of, doc_id_of
from tests.accounts.test_admin_browser_flows import _upload, _wait_for
from tests.libraries import files_holding
from tests.pdfs import write_pdf
from web.ingest_lock import Holder, IngestLock
from web.trace_clearing import ClearingState


def _found(client: Any, word: str) -> bool:
    answer = client.get("/api/search", params={"q": word})
    assert answer.status_code == 200
    return any(word in p["text"] for d in answer.json()["documents"] for p in d["passages"])


def test_only_an_admin_with_the_session_token_changes_a_document(  # type: ignore[no-untyped-def]
    clients, access_library: Library
) -> None:
    doc_id = doc_id_of(access_library, "open.pdf")
    path = f"/api/admin/documents/{doc_id}/withdraw"
    assert clients["visitor"].post(path).status_code == 401
    assert clients["staff"].post(path).status_code == 403
    admin = clients["admin"]
    assert admin.post(path).status_code == 403  # no token: a page on another site could send it
    assert admin.post(path, headers={"X-CSRF-Token": "guess"}).status_code == 403
    token = {"X-CSRF-Token": csrf_of(admin)}
    foreign = admin.post(path, headers={**token, "Origin": "https://evil.example"})
    assert foreign.status_code == 403
    assert _found(clients["visitor"], "sunlitvale")  # nothing changed so far

    withdrawn = admin.post(path, headers=token)
    assert withdrawn.status_code == 200, withdrawn.text
    assert withdrawn.json() == {
        "doc_id": doc_id,
        "title": "Public report on damp homes",
        "access": "withdrawn",
    }
    assert not _found(clients["visitor"], "sunlitvale")
    restored = admin.post(f"/api/admin/documents/{doc_id}/restore", headers=token)
    assert restored.status_code == 200 and restored.json()["access"] == "public"
    assert _found(clients["visitor"], "sunlitvale")
    audit = admin.get("/admin/audit").text
    assert "withdraw" in audit and "restore" in audit


def test_removing_takes_the_document_and_its_files_out_for_good(  # type: ignore[no-untyped-def]
    clients, access_library: Library, app
) -> None:
    admin = clients["admin"]
    token = {"X-CSRF-Token": csrf_of(admin)}
    doc_id = doc_id_of(access_library, "internal.pdf")
    paths = access_library.catalogue.paths_for(doc_id)
    assert paths and _found(clients["staff"], "quillonmere")

    # Not while an ingest runs: it may be writing this very document.
    lock: IngestLock = app.state.ingest_lock
    assert lock.take(Holder.INGEST, blocking=False)
    try:
        busy = admin.delete(f"/api/admin/documents/{doc_id}", headers=token)
    finally:
        lock.release()
    assert busy.status_code == 409 and "ingest" in busy.json()["detail"]
    assert access_library.catalogue.document(doc_id) is not None

    removed = admin.delete(f"/api/admin/documents/{doc_id}", headers=token)
    assert removed.status_code == 200, removed.text
    assert removed.json()["access"] == "removed"
    assert access_library.catalogue.document(doc_id) is None
    assert access_library.store.count(Filters(doc_ids=(doc_id,))) == 0
    # Its files are forgotten, so the next run of the folder reads them as new.
    assert all(access_library.catalogue.file(p) is None for p in paths)
    assert not _found(clients["staff"], "quillonmere")
    assert admin.delete(f"/api/admin/documents/{doc_id}", headers=token).status_code == 404
    # The other documents are untouched.
    others = {s.file for s in SECRETS} - {"internal.pdf"}
    assert {r.file_name for r in access_library.catalogue.documents()} >= others - {"withdrawn.pdf"}


def test_ids_that_are_not_documents_get_a_plain_404(clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    token = {"X-CSRF-Token": csrf_of(admin)}
    for doc_id in ("0" * 20, "x" * 5000, "%00"):
        answer = admin.post(f"/api/admin/documents/{doc_id}/withdraw", headers=token)
        assert answer.status_code == 404, (doc_id, answer.text)
        assert "not in the library" in answer.json()["detail"]
    # A path that climbs out matches no route at all.
    climbing = admin.post("/api/admin/documents/..%2F..%2Fetc/withdraw", headers=token)
    assert climbing.status_code == 404


def test_an_overlong_token_header_gets_a_plain_message(clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    answer = admin.post(
        f"/api/admin/documents/{'0' * 20}/withdraw", headers={"X-CSRF-Token": "a" * 5000}
    )
    assert answer.status_code == 400
    assert answer.json()["detail"] == (
        "The request's X-CSRF-Token header is not right. Check it and send the request again."
    )


def test_an_admin_deletes_a_document_for_good_from_its_page(  # type: ignore[no-untyped-def]
    clients, access_library: Library, tmp_path: Path, app
) -> None:
    """Read from a folder: the page warns that the folder keeps the file. Uploaded here: the
    uploaded copy goes too. Either way the admin confirms first, and the audit log says so."""
    admin = clients["admin"]
    doc_id = doc_id_of(access_library, "partner.pdf")
    page = admin.get(f"/documents/{doc_id}").text
    assert f'href="/admin/documents/{doc_id}/delete"' in page
    assert clients["staff"].get(f"/admin/documents/{doc_id}/delete").status_code == 403
    confirm = unescape(admin.get(f"/admin/documents/{doc_id}/delete").text)
    assert (
        "Are you sure you want to delete ‘Partner draft on zanzibarite homes’ for good?" in confirm
    )
    [folder_path] = access_library.catalogue.paths_for(doc_id)
    assert folder_path in confirm and "the next ingest of the folder will add it again" in confirm
    action = f"/admin/documents/{doc_id}/delete"
    assert admin.post(action, data={"csrf": "guess"}).status_code == 403
    assert access_library.catalogue.document(doc_id) is not None
    done = admin.post(action, data={"csrf": csrf_of(admin)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].startswith("/admin?deleted=")
    home = unescape(admin.get(done.headers["location"]).text)
    assert "Document deleted: Partner draft on zanzibarite homes" in home
    assert access_library.catalogue.document(doc_id) is None
    assert Path(folder_path).is_file()  # a folder's file is the server's to keep or delete
    assert "delete" in admin.get("/admin/audit").text
    # Its words leave the index's files in the background, beside searches.
    _wait_until_cleared(app)
    data = access_library.settings.data_dir
    assert files_holding(data / "qdrant", b"zanzibarite") == []
    # Only the audit log, which names what was deleted, by whom.
    assert {f.removesuffix("-wal") for f in files_holding(data, b"zanzibarite")} == {"users.sqlite"}
    assert not has_deleted_traces(access_library.catalogue)
    assert "app-clearing" not in admin.get("/admin").text

    text = "Uploaded note on brackenholt footpaths and damp in cold homes."
    pdf = write_pdf(tmp_path / "up" / "brackenholt.pdf", [text]).read_bytes()
    location = _upload(admin, [("brackenholt.pdf", pdf, "application/pdf")]).headers["location"]
    assert "Finished" in _wait_for(admin, location)
    uploaded = doc_id_of(access_library, "brackenholt.pdf")
    [upload_path] = access_library.catalogue.paths_for(uploaded)
    assert Path(upload_path).is_file()
    confirm = unescape(admin.get(f"/admin/documents/{uploaded}/delete").text)
    assert "Warning" not in confirm  # nothing outside the uploads folder
    done = admin.post(
        f"/admin/documents/{uploaded}/delete",
        data={"csrf": csrf_of(admin)},
        follow_redirects=False,
    )
    assert "its uploaded copy has been deleted" in admin.get(done.headers["location"]).text
    assert not Path(upload_path).exists()
    assert access_library.catalogue.document(uploaded) is None
    _wait_until_cleared(app)
    assert files_holding(access_library.settings.data_dir / "qdrant", b"brackenholt") == []


def _wait_until_cleared(app: Any, seconds: float = 60) -> None:
    clearing = app.state.trace_clearing
    deadline = time.monotonic() + seconds
    while clearing.state() is not None:
        assert time.monotonic() < deadline, "the deleted document's words were not cleared"
        time.sleep(0.05)


def test_the_admin_page_says_how_far_clearing_has_got(clients, app) -> None:  # type: ignore[no-untyped-def]
    clearing = app.state.trace_clearing
    clearing._state = ClearingState(1_500, 6_000)  # as a large clearing reports mid-way
    try:
        page = clients["admin"].get("/admin").text
    finally:
        clearing._state = None
    assert "Clearing deleted documents from the index files: 25% of the passages copied" in page
    assert "(1,500 of 6,000)" in page and "Searches and uploads go on meanwhile" in page
    clearing._state = ClearingState(6_000, 6_000)  # copied; the copy is being indexed
    try:
        page = clients["admin"].get("/admin").text
    finally:
        clearing._state = None
    assert "all 6,000 passages copied, now indexing them" in page
    assert "app-clearing" not in clients["admin"].get("/admin").text
    # Once done, the page says so for an hour, then says nothing.
    clearing._finished = None  # as if no clearing had run (an earlier test's did)
    assert "were cleared from the index files at" not in clients["admin"].get("/admin").text
    clearing._finished = (datetime.now(UTC) - timedelta(minutes=5), 6_000)
    try:
        done = clients["admin"].get("/admin").text
        clearing._finished = (datetime.now(UTC) - timedelta(hours=2), 6_000)
        later = clients["admin"].get("/admin").text
    finally:
        clearing._finished = None
    assert "Deleted documents were cleared from the index files at" in done
    assert "were cleared from the index files at" not in later


def test_an_admin_clears_what_older_deletions_left_once(  # type: ignore[no-untyped-def]
    clients, access_library: Library, app
) -> None:
    admin = clients["admin"]
    home = admin.get("/admin").text
    assert 'action="/admin/clear-deleted"' in home and "did not finish" not in home
    clearing = app.state.trace_clearing
    clearing._state = ClearingState(10, 20)  # one under way: asking again writes nothing
    try:
        busy = admin.post(
            "/admin/clear-deleted", data={"csrf": csrf_of(admin)}, follow_redirects=False
        )
    finally:
        clearing._state = None
    assert busy.status_code == 303 and not has_deleted_traces(access_library.catalogue)
    access_library.catalogue.set_mark(TRACES_MARK, 1)  # as after a clearing cut short
    assert "clearing them did not finish" in admin.get("/admin").text
    assert clients["staff"].post("/admin/clear-deleted", data={"csrf": "x"}).status_code == 403
    assert admin.post("/admin/clear-deleted", data={"csrf": "guess"}).status_code == 403
    before = access_library.store.count()
    done = admin.post("/admin/clear-deleted", data={"csrf": csrf_of(admin)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == "/admin"
    _wait_until_cleared(app)
    assert not has_deleted_traces(access_library.catalogue)
    assert access_library.store.count() == before  # nothing in the library is lost
    assert _found(clients["visitor"], "sunlitvale")
    assert "clear-deleted" in admin.get("/admin/audit").text


def test_a_script_without_the_sessions_token_is_told_which_header_to_send(clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    for headers in ({}, {"X-CSRF-Token": "stale"}):
        answer = admin.post(f"/api/admin/documents/{'0' * 20}/withdraw", headers=headers)
        assert answer.status_code == 403
        assert "X-CSRF-Token header" in answer.json()["detail"]
        assert "run out of time" not in answer.json()["detail"]
