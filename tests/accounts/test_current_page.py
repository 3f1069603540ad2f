"""The signed-in pages, like the public ones, have at most one element that tells a screen
reader it is the current page."""

from __future__ import annotations

import pytest

from search.library import Library
from tests.accounts.conftest import doc_id_of
from tests.markup import current_page_marks

ADMIN_PAGES = [
    "/admin",
    "/admin/status",
    "/admin/history",
    "/admin/audit",
    "/admin/upload",
    "/admin/users",
    "/admin/users/new",
    "/admin/users/password?name=partner-user",
    "/admin/users/role?name=partner-user",
    "/admin/users/remove?name=partner-user",
    "/admin/documents/{doc_id}",
    "/admin/documents/{doc_id}/delete",
    "/account",
]


@pytest.mark.parametrize("address", ADMIN_PAGES)
def test_an_admin_page_has_at_most_one_current_page(  # type: ignore[no-untyped-def]
    clients, access_library: Library, address: str
) -> None:
    doc_id = doc_id_of(access_library, "open.pdf")
    response = clients["admin"].get(address.format(doc_id=doc_id))
    assert response.status_code == 200
    marks = current_page_marks(response.text)
    assert len(marks) <= 1, f"{address}: {len(marks)} elements say they are the current page"


def test_the_admin_item_is_the_current_page_only_on_the_admin_home(clients) -> None:  # type: ignore[no-untyped-def]
    item = '<a class="govuk-service-navigation__link" href="/admin" aria-current="{}">'
    assert item.format("page") in clients["admin"].get("/admin").text
    assert item.format("true") in clients["admin"].get("/admin/status").text
