"""The home page and the search results page, as a person using a browser sees them."""

from __future__ import annotations

import re
from html import unescape

from fastapi.testclient import TestClient


def _result_titles(html: str) -> list[str]:
    return [unescape(t) for t in re.findall(r'app-result__title"><a[^>]*>([^<]+)</a>', html)]


def test_home_page_has_a_search_form_that_sends_q_to_search(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<form action="/search" method="get"' in response.text
    assert 'name="q"' in response.text
    assert 'href="/search?q=cold+damp+homes"' in response.text


def test_search_for_cold_damp_homes_puts_the_housing_document_first(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    response = client.get("/search", params={"q": "cold damp homes"})
    assert response.status_code == 200
    assert _result_titles(response.text)[0] == "Cold and damp homes in Leicestershire"
    assert re.search(r"Showing 1–\d+ of \d+ results? for ‘cold damp homes’", response.text)
    assert "<mark>damp</mark>" in response.text


def test_search_result_page_links_open_the_cited_page(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    html = client.get("/search", params={"q": "insulation grants asthma"}).text
    passage = html[html.index("<mark>insulation</mark>") :]
    cited = re.search(r"From pages? (\d+)(?: to (\d+))?:", passage)
    assert cited is not None
    first, last = int(cited[1]), int(cited[2] or cited[1])
    assert f'href="/documents/{doc_id}/file#page={first}"' in passage
    assert f'href="/documents/{doc_id}/pages/{first}"' in passage
    pages = [client.get(f"/documents/{doc_id}/pages/{n}") for n in range(first, last + 1)]
    assert all(p.status_code == 200 for p in pages)
    assert any("insulation" in p.text for p in pages)


def test_script_in_the_query_is_escaped(client: TestClient) -> None:
    response = client.get("/search", params={"q": "<script>alert(1)</script> damp"})
    assert response.status_code == 200
    assert "<script>alert(1)</script>" not in response.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in response.text


def test_empty_query_shows_the_error_summary_with_status_400(client: TestClient) -> None:
    for query in ("", "   "):
        response = client.get("/search", params={"q": query})
        assert response.status_code == 400
        assert "govuk-error-summary" in response.text
        assert "Enter some words to search for" in response.text
        assert "<title>Error:" in response.text


def test_search_with_no_matches_says_so_with_status_200(client: TestClient) -> None:
    response = client.get("/search", params={"q": "damp", "organisation": "Nobody At All"})
    assert response.status_code == 200
    assert "No documents match ‘damp’. Try fewer words, or remove a filter." in response.text


def test_page_that_is_not_a_number_or_below_one_is_a_400_not_a_500(client: TestClient) -> None:
    for page in ("abc", "0", "-3", "1.5", "99999"):
        response = client.get("/search", params={"q": "damp", "page": page})
        assert response.status_code == 400, page
        assert "page" in response.text.lower()


def test_overlong_query_is_a_400_with_a_plain_message(client: TestClient) -> None:
    response = client.get("/search", params={"q": "damp " * 120})
    assert response.status_code == 400
    assert "Your search is too long" in response.text


def test_bad_year_is_a_400_with_a_plain_message(client: TestClient) -> None:
    response = client.get("/search", params={"q": "damp", "year_from": "last year"})
    assert response.status_code == 400
    assert "Enter a year as 4 numbers" in response.text


def test_organisation_filter_narrows_results_and_can_be_removed(client: TestClient) -> None:
    everything = _result_titles(client.get("/search", params={"q": "older people"}).text)
    response = client.get(
        "/search", params={"q": "older people", "organisation": "Rural Community Council"}
    )
    narrowed = _result_titles(response.text)
    assert narrowed == ["Loneliness among older people in rural villages"]
    assert len(everything) > len(narrowed)
    assert 'href="/search?q=older+people">' in response.text  # the remove link and Clear filters
    assert "Remove this filter: </span>Organisation: Rural Community Council" in response.text
    assert re.search(r'value="Rural Community Council"\s+checked', response.text)


def test_filter_options_show_document_counts(client: TestClient) -> None:
    html = client.get("/search", params={"q": "children"}).text
    assert "Leicestershire County Council (2)" in html
    assert 'name="kind"' in html


def test_ticking_one_organisation_still_offers_the_others(client: TestClient) -> None:
    params = {"q": "children", "organisation": "Rural Community Council"}
    html = client.get("/search", params=params).text
    assert 'value="Leicestershire County Council"' in html


def test_year_range_keeps_only_documents_in_it(client: TestClient) -> None:
    params = {"q": "children", "year_from": "2020", "year_to": "2022"}
    html = client.get("/search", params=params).text
    assert _result_titles(html) == ["Loneliness among older people in rural villages"]
    assert "From: 2020" in html and "To: 2022" in html


def test_sort_by_newest_orders_results_by_year(client: TestClient) -> None:
    html = client.get(
        "/search",
        params={"q": "children", "sort": "newest", "organisation": "Leicestershire County Council"},
    ).text
    assert _result_titles(html) == [
        "Cold and damp homes in Leicestershire",
        "Free school meals and child food poverty",
    ]
    assert "<strong>newest first</strong>" in html


def test_results_page_works_without_javascript(client: TestClient) -> None:
    html = client.get("/search", params={"q": "damp"}).text
    filter_form = html[html.index("Filter results") :]
    assert '<form action="/search" method="get"' in filter_form
    assert '<input type="hidden" name="q" value="damp">' in filter_form


def test_unknown_sort_is_a_400_in_plain_words(client: TestClient) -> None:
    response = client.get("/search", params={"q": "damp", "sort": "alphabetical"})
    assert response.status_code == 400
    assert "You can only sort by best match or by newest first." in response.text


def test_each_more_like_this_passage_link_has_its_own_name(client: TestClient) -> None:
    # Two passages of one document can come from the same page: a screen reader's list of
    # links must not hold two "more like this passage from page 2 of …" going different ways.
    html = client.get("/search", params={"q": "damp mould cold homes tenants landlords"}).text
    links = re.findall(r'<a class="govuk-link" href="([^"]*related\?chunk=[^"]*)">(.*?)</a>', html)
    names = [" ".join(re.sub(r"<[^>]+>", "", name).split()) for _, name in links]
    assert len(links) >= 2
    repeated = {n for n in names if names.count(n) > 1}
    assert not repeated, f"links with the same name but different targets: {repeated}"
