"""Request counts and latency histograms per route, and the Prometheus text page /metrics that
shows them with the library's counts; off unless a setting turns it on."""

from __future__ import annotations

import hmac
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field

from fastapi import APIRouter, HTTPException, Request, status
from fastapi.responses import PlainTextResponse

from search.library import Library
from search.settings import OpsSettings
from web.admin import read_bearer_token

__all__ = [
    "BUCKETS_S",
    "CONTENT_TYPE",
    "KNOWN_METHODS",
    "OTHER_METHOD",
    "RequestMetrics",
    "may_read_metrics",
    "metrics_page",
    "render_library",
    "router",
]

# Methods counted by name; any other a client makes up is counted as OTHER, so strangers
# cannot grow the counters (and this page) without end by inventing methods.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
OTHER_METHOD = "OTHER"

# Upper bounds in seconds: a page from the model and the engine takes tens to hundreds of ms.
BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

router = APIRouter(include_in_schema=False)


@dataclass
class _Histogram:
    counts: list[int] = field(default_factory=lambda: [0] * len(BUCKETS_S))
    total: int = 0
    sum_s: float = 0.0

    def observe(self, seconds: float) -> None:
        self.total += 1
        self.sum_s += seconds
        for i, bound in enumerate(BUCKETS_S):
            if seconds <= bound:
                self.counts[i] += 1


class RequestMetrics:
    """Counters shared by every request thread, so each change holds the lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, int], int] = {}
        self._latency: dict[str, _Histogram] = {}

    def observe(self, method: str, route: str, status_code: int, seconds: float) -> None:
        method = method if method in KNOWN_METHODS else OTHER_METHOD
        with self._lock:
            key = (method, route, status_code)
            self._requests[key] = self._requests.get(key, 0) + 1
            self._latency.setdefault(route, _Histogram()).observe(seconds)

    def render(self) -> list[str]:
        with self._lock:
            requests = sorted(self._requests.items())
            latency = sorted(
                (route, _Histogram(list(h.counts), h.total, h.sum_s))
                for route, h in self._latency.items()
            )
        lines = [
            "# HELP kb_http_requests_total Requests answered, by method, route and status.",
            "# TYPE kb_http_requests_total counter",
        ]
        for (method, route, code), count in requests:
            labels = _labels(method=method, route=route, status=str(code))
            lines.append(f"kb_http_requests_total{{{labels}}} {count}")
        lines += [
            "# HELP kb_http_request_duration_seconds Time to answer a request, by route.",
            "# TYPE kb_http_request_duration_seconds histogram",
        ]
        for route, hist in latency:
            for bound, count in zip(BUCKETS_S, hist.counts, strict=True):
                labels = _labels(route=route, le=repr(bound))
                lines.append(f"kb_http_request_duration_seconds_bucket{{{labels}}} {count}")
            inf = _labels(route=route, le="+Inf")
            lines.append(f"kb_http_request_duration_seconds_bucket{{{inf}}} {hist.total}")
            only = _labels(route=route)
            lines.append(f"kb_http_request_duration_seconds_sum{{{only}}} {hist.sum_s:.6f}")
            lines.append(f"kb_http_request_duration_seconds_count{{{only}}} {hist.total}")
        return lines


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return ",".join(f'{name}="{_escape(value)}"' for name, value in labels.items())


def _gauge(name: str, help_text: str, value: float) -> Iterable[str]:
    shown = int(value) if float(value).is_integer() else round(value, 3)
    return (f"# HELP {name} {help_text}", f"# TYPE {name} gauge", f"{name} {shown}")


def render_library(library: Library) -> list[str]:
    """What is in the index and how the last ingest went."""
    stats = library.catalogue.stats()
    run = library.catalogue.last_run() or {}
    lines = [
        *_gauge("kb_documents", "Documents in the index.", stats["documents"]),
        *_gauge("kb_chunks", "Chunks (passages) of the documents in the index.", stats["chunks"]),
        *_gauge(
            "kb_last_ingest_finished_timestamp_seconds",
            "When the last ingest run finished (Unix time; 0 before the first).",
            float(run.get("finished_at") or 0),
        ),
        *_gauge(
            "kb_last_ingest_failed_files",
            "Files that failed in the last ingest run.",
            int(run.get("failed", 0)),
        ),
        *_gauge(
            "kb_failed_files",
            "Files whose latest outcome is a failure.",
            library.catalogue.file_counts().get("failed", 0),
        ),
    ]
    return lines


def may_read_metrics(request: Request, ops: OpsSettings) -> bool:
    """Allowed clients, or anyone presenting the metrics token."""
    client = request.client.host if request.client else ""
    if client in ops.metrics_clients:
        return True
    expected = ops.metrics_token.get_secret_value().encode() if ops.metrics_token else b""
    given = read_bearer_token(request)
    # An empty token (a blank line in a .env) opens nothing: b"" would match an empty bearer.
    return bool(expected) and bool(given) and hmac.compare_digest(given, expected)


@router.get("/metrics")
def metrics_page(request: Request) -> PlainTextResponse:
    ops: OpsSettings = request.app.state.settings.ops
    if not ops.metrics_enabled:
        raise HTTPException(status.HTTP_404_NOT_FOUND)
    if not may_read_metrics(request, ops):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "You may not read the metrics.")
    metrics: RequestMetrics = request.app.state.request_metrics
    lines = metrics.render()
    library: Library | None = request.app.state.library
    if library is not None:
        lines += render_library(library)
    return PlainTextResponse(
        "\n".join(lines) + "\n",
        media_type=CONTENT_TYPE,
        headers={"Cache-Control": "no-store"},
    )
