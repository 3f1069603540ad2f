"""More like this: documents near a document or a passage, grouped by document."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from search.catalogue import Catalogue, DocumentRecord
from search.evidence.determinants import is_reference_list
from search.evidence.strength import reads_as_prose
from search.retrieval.passages import MIN_LEFTOVER_WORDS, Passage, passage_from_hit
from search.schema import Filters, Hit
from search.store.base import Store

__all__ = ["RelatedDocument", "is_readable", "related_to_document", "related_to_passage"]


@dataclass(frozen=True)
class RelatedDocument:
    document: DocumentRecord
    passage: Passage


def is_readable(passage: Passage) -> bool:
    """Whether a chunk, cut to whole sentences (`passage_from_hit`), is worth showing on its own
    as "more like this": not a stub (a source line, a running footer: under MIN_LEFTOVER_WORDS
    words once cut) and not mostly references. Such chunks sit close to their neighbours in
    meaning, so they are found, but they tell a reader nothing; the document's next closest
    chunk is shown instead."""
    text = passage.text
    return len(text.replace("…", " ").split()) >= MIN_LEFTOVER_WORDS and not is_reference_list(text)


def _related(
    store: Store, catalogue: Catalogue, chunk_ids: list[str], exclude: str, limit: int
) -> list[RelatedDocument]:
    """The first `limit` documents by their closest readable chunk to `chunk_ids`, each with
    that chunk as its passage. Cutting a chunk to sentences is most of the cost, so a chunk is
    cut only while its document has none yet and more documents are wanted (the store is asked
    for eight chunks a document wanted, to step over unreadable ones and repeats)."""
    if not chunk_ids:
        return []
    hits = store.recommend(
        chunk_ids, Filters(exclude_doc_ids=(exclude,), body_only=True), limit * 8
    )
    out: list[RelatedDocument] = []
    taken: set[str] = set()  # documents given their readable chunk already
    pending = iter(hits)
    while len(out) < limit:
        found: dict[str, Passage] = {}
        for hit in pending:
            if hit.doc_id in taken or hit.doc_id in found:
                continue
            passage = passage_from_hit(hit)
            if is_readable(passage):
                found[hit.doc_id] = passage
                if len(out) + len(found) >= limit:
                    break
        if not found:
            break
        taken.update(found)
        # Only documents the catalogue shows (committed, not withdrawn) count towards the limit.
        records = {r.doc_id: r for r in catalogue.documents(list(found))}
        out += [RelatedDocument(records[d], p) for d, p in found.items() if d in records]
    return _in_prose(store, chunk_ids, out[:limit], hits)


# Chunks asked for, for each document whose closest chunk is laid out as a table or chart.
_PROSE_CANDIDATES = 8


def _in_prose(
    store: Store, chunk_ids: list[str], related: list[RelatedDocument], hits: Sequence[Hit]
) -> list[RelatedDocument]:
    """Each document's closest passage that reads as prose in place of its closest one, where
    that is a table, a chart's labels or a form: their words may be out of order, and a reader
    learns little from them. The chunks already found are looked at first, then those of the
    documents still without one, asked for in one request; a document with no such passage
    keeps its closest."""
    tabular = {r.document.doc_id for r in related if not reads_as_prose(r.passage.text)}
    if not tabular:
        return related
    shown = {r.passage.chunk_id for r in related}
    prose: dict[str, Passage] = {}

    def look_through(candidates: Sequence[Hit]) -> None:
        for hit in candidates:
            if hit.doc_id in tabular and hit.doc_id not in prose and hit.id not in shown:
                passage = passage_from_hit(hit)
                if is_readable(passage) and reads_as_prose(passage.text):
                    prose[hit.doc_id] = passage

    look_through(hits)
    missing = tuple(sorted(tabular - set(prose)))
    if missing:
        look_through(
            store.recommend(
                chunk_ids,
                Filters(doc_ids=missing, body_only=True),
                _PROSE_CANDIDATES * len(missing),
            )
        )
    return [
        replace(r, passage=prose[r.document.doc_id]) if r.document.doc_id in prose else r
        for r in related
    ]


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
