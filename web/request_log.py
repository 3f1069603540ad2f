"""Watches every request: one structured log line (method, route template, status, time) and
the request metrics. Pure ASGI, so streamed answers (the ingest hand-off) pass through intact."""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from search.settings import OpsSettings
from web.metrics import RequestMetrics
from web.metrics import router as metrics_router

__all__ = ["UNMATCHED", "RequestObserver", "install_observability", "route_of"]

log = logging.getLogger("web.requests")

# Paths that matched no route are one label: a stranger's made-up paths cannot grow the metrics.
UNMATCHED = "(no route)"


def route_of(scope: Scope) -> str:
    """The route's template (`/documents/{doc_id}`), never the path a client typed."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else UNMATCHED


class RequestObserver:
    def __init__(self, app: ASGIApp, metrics: RequestMetrics, ops: OpsSettings) -> None:
        self.app = app
        self.metrics = metrics
        self.ops = ops

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status_code = 500  # what the client gets if the app fails before answering

        async def watch(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, watch)
        finally:
            seconds = time.perf_counter() - started
            route = route_of(scope)
            method = str(scope.get("method", ""))
            self.metrics.observe(method, route, status_code, seconds)
            if self.ops.log_requests:
                self._log(scope, method, route, status_code, seconds)

    def _log(self, scope: Scope, method: str, route: str, status_code: int, seconds: float) -> None:
        line: dict[str, Any] = {
            "method": method,
            "route": route,
            "status": status_code,
            "duration_ms": round(seconds * 1000, 1),
        }
        if self.ops.log_query_text:
            line["query"] = bytes(scope.get("query_string", b"")).decode("latin-1")
        log.info(json.dumps(line))


def install_observability(app: FastAPI, ops: OpsSettings) -> None:
    """Add the request observer and the /metrics route to the app."""
    app.state.request_metrics = RequestMetrics()
    if ops.log_requests:
        # Request lines are wanted even when the command line keeps other logs at warnings.
        log.setLevel(logging.INFO)
    app.add_middleware(RequestObserver, metrics=app.state.request_metrics, ops=ops)
    app.include_router(metrics_router)
