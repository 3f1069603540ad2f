"""Writes documents into the index: vectors to the store, records to the catalogue, safely."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from search.analysis import Bm25Weighting, terms
from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.evidence.strength import STRONGEST_FIELDS, STRONGEST_RULES, find_strongest_passages
from search.evidence.summary import central_chunks, summarise
from search.evidence.tagging import DocumentTagger, count_lens_passages, tag_rollup
from search.models.encoder import Encoder, Vectors
from search.passage_moves import PassageText, match_passages
from search.schema import BODY, NON_BODY, Chunk, Filters, IndexedChunk, chunk_payload, point_id
from search.settings import Settings
from search.store.base import CollectionLayout, Store, document_chunks

__all__ = [
    "CATALOGUE_FAILED",
    "ENCODE_STEP",
    "MODEL_FAILED",
    "STORE_FAILED",
    "TAGGING_FAILED",
    "FileIndexError",
    "Index",
    "backfill_evidence",
    "build_index",
    "describe",
    "load_tagging",
    "refresh_strongest",
]

log = logging.getLogger(__name__)

# What a person reads when one file could not be added; the run goes on with the next file.
MODEL_FAILED = "The model could not turn its text into search data."
TAGGING_FAILED = "Its topics and places could not be worked out."
STORE_FAILED = "The search index could not save it."
CATALOGUE_FAILED = "The catalogue could not save it."
# Passages given to the model a call at a time, so a long document's encoding can say how far
# it has got (a step is 8-10 s of work here). With one passage a model call (the default) the
# vectors are the same whatever this is. Each call ends when its last passage does, one of the
# model's two threads waiting for the other, so steps are long: at 64 a call, ingest of 14 real
# PDFs (1,390 chunks) ran at 27.9 against 31.4 chunks/s for a file a call (medians of four
# alternating runs, /work/tools/s19/step_ab.py); most files now take one call.
ENCODE_STEP = 256
# What is read of a replaced version's passages to match them with the new version's: a cap
# well past the longest document's chunks, so a hostile count cannot read without end.
_OLD_PASSAGES_READ = 50_000
_MOVE_FIELDS = ("text", "page", "page_end")


class FileIndexError(RuntimeError):
    """One file could not be embedded, tagged or written; the message says which, plainly."""


def load_tagging(settings: Settings, encoder: Encoder) -> DocumentTagger:
    """The tagger every index of this library uses: taxonomy and gazetteer from the settings."""
    return DocumentTagger(
        encoder, settings.taxonomy_path, settings.places_path, settings.data_dir / "models"
    )


def build_index(
    store: Store, catalogue: Catalogue, encoder: Encoder, tagging: DocumentTagger
) -> Index:
    """The one way to build the write side, so every path (`kb ingest`, the hand-off to a
    running site, `kb retag`, tests) tags, weights and embeds documents the same way."""
    return Index(store, catalogue, encoder, weighting=Bm25Weighting(), tagging=tagging)


class Index:
    """The write side; build it with `build_index`. Order of work makes a crash harmless:

    1. drop any stray points of the document (left by an earlier crash),
    2. write the new points,
    3. commit the catalogue row (the document becomes visible here),
    4. remove the superseded version's points.
    Points whose document has no catalogue row are invisible to search and are
    swept by `reconcile` at the start of the next run.
    """

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        encoder: Encoder,
        weighting: Bm25Weighting | None = None,
        tagging: DocumentTagger | None = None,
    ) -> None:
        self.store = store
        self.catalogue = catalogue
        self.encoder = encoder
        self.weighting = weighting or Bm25Weighting()
        self.tagging = tagging
        self.encode_step = ENCODE_STEP

    def warm(self) -> None:
        """Ready the tagger (it embeds its prototypes once), so the first file does not wait."""
        if self.tagging is not None:
            _ = self.tagging.tagger

    def prepare(self) -> int:
        """Create the collection if needed and sweep points no committed document owns."""
        self.store.ensure_collection(
            CollectionLayout(model_id=self.encoder.model_id, dimension=self.encoder.dimension)
        )
        return self.reconcile()

    def reconcile(self) -> int:
        stored = set(self.store.facet("doc_id", limit=1_000_000))
        orphans = sorted(stored - self.catalogue.doc_ids())
        if orphans:
            log.info(
                "removing %d half-written document(s) left by an interrupted run", len(orphans)
            )
            self.store.delete_documents(orphans)
        return len(orphans)

    def encode(
        self,
        record: DocumentRecord,
        chunks: Sequence[Chunk],
        on_encoded: Callable[[int], None] | None = None,
    ) -> Vectors:
        """The chunks' dense vectors, ENCODE_STEP passages a call, `on_encoded` told how many
        are done after each; raise FileIndexError when the model fails on them."""
        texts = [c.text for c in chunks]
        parts: list[Vectors] = []
        try:
            for start in range(0, max(len(texts), 1), self.encode_step):
                step = texts[start : start + self.encode_step]
                parts.append(self.encoder.encode_documents(step))
                if on_encoded is not None:
                    on_encoded(start + len(step))
        except Exception as error:
            log.exception("embedding %s failed", record.file_name)
            raise FileIndexError(MODEL_FAILED) from error
        vectors: Vectors = parts[0] if len(parts) == 1 else np.concatenate(parts)
        return vectors

    def embed(
        self, record: DocumentRecord, chunks: Sequence[Chunk], dense: Vectors | None = None
    ) -> list[IndexedChunk]:
        """Vectors and tags for each chunk (`dense` when already encoded, so the ingest can
        encode ahead on its own thread); raise FileIndexError naming the stage that failed."""
        texts = [c.text for c in chunks]
        if dense is None:
            dense = self.encode(record, chunks)
        tags: list[dict[str, Any]] = [{} for _ in chunks]
        if self.tagging is not None and chunks:
            try:
                tags = self.tagging.chunk_fields(record.meta.title, texts, dense)
            except Exception as error:
                log.exception("tagging %s failed", record.file_name)
                raise FileIndexError(TAGGING_FAILED) from error
        # The title's terms then the chunk's: the terms of the two joined by a line break.
        title_terms = terms(record.meta.title)
        return [
            IndexedChunk(
                id=point_id(c.doc_id, c.index),
                dense=dense[i].tolist(),
                sparse=self.weighting.terms_vector([*title_terms, *terms(c.text)]),
                payload={**chunk_payload(c, record.meta, record.file_name), **tags[i]},
            )
            for i, c in enumerate(chunks)
        ]

    def add_document(
        self,
        record: DocumentRecord,
        pages: Sequence[str],
        chunks: Sequence[IndexedChunk],
        outcome: FileOutcome,
        replaces: str | None = None,
    ) -> None:
        """Write one document in the safe order; raise FileIndexError when a write fails.

        A failure before the catalogue commit leaves only invisible points, swept next run;
        the old version (if any) stays visible.
        """
        try:
            extra = {**record.extra, **describe(chunks)}
            if self.tagging is not None:
                texts = [str(c.payload.get("text", "")) for c in chunks]
                extra["place_counts"] = self.tagging.place_counts(record.meta.title, texts)
            record = replace(record, extra=extra)
        except Exception as error:
            log.exception("describing %s failed", record.file_name)
            raise FileIndexError(TAGGING_FAILED) from error
        moves = self._passage_moves(replaces, chunks) if replaces != record.doc_id else {}
        try:
            self.store.delete_documents([record.doc_id])
            self.store.upsert(chunks)
        except Exception as error:
            log.exception("writing the points of %s failed", record.file_name)
            self._sweep(record.doc_id)
            raise FileIndexError(STORE_FAILED) from error
        try:
            self.catalogue.add_document(record, pages, outcome, replaces=replaces, moves=moves)
        except Exception as error:
            log.exception("committing %s to the catalogue failed", record.file_name)
            self._sweep(record.doc_id)
            raise FileIndexError(CATALOGUE_FAILED) from error
        if replaces and replaces != record.doc_id:
            try:
                self.store.delete_documents([replaces])
            except Exception:
                # The old version is already hidden (its row is gone); reconcile sweeps it.
                log.exception("removing the old points of %s failed", record.file_name)

    def _passage_moves(
        self, replaces: str | None, chunks: Sequence[IndexedChunk]
    ) -> dict[str, str | None]:
        """Where each passage of the version being replaced goes in this one. Links to old
        passages are a convenience: when the old points cannot be read, none are kept, and
        the document is still written."""
        if not replaces:
            return {}
        try:
            old = self.store.chunks(
                Filters(doc_ids=(replaces,)), limit=_OLD_PASSAGES_READ, fields=_MOVE_FIELDS
            )
            return match_passages(
                [PassageText.from_payload(h.id, h.payload) for h in old],
                [PassageText.from_payload(c.id, c.payload) for c in chunks],
            )
        except Exception:
            log.exception("matching the passages of %s with the new version failed", replaces)
            return {}

    def _sweep(self, doc_id: str) -> None:
        # Points of an uncommitted document are invisible; remove them now if the store lets
        # us, else `reconcile` does at the start of the next run.
        try:
            self.store.delete_documents([doc_id])
        except Exception:
            log.warning("stray points of %s stay until the next run sweeps them", doc_id)

    def remove_document(self, doc_id: str) -> None:
        """Withdraw a document: hide it first (catalogue), then drop its points."""
        self.catalogue.remove_document(doc_id)
        self.store.delete_documents([doc_id])


def describe(chunks: Sequence[IndexedChunk]) -> dict[str, object]:
    """What the document page and "more like this" need, worked out once at ingest."""
    # Covers, contents and reference lists never speak for the document.
    body = [c for c in chunks if c.payload.get("matter", BODY) not in NON_BODY] or list(chunks)
    return {
        **tag_rollup([(c.id, c.payload) for c in chunks]),
        "central_chunks": [c.id for c in central_chunks(body, 3)],
        "summary": [{"text": s.text, "page": s.page} for s in summarise(body)],
    }


def backfill_evidence(store: Store, catalogue: Catalogue) -> int:
    """Store each determinant's strongest passage and the passages per lens for documents
    indexed before they were kept (once per library: later ingests and retags keep them);
    returns how many documents."""
    missing = catalogue.lacking_evidence()
    for doc_id in missing:
        record = catalogue.document(doc_id)
        if record is None:
            continue
        has_strongest = isinstance(record.extra.get("strongest"), dict)
        fields = ("lenses",) if has_strongest else None
        hits = document_chunks(store, doc_id, record.chunk_count, fields)
        extra = {**record.extra, "lens_passages": count_lens_passages([h.payload for h in hits])}
        if not has_strongest:
            extra["strongest"] = find_strongest_passages((h.id, h.payload) for h in hits)
        catalogue.update_extra(doc_id, extra)
    if missing:
        log.info("stored the evidence counts of %d earlier document(s)", len(missing))
    return len(missing)


def refresh_strongest(store: Store, catalogue: Catalogue) -> int:
    """Choose every document's strongest passages again when an older edition of the rule
    (`strength.STRONGEST_RULES`) chose them, once per library, so an upgrade shows the new
    choice without `kb retag`; returns how many documents. A new library is noted as current."""
    if (catalogue.mark("strongest_rules") or 1) >= STRONGEST_RULES:
        return 0
    records = catalogue.documents()
    if records:
        log.info("choosing the strongest passages of %d document(s) again", len(records))
    for record in records:
        hits = document_chunks(store, record.doc_id, record.chunk_count, STRONGEST_FIELDS)
        strongest = find_strongest_passages((h.id, h.payload) for h in hits)
        catalogue.update_extra(record.doc_id, {**record.extra, "strongest": strongest})
    catalogue.set_mark("strongest_rules", STRONGEST_RULES)
    return len(records)
