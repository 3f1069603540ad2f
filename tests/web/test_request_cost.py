"""No page reads the whole library: the reads that grow with it are refused while pages load."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from search.library import Library
from search.schema import Filters

REFUSED = "read the whole library"


@pytest.fixture
def guarded(
    library: Library, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Library]:
    """The shared library, with every read that scans it made to fail."""
    # The ids a visitor may see are read once a process and then kept up to date from the
    # change log (Catalogue.visible_among). One search reads them first, as any earlier
    # request would; before, the test passed only when another test had searched first.
    assert client.get("/api/search?q=damp+homes").status_code == 200

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError(REFUSED)

    real_chunks = library.store.chunks
    cap = library.settings.match.max_chunks

    def chunks(filters: Filters, limit: int = 10_000, fields: Any = None) -> Any:
        # Listing the passages that hold every search word is the keyword match rule: the
        # text index narrows it, and it reads ids only, at most the match cap.
        if not filters.all_words or limit > cap or fields != ():
            refuse()
        return real_chunks(filters, limit, fields)

    monkeypatch.setattr(library.store, "chunks", chunks)
    # A facet counts over every passage: the lens counts come from the catalogue's totals.
    monkeypatch.setattr(library.store, "facet", refuse)
    monkeypatch.setattr(library.catalogue, "doc_ids", refuse)
    monkeypatch.setattr(library.catalogue, "page_text", refuse)
    real_documents = library.catalogue.documents

    def documents(doc_ids: Any = None) -> Any:
        if doc_ids is None:
            refuse()
        return real_documents(doc_ids)

    monkeypatch.setattr(library.catalogue, "documents", documents)
    yield library


def test_pages_answer_without_reading_the_whole_library(
    client: TestClient, guarded: Library, doc_ids: dict[str, str]
) -> None:
    doc_id = next(iter(doc_ids.values()))
    record = guarded.document(doc_id)
    assert record is not None
    chunk = str(record.extra["central_chunks"][0])
    for url in [
        "/determinants",
        "/api/determinants",
        "/determinants/housing",
        "/api/determinants/housing",
        f"/documents/{doc_id}",
        f"/documents/{doc_id}/related?chunk={chunk}",
        "/search?q=damp+homes&years=before-2015&years=2023-onwards",
        "/api/search?q=damp+homes&years=2015-2019&determinant=housing",
        "/search/feed.atom",
        "/search/feed.atom?determinant=housing",
        "/search/feed.atom?q=damp+homes",
        "/search/by-determinant?q=damp+homes",
        "/search/export.csv?q=damp+homes",
        "/search/export.ris?q=damp+homes&determinant=housing",
        f"/api/documents/{doc_id}",
        f"/api/documents/{doc_id}/related",
        f"/documents/{doc_id}/cite.bib",
        "/",
        "/healthz",
    ]:
        response = client.get(url)
        assert response.status_code == 200, (url, response.text[:300])


def test_a_passage_of_another_document_is_not_found(
    client: TestClient, guarded: Library, doc_ids: dict[str, str]
) -> None:
    first, second = list(doc_ids.values())[:2]
    other = guarded.document(second)
    assert other is not None
    chunk = str(other.extra["central_chunks"][0])
    assert client.get(f"/documents/{first}/related?chunk={chunk}").status_code == 404
