"""Runs `kb retag` (re-tag stored chunks without re-embedding) and `kb eval-tags` (score tags)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from kb.eval.tags import ChunkSpan, TagReport, page_predictions, read_labels, score_tags
from search.catalogue import Catalogue
from search.evidence.tagging import DocumentTagger, tag_rollup
from search.library import Library
from search.models.encoder import Encoder
from search.schema import Filters, Hit
from search.settings import Settings
from search.store.base import Store

__all__ = ["RetagError", "evaluate_tags", "retag_document", "run_eval_tags", "run_retag"]

log = logging.getLogger(__name__)


class RetagError(RuntimeError):
    """Re-tagging cannot run; the message says why."""


def _all_chunks(store: Store, filters: Filters) -> list[Hit]:
    total = store.count(filters)
    return store.chunks(filters, limit=total) if total else []


def evaluate_tags(library: Library, labels_path: Path, missing_as_empty: bool = False) -> TagReport:
    """Score the determinants stored on indexed chunks against a labelled set of pages."""
    ids = library.index.tagging.taxonomy.ids if library.index.tagging else []
    labels = read_labels(labels_path, known_ids=ids)
    files = {row.file for row in labels}
    doc_ids = tuple(sorted(r.doc_id for r in library.catalogue.documents() if r.file_name in files))
    hits = _all_chunks(library.store, Filters(doc_ids=doc_ids)) if doc_ids else []
    spans = [
        ChunkSpan(
            str(h.payload.get("file_name", "")),
            h.page_start,
            h.page_end,
            [str(d) for d in h.payload.get("determinants") or []],
        )
        for h in hits
    ]
    report = score_tags(labels, page_predictions(labels, spans), ids, missing_as_empty)
    if report.missing:
        log.warning("%d labelled page(s) are not in the index", len(report.missing))
    return report


def evaluate_tags_from_pdfs(
    settings: Settings,
    labels_path: Path,
    folders: Sequence[Path],
    missing_as_empty: bool = False,
    encoder: Encoder | None = None,
) -> TagReport:
    """Score tags made now, by the configured tagger, on the labelled pages read from PDFs in
    `folders`: no index needed, so a new taxonomy or labelled set is scored in one step. Each
    document is cut by ingest's own chunker, so the score is the one an index of the same PDFs
    gives (`kb.eval.tag_tuning --score-only` reads them the same way). `encoder`: one already
    loaded (the settings' model is loaded otherwise)."""
    from kb.eval.tag_pages import tag_labelled_pages
    from search.index import load_tagging
    from search.models.encoder import LazyEncoder

    encoder = encoder or LazyEncoder(settings.model, settings.data_dir / "models")
    tagging = load_tagging(settings, encoder)
    labels = read_labels(labels_path, known_ids=tagging.taxonomy.ids)
    predicted = tag_labelled_pages(labels, folders, settings, tagging.tagger, encoder)
    report = score_tags(labels, predicted, tagging.taxonomy.ids, missing_as_empty)
    if report.missing:
        log.warning("%d labelled page(s) could not be read", len(report.missing))
    return report


def run_eval_tags(
    library: Library, labels_path: Path, missing_as_empty: bool = False
) -> dict[str, Any]:
    """`kb eval-tags LABELS.jsonl --json`: the report as plain data."""
    result = evaluate_tags(library, labels_path, missing_as_empty).as_dict()
    result["labels"] = str(labels_path)
    return result


def retag_document(store: Store, catalogue: Catalogue, doc_id: str, tagging: DocumentTagger) -> int:
    """Re-tag one document's chunks from their stored text and vectors; returns how many."""
    hits = sorted(
        _all_chunks(store, Filters(doc_ids=(doc_id,))),
        key=lambda h: int(h.payload.get("chunk_index", 0)),
    )
    if not hits:
        return 0
    vectors = store.chunk_vectors([h.id for h in hits])
    lost = [h.id for h in hits if h.id not in vectors]
    if lost:
        raise RetagError(f"document {doc_id}: {len(lost)} chunk(s) have no stored vector")
    record = catalogue.document(doc_id)
    title = record.meta.title if record else ""
    dense = np.asarray([vectors[h.id] for h in hits], dtype=np.float32)
    fields = tagging.chunk_fields(title, [h.text for h in hits], dense)
    store.set_payload({h.id: f for h, f in zip(hits, fields, strict=True)})
    if record is not None:
        extra = {
            **record.extra,
            **tag_rollup([(h.id, {**h.payload, **f}) for h, f in zip(hits, fields, strict=True)]),
            "place_counts": tagging.place_counts(title, [h.text for h in hits]),
        }
        catalogue.update_extra(doc_id, extra)
    return len(hits)


def run_retag(library: Library, on_progress: Callable[[int, int], None] | None = None) -> int:
    """`kb retag`: re-tag every stored chunk (and each document's roll-up); returns the chunk count.

    Deterministic and safe to repeat: it only rewrites tag fields from the stored
    text and vectors, so running it twice gives the same payloads.
    """
    tagging = library.index.tagging
    if tagging is None:
        raise RetagError("this library has no taxonomy to tag with")
    doc_ids = sorted(library.catalogue.doc_ids())
    done = 0
    for number, doc_id in enumerate(doc_ids, start=1):
        done += retag_document(library.store, library.catalogue, doc_id, tagging)
        if on_progress is not None:
            on_progress(number, len(doc_ids))
    log.info("re-tagged %d chunk(s) in %d document(s)", done, len(doc_ids))
    return done
