"""The full list of documents about one determinant, behind its page: every document the page
counts, each once, a page at a time, in the page and the API alike."""

from __future__ import annotations

from html import unescape

import pytest
from fastapi.testclient import TestClient

from search.library import Library
from web import routes_determinants


def _about(library: Library, determinant: str) -> set[str]:
    """Brute force: every document whose stored evidence names the determinant."""
    return {
        r.doc_id
        for r in library.catalogue.documents()
        if determinant in (r.extra.get("strongest") or {})
    }


def _busiest(library: Library) -> str:
    counts = library.catalogue.determinant_totals()
    return max(counts, key=lambda d: (counts[d][0], d))


def test_pages_of_the_list_add_up_to_every_document_the_page_counts(
    client: TestClient, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    determinant = _busiest(library)
    expected = _about(library, determinant)
    assert len(expected) >= 2  # enough for several pages of one
    monkeypatch.setattr(routes_determinants, "LISTED_DOCUMENTS", 1)
    url = f"/api/determinants/{determinant}/documents"
    first = client.get(url).json()
    assert first["determinant"]["documents"] == len(expected)
    assert first["page_count"] == len(expected)
    listed: list[str] = []
    for page in range(1, first["page_count"] + 1):
        data = client.get(url, params={"page": page}).json()
        assert len(data["documents"]) == 1
        assert all(d["passages_about"] >= 1 for d in data["documents"])
        listed += [d["doc_id"] for d in data["documents"]]
    assert len(listed) == len(set(listed))
    assert set(listed) == expected
    # The count the determinant's own page states is the list's.
    page = client.get(f"/api/determinants/{determinant}").json()
    assert page["documents"] == len(expected)


def test_the_determinant_page_links_to_the_list_and_the_list_pages(
    client: TestClient, library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    determinant = _busiest(library)
    total = len(_about(library, determinant))
    html = unescape(client.get(f"/determinants/{determinant}").text)
    assert f'href="/determinants/{determinant}/documents">See all {total} documents' in html
    monkeypatch.setattr(routes_determinants, "LISTED_DOCUMENTS", 1)
    listing = unescape(client.get(f"/determinants/{determinant}/documents?page=2").text)
    assert f"Showing 2–2 of {total} documents" in listing
    assert f'href="/determinants/{determinant}/documents?page=1"' in listing
    assert listing.count('class="app-listing__item"') == 1


def test_an_unknown_determinant_and_bad_numbers_are_refused_plainly(
    client: TestClient, library: Library
) -> None:
    determinant = _busiest(library)
    for base in (
        f"/api/determinants/{determinant}/documents",
        f"/determinants/{determinant}/documents",
    ):
        for bad in ("0", "-1", "x", "501", "1e3"):
            response = client.get(base, params={"page": bad})
            assert response.status_code == 400, (base, bad)
            assert "Traceback" not in response.text
    assert client.get("/api/determinants/not-a-determinant/documents").status_code == 404
    assert client.get("/determinants/not-a-determinant/documents").status_code == 404
