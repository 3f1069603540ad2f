"""With the site running, `kb ingest` hands the job to it and searches keep answering."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.pdfs import write_pdf

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    first = tmp_path / "first"
    write_pdf(first / "housing.pdf", ["Damp and mould in private rented homes harm children."])
    subprocess.run(
        [sys.executable, "-m", "kb", "ingest", str(first)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            # A search, not just /healthz: the model must be loaded before we time anything.
            if httpx.get(f"{url}/api/search", params={"q": "damp"}, timeout=120).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        server.kill()
        log.close()
        pytest.fail("the site did not start: " + (tmp_path / "serve.log").read_text()[-2000:])
    yield url, env, tmp_path
    server.terminate()
    server.wait(timeout=30)
    log.close()


def test_ingest_is_handed_to_the_running_site(site) -> None:  # type: ignore[no-untyped-def]
    url, env, tmp_path = site
    second = tmp_path / "second"
    for n in range(4):
        write_pdf(
            second / f"lonely-{n}.pdf", [f"Older people in village {n} feel lonely and isolated."]
        )
    errors: list[str] = []
    answered = 0
    stop = threading.Event()

    def keep_searching() -> None:
        nonlocal answered
        while not stop.is_set():
            response = httpx.get(f"{url}/api/search", params={"q": "damp homes"}, timeout=60)
            if response.status_code != 200:
                errors.append(f"{response.status_code} {response.text[:200]}")
            answered += 1

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "kb",
                "ingest",
                str(second),
                "--report",
                str(tmp_path / "r.jsonl"),
            ],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop.set()
        searcher.join()
    assert result.returncode == 0, result.stderr
    assert "handing the ingest to it" in result.stderr
    assert "Indexed 4" in result.stderr
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert sorted(x["outcome"] for x in lines) == ["indexed"] * 4
    assert errors == [] and answered > 0
    found = httpx.get(
        f"{url}/api/search", params={"q": "lonely older villagers"}, timeout=30
    ).json()
    assert found["documents"][0]["file_name"].startswith("lonely-")


def test_admin_status_needs_the_token(site) -> None:  # type: ignore[no-untyped-def]
    url, _env, tmp_path = site
    assert httpx.get(f"{url}/admin/status", timeout=10).status_code == 401
    token = (tmp_path / "data" / ".admin-token").read_text()
    page = httpx.get(f"{url}/admin/status", auth=("admin", token), timeout=10)
    assert page.status_code == 200 and "housing.pdf" in page.text
    wrong = httpx.post(
        f"{url}/admin/ingest",
        json={"paths": ["/x"]},
        headers={"Authorization": "Bearer wrong"},
        timeout=10,
    )
    assert wrong.status_code == 401
