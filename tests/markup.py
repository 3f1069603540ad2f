"""Reading a rendered page's markup in tests: what it tells assistive technology."""

from __future__ import annotations

import re

# GOV.UK's pagination marks the page of results being shown: a set of its own, beside the site's
# navigation and breadcrumbs, so it is left out of the site-wide count.
_PAGINATION = re.compile(r'<nav class="govuk-pagination.*?</nav>', re.DOTALL)
_CURRENT_PAGE = re.compile(r'<[^>]*aria-current="page"[^>]*>')


def current_page_marks(html: str) -> list[str]:
    """The tags that tell a screen reader "this is the current page", outside the pagination."""
    return _CURRENT_PAGE.findall(_PAGINATION.sub("", html))
