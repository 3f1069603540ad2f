"""Parameters for the GOV.UK pagination component: numbered pages with gaps, previous and next."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["count_pages", "page_numbers", "pagination"]


def count_pages(items: int, per_page: int) -> int:
    """How many pages `items` fill at `per_page` a page: at least one, so an empty list has a
    page that says it is empty."""
    return max(1, -(-items // per_page))


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
