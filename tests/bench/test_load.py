"""Benchmark (make bench): 16 clients for 60 s on loopback over every page type of a real
`kb serve` on the real PDFs, while `kb ingest` hands a job to the same site. 0 errors expected;
p50/p95 per page type go to bench/results/load.json.

The library is a copy of KB_BENCH_LOAD_DATA (a data folder holding an index of the real PDFs),
else of data/bench-real, built first from ../shared/data/pdfs/real when empty (slow)."""

from __future__ import annotations

import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.bench.scale.serving import percentile
from tests.conftest import SHARED_DATA
from tests.live_site import free_port

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
CLIENTS = int(os.environ.get("KB_BENCH_LOAD_CLIENTS", "16"))
SECONDS = float(os.environ.get("KB_BENCH_LOAD_SECONDS", "60"))
TOKEN = "load-bench-token"
QUERIES = [
    "what helps older people who are lonely in rural villages",
    "free school meals eligibility and uptake",
    "damp and mould in rented homes",
    "child poverty rates",
    "homelessness deaths review",
    "food banks and food insecurity",
    "air pollution and health",
    "pharmacy access and opening hours",
    "suicide prevention strategy",
    "carers support services",
    "home to school transport",
    "Gypsy and Traveller health needs",
]
# How often each page type is asked for: people search most, then follow results.
MIX = {"html_search": 30, "api_search": 20, "document": 20, "page": 20, "determinant": 10}
INGEST_WAIT_S = float(os.environ.get("KB_BENCH_LOAD_INGEST_WAIT_S", "600"))
HOSTILE_FOR_INGEST = ("enc__r2-empty-password.pdf", "stream__broken-lzw.pdf", "pages__empty.pdf")


@dataclass(frozen=True)
class Targets:
    doc_ids: list[str]
    pages: list[tuple[str, int]]
    determinants: list[str]


def _env(data: Path) -> dict[str, str]:
    return {
        **os.environ,
        "KB_DATA_DIR": str(data),
        "KB_WEB__ADMIN_TOKEN": TOKEN,
        # The site takes hand-off jobs only from named folders: the benchmark's own.
        "KB_INGEST__ROOTS": json.dumps([str(data.parent)]),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }


def _library_copy(real: Path, into: Path) -> Path:
    source = Path(os.environ.get("KB_BENCH_LOAD_DATA", ROOT / "data" / "bench-real"))
    if not (source / "catalogue.sqlite").is_file():
        subprocess.run(
            [sys.executable, "-m", "kb", "ingest", str(real)],
            env=_env(source),
            cwd=ROOT,
            check=True,
            timeout=4 * 3600,
        )
    copy = into / "data"
    shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".lock", "site.json", "models"))
    return copy


def _new_files(real: Path, folder: Path, count: int = 4) -> Path:
    """Real reports the library has not seen (a trailing comment changes their hash) and a few
    hostile files that must fail without disturbing anyone."""
    folder.mkdir(parents=True)
    sized = sorted(real.glob("*.pdf"), key=lambda p: p.stat().st_size)
    middle = len(sized) // 2
    for path in sized[middle : middle + count]:
        (folder / path.name).write_bytes(path.read_bytes() + b"\n% load benchmark copy\n")
    hostile = SHARED_DATA / "pdfs" / "hostile"
    for name in HOSTILE_FOR_INGEST:
        if (hostile / name).is_file():
            shutil.copy(hostile / name, folder / name)
    return folder


def _wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        assert server.poll() is None, "the site stopped while starting"
        try:
            # A search, not just /healthz: the model must be loaded before anything is timed.
            if httpx.get(f"{url}/api/search", params={"q": "housing"}, timeout=120).is_success:
                return
        except httpx.HTTPError:
            time.sleep(1)
    raise AssertionError("the site did not start in 10 minutes")


def _targets(url: str) -> Targets:
    doc_ids: list[str] = []
    pages: list[tuple[str, int]] = []
    with httpx.Client(base_url=url, timeout=120) as client:
        for q in QUERIES:
            body = client.get("/api/search", params={"q": q}).raise_for_status().json()
            for result in body["documents"]:
                doc_ids.append(result["doc_id"])
                pages += [(doc_ids[-1], p["page_start"]) for p in result["passages"]]
        listed = client.get("/api/determinants").raise_for_status().json()
    determinants = [d["id"] for d in listed["determinants"]]
    return Targets(sorted(set(doc_ids)), sorted(set(pages)), determinants)


