"""A short load run over a real server on 127.0.0.1: many people searching at once get no errors.

It asserts errors, never times, so a shared object that is not thread-safe (the stemmer was one)
fails CI without making the suite depend on how fast the machine is."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from search.library import Library
from search.settings import Settings
from tests.live_site import serve_app
from web.app import create_app

CLIENTS = 8
DURATION_S = 10.0

# Varied words so highlighting stems many different words at the same moment.
QUERIES = (
    "cold damp homes",
    "loneliness in rural villages",
    "free school meals uptake",
    "buses linking villages to doctors",
    "private landlords fixing mould and boilers",
    "children eligible for meals who do not claim",
    "community transport and lift schemes",
    "insulation grants cutting asthma admissions",
)
# Long questions stem many words per request, which is when a shared stemmer broke.
QUERIES += tuple(
    " ".join(QUERIES[n:] + QUERIES[:n]) + " housing heating landlords tenants volunteers clubs"
    for n in range(0, len(QUERIES), 2)
)
PATHS = ("/search?q={}", "/search?q={}&sort=newest", "/api/search?q={}")


@pytest.fixture(scope="module")
def base_url(settings: Settings, library: Library) -> Iterator[str]:
    with serve_app(create_app(settings, library=library)) as url:
        yield url


def _hammer(base: str, offset: int, stop_at: float, statuses: Counter[str]) -> None:
    urls = itertools.cycle(
        path.format(query) for query in QUERIES[offset:] + QUERIES[:offset] for path in PATHS
    )
    with httpx.Client(base_url=base, timeout=60, trust_env=False) as client:
        while time.monotonic() < stop_at:
            url = next(urls)
            try:
                status = client.get(url).status_code
                statuses[f"{status}" if status >= 400 else "ok"] += 1
            except httpx.HTTPError as error:
                statuses[type(error).__name__] += 1


def test_eight_people_searching_at_once_get_no_errors(base_url: str) -> None:
    statuses: Counter[str] = Counter()
    stop_at = time.monotonic() + DURATION_S
    workers = [
        threading.Thread(target=_hammer, args=(base_url, n, stop_at, statuses))
        for n in range(CLIENTS)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert statuses["ok"] > 0, statuses
    assert set(statuses) == {"ok"}, f"errors under load: {dict(statuses)}"
