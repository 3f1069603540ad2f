"""The optional second stage: re-score the top fused hits with a pair scorer (a cross-encoder)."""

from __future__ import annotations

from search.models.encoder import PairScorer
from search.schema import Hit

__all__ = ["rerank"]


def rerank(query: str, hits: list[Hit], scorer: PairScorer, top_n: int) -> list[Hit]:
    """Reorder the first top_n hits by the scorer; the rest keep their order below them."""
    head, tail = hits[:top_n], hits[top_n:]
    scores = scorer.score(query, [h.text for h in head])
    rescored = [h._replace(score=s) for h, s in zip(head, scores, strict=True)]
    rescored.sort(key=lambda h: h.score, reverse=True)
    return rescored + tail
