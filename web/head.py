"""HEAD answered as GET without the body: uptime monitors and link checkers ask with HEAD, and
FastAPI's routes answer only the methods they name (a HEAD got 405 on every page)."""

from __future__ import annotations

from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["HeadAsGet"]


class HeadAsGet:
    """Runs a HEAD request as the GET it stands for and sends the GET's status and headers
    (Content-Length included, as HTTP asks) with an empty body.

    A route that answers HEAD itself (a document's file, the static assets) gets it as HEAD:
    its file response then sends the headers alone, where as a GET it would read the whole
    file only for the body to be thrown away."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD" or _answers_head(scope):
            await self.app(scope, receive, send)
            return

        async def without_body(message: Message) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, without_body)


def _answers_head(scope: Scope) -> bool:
    """Whether a route of the app matches this HEAD request, method and all."""
    router = getattr(scope.get("app"), "router", None)
    routes = getattr(router, "routes", ())
    return any(route.matches(scope)[0] is Match.FULL for route in routes)
