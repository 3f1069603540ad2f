"""Every paged list answers a page past its last one by one rule (web.paging): as JSON, a 200
with nothing listed, the list's counts, and `problem` saying so; as a page, a 200 that says so
and links to the last page."""

from __future__ import annotations

from html import unescape

import pytest
from fastapi.testclient import TestClient

from search.library import Library
from web.paging import past_last_page

QUERY = "damp homes"


def _busiest(library: Library) -> str:
    counts = library.catalogue.determinant_totals()
    return max(counts, key=lambda d: (counts[d][0], d))


def _lists(library: Library) -> dict[str, str]:
    """Each paged JSON list, by its address with `{}` for the page number."""
    return {
        "search": f"/api/search?q={QUERY.replace(' ', '+')}&page={{}}",
        "determinant": f"/api/determinants/{_busiest(library)}/documents?page={{}}",
    }


def test_the_rule_says_nothing_of_a_page_the_list_has() -> None:
    assert past_last_page(1, 1) is None and past_last_page(3, 3) is None
    past = past_last_page(4, 3, lambda n: f"/list?page={n}")
    assert past is not None
    assert past.message == "There is no page 4: the list has 3 pages."
    assert (past.last_page, past.last_url) == (3, "/list?page=3")
    one = past_last_page(1_200, 1)
    assert one is not None and one.message == "There is no page 1,200: the list has 1 page."
    # An empty list says it is empty on any page, not that a page is missing.
    assert past_last_page(2, 1, items=0) is None
    assert past_last_page(2, 1, items=3) is not None


def test_an_empty_search_past_its_first_page_says_nothing_of_pages(client: TestClient) -> None:
    body = client.get("/api/search", params={"q": "quorblefrost zzqqxx", "page": "2"}).json()
    assert body["total"] == 0 and body["documents"] == []
    assert body["problem"] is None


@pytest.mark.parametrize("name", ["search", "determinant"])
def test_a_json_page_past_the_last_is_empty_with_the_counts_and_a_problem(
    name: str, client: TestClient, library: Library
) -> None:
    url = _lists(library)[name]
    first = client.get(url.format(1)).json()
    assert first["documents"] and first["problem"] is None
    last = first["page_count"]
    assert client.get(url.format(last)).json()["problem"] is None
    past = client.get(url.format(last + 2))
    assert past.status_code == 200, past.text
    data = past.json()
    assert data["documents"] == []
    assert data["page"] == last + 2 and data["page_count"] == last
    assert data["problem"] == f"There is no page {last + 2}: the list has {last} page."
    # The counts are the list's, as on its first page.
    counts = ("total", "strong_total") if name == "search" else ("determinant",)
    assert {k: data[k] for k in counts} == {k: first[k] for k in counts}


def test_a_search_page_past_the_last_says_so_and_links_to_the_last(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": QUERY}).json()
    last = first["page_count"]
    response = client.get("/search", params={"q": QUERY, "page": last + 4})
    assert response.status_code == 200
    html = unescape(response.text)
    assert f"There is no page {last + 4}: the list has {last} page." in html
    last_url = "/search?q=damp+homes" + (f"&page={last}" if last > 1 else "")
    assert f'href="{last_url}">Go to the last page (page {last})</a>' in html
    assert 'class="app-result"' not in html


def test_a_determinant_list_page_past_the_last_says_so_and_links_to_the_last(
    client: TestClient, library: Library
) -> None:
    determinant = _busiest(library)
    base = f"/determinants/{determinant}/documents"
    response = client.get(base, params={"page": 7})
    assert response.status_code == 200
    html = unescape(response.text)
    assert "There is no page 7: the list has 1 page." in html
    assert f'href="{base}?page=1">Go to the last page (page 1)</a>' in html
    assert 'class="app-listing__item"' not in html
    assert "We have not found any documents about this yet" not in html


def test_a_documents_list_of_pages_past_the_last_says_so_and_links_to_the_last(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    response = client.get(f"/documents/{doc_id}", params={"page": 3})
    assert response.status_code == 200
    html = unescape(response.text)
    assert "There is no page 3: the list has 1 page." in html
    assert f'href="/documents/{doc_id}?page=1">Go to the last page (page 1)</a>' in html
    # The document itself is still shown, without a list of pages.
    assert "Cold and damp homes in Leicestershire" in html
    assert f'href="/documents/{doc_id}/pages/1"' not in html.split('id="pages"')[1]
