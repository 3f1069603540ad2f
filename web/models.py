"""Pydantic response models: the JSON API's shapes, as published in the OpenAPI docs."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

__all__ = [
    "ByDeterminantOut",
    "DeterminantOut",
    "DeterminantShareOut",
    "DeterminantSummaryOut",
    "DeterminantsOut",
    "DocumentHitOut",
    "DocumentMetaOut",
    "DocumentOut",
    "ErrorOut",
    "EvidenceOut",
    "EvidenceTagsOut",
    "FacetOptionOut",
    "FiltersOut",
    "HealthOut",
    "LensOut",
    "LensValueOut",
    "PageOut",
    "PageSummaryOut",
    "PassageOut",
    "PlaceOut",
    "RecentDocumentOut",
    "RelatedDocumentOut",
    "RelatedOut",
    "SearchOut",
    "SummarySentenceOut",
]


class PassageOut(BaseModel):
    chunk_id: str
    related_url: str = Field(description="Passages in other documents like this one")
    text: str
    page: int = Field(description="The page holding most of the passage's text: cite this one")
    page_start: int
    page_end: int
    pages: list[int]
    page_starts: list[list[int]] = Field(
        description="[offset, page] pairs: where each page begins in the text"
    )
    unit: Literal["page", "section"] = Field(
        default="page",
        description="'section' for Word files and web pages: their page numbers are sections",
    )
    headings: list[tuple[int, str]] = Field(
        default_factory=list, description="[section, heading] pairs of the sections it runs over"
    )
    file_url: str = Field(description="The PDF, opened at the page holding most of the passage")
    page_url: str = Field(description="The text of that page, as HTML")
    score: float


class DocumentMetaOut(BaseModel):
    doc_id: str
    title: str
    organisation: str
    year: int | None
    kind: str
    authors: list[str]
    file_name: str
    url: str = Field(description="Where the document was published, if known")
    document_url: str
    file_url: str
    page_count: int


class DeterminantShareOut(BaseModel):
    id: str
    label: str
    share: float = Field(description="Share of the document's passages about it (0 to 1)")
    extent: str = Field(description="The share in words, like 'Mostly about'")
    url: str = Field(description="The determinant's page")


class EvidenceTagsOut(BaseModel):
    determinants: list[DeterminantShareOut] = Field(description="What the document is mainly about")
    is_local: bool = Field(description="About Leicestershire, Leicester, Rutland or the region")


class DocumentHitOut(EvidenceTagsOut, DocumentMetaOut):
    rank: int
    score: float
    strength: Literal["strong", "weak"] = Field(
        description="strong: a passage is close in meaning to the search; weak: it only shares "
        "some words or is loosely related"
    )
    passages: list[PassageOut]


class FiltersOut(BaseModel):
    determinants: list[str]
    places: list[str]
    organisations: list[str]
    kinds: list[str]
    years: list[str] = Field(description="Spans of years chosen, like 2015-2019")
    year_from: int | None
    year_to: int | None
    lenses: list[str] = Field(default_factory=list, description="Lenses chosen (ids)")
    local: bool = Field(description="Local work first")


class FacetOptionOut(BaseModel):
    value: str = Field(description="What to send back in the filter's parameter")
    label: str
    count: int = Field(description="Documents in the results with this value")
    selected: bool


class ByDeterminantOut(BaseModel):
    id: str
    label: str
    url: str = Field(description="The determinant's page")
    documents: int = Field(description="Documents in the results with passages about it")
    search_url: str = Field(description="The same search with only this determinant")
    document: DocumentMetaOut
    passage: PassageOut = Field(description="The best-ranked passage about it")


class SearchOut(BaseModel):
    query: str
    total: int = Field(
        description="Documents with a passage that shares a search word or is close in meaning"
    )
    strong_total: int = Field(description="Documents among them that match the search well")
    closest_only: bool = Field(
        default=False,
        description="Nothing matched: the documents are only the closest few, all weak",
    )
    total_is_floor: bool = Field(
        default=False, description="More passages matched than one search reads: at least total"
    )
    page: int
    page_size: int
    page_count: int
    first: int
    last: int
    took_ms: float
    filters: FiltersOut
    documents: list[DocumentHitOut]
    facets: dict[str, list[FacetOptionOut]] = Field(
        description="Options for each filter: determinant, lens, place, organisation, kind, years"
    )
    by_determinant: list[ByDeterminantOut] = Field(
        description="For each determinant the results touch, its best passage"
    )


class PageSummaryOut(BaseModel):
    number: int
    chars: int = Field(description="Characters of text recovered from the page")
    page_url: str
    file_url: str


class SummarySentenceOut(BaseModel):
    text: str = Field(description="A sentence from the document, exactly as written")
    page: int
    file_url: str
    page_url: str


class PlaceOut(BaseModel):
    id: str
    label: str
    is_local: bool


class DocumentOut(DocumentMetaOut):
    chunk_count: int
    determinants: list[DeterminantShareOut]
    places: list[PlaceOut] = Field(description="Places the document is about, local first")
    is_local: bool
    summary: list[SummarySentenceOut] = Field(
        description="Up to 5 of the document's own sentences that best sum it up"
    )
    pages: list[PageSummaryOut]


class PageOut(BaseModel):
    doc_id: str
    title: str
    number: int
    page_count: int
    text: str
    paragraphs: list[str]
    page_url: str
    file_url: str
    previous_url: str | None
    next_url: str | None
    unit: str = Field(
        default="page", description="'page', or 'section' for Word files and web pages"
    )
    heading: str = Field(default="", description="The section's heading (sections only)")
    is_ocr: bool = Field(default=False, description="The text was read from a scan by OCR")


class RelatedDocumentOut(DocumentMetaOut):
    passage: PassageOut = Field(description="Its passage closest to the document asked about")


class RelatedOut(BaseModel):
    doc_id: str
    title: str
    passage: PassageOut | None = Field(
        default=None, description="The passage asked about, if one was"
    )
    documents: list[RelatedDocumentOut]


class DeterminantSummaryOut(BaseModel):
    id: str
    label: str
    definition: str
    documents: int = Field(description="Documents with at least one passage about it")
    passages: int = Field(description="Passages about it")
    url: str


class LensValueOut(BaseModel):
    id: str
    label: str
    passages: int


class LensOut(BaseModel):
    id: str
    label: str
    definition: str
    passages: int | None = Field(description="Passages with this lens (lenses without values)")
    values: list[LensValueOut]


class DeterminantsOut(BaseModel):
    determinants: list[DeterminantSummaryOut]
    lenses: list[LensOut] = Field(description="Cross-cutting ways to look at the evidence")


class EvidenceOut(EvidenceTagsOut, DocumentMetaOut):
    strength: float = Field(description="How strongly the passage is about the determinant, 0-1")
    passage: PassageOut


class RecentDocumentOut(EvidenceTagsOut, DocumentMetaOut):
    added_at: str = Field(description="When it joined the library (ISO 8601)")
    added_on: str


class DeterminantOut(DeterminantSummaryOut):
    strongest: list[EvidenceOut] = Field(
        description="The strongest passage of up to 10 documents: local work first, then the "
        "strongest, then the newest"
    )
    recent: list[RecentDocumentOut] = Field(description="Documents added most recently")


class HealthOut(BaseModel):
    status: str
    documents: int
    chunks: int
    store: str = Field(default="ok", description="ok or failed")
    model: str = Field(default="loaded", description="loaded, loading or failed")
    problems: list[str] = Field(default_factory=list, description="what failed, in plain words")


class ErrorOut(BaseModel):
    detail: str
