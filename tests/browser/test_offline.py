"""The API docs work with no internet: Swagger UI comes from this site, not a CDN."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.checks import save_screenshot
from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser


def test_api_docs_render_from_local_files_only(page: Page, site: LiveSite) -> None:
    # The page fixture fails the test if anything is fetched from another host.
    page.goto("/docs")
    title = page.locator(".swagger-ui .info .title")
    title.wait_for(timeout=15_000)
    assert "Evidence Finder" in title.inner_text()
    page.locator(".opblock-summary-path", has_text="/api/search").first.wait_for()
    save_screenshot(page, "api-docs")