def _request(client: httpx.Client, kind: str, targets: Targets, rng: random.Random) -> int:
    if kind == "html_search":
        return client.get("/search", params={"q": rng.choice(QUERIES)}).status_code
    if kind == "api_search":
        return client.get("/api/search", params={"q": rng.choice(QUERIES)}).status_code
    if kind == "document":
        return client.get(f"/documents/{rng.choice(targets.doc_ids)}").status_code
    if kind == "page":
        doc_id, page = rng.choice(targets.pages)
        return client.get(f"/documents/{doc_id}/pages/{page}").status_code
    return client.get(f"/determinants/{rng.choice(targets.determinants)}").status_code


def _load(url: str, targets: Targets, until: float, seed: int) -> list[tuple[str, str, float]]:
    """(page type, status or the client's error, ms) for each request until `until`."""
    rng = random.Random(seed)
    kinds, weights = list(MIX), list(MIX.values())
    seen: list[tuple[str, str, float]] = []
    with httpx.Client(base_url=url, timeout=120) as client:
        while time.monotonic() < until:
            kind = rng.choices(kinds, weights)[0]
            started = time.perf_counter()
            try:
                status = str(_request(client, kind, targets, rng))
            except httpx.HTTPError as error:
                status = type(error).__name__  # a dropped connection or a timeout is an error too
            seen.append((kind, status, (time.perf_counter() - started) * 1000))
    return seen


@pytest.mark.bench
def test_sixteen_clients_for_a_minute_while_an_ingest_runs(tmp_path: Path, real_pdfs: Path) -> None:
    data = _library_copy(real_pdfs, tmp_path)
    incoming = _new_files(real_pdfs, tmp_path / "incoming")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = (tmp_path / "serve.log").open("wb")
    ingest_log = (tmp_path / "ingest.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--port", str(port)],
        env=_env(data),
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    ingest: subprocess.Popen[bytes] | None = None
    try:
        _wait_until_up(url, server)
        targets = _targets(url)
        assert targets.doc_ids and targets.pages and targets.determinants
        ingest = subprocess.Popen(
            [sys.executable, "-m", "kb", "ingest", str(incoming)],
            env=_env(data),
            cwd=ROOT,
            stdout=ingest_log,
            stderr=ingest_log,
        )
        started = time.monotonic()
        until = started + SECONDS
        per_client: list[list[tuple[str, str, float]]] = [[] for _ in range(CLIENTS)]

        def client(n: int) -> None:
            per_client[n] = _load(url, targets, until, seed=n)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - started
        ingest_running_at_end = ingest.poll() is None
        try:
            ingest_code: int | None = ingest.wait(timeout=INGEST_WAIT_S)
        except subprocess.TimeoutExpired:
            ingest_code = None  # still going on a busy machine: stopped below, nothing is lost
    finally:
        if ingest is not None and ingest.poll() is None:
            ingest.kill()
        server.terminate()
        server.wait(timeout=60)
        log.close()
        ingest_log.close()
    seen = [row for rows in per_client for row in rows]
    by_kind: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    for kind, status, ms in seen:
        by_kind[kind].append(ms)
        if status != "200":
            errors[f"{kind} {status}"] += 1
    result = {
        "clients": CLIENTS,
        "seconds": round(elapsed, 1),
        "requests": len(seen),
        "requests_per_s": round(len(seen) / elapsed, 1),
        "errors": dict(errors),
        "ingest_exit_code": ingest_code,
        "ingest_still_running_when_load_ended": ingest_running_at_end,
        "per_page_type": {
            kind: {
                "requests": len(times),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(percentile(times, 0.95), 1),
            }
            for kind, times in sorted(by_kind.items())
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "load.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + json.dumps(result, indent=2))
    assert not errors, errors
    assert ingest_code in (0, None), (tmp_path / "ingest.log").read_text()
    assert set(by_kind) == set(MIX)
