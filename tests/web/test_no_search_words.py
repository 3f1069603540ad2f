"""Words with nothing to search for ('the', a lone letter, symbols, emoji) get a plain answer,
never results: the near-empty text is close in meaning to many passages, so any result would be
confident nonsense. The pages, downloads and feed answer 400 as for a blank search; the API
answers with no documents and the reason. Words written only in another script (Arabic,
Chinese) are not searched either, and are asked for in English. Codes officers use (IMD, A&E,
0-5) still search as before. Real model."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from tests.libraries import build_notes
from web.app import create_app
from web.search_form import NO_SEARCH_WORDS, OTHER_SCRIPT, SearchForm

# As a QA pass typed them into the address bar (%ff%fe is invalid UTF-8: two replacement
# characters by the time the site reads it).
NO_WORDS = ["a", "%F0%9F%99%82", ".*", "%3F", "-", "the", "!!!", "%ff%fe", "x"]

# Each code, and the note that holds it.
CODES = {
    "IMD": "IMD scores rank every neighbourhood in the county by deprivation.",
    "NHS": "NHS dentists are hard to find in the market towns.",
    "0-5": "Children aged 0-5 need health visitor checks and a place at nursery.",
    "2024": "The 2024 residents survey asked about the cost of living.",
    "B&B": "Families placed in B&B accommodation wait months for a settled home.",
    "A&E": "Waiting times at A&E rose for older people over the winter.",
    "GP": "Getting a GP appointment is hard for people without a car.",
}


# Words written in another script: Arabic, Gurmukhi, Chinese, Cyrillic, Greek.
OTHER_SCRIPT_QUERIES = [
    "الصحة النفسية",
    "ਮਾਨਸਿਕ ਸਿਹਤ",
    "心理健康",
    "психическое здоровье",
    "ψυχική υγεία",
    "the 心理健康",  # a Latin stop word beside them does not change what was meant
]
SEARCH_PATHS = ("/search", "/search/by-determinant")
REFUSING_PATHS = ("/search/export.csv", "/search/export.ris", "/search/feed.atom")


def _url(path: str, raw_query: str) -> str:
    return f"{path}?q={raw_query}"


@pytest.mark.parametrize("raw", NO_WORDS)
def test_the_api_answers_with_nothing_and_says_why(client: TestClient, raw: str) -> None:
    # The schema lets these words through (a pattern cannot know the stop words), so the API
    # answers them, as its schema promises, with no documents and the reason.
    response = client.get(_url("/api/search", raw))
    assert response.status_code == 200
    data = response.json()
    assert data["problem"] == NO_SEARCH_WORDS
    assert data["documents"] == [] and data["by_determinant"] == []
    assert data["total"] == data["strong_total"] == 0 and not data["closest_only"]


def test_the_api_leaves_problem_empty_when_it_searched(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "cold damp homes"}).json()
    assert data["problem"] is None and data["documents"]


@pytest.mark.parametrize("raw", NO_WORDS)
def test_the_results_page_asks_for_words_and_shows_none(client: TestClient, raw: str) -> None:
    for path in ("/search", "/search/by-determinant"):
        response = client.get(_url(path, raw))
        assert response.status_code == 400, path
        html = unescape(response.text)
        assert "govuk-error-summary" in html and NO_SEARCH_WORDS in html
        assert "<title>Error:" in html
        assert "Strong match" not in html and "app-result" not in html
        assert "results for" not in html


@pytest.mark.parametrize("raw", NO_WORDS)
def test_downloads_and_the_feed_refuse_them_too(client: TestClient, raw: str) -> None:
    for path in ("/search/export.csv", "/search/export.ris", "/search/feed.atom"):
        response = client.get(_url(path, raw))
        assert response.status_code == 400, path
        assert NO_SEARCH_WORDS in unescape(response.text), path


def test_the_feed_with_no_words_at_all_is_still_the_newest_documents(client: TestClient) -> None:
    response = client.get("/search/feed.atom")
    assert response.status_code == 200
    assert "<entry>" in response.text


def test_the_api_schema_says_what_words_are_needed(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    search = schema["paths"]["/api/search"]["get"]
    q = next(p for p in search["parameters"] if p["name"] == "q")
    assert "single letter" in q["description"]
    assert "`problem` says why" in search["description"]
    assert "problem" in schema["components"]["schemas"]["SearchOut"]["required"]


@pytest.mark.parametrize("query", OTHER_SCRIPT_QUERIES)
def test_the_form_tells_words_in_another_script_to_use_english(query: str) -> None:
    assert SearchForm(q=query).problem == OTHER_SCRIPT


@pytest.mark.parametrize("query", ["the", "x", "\U0001f642"])
def test_the_form_keeps_the_common_words_message_for_the_rest(query: str) -> None:
    assert SearchForm(q=query).problem == NO_SEARCH_WORDS


@pytest.mark.parametrize("query", ["santé mentale", "zdrowie", "Café 2024", "ਸਿਹਤ housing"])
def test_the_form_searches_accented_latin_and_mixed_words(query: str) -> None:
    assert SearchForm(q=query).problem is None


@pytest.mark.parametrize("query", OTHER_SCRIPT_QUERIES)
def test_every_search_answers_another_script_with_the_english_message(
    client: TestClient, query: str
) -> None:
    for path in SEARCH_PATHS:
        response = client.get(path, params={"q": query})
        assert response.status_code == 400, path
        html = unescape(response.text)
        assert "govuk-error-summary" in html and OTHER_SCRIPT in html, path
        assert NO_SEARCH_WORDS not in html and "app-result" not in html, path
        assert "<title>Error:" in html, path
    for path in REFUSING_PATHS:
        response = client.get(path, params={"q": query})
        assert response.status_code == 400, path
        assert OTHER_SCRIPT in unescape(response.text), path
    response = client.get("/api/search", params={"q": query})
    assert response.status_code == 200
    data = response.json()
    assert data["problem"] == OTHER_SCRIPT
    assert data["documents"] == [] and data["total"] == 0


def test_a_mixed_query_with_one_english_word_is_searched(client: TestClient) -> None:
    data = client.get("/api/search", params={"q": "ਸਿਹਤ damp homes"}).json()
    assert data["problem"] is None and data["documents"]
    html = client.get("/search", params={"q": "santé damp"}).text
    assert "govuk-error-summary" not in html and "app-result" in html


def test_the_api_schema_says_words_in_another_script_are_not_searched(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert "script other than Latin" in schema["paths"]["/api/search"]["get"]["description"]
    problem = schema["components"]["schemas"]["SearchOut"]["properties"]["problem"]
    assert "script other than Latin" in problem["description"]


@pytest.fixture(scope="module")
def codes_client(
    tmp_path_factory: pytest.TempPathFactory, encoder: Encoder
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    data = build_notes(tmp_path_factory.mktemp("codes"), list(CODES.values()), encoder)
    settings = Settings(data_dir=data)
    library = Library.open(settings, encoder=encoder)
    notes = {r.meta.title: r.doc_id for r in library.catalogue.documents()}
    by_code = {code: notes[f"Note {n}"] for n, code in enumerate(CODES)}
    yield TestClient(create_app(settings, library=library)), by_code
    library.close()


@pytest.mark.parametrize("code", list(CODES))
def test_codes_and_numbers_still_find_the_note_that_holds_them(
    codes_client: tuple[TestClient, dict[str, str]], code: str
) -> None:
    client, by_code = codes_client
    response = client.get("/api/search", params={"q": code})
    assert response.status_code == 200
    data = response.json()
    assert data["total"] >= 1 and not data["closest_only"]
    assert data["documents"][0]["doc_id"] == by_code[code]
    html = client.get("/search", params={"q": code}).text
    assert "govuk-error-summary" not in html and "app-result" in html
