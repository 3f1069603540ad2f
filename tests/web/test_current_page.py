"""One element at most tells a screen reader which page this is: the service navigation's item
when its link is this very page, otherwise the breadcrumbs' last item."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.markup import current_page_marks

DOCUMENT = "housing-damp.pdf"

# Every kind of page a visitor can reach, with the status it answers with.
PAGE_TYPES = {
    "home": ("/", 200),
    "search": ("/search?q=cold+homes", 200),
    "no-strong-match": ("/search?q=quantum+chromodynamics", 200),
    "empty-search": ("/search?q=", 400),
    "by-determinant": ("/search/by-determinant?q=cold+homes", 200),
    "determinants": ("/determinants", 200),
    "determinant": ("/determinants/housing", 200),
    "determinant-documents": ("/determinants/housing/documents", 200),
    "unknown-determinant": ("/determinants/nothing", 404),
    "document": ("/documents/{doc_id}", 200),
    "page-text": ("/documents/{doc_id}/pages/1", 200),
    "related": ("/documents/{doc_id}/related", 200),
    "api-docs": ("/docs", 200),
    "accessibility": ("/accessibility", 200),
    "privacy": ("/privacy", 200),
    "sign-in": ("/sign-in", 200),
    "not-found": ("/no/such/page", 404),
}


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_at_most_one_element_says_it_is_the_current_page(
    client: TestClient, doc_ids: dict[str, str], name: str
) -> None:
    address, status = PAGE_TYPES[name]
    response = client.get(address.format(doc_id=doc_ids[DOCUMENT]))
    assert response.status_code == status
    marks = current_page_marks(response.text)
    assert len(marks) <= 1, f"{name}: {len(marks)} elements say they are the current page: {marks}"


def test_the_search_item_is_the_current_page_only_on_the_search_page_itself(
    client: TestClient,
) -> None:
    """Its link goes to the home page; on the results and by-determinant pages the visitor is
    in the search part of the site, not on that page, and the breadcrumbs name the page."""
    item = '<a class="govuk-service-navigation__link" href="/" aria-current="{}">'
    assert item.format("page") in client.get("/").text
    results = client.get("/search?q=cold+homes").text
    assert item.format("true") in results
    by_determinant = client.get("/search/by-determinant?q=cold+homes").text
    assert item.format("true") in by_determinant
    assert current_page_marks(by_determinant) == [
        '<li class="govuk-breadcrumbs__list-item" aria-current="page">'
    ]
