"""A near miss the word pull quiets, as the results page and the API show it: the plain notice,
and the word the closest passages do not mention (search.retrieval.word_pull), with the real
model and store."""

from __future__ import annotations

from collections.abc import Iterator
from html import unescape

import pytest
from fastapi.testclient import TestClient

from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from tests.libraries import PHARMACIES, build_notes
from web.app import create_app

NEAR_MISS = "pharmacies in West Sussex that open on Christmas Day"
# A note that uses "christmas" elsewhere, so the word is the library's, only not the pharmacies'.
LIGHTS = "The Christmas lights switch-on in Crawley town centre drew large crowds of families."


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("pharmacies")
    settings = Settings(data_dir=build_notes(root, [*PHARMACIES, LIGHTS], encoder))
    # The answer check off, so the word pull alone decides (as in tests/search).
    settings.match = settings.match.model_copy(update={"answer_checks": 0})
    library = Library.open(settings, encoder=encoder)
    try:
        yield TestClient(create_app(settings, library=library))
    finally:
        library.close()


def test_the_api_names_the_word_the_closest_passages_leave_out(site: TestClient) -> None:
    data = site.get("/api/search", params={"q": NEAR_MISS}).json()
    assert data["strong_total"] == 0 and data["pulled_words"] == ["christmas"]
    assert data["documents"] and data["unused_words"] == []
    answered = site.get("/api/search", params={"q": "pharmacy opening hours in West Sussex"})
    assert answered.json()["strong_total"] >= 1 and answered.json()["pulled_words"] == []


def test_the_notice_says_the_closest_passages_do_not_mention_it(site: TestClient) -> None:
    html = unescape(site.get("/search", params={"q": NEAR_MISS}).text)
    notice = html.index(f"No strong matches for ‘{NEAR_MISS}’")
    said = html.index("The closest passages do not mention the word ‘christmas’.")
    assert notice < said < html.index('class="app-result"')
    answered = unescape(site.get("/search", params={"q": "pharmacy opening hours"}).text)
    assert "do not mention" not in answered


def test_a_word_no_document_uses_is_said_once_not_twice(site: TestClient) -> None:
    asked = "pharmacies in West Sussex that open on Boxing Day"
    data = site.get("/api/search", params={"q": asked}).json()
    assert data["pulled_words"] == data["unused_words"] == ["boxing"]
    html = unescape(site.get("/search", params={"q": asked}).text)
    assert "No document you can search uses the word ‘boxing’." in html
    assert "do not mention" not in html
