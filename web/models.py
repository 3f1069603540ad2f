"""Pydantic response models: the JSON API's shapes, as published in the OpenAPI docs."""

from __future__ import annotations

from pydantic import BaseModel, Field


class PassageOut(BaseModel):
    text: str
    page_start: int
    page_end: int
    pages: list[int]
    file_url: str = Field(description="The PDF, opened at the passage's first page")
    page_url: str = Field(description="The text of the passage's first page, as HTML")
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


class DocumentHitOut(DocumentMetaOut):
    rank: int
    score: float
    passages: list[PassageOut]


class FiltersOut(BaseModel):
    organisations: list[str]
    kinds: list[str]
    year_from: int | None
    year_to: int | None


class FacetOptionOut(BaseModel):
    value: str
    count: int = Field(description="Documents in the results with this value")
    is_selected: bool


class SearchOut(BaseModel):
    query: str
    total: int = Field(description="Documents that match")
    page: int
    page_size: int
    page_count: int
    first: int
    last: int
    took_ms: float
    filters: FiltersOut
    documents: list[DocumentHitOut]
    facets: dict[str, list[FacetOptionOut]]


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


class DocumentOut(DocumentMetaOut):
    chunk_count: int
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


class RelatedDocumentOut(DocumentMetaOut):
    passage: PassageOut = Field(description="Its passage closest to the document asked about")


class RelatedOut(BaseModel):
    doc_id: str
    title: str
    documents: list[RelatedDocumentOut]


class HealthOut(BaseModel):
    status: str
    documents: int
    chunks: int


class ErrorOut(BaseModel):
    detail: str
