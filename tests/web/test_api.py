"""The JSON API and health check: the same data the pages show, with documented shapes."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from search.library import Library
from search.retrieval.read_ahead import ReadAhead


def test_api_search_returns_documented_fields(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "cold damp homes"})
    assert response.status_code == 200
    data = response.json()
    assert {"query", "total", "page", "page_size", "took_ms", "documents", "facets"} <= set(data)
    assert data["query"] == "cold damp homes" and data["page"] == 1
    first = data["documents"][0]
    assert first["title"] == "Cold and damp homes in Leicestershire"
    assert first["rank"] == 1 and first["organisation"] == "Leicestershire County Council"
    passage = first["passages"][0]
    assert {"text", "page_start", "page_end", "pages", "file_url", "page_url"} <= set(passage)
    assert passage["file_url"].startswith(f"/documents/{first['doc_id']}/file#page=")


def test_api_search_passages_carry_the_excerpt_around_the_words_searched_for(
    client: TestClient,
) -> None:
    data = client.get("/api/search", params={"q": "damp"}).json()
    passages = [p for d in data["documents"] for p in d["passages"]]
    best = [item["passage"] for item in data["by_determinant"]]
    assert passages and best
    passages += best
    for passage in passages:
        shown = passage["excerpt"]
        words = shown["text"].replace("…", " ").split()
        # A run of the passage's own words, no longer than a results page shows.
        assert 0 < len(words) <= 45
        assert " ".join(words) in " ".join(passage["text"].split())
        assert passage["page_start"] <= shown["page_start"] <= shown["page"]
        assert shown["page"] <= shown["page_end"] <= passage["page_end"]
        assert shown["file_url"].endswith(f"#page={shown['page']}")
        assert shown["page_url"].endswith(f"/pages/{shown['page']}")
    # Centred on the word searched for wherever the passage holds it.
    holding = [p for p in passages if "damp" in p["text"].lower()]
    assert holding and all("damp" in p["excerpt"]["text"].lower() for p in holding)
    # (How a long passage is cut, with "…", is tested with the excerpt in test_highlight.)


def test_api_passages_like_one_carry_their_part_most_like_it(client: TestClient) -> None:
    first = client.get("/api/search", params={"q": "damp"}).json()["documents"][0]
    url = first["passages"][0]["related_url"].replace("/documents", "/api/documents")
    data = client.get(url).json()
    shown = [d["passage"] for d in data["documents"]]
    assert shown and all("excerpt" in p for p in shown)
    for passage in shown:
        words = passage["excerpt"]["text"].replace("…", " ").split()
        assert " ".join(words) in " ".join(passage["text"].split())
    # Documents like a whole document have no passage to be like: their excerpt is the opening
    # part their card shows, with that part's page.
    whole = client.get(f"/api/documents/{first['doc_id']}/related").json()
    assert whole["documents"]
    for document in whole["documents"]:
        passage = document["passage"]
        opening = passage["excerpt"]["text"].rstrip("…").split()
        assert passage["text"].split()[: len(opening)] == opening
        assert passage["excerpt"]["page"] in passage["pages"]


def test_api_search_filters_match_the_html_filters(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "children", "kind": "briefing"}).json()
    assert [d["kind"] for d in data["documents"]] == ["briefing"]
    assert data["filters"]["kinds"] == ["briefing"]
    kinds = {o["value"]: o for o in data["facets"]["kind"]}
    assert kinds["briefing"]["selected"] and "report" in kinds


def test_api_search_errors_are_json_400s(client: TestClient) -> None:
    for params in ({"q": ""}, {"q": "damp", "page": "x"}, {"q": "d" * 501}):
        response = client.get("/api/search", params=params)
        assert response.status_code == 400, params
        assert isinstance(response.json()["detail"], str)


def test_api_document_lists_pages_with_char_counts(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["school-meals.pdf"]
    data = client.get(f"/api/documents/{doc_id}").json()
    assert data["title"] == "Free school meals and child food poverty"
    assert [p["number"] for p in data["pages"]] == [1, 2, 3]
    assert data["pages"][1]["chars"] == 0 and data["pages"][0]["chars"] > 0


def test_api_page_returns_its_text(client: TestClient, doc_ids: dict[str, str]) -> None:
    doc_id = doc_ids["rural-loneliness.pdf"]
    data = client.get(f"/api/documents/{doc_id}/pages/2").json()
    assert "Lunch clubs" in data["text"]
    assert data["previous_url"] == f"/documents/{doc_id}/pages/1" and data["next_url"] is None


def test_api_unknown_document_and_page_are_json_404s(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    for url in (
        "/api/documents/nope",
        f"/api/documents/{doc_ids['bus-routes.pdf']}/pages/9",
        "/api/no-such-thing",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.headers["content-type"] == "application/json"
        assert response.json()["detail"]


def test_healthz_reports_documents_and_chunks(client: TestClient, library: Library) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    data = response.json()
    assert data == {
        "status": "ok",
        "documents": 4,
        "chunks": library.store.count(),
        "store": "ok",
        "model": "loaded",
        "read_ahead": "off",
        "problems": [],
    }
    assert data["chunks"] >= 4


def test_healthz_says_whether_the_site_has_read_ahead(client: TestClient, library: Library) -> None:
    reader = ReadAhead(library.searcher.table, library.store, library.catalogue)
    app: Any = client.app
    app.state.read_ahead = reader
    try:
        assert client.get("/healthz").json()["read_ahead"] == "reading"
        assert reader.read_once()
        assert client.get("/healthz").json()["read_ahead"] == "done"
    finally:
        app.state.read_ahead = None


def test_openapi_docs_describe_the_api(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert {
        "/api/search",
        "/api/documents/{doc_id}",
        "/api/documents/{doc_id}/pages/{number}",
        "/healthz",
    } <= set(spec["paths"])
    assert "/search" not in spec["paths"]
    search = spec["paths"]["/api/search"]["get"]
    assert search["summary"] == "Search documents"
    assert {p["name"] for p in search["parameters"]} >= {"q", "page", "organisation", "kind"}


def test_api_docs_load_swagger_ui_from_this_site_only(client: TestClient) -> None:
    html = client.get("/docs").text
    assert "/assets/swagger/swagger-ui-bundle.js" in html
    assert "/assets/swagger/swagger-ui.css" in html
    assert re.findall(r"(?:https?:)?//[\w.-]+", html) == []
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        assert client.get(f"/assets/swagger/{asset}").status_code == 200
    assert client.get("/redoc").status_code == 404


def test_the_api_docs_are_found_under_api_too(client: TestClient) -> None:
    """Scripts look for the docs beside the API: /api/docs and /api/openapi.json point to the
    one page and schema there are, whatever is added to the address."""
    pointers = {"/api/docs": "/docs", "/api/openapi.json": "/openapi.json"}
    for asked, shown in pointers.items():
        for query in ("", "?next=https://example.com/&url=//example.com"):
            for method in ("GET", "HEAD"):
                moved = client.request(method, asked + query, follow_redirects=False)
                assert moved.status_code in (307, 308), (asked, query, method)
                assert moved.headers["location"] == shown
        followed = client.get(asked)
        assert followed.status_code == 200 and followed.url.path == shown
    assert client.get("/api/openapi.json").json() == client.get("/openapi.json").json()
    assert "/assets/swagger/swagger-ui-bundle.js" in client.get("/api/docs").text
    # Nothing else under /api/docs: an unknown address there is still the API's plain 404.
    missing = client.get("/api/docs/oauth2-redirect")
    assert missing.status_code == 404 and "detail" in missing.json()


def test_api_document_includes_its_summary(client: TestClient, doc_ids: dict[str, str]) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    summary = client.get(f"/api/documents/{doc_id}").json()["summary"]
    assert summary
    for sentence in summary:
        assert sentence["text"]
        assert sentence["file_url"] == f"/documents/{doc_id}/file#page={sentence['page']}"


def test_an_unknown_determinant_lens_or_place_is_named_in_the_answer(
    client: TestClient,
) -> None:
    # The schema lets any id through, so the answer is nothing, with `problem` saying why.
    for name, value in (("determinant", "hosuing"), ("lens", "olderpeople"), ("place", "leics")):
        response = client.get("/api/search", params={"q": "damp", name: value})
        assert response.status_code == 200, name
        data = response.json()
        assert data["total"] == data["strong_total"] == 0 and data["documents"] == []
        assert data["problem"].startswith(f"There is no {name} '{value}'. Use one of: ")
    assert "housing" in client.get("/api/search?q=damp&determinant=x").json()["problem"]
    known = {"determinant": "housing", "lens": "inequalities", "place": "leicestershire"}
    for name, value in known.items():
        assert client.get("/api/search", params={"q": "damp", name: value}).status_code == 200
