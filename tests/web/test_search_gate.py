"""At most `concurrent_searches` searches run at once in one site; the rest wait their turn
(a search holds the interpreter lock for most of its time, so more side by side only slows
every one of them: bench/RESULTS.md, Scale)."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from search.library import Library
from search.retrieval.searcher import Searcher
from search.settings import SearchSettings
from web.search_form import SearchForm
from web.searching import run_search


def _most_at_once(library: Library, monkeypatch: pytest.MonkeyPatch, limit: int) -> int:
    gate = Searcher(
        library.store,
        library.catalogue,
        library.encoder,
        SearchSettings(concurrent_searches=limit),
    ).gate
    monkeypatch.setattr(library.searcher, "gate", gate)
    real = library.searcher.search
    lock = threading.Lock()
    running = most = 0

    def search(*args: Any, **kwargs: Any) -> Any:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        try:
            time.sleep(0.05)  # long enough for the other threads to arrive
            return real(*args, **kwargs)
        finally:
            with lock:
                running -= 1

    monkeypatch.setattr(library.searcher, "search", search)
    threads = [
        threading.Thread(target=run_search, args=(library, SearchForm(q=q)))
        for q in ("cold damp homes", "school meals", "rural buses", "lonely villagers")
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return most


@pytest.mark.parametrize("limit", [1, 2])
def test_no_more_searches_run_at_once_than_configured(
    library: Library, monkeypatch: pytest.MonkeyPatch, limit: int
) -> None:
    assert _most_at_once(library, monkeypatch, limit) == limit


def test_zero_sets_no_limit(library: Library, monkeypatch: pytest.MonkeyPatch) -> None:
    assert _most_at_once(library, monkeypatch, 0) > 2
