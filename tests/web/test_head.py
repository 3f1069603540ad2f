"""HEAD is answered as GET without a body (monitors and link checkers ask with HEAD)."""

from __future__ import annotations

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse
from fastapi.testclient import TestClient

from web.head import HeadAsGet


@pytest.mark.parametrize(
    "url", ["/", "/search?q=damp", "/api/search?q=damp", "/healthz", "/determinants"]
)
def test_head_gives_gets_status_and_headers_with_no_body(client: TestClient, url: str) -> None:
    got = client.get(url)
    head = client.head(url)
    assert got.status_code == 200
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-type"] == got.headers["content-type"]
    assert "content-security-policy" in head.headers


def test_head_keeps_not_found_and_method_not_allowed(client: TestClient) -> None:
    assert client.head("/no-such-page").status_code == 404
    assert (
        client.head("/search", params={"q": "x" * 5000}).status_code
        == client.get("/search", params={"q": "x" * 5000}).status_code
    )
    assert client.head("/sign-out").status_code == client.get("/sign-out").status_code


def test_a_route_that_answers_head_itself_gets_it_as_head() -> None:
    """The document's file route names HEAD: it gets HEAD and sends headers alone, rather than
    a GET that reads the whole file for a body thrown away. Other routes still get the GET."""
    seen: list[str] = []
    app = FastAPI()

    @app.api_route("/file", methods=["GET", "HEAD"])
    def file(request: Request) -> PlainTextResponse:
        seen.append(request.method)
        return PlainTextResponse("the whole file")

    @app.get("/page")
    def page(request: Request) -> PlainTextResponse:
        seen.append(request.method)
        return PlainTextResponse("a page")

    app.add_middleware(HeadAsGet)
    with TestClient(app) as test_client:
        assert test_client.head("/file").status_code == 200
        head = test_client.head("/page")
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == str(len(b"a page"))
        assert test_client.head("/nowhere").status_code == 404
    assert seen == ["HEAD", "GET"]


def test_head_on_a_document_file_gives_its_length_and_no_body(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    url = f"/documents/{next(iter(doc_ids.values()))}/file"
    got, head = client.get(url), client.head(url)
    assert head.status_code == got.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(got.content))
    assert head.headers["content-type"] == got.headers["content-type"]
