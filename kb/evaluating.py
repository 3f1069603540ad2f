"""Runs `kb eval`: builds or reuses a collection for a BEIR set and scores each stage."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from kb.eval.beir import (
    BeirCollection,
    Retriever,
    build_collection,
    collection_weighting,
    document_text,
    read_beir,
    run_stage,
    searcher_retriever,
)
from search.analysis import read_synonyms
from search.catalogue import Catalogue
from search.library import DEFAULT_SYNONYMS
from search.models.encoder import RERANK_TOKENS, load_encoder, load_pair_scorer
from search.retrieval.searcher import Searcher
from search.settings import Settings
from search.store.base import open_store

__all__ = ["DEFAULT_STAGES", "STAGES", "run_eval"]

# Each stage is the configured search with these settings changed; "default" is the product's.
STAGES: dict[str, dict[str, Any]] = {
    "dense": {"mode": "dense"},
    "sparse": {"mode": "sparse"},
    "hybrid-rrf": {"mode": "hybrid", "fusion": "rrf", "long_query_terms": 0},
    "hybrid-dbsf": {"mode": "hybrid", "fusion": "dbsf", "long_query_terms": 0},
    "default": {},
    "default+rerank": {},
}
DEFAULT_STAGES = ["dense", "sparse", "hybrid-rrf", "hybrid-dbsf", "default"]


def _reranking(retrieve: Retriever, collection: BeirCollection, settings: Settings) -> Retriever:
    """Cross-encoder over the first candidates; the texts come from the BEIR corpus itself."""
    scorer = load_pair_scorer(settings.model.pair_threads, RERANK_TOKENS, probability=True)
    top_n = settings.search.rerank_candidates

    def retrieve_reranked(text: str) -> list[str]:
        ranked = retrieve(text)
        head = ranked[:top_n]
        scores = scorer.score(text, [document_text(collection, d) for d in head])
        order = [d for _, d in sorted(zip(scores, head, strict=True), key=lambda p: -p[0])]
        return order + ranked[top_n:]

    return retrieve_reranked


def run_eval(
    settings: Settings,
    folder: Path,
    k: int = 10,
    stages: list[str] | None = None,
    max_queries: int | None = None,
) -> list[dict[str, Any]]:
    unknown = set(stages or []) - set(STAGES)
    if unknown:
        raise ValueError(
            f"unknown stage(s): {', '.join(sorted(unknown))}; choose from {', '.join(STAGES)}"
        )
    collection = read_beir(folder)
    queries = (
        dict(list(collection.queries.items())[:max_queries]) if max_queries else collection.queries
    )
    qrels = {q: collection.qrels[q] for q in queries}
    console = Console(stderr=True)
    ingest_model = settings.model.model_copy(update={"threads": settings.model.ingest_threads})
    encoder = load_encoder(ingest_model, settings.data_dir / "models")
    weighting = collection_weighting(collection)
    # The sparse vectors depend on the mean length, so it is part of the cached collection's name.
    cached = f"eval-{collection.name}-{encoder.model_id}-len{round(weighting.average_terms)}"
    store = open_store(settings, collection=cached)
    try:
        with Progress(
            TextColumn(f"[bold]Indexing {collection.name}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
        ) as progress:
            task = progress.add_task("", total=len(collection.corpus))
            build_collection(
                store,
                encoder,
                collection,
                weighting,
                on_progress=lambda done, total: progress.update(task, completed=done),
            )
        # As an ingest ends: the graph (and the vectors' one-byte copies) built, so the queries
        # below search as the site's do rather than comparing with every vector.
        store.optimize()
        # Queries are timed on one thread, as the site runs them.
        encoder = load_encoder(settings.model, settings.data_dir / "models")
        catalogue = Catalogue(settings.data_dir / "eval-catalogue.sqlite")  # unused by hits()
        synonyms = read_synonyms((settings.search.synonyms_path or DEFAULT_SYNONYMS).read_text())
        drop_self = collection.name.lower().startswith("arguana")
        rows = []
        for name in stages or DEFAULT_STAGES:
            search_settings = settings.search.model_copy(update=STAGES[name])
            searcher = Searcher(store, catalogue, encoder, search_settings, synonyms, weighting)
            retrieve = searcher_retriever(searcher, search_settings.mode)
            if name.endswith("+rerank"):
                retrieve = _reranking(retrieve, collection, settings)
            result = run_stage(name, queries, retrieve, qrels, drop_self, k)
            rows.append(result.as_dict())
            console.print(f"{name}: nDCG@{k} {result.metrics[f'ndcg@{k}']:.4f}")
        return rows
    finally:
        store.close()
