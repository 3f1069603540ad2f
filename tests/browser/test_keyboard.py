"""Search, filter and page through results with the keyboard alone, always seeing where the
focus is."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page

from tests.browser.checks import focused_description, has_visible_focus
from tests.browser.conftest import LiveSite

pytestmark = pytest.mark.browser

MAX_TABS = 200
ORGANISATION = "Leicestershire County Council"


class KeyboardUser:
    """Presses Tab until the focus lands where wanted, checking each stop shows its focus."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.stops: list[str] = []
        self.unseen: list[str] = []

    def tab_to(self, selector: str) -> None:
        for _ in range(MAX_TABS):
            self.page.keyboard.press("Tab")
            where = focused_description(self.page)
            self.stops.append(where)
            if not has_visible_focus(self.page):
                self.unseen.append(where)
            if self.page.evaluate("(s) => document.activeElement.matches(s)", selector):
                return
        raise AssertionError(f"Tab never reached {selector}; stops: {self.stops[-20:]}")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)


def test_search_filter_and_page_through_results_with_the_keyboard_alone(
    page: Page, site: LiveSite
) -> None:
    user = KeyboardUser(page)
    page.goto("/")

    user.tab_to(".govuk-skip-link")
    assert user.stops == [focused_description(page)], "the skip link should come first"
    user.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    user.tab_to("input#q")
    # Close in meaning to most of the twelve papers (the browser site matches from cosine 0.5):
    # only matching documents are listed, and the walk needs a second page of results.
    page.keyboard.type("help for people in cold homes")
    with page.expect_navigation():
        user.press("Enter")
    assert "/search?q=help+for+people+in+cold+homes" in page.url
    assert re.search(r"Showing 1–10 of 1\d results", page.inner_text("main"))

    user.tab_to(f'input[name="organisation"][value="{ORGANISATION}"]')
    user.press("Space")
    assert page.is_checked(f'input[name="organisation"][value="{ORGANISATION}"]')
    user.tab_to(".app-filters button")
    with page.expect_navigation():
        user.press("Enter")
    tag = page.locator(".app-chosen-filters__link")
    assert tag.count() == 1 and ORGANISATION in tag.inner_text()

    user.tab_to(".app-chosen-filters__link")
    with page.expect_navigation():
        user.press("Enter")
    assert page.locator(".app-chosen-filters__link").count() == 0

    user.tab_to(".govuk-pagination__next a")
    with page.expect_navigation():
        user.press("Enter")
    assert "page=2" in page.url
    assert re.search(r"Showing 11–1\d of 1\d results", page.inner_text("main"))

    assert not user.unseen, f"no visible focus on: {user.unseen}"
    assert len(user.stops) > 10


def test_a_keyboard_passes_the_filters_by_their_skip_link(page: Page, site: LiveSite) -> None:
    user = KeyboardUser(page)
    page.goto("/search?q=help+for+people+in+cold+homes")
    user.tab_to(".app-skip-filters")
    assert page.locator(".app-skip-filters").is_visible()  # shown once it has the focus
    user.press("Enter")
    user.press("Tab")
    # The next stop is in the results, not the first of the filters' checkboxes.
    assert page.evaluate(
        "document.getElementById('search-results').contains(document.activeElement)"
    )
    # Folded options are no stops until their group is opened.
    folded = page.locator(".app-filters__more .govuk-checkboxes__input")
    assert folded.count() > 0, "the test site should have a group long enough to fold"
    assert all(not folded.nth(i).is_visible() for i in range(folded.count()))
    assert not user.unseen, f"no visible focus on: {user.unseen}"
