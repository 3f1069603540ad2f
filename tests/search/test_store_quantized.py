"""Dense search over the one-byte copies of the vectors (`embedded._QUANTIZED`): what a search
returns is scored with the full vectors, so its scores are the cosines themselves and its
closest passages are the closest there are."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import qdrant_edge as qe

from search.analysis import SparseVector
from search.schema import IndexedChunk
from search.store import embedded
from search.store.base import CollectionLayout, VectorQuery
from search.store.core import DENSE_BEAM
from search.store.embedded import EmbeddedStore

DIMENSION = 64
POINTS = 2_000
LAYOUT = CollectionLayout("test-model", DIMENSION)


def _unit_rows(rng: np.random.Generator, rows: int) -> np.ndarray:
    vectors = rng.normal(size=(rows, DIMENSION))
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _indexed_store(path: Path, vectors: np.ndarray) -> None:
    """A store written as the product writes one, then optimised as a large library is: the
    engine builds the graph and the one-byte copies only for segments past its thresholds,
    which a test's few points never reach, so they are lowered for this shard alone (its
    vectors keep the product's own settings)."""
    store = EmbeddedStore(path)
    try:
        store.ensure_collection(LAYOUT)
        store.upsert(
            [
                IndexedChunk(
                    id=str(n + 1),
                    dense=[float(x) for x in vector],
                    sparse=SparseVector([1], [1.0]),
                    payload={"doc_id": f"d{n}"},
                )
                for n, vector in enumerate(vectors)
            ]
        )
        shard_dir = store._shard_dir
    finally:
        store.close()
    product = embedded._config(LAYOUT)
    assert product.vectors["dense"].quantization_config is not None
    lowered = qe.EdgeConfig(
        vectors=product.vectors,
        sparse_vectors=product.sparse_vectors,
        max_search_threads=product.max_search_threads,
        hnsw_config=qe.HnswIndexConfig(m=16, ef_construct=100, full_scan_threshold=1),
        optimizers=qe.EdgeOptimizersConfig(indexing_threshold=1, default_segment_number=1),
    )
    shard = qe.EdgeShard.load(str(shard_dir), lowered)
    try:
        shard.optimize()
        assert shard.info().indexed_vectors_count >= POINTS  # the graph is built
    finally:
        shard.close()


def test_a_dense_search_over_the_one_byte_vectors_returns_the_exact_closest_and_cosines(
    tmp_path: Path,
) -> None:
    rng = np.random.default_rng(5)
    vectors = _unit_rows(rng, POINTS)
    _indexed_store(tmp_path / "store", vectors)
    store = EmbeddedStore(tmp_path / "store")
    try:
        for query in _unit_rows(rng, 20):
            cosines = vectors @ query
            hits = store.query(
                VectorQuery(
                    dense=[float(x) for x in query],
                    sparse=None,
                    mode="dense",
                    limit=10,
                    candidates=10,
                    payload_fields=(),
                )
            )
            assert {hit.id for hit in hits} == {str(n + 1) for n in np.argsort(-cosines)[:10]}
            # One byte a dimension is off by about 0.01 here: these are the full vectors' own.
            for hit in hits:
                assert abs(hit.score - cosines[int(hit.id) - 1]) < 1e-5
    finally:
        store.close()


def test_a_walk_scores_again_twice_what_it_asked_for_within_the_beam_and_at_least_100() -> None:
    assert embedded.rescored_count(10) == 100  # near-copies: 20 found 0.63-0.88 of the 10
    assert embedded.rescored_count(100) == 200
    assert embedded.rescored_count(500) == 1_000  # the search's own walk: within its beam
    # Past the beam, no wider than a walk with the full vectors alone would go.
    assert embedded.rescored_count(800) == DENSE_BEAM
    assert embedded.rescored_count(5_000) == 5_000
