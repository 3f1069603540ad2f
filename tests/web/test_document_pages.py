"""A document's page, each page's text view, and the original PDF."""

from __future__ import annotations

import dataclasses

import pytest
from fastapi.testclient import TestClient

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
    monkeypatch.setattr(library, "document", lambda doc_id: moved)
    response = client.get(f"/documents/{record.doc_id}/file")
    assert response.status_code == 404
    assert "The PDF for this document is not available" in response.text


def test_pdf_route_answers_head_requests_for_link_checkers(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    response = client.head(f"/documents/{doc_ids['bus-routes.pdf']}/file")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
