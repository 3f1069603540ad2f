"""A site served over real HTTP on 127.0.0.1, for the tests and benches that need one (browser
tests, load runs, serving benchmarks): one way to start it, wait for it and stop it."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI

__all__ = ["START_TIMEOUT_S", "free_port", "serve_app"]

START_TIMEOUT_S = 20.0


def free_port() -> int:
    """A port free now, for a server started in another process (`kb serve --port`)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_healthy(url: str, server: uvicorn.Server, timeout_s: float) -> None:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.started:
            try:
                with opener.open(url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
        time.sleep(0.05)
    raise RuntimeError(f"the site did not answer {url} within {timeout_s} s")


@contextmanager
def serve_app(app: FastAPI, timeout_s: float = START_TIMEOUT_S, **options: Any) -> Iterator[str]:
    """Serve `app` from a thread until the block ends; yields its base URL once /healthz
    answers 200. The socket is bound here, on a free port, and handed over: no race for it.
    `options` go to uvicorn (e.g. web.app.server_options, as `kb serve` runs it)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, log_level="warning", ws="none", lifespan="on", **{"http": "h11", **options}
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(f"{url}/healthz", server, timeout_s)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
