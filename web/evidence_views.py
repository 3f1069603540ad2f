"""Evidence per determinant as the typed results of `web.models`: the list of determinants, one
determinant's page, and a search broken down by determinant. The HTML pages and the JSON API
both read these."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import lru_cache
from typing import Any

from search.catalogue import DocumentRecord
from search.evidence.determinants import Determinant, Lens
from search.evidence.ranking import DeterminantEvidence, DeterminantHit, Evidence, EvidenceCount
from search.retrieval.passages import passage_from_hit
from web.highlight import WordMatcher
from web.models import (
    AddedOut,
    ByDeterminantOut,
    DeterminantDocumentsOut,
    DeterminantOut,
    DeterminantSummaryOut,
    EvidenceOut,
    ExcerptView,
    LensOut,
    LensValueOut,
    RecentDocumentOut,
)
from web.search_form import SearchForm
from web.tags import determinant_url, evidence_tags
from web.views import (
    document_passage_json,
    excerpt_out,
    metadata_json,
    shown_excerpt,
)
from web.vocabulary import Vocabulary

__all__ = [
    "EVIDENCE_WORDS",
    "added_json",
    "by_determinant_json",
    "determinant_excerpt",
    "determinant_page_json",
    "determinant_summary_json",
    "evidence_json",
    "lens_json",
    "recent_json",
    "seed_words",
]


def determinant_summary_json(
    determinant: Determinant, count: EvidenceCount
) -> DeterminantSummaryOut:
    return {
        "id": determinant.id,
        "label": determinant.label,
        "definition": determinant.definition,
        "documents": count.documents,
        "passages": count.passages,
        "url": determinant_url(determinant.id),
    }


def lens_json(lens: Lens, passages: Mapping[str, int]) -> LensOut:
    """A cross-cutting lens and how many passages carry it (or each of its values)."""
    values: list[LensValueOut] = [
        {"id": v.id, "label": v.label, "passages": passages.get(f"{lens.id}:{v.id}", 0)}
        for v in lens.values
    ]
    total = passages.get(lens.id, 0) if not lens.values else None
    return {
        "id": lens.id,
        "label": lens.label,
        "definition": lens.definition,
        "passages": total,
        "values": values,
    }


def added_json(record: DocumentRecord) -> AddedOut:
    moment = datetime.fromtimestamp(record.added_at).astimezone()
    return {
        "added_at": moment.isoformat(timespec="seconds"),
        "added_on": f"{moment.day} {moment:%B %Y}",
    }


# Words of a determinant's strongest passage its page shows (from the passage's start).
EVIDENCE_WORDS = 50


def evidence_json(evidence: Evidence, vocabulary: Vocabulary) -> EvidenceOut:
    """A determinant's strongest evidence in one document, with the part of its passage the
    page shows (`excerpt`) and the page that part is on: a long passage can run on to a page
    holding most of it, while the words shown sit on the page before."""
    record = evidence.document
    passage = document_passage_json(record, evidence.passage)
    passage["excerpt"] = excerpt_out(shown_excerpt(passage, (), EVIDENCE_WORDS))
    return {
        **metadata_json(record),
        **evidence_tags(record, vocabulary),
        "is_local": evidence.is_local,
        "strength": round(evidence.strength, 3),
        "passage": passage,
    }


def recent_json(record: DocumentRecord, vocabulary: Vocabulary) -> RecentDocumentOut:
    return {**metadata_json(record), **evidence_tags(record, vocabulary), **added_json(record)}


def documents_about_json(
    determinant: Determinant,
    count: EvidenceCount,
    listed: list[tuple[DocumentRecord, int]],
    page: int,
    page_size: int,
    page_count: int,
    vocabulary: Vocabulary,
    problem: str | None = None,
) -> DeterminantDocumentsOut:
    """One page of every document about a determinant (see Catalogue.documents_about), and
    why it is empty when the page is past the last."""
    return {
        "determinant": determinant_summary_json(determinant, count),
        "page": page,
        "page_size": page_size,
        "page_count": page_count,
        "documents": [
            {**metadata_json(r), **evidence_tags(r, vocabulary), "passages_about": passages}
            for r, passages in listed
        ],
        "problem": problem,
    }


def determinant_page_json(found: DeterminantEvidence, vocabulary: Vocabulary) -> DeterminantOut:
    return {
        **determinant_summary_json(found.determinant, found.count),
        "strongest": [evidence_json(e, vocabulary) for e in found.strongest],
        "recent": [recent_json(r, vocabulary) for r in found.recent],
    }


def by_determinant_json(
    items: list[DeterminantHit], form: SearchForm, stems: WordMatcher | None = None
) -> list[ByDeterminantOut]:
    """For each determinant the results touch: its best passage and a search narrowed to it;
    with the query's `stems`, the passage's part around the words searched for (`excerpt`)."""
    out: list[ByDeterminantOut] = []
    for item in items:
        hit, record = item.hit, item.document
        passage = passage_from_hit(hit)
        # The same search, filters and all, with just this determinant: the documents counted,
        # unless another determinant is ticked (within a group, ticked options widen the
        # search, so no address narrows it to both; the page then offers no such link).
        narrowed = replace(form, determinants=(item.determinant.id,), page=1)
        is_exact = set(form.determinants) <= {item.determinant.id}
        shown = document_passage_json(record, passage)
        if stems is not None:
            shown["excerpt"] = excerpt_out(determinant_excerpt(shown, stems, item.determinant))
        out.append(
            {
                "id": item.determinant.id,
                "label": item.determinant.label,
                "url": determinant_url(item.determinant.id),
                "documents": item.documents,
                "search_url": narrowed.url() if is_exact else None,
                "document": metadata_json(record),
                "passage": shown,
            }
        )
    return out


def determinant_excerpt(
    passage: Mapping[str, Any], stems: WordMatcher, determinant: Determinant
) -> ExcerptView:
    """The part of a determinant's best passage that the API and the page show: of the parts
    with most of the words searched for, the one with most of the determinant's own
    (`seed_words`). A chunk is tagged as a whole, so the words searched for may sit where it
    says nothing about the determinant."""
    return shown_excerpt(passage, stems, also=seed_words(determinant))


def seed_words(determinant: Determinant) -> WordMatcher:
    """A matcher for the determinant's one-word seed terms ("transport", "buses", "roads")."""
    return _seed_matcher(
        frozenset(seed.stems[0] for seed in determinant.seeds if len(seed.stems) == 1)
    )


# Words a determinant's matcher remembers its verdict on before it starts afresh.
SEED_VERDICTS_KEPT = 50_000


@lru_cache(maxsize=64)
def _seed_matcher(stems: frozenset[str]) -> WordMatcher:
    # Kept across requests: whether a word is one of a determinant's seeds is the same for every
    # search, and a new matcher per passage worked each word's verdict out again (stemming it),
    # which was about a third of the API's by-determinant excerpts.
    return WordMatcher(stems, remember=SEED_VERDICTS_KEPT)
