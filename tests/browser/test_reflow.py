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
