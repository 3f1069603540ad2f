"""The admin's "Check the document's details" form: an answer that is too long comes back on
the form with a message beside its field, and the type of document is chosen from a list."""

from __future__ import annotations

import html
import re

from ingest.describing import ACADEMIC, COUNCIL, GOVERNMENT, OTHER
from search.library import Library
from tests.accounts.conftest import csrf_of, doc_id_of
from web.kinds import KINDS


def _post(admin, doc_id: str, **fields: str):  # type: ignore[no-untyped-def]
    values = {"title": "Damp homes", "organisation": "", "year": "", "kind": "report"}
    data = {"csrf": csrf_of(admin), "access": "public", **values, **fields}
    return admin.post(f"/admin/documents/{doc_id}", data=data, follow_redirects=False)


def _error_beside(page: str, field: str) -> str:
    found = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', page, re.S)
    assert found is not None, f"no error beside {field}"
    return " ".join(re.sub("<[^>]+>", " ", found.group(1)).split())


def test_an_overlong_answer_comes_back_with_a_message_beside_its_field(
    clients, access_library: Library
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    doc_id = doc_id_of(access_library, "open.pdf")
    before = access_library.catalogue.document(doc_id)
    long_title = "Damp " * 61  # 305 characters, 304 once tidied
    bad = _post(admin, doc_id, title=long_title, organisation="Open Housing Forum")
    assert bad.status_code == 400
    page = html.unescape(bad.text)
    assert _error_beside(page, "title") == "Error: Enter a title of 300 characters or fewer."
    assert 'href="#title"' in bad.text  # the summary leads to the field
    assert f'value="{long_title}"' in page and 'value="Open Housing Forum"' in page  # kept
    assert 'aria-describedby="title-error"' in page
    bad = _post(admin, doc_id, organisation="Council " * 40)
    assert _error_beside(html.unescape(bad.text), "organisation") == (
        "Error: Enter an organisation of 300 characters or fewer."
    )
    assert 'id="title-error"' not in bad.text
    bad = _post(admin, doc_id, year="20x4")
    assert "four numbers" in _error_beside(html.unescape(bad.text), "year")
    assert access_library.catalogue.document(doc_id) == before


def test_the_type_of_document_is_chosen_from_the_known_kinds(
    clients, access_library: Library
) -> None:  # type: ignore[no-untyped-def]
    assert {COUNCIL, GOVERNMENT, ACADEMIC, OTHER} <= set(KINDS)
    admin = clients["admin"]
    doc_id = doc_id_of(access_library, "partner.pdf")
    form = html.unescape(admin.get(f"/admin/documents/{doc_id}").text)
    options = re.findall(r'<option value="([^"]*)"( selected)?>', form)
    values = [value for value, _ in options]
    assert set(KINDS) <= set(values) and "" in values
    assert [value for value, selected in options if selected] == ["report"]  # from the manifest
    made_up = "x" * 300
    bad = _post(admin, doc_id, kind=made_up)
    assert bad.status_code == 400
    assert _error_beside(html.unescape(bad.text), "kind") == (
        "Error: Choose the type of document from the list."
    )
    assert made_up not in access_library.catalogue.kinds()
    saved = _post(admin, doc_id, title="Partner draft", kind="evaluation")
    assert saved.status_code == 303
    record = access_library.catalogue.document(doc_id)
    assert record is not None and record.meta.kind == "evaluation"
    again = html.unescape(admin.get(f"/admin/documents/{doc_id}").text)
    assert re.findall(r'<option value="([^"]*)" selected>', again) == ["evaluation"]
