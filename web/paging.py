"""Paging long lists: the GOV.UK pagination component's parameters (numbered pages with gaps,
previous and next), and the one rule for a page number past the last page.

Every paged list, as a page or as JSON, answers a page past its last one the same way: not as
an error, but with the list's totals, nothing on the page, and a sentence saying so (`problem`
in the JSON, beside a link to the last page on a page), so a script that pages on stops on it
and a person is sent back to what there is."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "PastLastPage",
    "count_pages",
    "page_numbers",
    "pagination",
    "past_last_offset",
    "past_last_page",
]


def count_pages(items: int, per_page: int) -> int:
    """How many pages `items` fill at `per_page` a page: at least one, so an empty list has a
    page that says it is empty."""
    return max(1, -(-items // per_page))


@dataclass(frozen=True)
class PastLastPage:
    """A page asked for past the last page of a list: what to say, and where to go instead."""

    message: str
    last_page: int
    last_url: str


def past_last_page(
    page: int, count: int, href: Callable[[int], str] | None = None, items: int | None = None
) -> PastLastPage | None:
    """None for a page the list has, or any page of an empty list (`items` 0: it says it is
    empty, not that a page is missing); else the words for one past its last (`count`, always
    at least 1), with the last page's address made by `href`."""
    if page <= count or items == 0:
        return None
    pages = "1 page" if count == 1 else f"{count:,} pages"
    return PastLastPage(
        message=f"There is no page {page:,}: the list has {pages}.",
        last_page=count,
        last_url=href(count) if href is not None else "",
    )


def past_last_offset(offset: int, items: int, noun: str) -> str | None:
    """The same rule for a list paged by offset: None for an offset inside it (or 0, the start
    of an empty list); else the words for one past its last item, a `noun` (singular)."""
    if offset == 0 or offset < items:
        return None
    plural = "" if items == 1 else "s"
    return f"There is nothing at offset {offset:,}: the list has {items:,} {noun}{plural}."


def page_numbers(current: int, count: int, around: int = 1) -> list[int | None]:
    """1, …, the pages around `current`, …, the last; None marks a gap."""
    keep = {1, count, *range(current - around, current + around + 1)}
    shown = sorted(n for n in keep if 1 <= n <= count)
    out: list[int | None] = []
    for n in shown:
        if out and n - (out[-1] or 0) > 1:
            out.append(None)
        out.append(n)
    return out


def pagination(
    current: int, count: int, href: Callable[[int], str], label: str = "Pages of results"
) -> dict[str, Any] | None:
    """govukPagination params, or None when there is only one page."""
    if count <= 1:
        return None
    items = [
        {"ellipsis": True} if n is None else {"number": n, "href": href(n), "current": n == current}
        for n in page_numbers(current, count)
    ]
    params: dict[str, Any] = {"items": items, "landmarkLabel": label}
    if current > 1:
        params["previous"] = {"href": href(current - 1)}
    if current < count:
        params["next"] = {"href": href(current + 1)}
    return params
