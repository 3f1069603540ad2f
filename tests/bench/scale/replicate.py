"""Builds a large library from a real one: its chunks' own vectors, text and tags, copied into
distinct documents with small changes (a nudged vector, another year and organisation), so a
300k-chunk library needs minutes of copying rather than hours of encoding."""

from __future__ import annotations

import hashlib
import logging
import shutil
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import qdrant_edge as qe

from search.analysis import SparseVector
from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.evidence.strength import STRONGEST_RULES, find_strongest_passages
from search.schema import DENSE, SPARSE, IndexedChunk, legacy_point_id, point_id
from search.store.base import CollectionLayout
from search.store.embedded import EmbeddedStore

log = logging.getLogger(__name__)

# How far a copy's vector moves: noise of this size per dimension keeps a cosine of about
# 0.995 with the original (384 dimensions), near but never equal.
NOISE = 0.005
ORGANISATIONS = (
    "Leicestershire County Council",
    "Leicester City Council",
    "Rutland County Council",
    "Charnwood Borough Council",
    "NHS Leicester, Leicestershire and Rutland",
    "University of Leicester",
    "De Montfort University",
    "Office for Health Improvement and Disparities",
)


@dataclass(frozen=True)
class SourceChunk:
    id: str
    dense: np.ndarray[Any, np.dtype[np.float32]]
    sparse: SparseVector
    payload: dict[str, Any]


@dataclass(frozen=True)
class Source:
    """Everything read from the real library, once."""

    layout: CollectionLayout
    documents: list[DocumentRecord]
    pages: dict[str, list[str]]
    chunks: dict[str, list[SourceChunk]]  # by document, in chunk order
    models_dir: Path

    @property
    def chunk_count(self) -> int:
        return sum(len(c) for c in self.chunks.values())


def read_source(data_dir: Path, collection: str = "evidence") -> Source:
    """Read a real library's documents, pages and chunks (with both vectors)."""
    store = EmbeddedStore(data_dir / "qdrant" / collection)
    catalogue = Catalogue(data_dir / "catalogue.sqlite")
    try:
        layout = store.layout()
        if layout is None:
            raise RuntimeError(f"{data_dir} holds no index")
        documents = catalogue.documents()
        pages = {d.doc_id: list(catalogue.page_texts(d.doc_id, 1, d.page_count).values())
                 for d in documents}  # fmt: skip
        chunks: dict[str, list[SourceChunk]] = {}
        offset: Any = None
        while True:
            records, offset = store.shard.scroll(
                qe.ScrollRequest(offset=offset, limit=512, with_payload=True, with_vector=True)
            )
            for r in records:
                vectors = r.vector if isinstance(r.vector, dict) else {}
                sparse = vectors.get(SPARSE)
                payload = dict(r.payload or {})
                chunks.setdefault(str(payload["doc_id"]), []).append(
                    SourceChunk(
                        str(r.id),
                        np.asarray(vectors[DENSE], dtype=np.float32),
                        SparseVector(list(sparse.indices), list(sparse.values))
                        if sparse is not None
                        else SparseVector(),
                        payload,
                    )
                )
            if offset is None:
                break
        known = {d.doc_id for d in documents}
        chunks = {d: sorted(c, key=lambda c: int(c.payload["chunk_index"]))
                  for d, c in chunks.items() if d in known}  # fmt: skip
        # Each document's strongest passages worked out here by this version's rule (as
        # `refresh_strongest` would at start-up, whatever rule the source's were chosen by),
        # so the copies carry them and the library is noted as current.
        documents = [
            replace(d, extra={**d.extra, "strongest":
                find_strongest_passages((c.id, c.payload) for c in chunks[d.doc_id])})
            for d in documents if d.doc_id in chunks
        ]  # fmt: skip
        return Source(layout, documents, pages, chunks, data_dir / "models")
    finally:
        store.close()
        catalogue.close()


def _copy_id(doc_id: str, copy: int) -> str:
    return hashlib.sha256(f"{doc_id}:copy:{copy}".encode()).hexdigest()


def _copy_record(record: DocumentRecord, new_id: str, copy: int) -> DocumentRecord:
    meta = record.meta
    year = None if meta.year is None else meta.year - (copy % 9)
    organisation = meta.organisation if copy == 0 else ORGANISATIONS[copy % len(ORGANISATIONS)]
    # The source's chunk ids may be numbers or (a library stored before they were) UUIDs.
    ids = {
        old(record.doc_id, n): point_id(new_id, n)
        for n in range(record.chunk_count)
        for old in (point_id, legacy_point_id)
    }
    extra = dict(record.extra)
    extra["central_chunks"] = [ids.get(str(c), str(c)) for c in extra.get("central_chunks", [])]
    strongest = extra.get("strongest") or {}
    extra["strongest"] = {d: {**b, "chunk": ids.get(str(b.get("chunk")), b.get("chunk"))}
                          for d, b in strongest.items()}  # fmt: skip
    return replace(
        record,
        doc_id=new_id,
        meta=replace(meta, title=f"{meta.title} ({copy + 1})" if copy else meta.title,
                     year=year, organisation=organisation),
        file_name=f"copy{copy}-{record.file_name}" if copy else record.file_name,
        added_at=record.added_at + copy * 3600.0,
        extra=extra,
    )  # fmt: skip


def build_library(source: Source, data_dir: Path, chunks_wanted: int, seed: int = 7) -> int:
    """Write a library of about `chunks_wanted` chunks into data_dir; returns the chunk count."""
    if data_dir.exists():
        shutil.rmtree(data_dir)
    rng = np.random.default_rng(seed)
    store = EmbeddedStore(data_dir / "qdrant" / "evidence")
    catalogue = Catalogue(data_dir / "catalogue.sqlite")
    written = 0
    started = time.monotonic()
    try:
        store.ensure_collection(source.layout)
        models = source.models_dir
        if models.is_dir():
            shutil.copytree(models, data_dir / "models")
        copy = 0
        while written < chunks_wanted:
            for record in source.documents:
                if written >= chunks_wanted:
                    break
                new_id = _copy_id(record.doc_id, copy)
                copied = _copy_record(record, new_id, copy)
                points = []
                for chunk in source.chunks[record.doc_id]:
                    dense = chunk.dense
                    if copy:
                        dense = dense + rng.normal(0.0, NOISE, dense.shape).astype(np.float32)
                        dense /= np.linalg.norm(dense)
                    payload = {**chunk.payload, "doc_id": new_id, "title": copied.meta.title,
                               "organisation": copied.meta.organisation,
                               "file_name": copied.file_name}  # fmt: skip
                    if copied.meta.year is not None:
                        payload["year"] = copied.meta.year
                    index = int(chunk.payload["chunk_index"])
                    points.append(IndexedChunk(point_id(new_id, index), dense.tolist(),
                                               chunk.sparse, payload))  # fmt: skip
                store.upsert(points)
                outcome = FileOutcome(f"/scale/{copied.file_name}", copied.file_name, "indexed",
                                      doc_id=new_id, pages=copied.page_count,
                                      chunks=len(points))  # fmt: skip
                catalogue.add_document(copied, source.pages[record.doc_id], outcome)
                written += len(points)
            copy += 1
        log.info(
            "wrote %d chunks in %.0f s; building the index", written, time.monotonic() - started
        )
        catalogue.set_mark("strongest_rules", STRONGEST_RULES)
        store.optimize()
    finally:
        store.close()
        catalogue.close()
    return written
