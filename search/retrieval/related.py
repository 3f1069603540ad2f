"""More like this: documents near a document or a passage, grouped by document."""

from __future__ import annotations

from dataclasses import dataclass

from search.catalogue import Catalogue, DocumentRecord
from search.retrieval.passages import Passage
from search.retrieval.searcher import group_hits
from search.schema import Filters
from search.store.base import Store

__all__ = ["RelatedDocument", "related_to_document", "related_to_passage"]


@dataclass(frozen=True)
class RelatedDocument:
    document: DocumentRecord
    passage: Passage


def _related(
    store: Store, catalogue: Catalogue, chunk_ids: list[str], exclude: str, limit: int
) -> list[RelatedDocument]:
    if not chunk_ids:
        return []
    hits = store.recommend(
        chunk_ids, Filters(exclude_doc_ids=(exclude,), body_only=True), limit * 8
    )
    groups = group_hits(hits, 1)
    records = {r.doc_id: r for r in catalogue.documents(list(groups))}
    out = [RelatedDocument(records[d], p[0]) for d, p in groups.items() if d in records]
    return out[:limit]


def related_to_document(
    store: Store, catalogue: Catalogue, doc_id: str, limit: int = 5
) -> list[RelatedDocument]:
    """Documents whose chunks sit near this document's most central chunks."""
    record = catalogue.document(doc_id)
    if record is None:
        return []
    central = [str(c) for c in record.extra.get("central_chunks", [])]
    if not central:
        central = [h.id for h in store.chunks(Filters(doc_ids=(doc_id,), body_only=True), limit=3)]
    return _related(store, catalogue, central, doc_id, limit)


def related_to_passage(
    store: Store, catalogue: Catalogue, chunk_id: str, doc_id: str, limit: int = 5
) -> list[RelatedDocument]:
    """Documents with passages near one passage (excluding its own document)."""
    return _related(store, catalogue, [chunk_id], doc_id, limit)
