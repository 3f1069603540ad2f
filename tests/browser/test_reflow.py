"""Pages reflow into one column at 320 CSS pixels (a phone, or 1280 pixels at 400% zoom):
nothing makes the reader scroll sideways."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser

# 320 × 256 is what a 1280 × 1024 window shows at 400% zoom.
VIEWPORTS = {"phone": {"width": 320, "height": 640}, "zoom-400": {"width": 320, "height": 256}}
ADDRESSES = {
    "home": "/",
    "results": "/search?q=cold+homes&organisation=Leicestershire+County+Council&year_from=2019",
    "document": "/documents/{doc_id}",
    "page-text": "/documents/{doc_id}/pages/1",
    "determinants": "/determinants",
    "determinant": "/determinants/access_to_services",
    "by-determinant": "/search/by-determinant?q=cold+homes",
}


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_pages_fit_320_css_pixels_without_sideways_scrolling(
    page: Page, site: LiveSite, viewport: str
) -> None:
    page.set_viewport_size(VIEWPORTS[viewport])  # type: ignore[arg-type]
    too_wide = []
    for name, address in ADDRESSES.items():
        page.goto(address.format(doc_id=site.doc_ids["back-to-work.pdf"]))
        sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        if sizes[0] > sizes[1]:
            too_wide.append(f"{name}: {sizes[0]} px wide in a {sizes[1]} px window")
    assert not too_wide, "pages scroll sideways:\n" + "\n".join(too_wide)


# What a PDF's text may hold with no space for hundreds of characters.
UNBROKEN = {
    "a web address": "https://www.example.gov.uk/" + "reports/annual-data-tables-" * 12 + "x.pdf",
    "a contents page's dot leaders": "Chapter 4 Housing " + "." * 300 + " 27",
}
# Where such text is shown: each address with the element it lands in.
QUOTED_IN = {
    "results": ("/search?q=cold+homes", ".app-passage__text"),
    "document": ("/documents/{doc_id}", ".app-page-list__preview"),
}


@pytest.mark.parametrize("text", list(UNBROKEN))
def test_long_unbroken_text_in_a_quote_wraps_on_a_phone(
    page: Page, site: LiveSite, text: str
) -> None:
    page.set_viewport_size(VIEWPORTS["phone"])  # type: ignore[arg-type]
    for name, (address, selector) in QUOTED_IN.items():
        page.goto(address.format(doc_id=site.doc_ids["back-to-work.pdf"]))
        shown = page.locator(selector).first
        shown.evaluate("(el, text) => { el.textContent = text; }", UNBROKEN[text])
        sizes = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert sizes[0] <= sizes[1], f"{name}: {text} makes the page {sizes[0]} px wide"
