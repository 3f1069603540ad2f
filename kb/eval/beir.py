"""Scores retrieval on BEIR-format collections: nDCG@k and recall@100 as trec_eval computes them."""

from __future__ import annotations

import json
import logging
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.analysis import Bm25Weighting, terms
from search.models.encoder import Encoder
from search.retrieval.searcher import Searcher
from search.schema import IndexedChunk, point_id
from search.store.base import CollectionLayout, Mode, Store

__all__ = [
    "BeirCollection",
    "BeirFormatError",
    "Qrels",
    "Retriever",
    "Run",
    "StageResult",
    "build_collection",
    "collection_weighting",
    "document_text",
    "ndcg_at",
    "read_beir",
    "recall_at",
    "run_stage",
    "score_run",
    "searcher_retriever",
]

log = logging.getLogger(__name__)

Qrels = dict[str, dict[str, int]]
Run = dict[str, list[str]]


class BeirFormatError(ValueError):
    """The folder is not a BEIR collection."""


@dataclass(frozen=True)
class BeirCollection:
    name: str
    corpus: dict[str, tuple[str, str]]  # id -> (title, text)
    queries: dict[str, str]
    qrels: Qrels


def _json_lines(path: Path) -> list[dict[str, Any]]:
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def read_beir(folder: Path, split: str = "test") -> BeirCollection:
    """Read corpus.jsonl, queries.jsonl and qrels/<split>.tsv; only judged queries are kept."""
    needed = [folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"]
    missing = [str(p) for p in needed if not p.is_file()]
    if missing:
        raise BeirFormatError(f"not a BEIR folder, missing: {', '.join(missing)}")
    corpus: dict[str, tuple[str, str]] = {}
    for row in _json_lines(needed[0]):
        corpus[str(row["_id"])] = (row.get("title") or "", row.get("text") or "")
    qrels: Qrels = {}
    with needed[2].open(encoding="utf-8") as handle:
        for number, line in enumerate(handle):
            parts = line.rstrip("\n").split("\t")
            if number == 0 and not parts[-1].lstrip("-").isdigit():
                continue  # header
            if len(parts) >= 3:
                qrels.setdefault(parts[0], {})[parts[1]] = int(parts[2])
    queries = {
        str(r["_id"]): str(r["text"]) for r in _json_lines(needed[1]) if str(r["_id"]) in qrels
    }
    return BeirCollection(folder.name, corpus, queries, qrels)


def ndcg_at(ranked: list[str], judged: dict[str, int], k: int) -> float:
    """trec_eval's ndcg_cut: linear gain, log2(rank + 1) discount, ideal from all judgements."""
    dcg = sum(judged.get(doc, 0) / math.log2(i + 2) for i, doc in enumerate(ranked[:k]))
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], judged: dict[str, int], k: int) -> float:
    relevant = {d for d, g in judged.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranked[:k])) / len(relevant)


def score_run(run: Run, qrels: Qrels, k: int = 10) -> dict[str, float]:
    """Mean metrics over every judged query; a query with no hits scores zero."""
    judged = [q for q in qrels if any(g > 0 for g in qrels[q].values())]
    ndcg = [ndcg_at(run.get(q, []), qrels[q], k) for q in judged]
    recall = [recall_at(run.get(q, []), qrels[q], 100) for q in judged]
    return {
        f"ndcg@{k}": statistics.fmean(ndcg) if ndcg else 0.0,
        "recall@100": statistics.fmean(recall) if recall else 0.0,
        "queries": float(len(judged)),
    }


def document_text(collection: BeirCollection, doc_id: str) -> str:
    return " ".join(x for x in collection.corpus[doc_id] if x)


def collection_weighting(collection: BeirCollection) -> Bm25Weighting:
    """BM25 normalises length by the collection's own mean length, so measure it."""
    lengths = [len(terms(document_text(collection, d))) for d in collection.corpus]
    return Bm25Weighting(average_terms=max(1.0, statistics.fmean(lengths)) if lengths else 1.0)


def build_collection(
    store: Store,
    encoder: Encoder,
    collection: BeirCollection,
    weighting: Bm25Weighting,
    batch: int = 256,
    on_progress: Callable[[int, int], None] | None = None,
) -> None:
    """One point per BEIR document (title + text), skipped when the store already has them all."""
    store.ensure_collection(CollectionLayout(encoder.model_id, encoder.dimension))
    if store.count() == len(collection.corpus):
        return
    ids = list(collection.corpus)
    for start in range(0, len(ids), batch):
        part = ids[start : start + batch]
        texts = [document_text(collection, i) for i in part]
        dense = encoder.encode_documents(texts)
        store.upsert(
            [
                IndexedChunk(
                    point_id(doc, 0),
                    dense[n].tolist(),
                    weighting.document_vector(texts[n]),
                    {"doc_id": doc, "chunk_index": 0, "text": "", "page": 1},
                )
                for n, doc in enumerate(part)
            ]
        )
        if on_progress:
            on_progress(min(start + batch, len(ids)), len(ids))


@dataclass
class StageResult:
    stage: str
    metrics: dict[str, float]
    latency_ms: list[float] = field(default_factory=list)

    def as_dict(self) -> dict[str, float | str]:
        lat = sorted(self.latency_ms)
        p95 = lat[min(len(lat) - 1, round(0.95 * (len(lat) - 1)))] if lat else 0.0
        return {
            "stage": self.stage,
            **{k: round(v, 4) for k, v in self.metrics.items()},
            "p50_ms": round(statistics.median(lat), 2) if lat else 0.0,
            "p95_ms": round(p95, 2),
        }


Retriever = Callable[[str], list[str]]


def run_stage(
    stage: str,
    queries: dict[str, str],
    retrieve: Retriever,
    qrels: Qrels,
    drop_self: bool,
    k: int = 10,
) -> StageResult:
    run: Run = {}
    latency: list[float] = []
    for qid, text in queries.items():
        started = time.perf_counter()
        ranked = retrieve(text)
        latency.append((time.perf_counter() - started) * 1000)
        # ArguAna's queries are themselves in the corpus; BEIR drops them from the ranking.
        run[qid] = [d for d in ranked if d != qid] if drop_self else ranked
    return StageResult(stage, score_run(run, qrels, k), latency)


def searcher_retriever(searcher: Searcher, mode: Mode, limit: int = 100) -> Retriever:
    """Retrieval exactly as the site does it (query instruction, synonyms, fusion, long queries)."""

    def retrieve(text: str) -> list[str]:
        return [h.doc_id for h in searcher.hits(text, limit=limit, mode=mode)]

    return retrieve
