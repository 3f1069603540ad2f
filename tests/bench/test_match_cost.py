"""What exact counts cost per search (make bench): p50 and p95 of the site's search (results
and filter counts) with the match rule, against the same searches counted over the ranking's
candidates only, as before, interleaved in one run on the same library.

Uses the real PDFs' index from KB_BENCH_REAL_DATA_DIR (a copy: the embedded store belongs to
one process); skips with a message when it is not set.
"""

from __future__ import annotations

import json
import logging
import os
import statistics
import time
from pathlib import Path

import pytest

import search.retrieval.searcher as searcher_module
from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.chunk_table import ChunkTable
from search.retrieval.matching import ChunkMatch, Matches
from search.settings import Settings
from search.store.base import Store, VectorQuery
from web.search_form import SearchForm
from web.searching import run_search

pytestmark = pytest.mark.bench
log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
FILTERED = {"determinants": ("income",)}


def _candidates_only(
    store: Store,
    query: VectorQuery,
    _settings: object,
    table: ChunkTable,
    version: int,
    _library_chunks: int,
) -> Matches:
    """The old rule: whatever the fused candidates hold counts as a match."""
    hits = store.query(query)
    rows = table.rows(store, [h.id for h in hits], version)
    matched = [ChunkMatch(i, d, None, True) for i, d in zip(rows.ids, rows.doc_ids, strict=True)]
    return Matches(matched, False, rows)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def test_latency_of_exact_counts(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    where = os.environ.get("KB_BENCH_REAL_DATA_DIR")
    if not where or not Path(where).is_dir():
        pytest.skip("set KB_BENCH_REAL_DATA_DIR to a copy of the real PDFs' index")
    lines = (ROOT / "corpus" / "queries" / "real.jsonl").read_text().splitlines()
    # Every third query keeps the run to a few minutes on a shared machine.
    queries = [str(json.loads(line)["query"]) for line in lines if line.strip()][::3]
    library = Library.open(Settings(data_dir=Path(where)), encoder=encoder)
    timings: dict[str, list[float]] = {"before": [], "after": [], "before+filter": []}
    timings["after+filter"] = []
    largest = 0
    try:
        run_search(library, SearchForm(q="warm up"))
        for query in queries:
            for name in ("before", "after"):
                with monkeypatch.context() as patch:
                    if name == "before":
                        patch.setattr(searcher_module, "find_matches", _candidates_only)
                    for form, key in (
                        (SearchForm(q=query), name),
                        (SearchForm(q=query, **FILTERED), f"{name}+filter"),  # type: ignore[arg-type]
                    ):
                        started = time.perf_counter()
                        outcome = run_search(library, form)
                        timings[key].append((time.perf_counter() - started) * 1000)
                        if name == "after" and outcome.results.matches is not None:
                            largest = max(largest, len(outcome.results.matches.chunks))
    finally:
        library.close()
    report = {
        key: {
            "p50_ms": round(statistics.median(values), 1),
            "p95_ms": round(_percentile(values, 0.95), 1),
        }
        for key, values in timings.items()
    }
    report["queries"] = len(queries)  # type: ignore[assignment]
    report["most_matching_passages"] = largest  # type: ignore[assignment]
    print(json.dumps(report, indent=2))
    assert all(timings.values())
