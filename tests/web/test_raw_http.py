"""Requests that are not HTTP, sent over a real socket to the site as `kb serve` serves it
(web.app.server_options: httptools and uvloop): each gets a plain 400 or a closed connection,
and the site goes on answering."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
import uvicorn
import uvloop
from fastapi import FastAPI
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from search.library import Library
from search.settings import Settings
from tests.live_site import serve_app
from web.app import create_app, server_options


@pytest.fixture(scope="module")
def base_url(settings: Settings, library: Library) -> Iterator[str]:
    with serve_app(create_app(settings, library=library), **server_options(settings)) as url:
        yield url


def _send_raw(base: str, data: bytes) -> bytes:
    parts = urlsplit(base)
    with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), 5) as conn:
        conn.sendall(data)
        conn.settimeout(5)
        received = b""
        try:
            while chunk := conn.recv(65536):
                received += chunk
        except (TimeoutError, ConnectionResetError):
            pass
    return received


@pytest.mark.parametrize(
    "data",
    [
        b"GARBAGE\r\n\r\n",
        b"GET /search?q=damp HTTP/1.1\r\nHost: 127.0.0.1\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: -5\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64),  # a TLS hello on plain HTTP
        b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    ],
    ids=["not-http", "header-without-colon", "negative-length", "tls-hello", "huge-target"],
)
def test_a_request_that_is_not_http_gets_a_400_or_is_closed_and_the_site_goes_on(
    base_url: str, data: bytes
) -> None:
    answer = _send_raw(base_url, data)
    assert answer == b"" or answer.startswith(b"HTTP/1.1 400") or answer.startswith(b"HTTP/1.1 414")
    assert b"Traceback" not in answer
    assert httpx.get(f"{base_url}/healthz", timeout=10, trust_env=False).status_code == 200


def test_the_compiled_parser_and_loop_the_site_asks_for_load(settings: Settings) -> None:
    # uvicorn resolves them only when it starts: a missing or broken wheel would stop `kb serve`.
    config = uvicorn.Config(FastAPI(), **server_options(settings))
    config.load()
    assert config.http_protocol_class is HttpToolsProtocol
    factory = config.get_loop_factory()
    assert factory is not None
    loop = factory()
    try:
        assert isinstance(loop, uvloop.Loop)
    finally:
        loop.close()
