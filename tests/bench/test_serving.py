"""Benchmark (make bench): search latency over HTTP on the real PDFs, 1 client and 8 clients."""

from __future__ import annotations

import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from ingest.pipeline import Ingester
from search.library import Library
from search.settings import Settings
from tests.bench.scale.serving import percentile
from tests.live_site import serve_app
from web.app import create_app

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
QUERIES = [
    "what helps older people who are lonely in rural villages",
    "housing benefit claims among older people",
    "free school meals eligibility and uptake",
    "deprivation in coastal towns",
    "child poverty rates",
    "damp and mould in rented homes",
    "homelessness deaths review",
    "physical activity levels in adults",
    "food banks and food insecurity",
    "air pollution and health",
    "drug and alcohol partnership community fund",
    "pharmacy access and opening hours",
    "IMD 2025 most deprived LSOAs",
    "JSNA summary of health needs",
    "young people leisure time and wellbeing",
    "suicide prevention strategy",
    "integrated care strategy delivery plan",
    "family hubs consultation",
    "carers support services",
    "home to school transport",
]


@pytest.mark.bench
def test_search_latency_over_http(real_pdfs: Path) -> None:
    settings = Settings(data_dir=ROOT / "data" / "bench-real")
    library = Library.open(settings)
    Ingester(library.index, settings.chunks).run([real_pdfs])  # a no-op when already indexed
    try:
        with serve_app(create_app(settings, library=library)) as base:
            url = f"{base}/api/search"
            with httpx.Client(timeout=60) as client:
                for q in QUERIES:  # warm-up: model loaded, caches filled
                    client.get(url, params={"q": q}).raise_for_status()
                single: list[float] = []
                for _ in range(3):
                    for q in QUERIES:
                        started = time.perf_counter()
                        client.get(url, params={"q": q}).raise_for_status()
                        single.append((time.perf_counter() - started) * 1000)
            errors = 0

            def one(q: str) -> float:
                nonlocal errors
                started = time.perf_counter()
                with httpx.Client(timeout=60) as c:
                    if c.get(url, params={"q": q}).status_code != 200:
                        errors += 1
                return (time.perf_counter() - started) * 1000

            jobs = QUERIES * 8
            started = time.perf_counter()
            with ThreadPoolExecutor(max_workers=8) as pool:
                concurrent = list(pool.map(one, jobs))
            elapsed = time.perf_counter() - started
    finally:
        chunks = library.store.count()
        library.close()
    result = {
        "chunks": chunks,
        "single_client": {
            "p50_ms": round(statistics.median(single), 1),
            "p95_ms": round(percentile(single, 0.95), 1),
            "requests": len(single),
        },
        "eight_clients": {
            "requests_per_s": round(len(jobs) / elapsed, 1),
            "p50_ms": round(statistics.median(concurrent), 1),
            "p95_ms": round(percentile(concurrent, 0.95), 1),
            "errors": errors,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "serving.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + json.dumps(result, indent=2))
    assert errors == 0
