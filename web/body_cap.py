"""A cap on request bodies, answered with the site's own error page.

Without it, anyone could post a form of a thousand 1 MB fields to the sign-in page and the site
would read it all into memory before any check. A body that says its size up front
(`Content-Length`, as browsers and most clients send) is refused before any of it is read; one
that does not is counted as it is read and refused when it passes the cap. Either way the
answer is the page or JSON every other error gets (413). The upload route, which takes files,
is exempt: it has its own cap from the settings and checks it first."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection

from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TOO_LARGE", "BodyCap", "declared_length"]

TOO_LARGE = (
    "That is too much to send at once. Forms take a few thousand characters; "
    "to add documents, use the upload page."
)

Refuse = Callable[[Request], Awaitable[Response] | Response]


def declared_length(headers: Headers) -> int | None:
    """The body's size as its `Content-Length` says it; None when absent or not a number."""
    value = headers.get("content-length", "").strip()
    return int(value) if value.isascii() and value.isdigit() and len(value) < 20 else None


class BodyCap:
    """ASGI middleware: a request whose body is over `max_bytes` gets `refuse`'s answer when
    it says so up front, else a 413 once that much is read; paths in `exempt` keep their own
    caps."""

    def __init__(
        self, app: ASGIApp, max_bytes: int, refuse: Refuse, exempt: Collection[str] = ()
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.refuse = refuse
        self.exempt = frozenset(exempt)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("path", "") not in self.exempt:
            length = declared_length(Headers(scope=scope))
            if length is not None and length > self.max_bytes:
                answer = self.refuse(Request(scope, receive))
                response = await answer if isinstance(answer, Awaitable) else answer
                await response(scope, receive, send)
                return
            await self.app(scope, _counted(receive, self.max_bytes), send)
            return
        await self.app(scope, receive, send)


def _counted(receive: Receive, max_bytes: int) -> Receive:
    """`receive`, raising a 413 (answered by the site's error handler) once the body read so
    far passes `max_bytes`."""
    read = 0

    async def counted() -> Message:
        nonlocal read
        message = await receive()
        if message["type"] == "http.request":
            read += len(message.get("body", b""))
            if read > max_bytes:
                raise HTTPException(413, TOO_LARGE)
        return message

    return counted
