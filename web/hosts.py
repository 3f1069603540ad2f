"""Trusted hosts: the site answers only to the names it is told are its own.

Links in feeds and citations are built from the site's address, so a request naming another
host (`Host: evil.example`) is refused with a plain 400 before any page is drawn."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = ["WRONG_HOST", "Refuse", "TrustedHosts", "is_allowed", "read_host_name"]

Refuse = Callable[[Request], Awaitable[Response] | Response]

WRONG_HOST = "This site does not answer to that web address. Use the address your team gave you."


def read_host_name(host_header: str) -> str:
    """'Example.org:8000' gives 'example.org'; '[::1]:8000' gives '::1'."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def is_allowed(host: str, allowed: Iterable[str]) -> bool:
    for pattern in allowed:
        if pattern == "*" or host == pattern:
            return True
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
    return False


class TrustedHosts:
    """ASGI middleware: a request whose Host header is not allowed gets `refuse`'s answer."""

    def __init__(self, app: ASGIApp, allowed: Iterable[str], refuse: Refuse) -> None:
        self.app = app
        self.allowed = tuple(host.lower() for host in allowed)
        self.refuse = refuse

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = read_host_name(Headers(scope=scope).get("host", ""))
        if is_allowed(host, self.allowed):
            await self.app(scope, receive, send)
            return
        answer = self.refuse(Request(scope, receive))
        response = await answer if isinstance(answer, Awaitable) else answer
        await response(scope, receive, send)
