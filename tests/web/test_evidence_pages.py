"""Evidence per determinant on the site: the determinant pages, tags and "Local" on results, local
work first, the results by determinant, and "more like this passage"."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from search.catalogue import Catalogue, FileOutcome
from search.index import backfill_evidence
from search.library import Library
from search.schema import Filters
from tests.matching import brute_force_matches
from web import routes_determinants

DETERMINANT_COUNT = 14


def _titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'app-result__title"><a[^>]*>([^<]+)</a>', html)]


def test_determinants_page_lists_all_fourteen_with_counts(
    client: TestClient, library: Library
) -> None:
    response = client.get("/determinants")
    assert response.status_code == 200
    html = unescape(response.text)
    data = client.get("/api/determinants").json()
    assert len(data["determinants"]) == DETERMINANT_COUNT
    for item in data["determinants"]:
        assert f'href="/determinants/{item["id"]}">{item["label"]}</a>' in html
        assert item["definition"] in html
        chunks = library.store.chunks(Filters(determinants=(item["id"],)))
        assert item["passages"] == len(chunks)
        assert item["documents"] == len({c.doc_id for c in chunks})
    housing = next(d for d in data["determinants"] if d["id"] == "housing")
    assert f"1 document, {housing['passages']} passages" in html
    assert "No documents yet" in html  # most determinants have nothing in the test library
    assert {lens["id"] for lens in data["lenses"]} == {"inequalities", "life_stage"}


def test_lens_counts_are_the_passages_that_carry_each_lens(
    client: TestClient, library: Library
) -> None:
    """Stored per document at ingest and summed, they equal a count over every passage."""
    data = client.get("/api/determinants").json()
    shown = {
        **{lens["id"]: lens["passages"] for lens in data["lenses"] if lens["passages"]},
        **{
            f"{lens['id']}:{value['id']}": value["passages"]
            for lens in data["lenses"]
            for value in lens["values"]
            if value["passages"]
        },
    }
    counted = library.store.facet("lenses", None, 100)
    assert shown and shown == {k: n for k, n in counted.items() if k in shown}
    assert library.catalogue.lens_totals() == counted


def test_documents_indexed_before_lens_counts_get_them_when_opened(
    library: Library, tmp_path: Path
) -> None:
    older = Catalogue(tmp_path / "older.sqlite")
    try:
        for record in library.catalogue.documents():
            extra = {k: v for k, v in record.extra.items() if k != "lens_passages"}
            outcome = FileOutcome(record.path, record.file_name, "indexed", doc_id=record.doc_id)
            older.add_document(replace(record, extra=extra), ["a"], outcome)
        assert older.lens_totals() == {}
        assert backfill_evidence(library.store, older) == len(library.catalogue.documents())
        assert older.lens_totals() == library.store.facet("lenses", None, 100)
        assert backfill_evidence(library.store, older) == 0
    finally:
        older.close()


def test_service_navigation_links_to_the_determinants(client: TestClient) -> None:
    link = r'<a class="govuk-service-navigation__link" href="/determinants"{}>\s*{}Determinants'
    home = client.get("/").text
    assert re.search(link.format("", ""), home)
    listing = client.get("/determinants").text
    assert re.search(link.format(' aria-current="page"', r"<strong[^>]*>"), listing)
    page = client.get("/determinants/housing").text
    assert re.search(link.format(' aria-current="true"', r"<strong[^>]*>"), page)


def test_determinant_page_shows_definition_counts_and_strongest_evidence(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    response = client.get("/determinants/housing")
    assert response.status_code == 200
    html = unescape(response.text)
    assert '<h1 class="govuk-heading-l">Housing and homelessness</h1>' in html
    assert "Having a safe, warm and affordable home." in html
    assert re.search(r"The library has 1 document with \d+ passages about this.", html)
    strongest = html[html.index("Strongest evidence") : html.index("Recently added")]
    doc_id = doc_ids["housing-damp.pdf"]
    assert _titles(strongest) == ["Cold and damp homes in Leicestershire"]
    assert 'govuk-tag--green">Local<' in strongest
    assert f'href="/documents/{doc_id}/pages/' in strongest
    assert f'href="/documents/{doc_id}/related?chunk=' in strongest
    recent = html[html.index("Recently added") :]
    assert f'href="/documents/{doc_id}">Cold and damp homes in Leicestershire</a>' in recent
    assert "Added " in recent


def test_determinant_page_puts_local_work_first(client: TestClient) -> None:
    data = client.get("/api/determinants/transport").json()
    titles = [e["title"] for e in data["strongest"]]
    assert titles == [
        "Loneliness among older people in rural villages",
        "Getting around without a car",
    ]
    assert [e["is_local"] for e in data["strongest"]] == [True, False]
    # The Kent passage is as strong or stronger: it is second only because it is not local.
    assert data["strongest"][1]["strength"] >= data["strongest"][0]["strength"] - 0.05
    html = client.get("/determinants/transport").text
    assert _titles(html)[:2] == titles


def test_determinant_page_search_box_is_scoped_to_it(client: TestClient) -> None:
    html = client.get("/determinants/food").text
    form = html[html.index('<form action="/search"') :]
    form = form[: form.index("</form>")]
    assert '<input type="hidden" name="determinant" value="food">' in form
    assert 'name="q"' in form
    # The hint suggests a search about food, not the home page's about damp homes.
    assert "for example ‘food banks and the cost of living’" in form
    assert "damp homes" not in form
    assert "for example ‘damp homes and children’s health’" in client.get("/").text
    titles = _titles(client.get("/search", params={"q": "homes", "determinant": "food"}).text)
    assert titles == ["Free school meals and child food poverty"]


def test_api_determinant_matches_the_page(client: TestClient) -> None:
    data = client.get("/api/determinants/housing").json()
    assert data["label"] == "Housing and homelessness"
    assert data["documents"] == 1 and data["passages"] >= 3
    first = data["strongest"][0]
    assert first["passage"]["text"] and first["passage"]["page_url"].startswith("/documents/")
    assert 0 < first["strength"] <= 1
    assert [r["title"] for r in data["recent"]] == ["Cold and damp homes in Leicestershire"]


def test_unknown_determinant_is_a_friendly_404(client: TestClient) -> None:
    response = client.get("/determinants/not_a_determinant")
    assert response.status_code == 404
    assert "We could not find that determinant of health." in response.text
    assert 'href="/determinants">See the list of determinants of health' in response.text
    api = client.get("/api/determinants/not_a_determinant")
    assert api.status_code == 404 and api.json()["detail"]


def test_result_cards_show_determinant_tags_and_local(client: TestClient) -> None:
    # Words from both documents below, so both match.
    html = unescape(client.get("/search", params={"q": "school meals and bus routes"}).text)
    cards = html.split('<li class="app-result">')[1:]
    meals = next(c for c in cards if "Free school meals and child food poverty" in c)
    assert '<strong class="govuk-tag">Food and nutrition</strong>' in meals
    assert '<strong class="govuk-tag">Income, poverty and cost of living</strong>' in meals
    assert 'govuk-tag--green">Local<' in meals  # Leicester
    buses = next(c for c in cards if "Getting around without a car" in c)
    assert '<strong class="govuk-tag">Transport and getting around</strong>' in buses
    assert "Local<" not in buses  # Kent
    data = client.get("/api/search", params={"q": "school meals and bus routes"}).json()
    api_meals = next(d for d in data["documents"] if d["title"].startswith("Free school meals"))
    # Food and income are its subject; the tagger may also see schools (education), but never
    # a subject the text does not touch.
    meals_ids = {d["id"] for d in api_meals["determinants"]}
    assert {"food", "income"} <= meals_ids <= {"food", "income", "education"}
    assert api_meals["is_local"] is True


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_local_first_moves_local_documents_up_and_keeps_their_order(
    client: TestClient, sort: str
) -> None:
    params = {"q": "bus routes in Kent", "sort": sort}
    plain = client.get("/api/search", params=params).json()["documents"]
    local = client.get("/api/search", params={**params, "local": "1"}).json()["documents"]
    # By relevance within the strong matches and within the weak; newest first, over all.
    by_strength = sort == "relevance"
    ordered = sorted(
        plain, key=lambda d: (by_strength and d["strength"] != "strong", not d["is_local"])
    )
    assert [d["title"] for d in local] == [d["title"] for d in ordered]
    assert [d["rank"] for d in local] == list(range(1, len(local) + 1))
    if sort == "relevance":
        # The one strong match, about Kent, stays above the weak local documents.
        first = local[0]
        assert (first["title"], first["strength"], first["is_local"]) == (
            "Getting around without a car",
            "strong",
            False,
        )
        assert {(d["strength"], d["is_local"]) for d in local[1:]} == {("weak", True)}


def test_local_first_is_a_ticked_box_that_links_keep(client: TestClient) -> None:
    html = client.get("/search", params={"q": "damp", "local": "1"}).text
    assert re.search(r'name="local" type="checkbox" value="1"\s+checked', html)
    assert 'href="/search?q=damp&amp;local=1&amp;sort=newest"' not in html
    assert 'href="/search?q=damp&amp;sort=newest&amp;local=1"' in html


def test_by_determinant_view_shows_the_best_passage_for_each_determinant(
    client: TestClient, library: Library
) -> None:
    data = client.get("/api/search", params={"q": "older people"}).json()
    items = data["by_determinant"]
    tagged = {c.id: c.payload.get("determinants") or [] for c in library.store.chunks(Filters())}
    # Every chunk is a fused hit in the tiny library, but only the passages that match count.
    matched = {h.id for h in brute_force_matches(library, "older people")}
    touched = {d for chunk_id in matched for d in tagged[chunk_id]}
    assert {i["id"] for i in items} == touched
    assert touched < {d for tags in tagged.values() for d in tags}  # a document does not match
    for item in items:
        assert item["id"] in tagged[item["passage"]["chunk_id"]]
        assert f"determinant={item['id']}" in item["search_url"]
    assert items[0]["id"] == "social_connection"  # the loneliness passage ranks first
    html = unescape(client.get("/search/by-determinant", params={"q": "older people"}).text)
    assert "Best passage for each determinant" in html
    headings = re.findall(r'app-result__title"><a class="govuk-link" href="([^"]+)">', html)
    assert headings == [i["url"] for i in items]
    results = unescape(client.get("/search", params={"q": "older people"}).text)
    assert 'href="/search/by-determinant?q=older+people">See the best passage' in results


@pytest.mark.parametrize("query", ["older people", "damp homes", "buses and trains", "food"])
def test_by_determinant_counts_agree_with_the_filters_and_the_narrowed_search(
    client: TestClient, query: str
) -> None:
    data = client.get("/api/search", params={"q": query}).json()
    options = {o["value"]: o["count"] for o in data["facets"]["determinant"]}
    items = data["by_determinant"]
    assert items, query
    for item in items:
        assert item["documents"] == options[item["id"]] >= 1
        narrowed = client.get("/api/search", params={"q": query, "determinant": item["id"]})
        assert narrowed.json()["total"] == item["documents"]
    html = unescape(client.get("/search", params={"q": query}).text)
    count = len(items)
    assert f"({count} determinant{'s' if count != 1 else ''})" in html


def test_no_best_passages_by_determinant_when_nothing_matches(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "quantum chromodynamics"}).json()
    assert data["strong_total"] == 0 and data["total"] == 0
    assert data["documents"]  # the closest few are still shown, marked weak
    assert data["by_determinant"] == []
    html = client.get("/search", params={"q": "quantum chromodynamics"}).text
    assert "See the best passage for each determinant" not in html


def test_by_determinant_view_follows_the_filters(client: TestClient) -> None:
    params = {"q": "older people", "place": "kent"}
    items = client.get("/api/search", params=params).json()["by_determinant"]
    assert [i["id"] for i in items] == ["transport"]
    assert items[0]["document"]["title"] == "Getting around without a car"
    assert items[0]["search_url"] == "/search?q=older+people&determinant=transport&place=kent"


def test_more_like_this_passage_shows_the_passage_and_other_documents(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    data = client.get("/api/search", params={"q": "befriending lunch clubs"}).json()
    passage = data["documents"][0]["passages"][0]
    doc_id = data["documents"][0]["doc_id"]
    assert passage["related_url"] == f"/documents/{doc_id}/related?chunk={passage['chunk_id']}"
    html = client.get("/search", params={"q": "befriending lunch clubs"}).text
    assert f'href="{passage["related_url"]}">more like this passage' in html
    page = client.get(passage["related_url"])
    assert page.status_code == 200
    assert "More like this passage" in page.text
    assert f"“{escape(passage['text'])}”" in page.text
    api = client.get(f"/api/documents/{doc_id}/related", params={"chunk": passage["chunk_id"]})
    related = api.json()
    assert related["passage"]["chunk_id"] == passage["chunk_id"]
    assert related["documents"] and doc_id not in {d["doc_id"] for d in related["documents"]}


def test_more_like_a_passage_of_another_document_or_nonsense_is_a_404(
    client: TestClient, doc_ids: dict[str, str], library: Library
) -> None:
    other = library.store.chunks(Filters(doc_ids=(doc_ids["bus-routes.pdf"],)))[0].id
    doc_id = doc_ids["housing-damp.pdf"]
    for chunk in (other, "not-a-chunk", ""):
        response = client.get(f"/documents/{doc_id}/related", params={"chunk": chunk})
        if chunk:
            assert response.status_code == 404, chunk
            assert "We could not find that passage" in response.text
        else:
            assert response.status_code == 200  # an empty chunk means the whole document
    assert (
        client.get(f"/api/documents/{doc_id}/related", params={"chunk": other}).status_code == 404
    )


def test_document_page_says_what_it_is_about_and_where(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    html = unescape(client.get(f"/documents/{doc_id}").text)
    housing = '<a class="govuk-link" href="/determinants/housing">housing and homelessness</a>'
    assert f"Mostly about {housing}" in html
    assert 'Partly about <a class="govuk-link" href="/determinants/income">income, poverty' in html
    assert "Charnwood, Leicestershire, East Midlands" in html  # the most named first
    data = client.get(f"/api/documents/{doc_id}").json()
    assert [d["id"] for d in data["determinants"]] == ["housing", "income"]
    assert data["determinants"][0]["extent"] == "Mostly about"
    assert [p["id"] for p in data["places"]] == ["charnwood", "leicestershire", "east_midlands"]
    assert data["is_local"] is True
    kent = client.get(f"/api/documents/{doc_ids['bus-routes.pdf']}").json()
    assert [p["label"] for p in kent["places"]] == ["Kent", "South East"]
    assert kent["is_local"] is False


def test_openapi_describes_the_evidence_api(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/api/determinants", "/api/determinants/{determinant_id}"} <= set(spec["paths"])
    search = spec["paths"]["/api/search"]["get"]
    assert {"determinant", "place", "years", "local"} <= {p["name"] for p in search["parameters"]}
    schemas = spec["components"]["schemas"]
    assert {"facets", "by_determinant"} <= set(schemas["SearchOut"]["properties"])
    assert set(schemas["FacetOptionOut"]["properties"]) == {"value", "label", "count", "selected"}
    related = spec["paths"]["/api/documents/{doc_id}/related"]["get"]
    assert "chunk" in {p["name"] for p in related["parameters"]}


def test_determinant_page_says_local_work_comes_first_only_when_it_shows_some(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    html = client.get("/determinants/transport").text
    assert "Local work comes first" in html  # a local document leads its strongest evidence
    shown = routes_determinants.determinant_json

    def nothing_local(*args: Any) -> Any:
        data = shown(*args)
        return {**data, "strongest": [{**e, "is_local": False} for e in data["strongest"]]}

    monkeypatch.setattr(routes_determinants, "determinant_json", nothing_local)
    html = client.get("/determinants/transport").text
    assert "Strongest evidence" in html and "For each document we show the passage" in html
    assert "Local work comes first" not in html
