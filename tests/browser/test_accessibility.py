"""Every kind of page passes axe-core's WCAG 2.2 A and AA rules in a real browser, and each is
photographed for people to read (docs/screenshots)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page

from tests.browser.checks import axe_violations, describe_violations, save_screenshot
from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser

DOCUMENT = "damp-homes.pdf"

# name -> (address, the status it should answer with, something the page must say)
PAGE_TYPES = {
    "home": ("/", 200, "Find local research evidence"),
    "search-results": (
        "/search?"
        + urlencode({"q": "cold homes", "organisation": "Leicestershire County Council"}),
        200,
        "Your filters",
    ),
    "no-strong-match": (
        "/search?" + urlencode({"q": "quantum chromodynamics"}),
        200,
        "No strong matches for",
    ),
    "no-results": (
        "/search?" + urlencode({"q": "damp", "year_from": "1990", "year_to": "1991"}),
        200,
        "No documents match",
    ),
    "search-by-determinant-filter": (
        "/search?" + urlencode({"q": "cold homes", "determinant": "housing", "local": "1"}),
        200,
        "Determinant: Housing and homelessness",
    ),
    "by-determinant": (
        "/search/by-determinant?" + urlencode({"q": "cold homes"}),
        200,
        "Best passage for each determinant",
    ),
    "determinants": ("/determinants", 200, "Wider determinants of health"),
    "determinant-housing": ("/determinants/housing", 200, "Strongest evidence"),
    "unknown-determinant": ("/determinants/nothing", 404, "We could not find that determinant"),
    "determinant-documents": ("/determinants/housing/documents", 200, "All documents about this"),
    "document": ("/documents/{doc_id}", 200, "Cite this document"),
    "page-text": ("/documents/{doc_id}/pages/2", 200, "Page 2 of 2"),
    "related": ("/documents/{doc_id}/related", 200, "More like this"),
    "accessibility": ("/accessibility", 200, "Accessibility statement"),
    "privacy": ("/privacy", 200, "Privacy"),
    "not-found": ("/no/such/page", 404, "Page not found"),
    "empty-search": ("/search?q=", 400, "Enter some words to search for"),
}


@pytest.mark.parametrize("name", list(PAGE_TYPES))
def test_page_has_no_wcag_violations(page: Page, site: LiveSite, name: str) -> None:
    address, status, text = PAGE_TYPES[name]
    response = page.goto(address.format(doc_id=site.doc_ids[DOCUMENT]))
    assert response is not None and response.status == status
    assert text in page.inner_text("main")
    save_screenshot(page, name)
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {name}:\n{describe_violations(violations)}"
