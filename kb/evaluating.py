"""Runs `kb eval`: builds (or reuses) a collection for a BEIR set and scores each retrieval stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from search.analysis import Bm25Weighting
from search.encoder import load_encoder
from search.evaluation import build_collection, read_beir, run_stage, store_retriever
from search.settings import Settings
from search.store import Mode, open_store

STAGES: dict[str, tuple[Mode, str]] = {
    "dense": ("dense", "rrf"),
    "sparse": ("sparse", "rrf"),
    "hybrid": ("hybrid", "rrf"),
    "hybrid-dbsf": ("hybrid", "dbsf"),
}


def run_eval(settings: Settings, folder: Path, k: int = 10, stages: list[str] | None = None,
             max_queries: int | None = None) -> list[dict[str, Any]]:
    unknown = set(stages or []) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s): {', '.join(sorted(unknown))}; choose from {', '.join(STAGES)}")
    collection = read_beir(folder)
    queries = dict(list(collection.queries.items())[:max_queries]) if max_queries else collection.queries
    qrels = {q: collection.qrels[q] for q in queries}
    console = Console(stderr=True)
    ingest_model = settings.model.model_copy(update={"threads": settings.model.ingest_threads})
    encoder = load_encoder(ingest_model, settings.data_dir / "models")
    weighting = Bm25Weighting()
    store = open_store(settings, collection=f"eval-{collection.name}-{encoder.model_id}")
    try:
        with Progress(TextColumn(f"[bold]Indexing {collection.name}"), BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console) as progress:
            task = progress.add_task("", total=len(collection.corpus))
            build_collection(store, encoder, collection, weighting,
                             on_progress=lambda done, total: progress.update(task, completed=done))
        # Queries are timed on one thread, as the site runs them.
        encoder = load_encoder(settings.model, settings.data_dir / "models")
        drop_self = collection.name.lower().startswith("arguana")
        rows = []
        for name in stages or list(STAGES):
            mode, fusion = STAGES[name]
            retrieve = store_retriever(store, encoder, weighting, mode, fusion,
                                       candidates=settings.search.candidates)
            result = run_stage(name, queries, retrieve, qrels, drop_self, k)
            rows.append(result.as_dict())
            console.print(f"{name}: nDCG@{k} {result.metrics[f'ndcg@{k}']:.4f}")
        return rows
    finally:
        store.close()
