"""`kb reembed`: after a model change, rebuild every document's vectors with the configured model
into a new collection beside the live one, and switch searches to it only once it is complete.

Vectors of two models never mix: the new collection is its own folder with its own layout, and
the switch is one atomic write of the pointer file. The run reads page text from the catalogue,
so it can go on while the old site serves; an interrupted run resumes where it stopped."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ingest.chunking import chunk_pages
from search.catalogue import Catalogue, DocumentRecord
from search.index import build_index, describe, load_tagging
from search.models.encoder import Encoder, load_encoder
from search.schema import Filters
from search.settings import Settings
from search.store.base import (
    CollectionLayout,
    Store,
    active_collection,
    open_store,
    switch_collection,
)

__all__ = ["ReembedError", "collection_for", "reembed"]

log = logging.getLogger(__name__)


class ReembedError(RuntimeError):
    """The new collection could not be completed; searches still use the old one."""


def _model_in_use(settings: Settings) -> str | None:
    """The model of the collection searches read, from its layout file (the embedded store;
    None when it cannot be told without opening the store)."""
    if settings.qdrant.mode != "embedded":
        return None
    from search.store.folder import read_layout

    layout = read_layout(settings.store_dir / active_collection(settings))
    return layout.model_id if layout else None


def collection_for(settings: Settings) -> str:
    """The collection that holds the configured model's vectors."""
    return f"{settings.qdrant.collection}--{settings.model.name}"


def reembed(
    settings: Settings,
    encoder: Encoder | None = None,
    on_document: Callable[[DocumentRecord], None] | None = None,
    force: bool = False,
) -> str:
    """Build (or finish) the configured model's collection, then switch to it; its name.
    Refused when searches already use the configured model, unless `force` (the documents are
    then cut again with today's chunk settings)."""
    target = collection_for(settings)
    encoder = encoder or load_encoder(settings.model, settings.data_dir / "models")
    in_use = _model_in_use(settings)
    if in_use == encoder.model_id and not force:
        raise ReembedError(
            f"The library already uses {settings.model.name}: nothing to re-embed. After"
            " changing KB_MODEL__NAME, run this again; to cut every document again with new"
            " chunk settings, run `kb reembed --force`."
        )
    catalogue = Catalogue(settings.catalogue_path)
    store = open_store(settings, collection=target)
    try:
        store.ensure_collection(CollectionLayout(encoder.model_id, encoder.dimension))
        index = build_index(store, catalogue, encoder, load_tagging(settings, encoder))
        described = _Described(settings.data_dir / f"reembed-{target}.json")
        for record in catalogue.documents():
            if _is_done(store, record, described):
                continue
            chunks = chunk_pages(
                record.doc_id,
                catalogue.pages(record.doc_id),
                settings.chunks.max_words,
                settings.chunks.overlap_words,
            )
            try:
                indexed = index.embed(record, chunks)
                store.delete_documents([record.doc_id])
                store.upsert(indexed)
            except Exception:
                # The others go on; the check below names it and nothing is switched.
                log.exception("re-embedding %s failed", record.file_name)
                continue
            described.save(record.doc_id, describe(indexed), len(indexed))
            if on_document:
                on_document(record)
        # Documents withdrawn meanwhile go from the new collection too.
        gone = sorted(set(store.facet("doc_id", limit=1_000_000)) - catalogue.doc_ids())
        store.delete_documents(gone)
        _check_complete(store, catalogue, described)
        # As an ingest ends: the graph (and the vectors' one-byte copies) built now, or every
        # search of the new collection compares with every vector until the next ingest.
        store.optimize()
        store.close()
        # Tags, summaries and chunk counts worked out with the new model (and the chunk
        # settings of the day), in place before the switch.
        for record in catalogue.documents():
            done = described.extra[record.doc_id]
            catalogue.update_extra(
                record.doc_id, {**record.extra, **done["extra"]}, chunk_count=done["chunks"]
            )
        switch_collection(settings, target)
    finally:
        store.close()
        catalogue.close()
    log.info("searches now use %s (was %s)", target, active_collection(settings))
    return target


class _Described:
    """Each finished document's new tags and summary, kept on disk so a rerun resumes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.extra: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self.extra = {}

    def save(self, doc_id: str, extra: dict[str, Any], chunks: int) -> None:
        self.extra[doc_id] = {"extra": extra, "chunks": chunks}
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.extra), encoding="utf-8")
        tmp.replace(self.path)


def _is_done(store: Store, record: DocumentRecord, described: _Described) -> bool:
    done = described.extra.get(record.doc_id)
    return done is not None and store.count(Filters(doc_ids=(record.doc_id,))) == done["chunks"]


def _check_complete(store: Store, catalogue: Catalogue, described: _Described) -> None:
    missing = [r.file_name for r in catalogue.documents() if not _is_done(store, r, described)]
    if missing:
        raise ReembedError(
            f"{len(missing)} document(s) changed while re-embedding ({', '.join(missing[:3])}). "
            "Run 'kb reembed' again to finish; searches still use the old collection."
        )
