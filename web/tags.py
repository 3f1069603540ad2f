"""What a document is about, as the site shows it: its determinants (with their shares in
plain words), its places, and whether it is local work."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import quote

from search.catalogue import DocumentRecord
from search.evidence.ranking import is_local_document, main_determinants
from web.models import DeterminantShareOut, EvidenceTagsOut, PlaceOut
from web.vocabulary import Vocabulary

__all__ = [
    "EXTENTS",
    "determinant_json",
    "determinant_url",
    "document_determinants",
    "evidence_tags",
    "extent",
    "places_json",
]


def determinant_url(determinant_id: str) -> str:
    return f"/determinants/{quote(determinant_id, safe='')}"


# A determinant's share of a document's passages, in words: (lowest share, words).
EXTENTS = (
    (0.5, "Mostly about"),
    (0.2, "Partly about"),
    (0.05, "A little about"),
    (0.0, "Mentions"),
)


def extent(share: float) -> str:
    return next(words for lowest, words in EXTENTS if share >= lowest)


def determinant_json(
    determinant_id: str, share: float, vocabulary: Vocabulary
) -> DeterminantShareOut:
    return {
        "id": determinant_id,
        "label": vocabulary.determinant_label(determinant_id),
        "share": share,
        "extent": extent(share),
        "url": determinant_url(determinant_id),
    }


def document_determinants(
    record: DocumentRecord, vocabulary: Vocabulary
) -> list[DeterminantShareOut]:
    """Every determinant of the document, with its share of the passages, largest first."""
    shares = _shares(record)
    ordered = sorted(shares.items(), key=lambda kv: -kv[1])
    return [determinant_json(d, share, vocabulary) for d, share in ordered]


def _shares(record: DocumentRecord) -> dict[str, float]:
    raw = record.extra.get("determinants") or {}
    if not isinstance(raw, Mapping):
        return {}
    return {str(d): float(v) for d, v in raw.items() if isinstance(v, int | float)}


def places_json(place_ids: Iterable[str], vocabulary: Vocabulary) -> list[PlaceOut]:
    """Places with their labels, in the document's order: the most named first, each followed
    by the places that contain it."""
    ids = list(dict.fromkeys(str(p) for p in place_ids))
    return [
        {"id": p, "label": vocabulary.place_label(p), "is_local": vocabulary.is_local_place(p)}
        for p in ids
    ]


def evidence_tags(record: DocumentRecord, vocabulary: Vocabulary) -> EvidenceTagsOut:
    """What a result card tags a document with: its main determinants, and whether it is local."""
    shares = _shares(record)
    return {
        "determinants": [
            determinant_json(d, shares[d], vocabulary) for d in main_determinants(shares)
        ],
        "is_local": is_local_document(record, vocabulary.gazetteer),
    }
