"""The engine itself on a built library: HNSW recall@10 against exact search on the real
vectors, and the same hybrid queries through qdrant-client's local mode, side by side."""

from __future__ import annotations

import os
import shutil
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe
from qdrant_client import QdrantClient, models

from search.analysis import Bm25Weighting
from search.schema import DENSE, SPARSE, Hit, engine_id
from search.store.base import VectorQuery
from search.store.embedded import EmbeddedStore
from search.store.server import ServerStore
from tests.bench.scale.serving import percentile

# Questions written after the store's beam (core.DENSE_BEAM) was chosen on the bench's own
# QUERIES and 16 others, and never used to choose anything: recall is reported on them too.
HELD_OUT_QUESTIONS = (
    "childhood vaccination uptake",
    "domestic abuse refuges",
    "social prescribing link workers",
    "winter pressures on hospitals",
    "adult learning and skills",
    "rough sleeping in towns",
    "healthy weight in children",
    "access to dentists for families",
    "mental health crisis support",
    "air quality near schools",
    "youth services funding cuts",
    "cycling infrastructure investment",
    "care leavers housing support",
    "gambling harms",
    "community transport for disabled people",
    "heat waves and older people",
)


def dense_recall_at_10(store: EmbeddedStore, queries: list[list[float]]) -> float:
    """Mean share of the exact top 10 that the store's own dense search also holds: its graph
    walk, beam and second scoring (`embedded._params`) against comparing every vector."""

    def top(vector: list[float], exact: bool) -> set[str]:
        request = VectorQuery(
            dense=vector, sparse=None, mode="dense", limit=10, candidates=10,
            payload_fields=(), exact=exact,
        )  # fmt: skip
        return {hit.id for hit in store.query(request)}

    found: list[float] = []
    for vector in queries:
        exact = top(vector, exact=True)
        found.append(len(exact & top(vector, exact=False)) / max(1, len(exact)))
    return round(statistics.fmean(found), 4)


def sample_chunk_vectors(store: EmbeddedStore, count: int, seed: int = 11) -> list[list[float]]:
    """Real chunk vectors to query with (the nearest is then a near-copy: a hard case)."""
    records, _ = store.shard.scroll(qe.ScrollRequest(limit=count * 20, with_vector=[DENSE]))
    rng = np.random.default_rng(seed)
    chosen = rng.choice(len(records), size=min(count, len(records)), replace=False)
    return [list(records[int(i)].vector[DENSE]) for i in chosen]


def hybrid_queries(texts: list[str], dense: list[list[float]]) -> list[VectorQuery]:
    weighting = Bm25Weighting()
    return [
        VectorQuery(dense=d, sparse=weighting.query_vector(t), mode="hybrid", fusion="dbsf",
                    limit=100, candidates=100)
        for t, d in zip(texts, dense, strict=True)
    ]  # fmt: skip


def _time_queries(run: Any, queries: list[VectorQuery], rounds: int) -> dict[str, float]:
    for q in queries:
        run(q)  # warm
    times: list[float] = []
    for _ in range(rounds):
        for q in queries:
            started = time.perf_counter()
            run(q)
            times.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 0.95), 2),
    }


def copy_into_local_client(source: EmbeddedStore, path: Path) -> int:
    """The same points (both vectors and payloads) in a qdrant-client local-mode collection."""
    if path.exists():
        shutil.rmtree(path)
    client = QdrantClient(path=str(path))
    layout = source.layout()
    assert layout is not None
    client.create_collection(
        "evidence",
        vectors_config={DENSE: models.VectorParams(size=layout.dimension,
                                                   distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )  # fmt: skip
    offset: Any = None
    copied = 0
    while True:
        records, offset = source.shard.scroll(
            qe.ScrollRequest(offset=offset, limit=1024, with_payload=True, with_vector=True)
        )
        points = []
        for r in records:
            sparse = r.vector[SPARSE]
            points.append(models.PointStruct(
                id=engine_id(str(r.id)), payload=dict(r.payload or {}),
                vector={DENSE: list(r.vector[DENSE]), SPARSE: models.SparseVector(
                    indices=list(sparse.indices), values=list(sparse.values))},
            ))  # fmt: skip
        client.upsert("evidence", points=points)
        copied += len(points)
        if offset is None:
            break
    client.close()
    return copied


def compare_engines(
    store_path: Path, client_path: Path, queries: list[VectorQuery], rounds: int = 3
) -> dict[str, Any]:
    """Start-up (open and answer one query) and warm latency of each engine on the same data."""

    def first_answer(open_store: Any) -> tuple[Any, float, list[Hit]]:
        started = time.perf_counter()
        store = open_store()
        hits = store.query(queries[0])
        return store, time.perf_counter() - started, hits

    load_before = os.getloadavg()[0]
    embedded, embedded_start, embedded_hits = first_answer(lambda: EmbeddedStore(store_path))
    try:
        embedded_times = _time_queries(embedded.query, queries, rounds)
    finally:
        embedded.close()
    local, local_start, local_hits = first_answer(
        lambda: ServerStore(QdrantClient(path=str(client_path)), "evidence", is_local=True)
    )
    try:
        local_times = _time_queries(local.query, queries, rounds)
    finally:
        local.close()
    same = len({h.id for h in embedded_hits[:10]} & {h.id for h in local_hits[:10]})
    return {
        "load": [round(load_before, 1), round(os.getloadavg()[0], 1)],
        "queries": len(queries) * rounds,
        "embedded": {"start_s": round(embedded_start, 2), **embedded_times},
        "qdrant_client_local": {"start_s": round(local_start, 2), **local_times},
        "local_over_embedded": {
            "start": round(local_start / embedded_start, 1),
            "p50": round(local_times["p50_ms"] / embedded_times["p50_ms"], 1),
            "p95": round(local_times["p95_ms"] / embedded_times["p95_ms"], 1),
        },
        "same_top10_of_first_query": same,
    }
