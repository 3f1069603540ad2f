"""Answers a query: encode it, ask the store for fused candidates, group the hits by document."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Literal

from search.analysis import Bm25Weighting, terms
from search.catalogue import Catalogue, DocumentRecord
from search.models.encoder import Encoder, PairScorer
from search.retrieval.rerank import rerank
from search.schema import Filters, Hit
from search.settings import SearchSettings
from search.store.base import Mode, Store, VectorQuery

log = logging.getLogger(__name__)

Sort = Literal["relevance", "newest"]


@dataclass(frozen=True)
class Passage:
    """One chunk shown under its document, with the page(s) to cite."""

    chunk_id: str
    text: str
    page_start: int
    page_end: int
    score: float


@dataclass(frozen=True)
class DocumentResult:
    """A document and its best passages for a query."""

    document: DocumentRecord
    passages: list[Passage]
    score: float
    rank: int

    @property
    def doc_id(self) -> str:
        return self.document.doc_id


@dataclass(frozen=True)
class SearchResults:
    """One page of grouped results and what produced them."""

    query: str
    filters: Filters
    page: int
    page_size: int
    total: int
    documents: list[DocumentResult]
    took_ms: float
    hits: list[Hit] = field(default_factory=list)

    @property
    def first(self) -> int:
        return 0 if not self.documents else (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.documents) - 1 if self.documents else 0

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


class Searcher:
    """The read side of the index."""

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        encoder: Encoder,
        settings: SearchSettings,
        synonyms: dict[str, list[str]] | None = None,
        weighting: Bm25Weighting | None = None,
        scorer: PairScorer | None = None,
    ) -> None:
        self.store = store
        self.scorer = scorer
        self.catalogue = catalogue
        self.encoder = encoder
        self.settings = settings
        self.synonyms = synonyms or {}
        self.weighting = weighting or Bm25Weighting()

    def vector_query(
        self, query: str, filters: Filters, limit: int, mode: Mode | None = None
    ) -> VectorQuery:
        mode = mode or self.settings.mode
        limit_terms = self.settings.long_query_terms
        if mode == "hybrid" and limit_terms and len(set(terms(query))) > limit_terms:
            # A pasted paragraph is matched by meaning: its many keywords drown the fusion.
            mode = "dense"
        dense = self.encoder.encode_queries([query])[0].tolist() if mode != "sparse" else None
        sparse = self.weighting.query_vector(query, self.synonyms) if mode != "dense" else None
        return VectorQuery(
            dense=dense,
            sparse=sparse,
            mode=mode,
            fusion=self.settings.fusion,
            limit=limit,
            candidates=max(self.settings.candidates, limit),
            filters=filters,
        )

    def hits(
        self, query: str, filters: Filters | None = None, limit: int = 100, mode: Mode | None = None
    ) -> list[Hit]:
        """Ranked chunks, ungrouped, after the optional second stage."""
        hits = self.store.query(self.vector_query(query, filters or Filters(), limit, mode))
        if self.scorer is not None and self.settings.rerank:
            hits = rerank(query, hits, self.scorer, self.settings.rerank_candidates)
        return hits

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        page: int = 1,
        mode: Mode | None = None,
        sort: Sort = "relevance",
        page_size: int | None = None,
    ) -> SearchResults:
        """One page of documents; `newest` orders the same matches by year, best first within."""
        started = time.perf_counter()
        filters = filters or Filters()
        size = page_size or self.settings.page_size
        hits = self.hits(
            query, filters, limit=max(self.settings.candidates, page * size * 4), mode=mode
        )
        groups = group_hits(hits, self.settings.passages_per_document)
        records = {r.doc_id: r for r in self.catalogue.documents(list(groups))}
        # Only committed documents are shown: half-written ones stay invisible.
        ranked = [(doc_id, passages) for doc_id, passages in groups.items() if doc_id in records]
        if sort == "newest":
            ranked.sort(key=lambda item: -(records[item[0]].meta.year or 0))  # stable: keeps rank
        window = ranked[(page - 1) * size : page * size]
        results = [
            DocumentResult(
                document=records[doc_id],
                passages=passages,
                score=passages[0].score,
                rank=(page - 1) * size + i + 1,
            )
            for i, (doc_id, passages) in enumerate(window)
        ]
        took = (time.perf_counter() - started) * 1000
        return SearchResults(
            query=query,
            filters=filters,
            page=page,
            page_size=size,
            total=len(ranked),
            documents=results,
            took_ms=took,
            hits=hits,
        )


def group_hits(hits: list[Hit], per_document: int) -> dict[str, list[Passage]]:
    """Documents in order of their best hit, each with up to per_document passages."""
    groups: dict[str, list[Passage]] = {}
    for hit in hits:
        passages = groups.setdefault(hit.doc_id, [])
        if len(passages) < per_document:
            passages.append(
                Passage(
                    chunk_id=hit.id,
                    text=hit.text,
                    page_start=hit.page_start,
                    page_end=hit.page_end,
                    score=hit.score,
                )
            )
    return groups
