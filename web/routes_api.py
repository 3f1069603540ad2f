"""The JSON API: the same data the pages show, read through the same views."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException

from web.deps import LibraryDep
from web.models import DocumentOut, ErrorOut, HealthOut, PageOut, RelatedOut, SearchOut
from web.routes_documents import NO_PAGE, RELATED_ON_PAGE, find_document, find_related
from web.routes_pages import EMPTY_QUERY
from web.search_form import SearchForm, read_search_form
from web.searching import run_search
from web.views import document_json, page_json, related_json, results_json

router = APIRouter(tags=["api"])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A parameter is missing or not right"},
    404: {"model": ErrorOut, "description": "No such document or page"},
}


@router.get(
    "/api/search",
    response_model=SearchOut,
    responses=ERRORS,
    summary="Search documents",
    description="Documents that match, best first, each "
    "with its best passages and links to the pages to cite.",
)
def api_search(
    library: LibraryDep, form: Annotated[SearchForm, Depends(read_search_form)]
) -> dict[str, Any]:
    if form.is_blank:
        raise HTTPException(status_code=400, detail=EMPTY_QUERY)
    outcome = run_search(library, form)
    facets = {field: [asdict(o) for o in options] for field, options in outcome.facets.items()}
    return {**results_json(outcome.results), "facets": facets}


@router.get(
    "/api/documents/{doc_id}",
    response_model=DocumentOut,
    responses=ERRORS,
    summary="One document",
    description="A document's details and its pages.",
)
def api_document(doc_id: str, library: LibraryDep) -> dict[str, Any]:
    record = find_document(library, doc_id)
    return document_json(record, library.catalogue.page_lengths(doc_id))


@router.get(
    "/api/documents/{doc_id}/pages/{number}",
    response_model=PageOut,
    responses=ERRORS,
    summary="One page's text",
    description="The text recovered from one page of a PDF.",
)
def api_page(doc_id: str, number: int, library: LibraryDep) -> dict[str, Any]:
    record = find_document(library, doc_id)
    text = library.catalogue.page_text(doc_id, number)
    if text is None:
        raise HTTPException(status_code=404, detail=NO_PAGE)
    return page_json(record, number, text)


@router.get(
    "/api/documents/{doc_id}/related",
    response_model=RelatedOut,
    responses=ERRORS,
    summary="More like this",
    description="Documents that cover similar ground, closest first, each with its passage "
    "nearest to this document.",
)
def api_related(doc_id: str, library: LibraryDep) -> dict[str, Any]:
    record = find_document(library, doc_id)
    related = find_related(library, doc_id, RELATED_ON_PAGE)
    return {
        "doc_id": record.doc_id,
        "title": record.meta.title,
        "documents": [related_json(r) for r in related],
    }


@router.get(
    "/healthz",
    response_model=HealthOut,
    summary="Health check",
    description="Whether the site can read its index, and how much is in it.",
)
def healthz(library: LibraryDep) -> dict[str, Any]:
    return {
        "status": "ok",
        "documents": library.catalogue.stats()["documents"],
        "chunks": library.store.count(),
    }
