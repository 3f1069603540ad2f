"""On a phone the answers come first: the first result shows on the first screen, the filters
fold behind a control that works without JavaScript, and the strict Content-Security-Policy
blocks nothing the pages need."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.browser.checks import save_screenshot
from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 667}  # an iPhone SE, a common small phone
SEARCH = "/search?q=cold+homes"
OFF_TOPIC = "/search?q=quantum+chromodynamics"  # nothing in the test library is about physics
# Listens for anything the policy refuses; a refusal never reaches the page's own errors.
_WATCH_CSP = """() => {
  window.__refused = [];
  document.addEventListener('securitypolicyviolation',
    (e) => window.__refused.push(e.violatedDirective + ' ' + e.blockedURI));
}"""


@pytest.fixture
def phone_without_js(browser: Browser, site: LiveSite) -> Iterator[Page]:
    context = browser.new_context(
        viewport=PHONE,  # type: ignore[arg-type]
        base_url=site.base_url,
        java_script_enabled=False,
    )
    yield context.new_page()
    context.close()


def test_first_result_is_on_the_first_screen_of_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(SEARCH)
    save_screenshot(page, "search-phone")
    first = page.locator(".app-result__title").first.bounding_box()
    assert first is not None
    assert first["y"] + first["height"] <= PHONE["height"], (
        f"the first result's title ends {first['y'] + first['height']:.0f} px down, "
        f"below a {PHONE['height']} px screen"
    )
    assert not page.locator("details[data-app-filters]").evaluate("d => d.open")


@pytest.mark.parametrize(
    "url",
    [
        OFF_TOPIC,
        "/search?q=quantm+chromodynamics",  # a typo: "Did you mean" joins the notice
        "/search?q=quantum+chromodynamics+in+Leicester",  # a place, and a determinants link
    ],
)
def test_a_search_with_no_strong_match_starts_its_results_on_the_first_screen(
    page: Page, url: str
) -> None:
    """The notice that nothing matches well comes first, so it must be short on a small phone:
    the plain sentence, then in smaller type what is specific to this search, and the first
    result's title below it on the same screen (the general reason, the advice and the way in
    by determinant wait under the list; the count does not name the question again)."""
    page.set_viewport_size(PHONE)  # type: ignore[arg-type]
    page.goto(url)
    if url == OFF_TOPIC:
        save_screenshot(page, "search-phone-no-strong")
    notice = page.locator(".app-no-strong")
    assert notice.is_visible()
    assert "These are the closest documents, but they may not answer your question" in (
        notice.inner_text()
    )
    header = page.locator(".govuk-generic-header").bounding_box()
    assert header is not None
    assert header["height"] <= 90, f"the header is {header['height']:.0f} px tall on a phone"
    # The title's first line, as drawn: a title may wrap, and its first line is what shows.
    first_line = page.locator(".app-result__title a").first.evaluate(
        "a => { const r = a.getClientRects()[0]; return [r.top, r.bottom]; }"
    )
    assert first_line[1] <= PHONE["height"], (
        f"the first result's title starts {first_line[0]:.0f} px down and its first line ends "
        f"{first_line[1]:.0f} px down, below a {PHONE['height']} px screen"
    )


def test_filters_fold_and_open_without_javascript(phone_without_js: Page) -> None:
    page = phone_without_js
    page.goto(SEARCH)
    box = page.locator('input[name="organisation"]').first
    assert not box.is_visible()
    page.locator("details[data-app-filters] > summary").click()
    assert box.is_visible()
    box.check()
    with page.expect_navigation():
        page.locator(".app-filters button").click()
    assert "organisation=" in page.url
    # With a filter chosen the panel stays open, so the choice can be seen and changed.
    assert page.locator('input[name="organisation"]').first.is_visible()


def test_filters_are_open_on_a_wide_screen(page: Page) -> None:
    page.goto(SEARCH)
    assert page.locator("details[data-app-filters]").evaluate("d => d.open")


@pytest.mark.parametrize("address", ["/", SEARCH, "/docs", "/determinants", "/nowhere"])
def test_the_content_security_policy_blocks_nothing_the_pages_use(page: Page, address: str) -> None:
    page.add_init_script(f"({_WATCH_CSP})()")
    page.goto(address)
    page.wait_for_load_state("networkidle")
    if address == "/docs":
        page.locator(".opblock-summary-path", has_text="/api/search").first.wait_for()
    refused = page.evaluate("window.__refused")
    assert refused == [], f"{address}: the policy refused {refused}"
