"""Withdrawing, bringing back and removing a document over the JSON API: admins only, with
their session's token (a script signed in as a person) or the machine token (`kb remove`)."""

from __future__ import annotations

from typing import Any

from search.library import Library
from search.schema import Filters
from tests.accounts.conftest import SECRETS, csrf_of, doc_id_of


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
    lock = app.state.ingest_lock
    assert lock.acquire(blocking=False)
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
