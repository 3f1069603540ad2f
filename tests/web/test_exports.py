"""Taking results away: a document's citation files, the results as CSV/RIS/BibTeX, Atom feeds."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html import unescape

import bibtexparser
import pytest
import rispy
from bibtexparser.bparser import BibTexParser
from fastapi.testclient import TestClient

from search.catalogue import DocumentRecord
from search.retrieval.passages import Passage
from search.retrieval.searcher import DocumentResult
from search.schema import DocumentMeta
from web import routes_exports
from web.feeds import ATOM

NS = {"a": ATOM}
FILTERED = {"q": "children", "organisation": "Leicestershire County Council"}


def _titles_on_results_page(client: TestClient, params: dict[str, str]) -> list[str]:
    html = client.get("/search", params=params).text
    return [unescape(t) for t in re.findall(r'app-result__title"><a[^>]*>([^<]+)</a>', html)]


def _bibtex_entries(text: str) -> list[dict[str, str]]:
    entries: list[dict[str, str]] = bibtexparser.loads(
        text, parser=BibTexParser(common_strings=True)
    ).entries
    return entries


def test_document_ris_download_parses_back(client: TestClient, doc_ids: dict[str, str]) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    response = client.get(f"/documents/{doc_id}/cite.ris")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-research-info-systems")
    assert response.headers["content-disposition"] == ('attachment; filename="housing2023cold.ris"')
    (record,) = rispy.loads(response.text)
    assert record["title"] == "Cold and damp homes in Leicestershire"
    assert record["authors"] == ["Housing Team", "Public Health Team"]
    assert record["year"] == "2023"
    assert record["urls"] == ["https://example.org/damp"]
    assert record["file_attachments1"] == f"http://testserver/documents/{doc_id}/file"


def test_document_bibtex_download_parses_back(client: TestClient, doc_ids: dict[str, str]) -> None:
    doc_id = doc_ids["school-meals.pdf"]
    response = client.get(f"/documents/{doc_id}/cite.bib")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-bibtex")
    (entry,) = _bibtex_entries(response.text)
    assert entry["ENTRYTYPE"] == "techreport"
    assert entry["title"] == "{Free school meals and child food poverty}"
    assert entry["author"] == "{Leicestershire County Council}"
    assert entry["type"] == "JSNA chapter" and entry["year"] == "2019"
    assert entry["url"] == f"http://testserver/documents/{doc_id}"


def test_citation_of_unknown_document_is_a_404(client: TestClient) -> None:
    for url in ("/documents/nope/cite.ris", "/documents/nope/cite.bib"):
        response = client.get(url)
        assert response.status_code == 404
        assert "We could not find that document" in response.text


def test_csv_export_has_the_same_documents_as_the_results_page(client: TestClient) -> None:
    response = client.get("/search/export.csv", params=FILTERED)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Title"] for r in rows] == _titles_on_results_page(client, FILTERED)
    assert {r["Organisation"] for r in rows} == {"Leicestershire County Council"}
    assert all(r["Best page as text"].startswith("http://testserver/documents/") for r in rows)


def test_csv_export_quotes_the_part_the_results_show_at_its_page(client: TestClient) -> None:
    params = {"q": "damp homes and children's health"}
    text = client.get("/search/export.csv", params=params).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    documents = client.get("/api/search", params=params).json()["documents"]
    assert len(rows) == len(documents) > 1
    for row, document in zip(rows, documents, strict=True):
        shown = document["passages"][0]["excerpt"]
        assert row["Best passage"] == shown["text"]
        assert row["Best page"] == str(shown["page"])
        assert row["Best page in the PDF"] == "http://testserver" + shown["file_url"]


def test_csv_export_cites_the_page_of_the_part_shown_not_of_the_whole_passage(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Most of the passage is a table on page 5; the sentence with the words searched for is
    # on page 4, and that is the part the results page shows and links.
    sentence = "Damp homes raise the risk of asthma in young children across the county. "
    sentence += "Families in private rented homes report mould in bedrooms more often than others. "
    sentence += "Repairs take months. "
    table = "Ward 12 14 16 18 20 22 24 26 quarter total change. " * 30
    starts = ((0, 4), (len(sentence), 5))
    passage = Passage("c1", sentence + table, 4, 5, 1.0, page=5, page_starts=starts)
    record = DocumentRecord("d1", DocumentMeta(title="Damp"), "damp.pdf", "/x.pdf", 6, 3, 0.0)
    result = DocumentResult(record, [passage], 1.0, 1, "strong")
    monkeypatch.setattr(routes_exports, "search_all", lambda *args: [result])
    text = client.get("/search/export.csv", params={"q": "damp homes asthma"}).text
    [row] = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert row["Best page"] == "4"
    assert row["Best page in the PDF"] == "http://testserver/documents/d1/file#page=4"
    assert row["Best passage"].startswith("Damp homes raise the risk of asthma")
    assert len(row["Best passage"].split()) < 60


def test_ris_and_bibtex_exports_follow_the_search_and_its_sort(client: TestClient) -> None:
    params = {**FILTERED, "sort": "newest"}
    expected = _titles_on_results_page(client, params)
    records = rispy.loads(client.get("/search/export.ris", params=params).text)
    assert [r["title"] for r in records] == expected
    entries = _bibtex_entries(client.get("/search/export.bib", params=params).text)
    assert [e["title"].strip("{}") for e in entries] == expected
    assert len({e["ID"] for e in entries}) == len(entries)


def test_export_ignores_the_page_and_includes_every_matching_document(
    client: TestClient,
) -> None:
    # Every document in the test library shares a word with this, so all of them match.
    params = {"q": "people homes families villages", "page": "2"}
    response = client.get("/search/export.csv", params=params)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    assert client.get("/api/search", params=params).json()["total"] == 4


@pytest.mark.parametrize("kind", ["csv", "ris", "bib"])
def test_export_without_words_is_a_plain_400(client: TestClient, kind: str) -> None:
    response = client.get(f"/search/export.{kind}", params={"q": " "})
    assert response.status_code == 400
    assert "Enter some words to search for" in response.text


def test_results_page_links_to_exports_and_its_feed(client: TestClient) -> None:
    html = client.get("/search", params={**FILTERED, "page": "1", "sort": "newest"}).text
    query = "q=children&amp;organisation=Leicestershire+County+Council&amp;sort=newest"
    for kind in ("csv", "ris", "bib"):
        assert f'href="/search/export.{kind}?{query}"' in html
    assert (
        f'<link rel="alternate" type="application/atom+xml" '
        f'title="Documents that match ‘children’" href="/search/feed.atom?{query}">'
    ) in html
    assert f'href="/search/feed.atom?{query}">Follow this search' in html


def test_search_feed_lists_the_matching_documents(client: TestClient) -> None:
    response = client.get("/search/feed.atom", params=FILTERED)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    root = ET.fromstring(response.content)
    assert root.findtext("a:title", namespaces=NS) == "Evidence Finder: ‘children’"
    titles = [e.findtext("a:title", namespaces=NS) for e in root.findall("a:entry", NS)]
    assert titles == _titles_on_results_page(client, FILTERED)
    entry = root.findall("a:entry", NS)[0]
    link = entry.find("a:link[@rel='alternate']", NS)
    assert link is not None and str(link.get("href")).startswith("http://testserver/documents/")
    # The entry cites the page its words are on, and links to the PDF opened at that page.
    related = entry.find("a:link[@rel='related']", NS)
    assert related is not None
    page = str(related.get("href")).rsplit("/file#page=", 1)[1]
    assert str(entry.findtext("a:summary", namespaces=NS)).endswith(f"(page {page})")


def test_home_page_feed_lists_every_document_newest_first(client: TestClient) -> None:
    home = client.get("/").text
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="New documents in the library" href="/search/feed.atom">'
    ) in home
    root = ET.fromstring(client.get("/search/feed.atom").content)
    assert root.findtext("a:title", namespaces=NS) == "New in Evidence Finder"
    entries = root.findall("a:entry", NS)
    assert len(entries) == 4
    updated = [str(e.findtext("a:updated", namespaces=NS)) for e in entries]
    assert updated == sorted(updated, reverse=True)


def test_library_feed_can_follow_a_filter_without_words(client: TestClient) -> None:
    root = ET.fromstring(client.get("/search/feed.atom", params={"kind": "briefing"}).content)
    titles = [e.findtext("a:title", namespaces=NS) for e in root.findall("a:entry", NS)]
    assert titles == ["Loneliness among older people in rural villages"]


def test_a_search_that_matched_nothing_exports_and_feeds_nothing(client: TestClient) -> None:
    """The results page shows the closest few documents when nothing matches, saying they may
    not answer the question; a file or a feed cannot say that, so it holds none of them."""
    params = {"q": "quantum chromodynamics lattice gluon"}
    answer = client.get("/api/search", params=params).json()
    assert answer["closest_only"] and answer["documents"]  # the page shows the closest few
    text = client.get("/search/export.csv", params=params).content.decode("utf-8-sig")
    assert list(csv.DictReader(io.StringIO(text))) == []
    assert rispy.loads(client.get("/search/export.ris", params=params).text) == []
    assert _bibtex_entries(client.get("/search/export.bib", params=params).text) == []
    root = ET.fromstring(client.get("/search/feed.atom", params=params).content)
    assert root.findall("a:entry", NS) == []


def test_csv_export_says_how_well_each_document_matches(client: TestClient) -> None:
    params = {"q": "people homes families villages"}
    answer = client.get("/api/search", params=params).json()
    words = {"strong": "Strong match", "weak": "Weak match"}
    expected = {d["title"]: words[d["strength"]] for d in answer["documents"]}
    response = client.get("/search/export.csv", params=params)
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {r["Title"]: r["Match"] for r in rows} == expected
