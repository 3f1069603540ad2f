"""The determinants overview is worked out once per set of access levels and library version."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

import web.routes_determinants as routes
from search.library import Library
from web.vocabulary import vocabulary_of


@pytest.fixture
def lens_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the lens facets (the read over every passage) the overview makes."""
    calls: list[int] = []
    real = routes.lens_passages

    def counted(*args: Any, **kwargs: Any) -> dict[str, int]:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(routes, "lens_passages", counted)
    return calls


def test_the_overview_is_read_once_until_a_document_changes(
    client: TestClient, library: Library, doc_ids: dict[str, str], lens_reads: list[int]
) -> None:
    client.app.state.overviews = routes.OverviewCache()  # type: ignore[attr-defined]
    first = client.get("/api/determinants").json()
    assert client.get("/determinants").status_code == 200
    assert client.get("/api/determinants").json() == first
    assert len(lens_reads) == 1
    # Any write to a document moves the catalogue's change count: the next reader works it out
    # again, so a withdrawn or retagged document never lingers in the counts.
    doc_id = next(iter(doc_ids.values()))
    record = library.catalogue.document(doc_id)
    assert record is not None
    library.catalogue.update_extra(doc_id, record.extra)
    assert client.get("/api/determinants").json() == first
    assert len(lens_reads) == 2


def test_readers_at_other_levels_get_their_own_overview(
    library: Library, lens_reads: list[int]
) -> None:
    cache = routes.OverviewCache()
    vocabulary = vocabulary_of(library)
    public = cache.overview(library.scoped(["public"]), vocabulary)
    everything = cache.overview(library, vocabulary)
    assert len(lens_reads) == 2  # one per set of levels, never one reader's counts for another
    assert cache.overview(library.scoped(["public"]), vocabulary) is public
    assert cache.overview(library, vocabulary) is everything
    assert len(lens_reads) == 2
