"""The scale bench's side-by-side with qdrant-client's local mode, on a few points stored as the
product stores them (a clean clone's `make bench-scale` stopped here: chunk ids are numbers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from search.analysis import SparseVector
from search.schema import IndexedChunk, point_id
from search.store.base import CollectionLayout, VectorQuery
from search.store.embedded import EmbeddedStore
from tests.bench.scale.engines import compare_engines, copy_into_local_client

DIMENSION = 16
LAYOUT = CollectionLayout("test-model", DIMENSION)


def _store(path: Path, vectors: np.ndarray) -> list[str]:
    ids = [point_id(f"doc{n}", n) for n in range(len(vectors))]
    store = EmbeddedStore(path)
    try:
        store.ensure_collection(LAYOUT)
        store.upsert(
            [
                IndexedChunk(
                    id=chunk_id,
                    dense=[float(x) for x in vector],
                    sparse=SparseVector([n % 5, 7], [1.0, 0.5]),
                    payload={"doc_id": f"doc{n}", "text": f"passage {n}"},
                )
                for n, (chunk_id, vector) in enumerate(zip(ids, vectors, strict=True))
            ]
        )
    finally:
        store.close()
    return ids


def test_the_local_client_gets_every_point_with_its_id_and_answers_as_the_engine_does(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(40, DIMENSION))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = _store(tmp_path / "store", vectors)
    assert all(chunk_id.isdigit() for chunk_id in ids)  # the product's ids are numbers

    source = EmbeddedStore(tmp_path / "store")
    try:
        copied = copy_into_local_client(source, tmp_path / "client")
    finally:
        source.close()
    assert copied == len(ids)

    queries = [
        VectorQuery(dense=[float(x) for x in vectors[n]], sparse=SparseVector([n % 5], [1.0]),
                    mode="hybrid", fusion="dbsf", limit=10, candidates=20)
        for n in (0, 7, 21)
    ]  # fmt: skip
    compared = compare_engines(tmp_path / "store", tmp_path / "client", queries, rounds=1)
    # The first query is a stored passage's own vector and its keyword: both engines put that
    # passage in their top 10, so the ids read back from the local copy are the engine's.
    assert compared["same_top10_of_first_query"] >= 1
    assert compared["queries"] == len(queries)
    assert compared["embedded"]["p50_ms"] > 0 and compared["qdrant_client_local"]["p50_ms"] > 0
