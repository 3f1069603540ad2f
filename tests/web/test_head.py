"""HEAD is answered as GET without a body (monitors and link checkers ask with HEAD)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient


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
