"""A document's page, each page's text view, and the original PDF."""

from __future__ import annotations

import dataclasses
import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape

from search.library import Library


def test_document_page_shows_details_and_lists_every_page(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["school-meals.pdf"]
    response = client.get(f"/documents/{doc_id}")
    assert response.status_code == 200
    html = response.text
    assert "govuk-summary-list" in html
    assert "Free school meals and child food poverty" in html
    assert "JSNA chapter" in html and "2019" in html
    assert f'href="/documents/{doc_id}/file">Download the PDF' in html
    for number in (1, 2, 3):
        assert f'href="/documents/{doc_id}/pages/{number}">Page {number}</a>' in html
    assert "no text on this page" in html
    assert "Free school meals and child food poverty Many children" in html


def test_document_page_links_to_a_web_source_only(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    html = client.get(f"/documents/{doc_ids['housing-damp.pdf']}").text
    assert '<a class="govuk-link" href="https://example.org/damp">' in html
    assert "Housing Team; Public Health Team" in html


def test_page_text_view_shows_paragraphs_and_links_around(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    response = client.get(f"/documents/{doc_id}/pages/2")
    assert response.status_code == 200
    html = response.text
    assert "Page 2 of 3" in html
    assert "Private rented homes are the most likely to be cold and damp." in html
    assert f'href="/documents/{doc_id}/pages/1"' in html
    assert f'href="/documents/{doc_id}/pages/3"' in html
    assert f'href="/documents/{doc_id}/file#page=2"' in html
    assert "govuk-breadcrumbs" in html and f'href="/documents/{doc_id}"' in html


@pytest.mark.parametrize("number", ["0", "4", "99"])
def test_page_out_of_range_is_a_friendly_404(
    client: TestClient, doc_ids: dict[str, str], number: str
) -> None:
    response = client.get(f"/documents/{doc_ids['housing-damp.pdf']}/pages/{number}")
    assert response.status_code == 404
    assert "Page not found" in response.text
    assert "does not have a page with that number" in response.text


def test_unknown_document_is_a_friendly_404_page(client: TestClient) -> None:
    response = client.get("/documents/no-such-document")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "We could not find that document" in response.text
    assert 'href="/"' in response.text


def test_pdf_route_sends_the_original_file_inline(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    response = client.get(f"/documents/{doc_ids['housing-damp.pdf']}/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF")


def test_pdf_route_is_a_friendly_404_when_the_file_has_gone(
    client: TestClient, library: Library, doc_ids: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    record = library.document(doc_ids["housing-damp.pdf"])
    assert record is not None
    moved = dataclasses.replace(record, path="/nowhere/housing-damp.pdf")
    # On the catalogue's class: each request reads through its own access-scoped view.
    monkeypatch.setattr(type(library.catalogue), "document", lambda _self, _doc_id: moved)
    response = client.get(f"/documents/{record.doc_id}/file")
    assert response.status_code == 404
    assert "The PDF for this document is not available" in response.text


def test_pdf_route_answers_head_requests_for_link_checkers(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    response = client.head(f"/documents/{doc_ids['bus-routes.pdf']}/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"


def test_document_page_quotes_its_summary_with_page_links(
    client: TestClient, library: Library, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    record = library.document(doc_id)
    assert record is not None and record.extra["summary"], "ingest should pick summary sentences"
    html = client.get(f"/documents/{doc_id}").text
    summary = html[html.index(">Summary</h2>") : html.index(">Cite this document</h2>")]
    for sentence in record.extra["summary"]:
        text, page = " ".join(sentence["text"].split()), sentence["page"]
        assert f"“{escape(text)}”" in summary
        assert f'href="/documents/{doc_id}/file#page={page}">page {page}' in summary
        assert f'href="/documents/{doc_id}/pages/{page}">read page {page} as text' in summary


def test_document_page_offers_a_harvard_citation_and_downloads(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    html = client.get(f"/documents/{doc_id}").text
    assert (
        "Housing Team and Public Health Team (2023) <i>Cold and damp homes in Leicestershire</i>. "
        "Leicestershire County Council. Available at: https://example.org/damp (Accessed: "
    ) in html
    assert "(Housing Team and Public Health Team, 2023)" in html
    assert f'href="/documents/{doc_id}/cite.ris"' in html
    assert f'href="/documents/{doc_id}/cite.bib"' in html


def test_page_text_view_gives_an_in_text_citation_with_its_page(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    html = client.get(f"/documents/{doc_ids['school-meals.pdf']}/pages/3").text
    assert "Cite this page" in html
    assert "(Leicestershire County Council, 2019, p. 3)" in html


def test_document_page_lists_related_documents_with_their_closest_passage(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["rural-loneliness.pdf"]
    html = client.get(f"/documents/{doc_id}").text
    related = html[html.index(">Related documents</h2>") : html.index('id="pages"')]
    titles = re.findall(r'app-result__title"><a class="govuk-link" href="([^"]+)">', related)
    assert 1 <= len(titles) <= 5
    assert f"/documents/{doc_id}" not in titles
    assert related.count('class="app-passage"') == len(titles)
    assert "page" in related and 'href="/documents/' in related
    assert f'href="/documents/{doc_id}/related">See more documents like this one' in related


def test_related_page_and_api_list_the_same_documents(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    doc_id = doc_ids["bus-routes.pdf"]
    page = client.get(f"/documents/{doc_id}/related")
    assert page.status_code == 200
    assert "More like this" in page.text
    data = client.get(f"/api/documents/{doc_id}/related").json()
    assert data["doc_id"] == doc_id and data["documents"]
    shown = re.findall(
        r'app-result__title"><a class="govuk-link" href="/documents/([^"]+)">', page.text
    )
    assert shown == [d["doc_id"] for d in data["documents"]]
    assert doc_id not in shown
    first = data["documents"][0]
    assert first["passage"]["page_url"].startswith(f"/documents/{first['doc_id']}/pages/")


def test_related_page_of_unknown_document_is_a_404(client: TestClient) -> None:
    assert client.get("/documents/nope/related").status_code == 404
    assert client.get("/api/documents/nope/related").json()["detail"]


def test_results_link_to_more_like_this_for_each_document(client: TestClient) -> None:
    html = client.get("/search", params={"q": "damp homes"}).text
    results = re.findall(r'app-result__title"><a class="govuk-link" href="([^"]+)">', html)
    assert results
    for url in results:
        assert f'href="{url}/related">More like this' in html


def test_headings_that_need_their_caption_carry_it_inside_the_h1(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    # A screen reader's list of headings reads the h1 alone: "Page 2 of 3" or "All documents
    # about this" say nothing without the document or determinant the caption above names.
    doc_id = doc_ids["housing-damp.pdf"]
    title = "Cold and damp homes in Leicestershire"
    pages = {
        f"/documents/{doc_id}/pages/2": [title, "Page 2 of 3"],
        f"/documents/{doc_id}/related": [title, "More like this"],
        "/determinants/housing/documents": ["Housing and homelessness", "All documents about"],
        "/search/by-determinant?q=damp+homes": ["damp homes", "Best passage"],
    }
    for address, words in pages.items():
        html = client.get(address).text
        h1 = re.findall(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert len(h1) == 1, address
        heading = unescape(" ".join(re.sub(r"<[^>]+>", " ", h1[0]).split()))
        assert all(w in heading for w in words), f"{address}: h1 reads {heading!r}"
