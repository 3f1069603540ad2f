"""The admin's "Check the document's details" form: an answer that is too long comes back on
the form with a message beside its field, and the type of document is chosen from a list."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest

from ingest.describing import ACADEMIC, COUNCIL, GOVERNMENT, OTHER
from search.library import Library
from tests.accounts.conftest import csrf_of, doc_id_of
from web.kinds import KINDS


def _post(admin, doc_id: str, **fields: str):  # type: ignore[no-untyped-def]
    values = {"title": "Damp homes", "organisation": "", "year": "", "kind": "report"}
    if "authors" in fields:
        values["with_authors"] = "1"  # as the form sends it
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
    # Four figures but no year a document can have: said as a range, not as "four numbers".
    latest = date.today().year + 1
    for year in ("1066", str(latest + 1), "9999"):
        bad = _post(admin, doc_id, year=year)
        assert bad.status_code == 400, year
        assert _error_beside(html.unescape(bad.text), "year") == (
            f"Error: Enter a year from 1900 to {latest}, or leave it empty."
        )
    # Every answer to change is said beside its box and in the summary, in the form's order.
    bad = _post(admin, doc_id, title=" ", year="20x3", kind="bogus")
    assert bad.status_code == 400
    page = html.unescape(bad.text)
    expected = {
        "title": "Error: Enter a title.",
        "year": "Error: Enter the year as four numbers, like 2024, or leave it empty.",
        "kind": "Error: Choose the type of document from the list.",
    }
    for field, message in expected.items():
        assert _error_beside(page, field) == message
    summary = re.search(r'class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary is not None
    assert re.findall(r'href="#(\w+)"', summary.group(0)) == ["title", "year", "kind"]
    assert 'value="20x3"' in page  # each answer shown back as typed
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


def test_an_admin_sets_the_authors_a_citation_names(clients, access_library: Library) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    doc_id = doc_id_of(access_library, "open.pdf")
    form = html.unescape(admin.get(f"/admin/documents/{doc_id}").text)
    assert '<textarea class="govuk-textarea" id="authors" name="authors"' in form
    saved = _post(
        admin, doc_id, year="2021", authors="Williams, Luke\n\n Buck,  David ;Williams, Luke"
    )
    assert saved.status_code == 303
    record = access_library.catalogue.document(doc_id)
    assert record is not None and record.meta.authors == ["Williams, Luke", "Buck, David"]
    page = html.unescape(admin.get(f"/documents/{doc_id}").text)
    assert "Williams, L. and Buck, D. (2021)" in page
    assert "Buck, David" in html.unescape(admin.get(f"/admin/documents/{doc_id}").text)
    # Emptied, the citation names the organisation; a form without the box leaves them.
    _post(admin, doc_id, organisation="Open Housing Forum", year="2021", authors="")
    record = access_library.catalogue.document(doc_id)
    assert record is not None and record.meta.authors == []
    assert "Open Housing Forum (2021)" in html.unescape(admin.get(f"/documents/{doc_id}").text)
    too_many = "\n".join(f"Person {n}" for n in range(51))
    bad = _post(admin, doc_id, authors=too_many)
    assert _error_beside(html.unescape(bad.text), "authors") == "Error: Enter 50 authors or fewer."


# A page pasted into each box: far past the 300 characters an answer may have, and past what
# FastAPI was once told to take (20,000), which refused the form with the site's error page.
PASTED = "Damp and mould in cold homes harm the lungs of children. " * 600  # 34,200 characters
OVER_THE_CAP = {
    "title": "Error: Enter a title of 300 characters or fewer.",
    "organisation": "Error: Enter an organisation of 300 characters or fewer.",
    "year": "Error: Enter the year as four numbers, like 2024, or leave it empty.",
    "kind": "Error: Choose the type of document from the list.",
    "access": "Error: Choose who can see the document.",
    "authors": "Error: Enter each author in 300 characters or fewer, one a line.",
}


@pytest.mark.parametrize("field", list(OVER_THE_CAP))
def test_a_pasted_page_in_any_box_comes_back_on_the_form_and_saves_nothing(
    clients, access_library: Library, field: str
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    doc_id = doc_id_of(access_library, "open.pdf")
    before = access_library.catalogue.document(doc_id)
    kinds_before = access_library.catalogue.kinds()
    bad = _post(admin, doc_id, **{field: PASTED})
    assert bad.status_code == 400
    page = html.unescape(bad.text)
    assert "<title>Error: Change details of" in page  # the form, not the site's error page
    summary = re.search(r'class="govuk-error-summary".*?</ul>', page, re.S)
    assert summary is not None
    anchor = "access-public" if field == "access" else field
    assert f'href="#{anchor}"' in summary.group(0)
    assert OVER_THE_CAP[field].removeprefix("Error: ") in summary.group(0)
    assert _error_beside(page, field) == OVER_THE_CAP[field]
    assert access_library.catalogue.document(doc_id) == before
    assert access_library.catalogue.kinds() == kinds_before


def test_a_pasted_page_comes_back_in_its_box_cut_short(clients, access_library: Library) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    doc_id = doc_id_of(access_library, "open.pdf")
    page = html.unescape(_post(admin, doc_id, organisation=PASTED).text)
    shown = re.search(r'id="organisation" name="organisation" type="text" value="([^"]*)"', page)
    assert shown is not None
    assert PASTED.startswith(shown.group(1)) and 300 < len(shown.group(1)) < len(PASTED)
