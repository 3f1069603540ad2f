"""A withdrawn document's own addresses answer alike as a page and as JSON, for every role: an
admin opens each (the JSON saying it is withdrawn), everyone else gets the 404 an unknown
document gets, and nothing withdrawn is listed among other documents."""

from __future__ import annotations

import pytest

from search.library import Library
from search.schema import ALL_ACCESS, Filters
from tests.accounts.conftest import SECRETS, WITHDRAWN_FILE, doc_id_of

ROLES = ("visitor", "partner", "staff", "admin")
UNKNOWN_ID = "0" * 20


def _a_chunk_of(library: Library, doc_id: str) -> str:
    hits = library.store.chunks(Filters(doc_ids=(doc_id,), access_levels=ALL_ACCESS), limit=1)
    assert hits, "the withdrawn document has no passages to ask about"
    return hits[0].id


def _twins(doc_id: str, chunk: str) -> list[tuple[str, str]]:
    """Each page of one document beside the API address that gives the same thing as JSON."""
    return [
        (f"/documents/{doc_id}", f"/api/documents/{doc_id}"),
        (f"/documents/{doc_id}/pages/1", f"/api/documents/{doc_id}/pages/1"),
        (f"/documents/{doc_id}/related", f"/api/documents/{doc_id}/related"),
        (
            f"/documents/{doc_id}/related?chunk={chunk}",
            f"/api/documents/{doc_id}/related?chunk={chunk}",
        ),
    ]


def _own_downloads(doc_id: str) -> list[str]:
    return [
        f"/documents/{doc_id}/file",
        f"/documents/{doc_id}/cite.ris",
        f"/documents/{doc_id}/cite.bib",
    ]


@pytest.mark.parametrize("role", ROLES)
def test_a_withdrawn_documents_page_and_json_answer_alike(role, clients, access_library) -> None:  # type: ignore[no-untyped-def]
    client = clients[role]
    doc_id = doc_id_of(access_library, WITHDRAWN_FILE)
    expected = 200 if role == "admin" else 404
    for page, api in _twins(doc_id, _a_chunk_of(access_library, doc_id)):
        answers = (client.get(page).status_code, client.get(api).status_code)
        assert answers == (expected, expected), (page, api, answers)
    for path in _own_downloads(doc_id):
        assert client.get(path).status_code == expected, path


@pytest.mark.parametrize("role", ("visitor", "partner", "staff"))
def test_a_withdrawn_document_is_not_found_as_an_unknown_one_is(
    role, clients, access_library
) -> None:  # type: ignore[no-untyped-def]
    """Below admin, the answer about a withdrawn document cannot be told from one about an id
    that was never used: the same status and words, and none of its own."""
    client = clients[role]
    secret = next(s for s in SECRETS if s.file == WITHDRAWN_FILE)
    doc_id = doc_id_of(access_library, WITHDRAWN_FILE)
    chunk = _a_chunk_of(access_library, doc_id)
    for page, api in _twins(doc_id, chunk):
        for path in (page, api):
            withdrawn = client.get(path)
            unknown = client.get(path.replace(doc_id, UNKNOWN_ID))
            assert withdrawn.status_code == unknown.status_code == 404, path
            body = withdrawn.text.lower()
            assert secret.word not in body and secret.title.lower() not in body, path
    same = client.get(f"/api/documents/{doc_id}").json()
    assert same == client.get(f"/api/documents/{UNKNOWN_ID}").json()


def test_an_admin_sees_in_the_json_which_document_is_withdrawn(clients, access_library) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    withdrawn_id = doc_id_of(access_library, WITHDRAWN_FILE)
    for secret in SECRETS:
        doc_id = doc_id_of(access_library, secret.file)
        answer = admin.get(f"/api/documents/{doc_id}")
        assert answer.status_code == 200, secret.file
        document = answer.json()
        assert document["doc_id"] == doc_id
        assert document["withdrawn"] is (doc_id == withdrawn_id), secret.file
    # Its page's text too, as its page shows it to an admin.
    page = admin.get(f"/api/documents/{withdrawn_id}/pages/1").json()
    assert "vexmoorish" in page["text"]


@pytest.mark.parametrize("role", ROLES)
def test_no_withdrawn_document_is_related_to_another(role, clients, access_library) -> None:  # type: ignore[no-untyped-def]
    client = clients[role]
    withdrawn_id = doc_id_of(access_library, WITHDRAWN_FILE)
    open_id = doc_id_of(access_library, "open.pdf")
    asked = [open_id, withdrawn_id] if role == "admin" else [open_id]
    for doc_id in asked:
        chunk = _a_chunk_of(access_library, doc_id)
        for query in ("", f"?chunk={chunk}"):
            answer = client.get(f"/api/documents/{doc_id}/related{query}")
            assert answer.status_code == 200, (doc_id, query)
            listed = {d["doc_id"] for d in answer.json()["documents"]}
            assert withdrawn_id not in listed
            page = client.get(f"/documents/{doc_id}/related{query}").text
            assert "Withdrawn paper" not in page or doc_id == withdrawn_id
