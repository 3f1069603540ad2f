"""The determinant pages: every wider determinant of health with how much evidence the library
holds on it, and one page per determinant with its strongest and newest evidence."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from search.evidence.determinants import Determinant
from search.evidence.ranking import EvidenceCount, determinant_evidence, lens_passages, overview
from search.library import Library
from web.deps import LibraryDep, TemplatesDep, VocabularyDep
from web.errors import PAGES
from web.evidence_views import (
    determinant_page_json,
    determinant_summary_json,
    documents_about_json,
    lens_json,
)
from web.models import DeterminantDocumentsOut, DeterminantOut, DeterminantsOut
from web.paging import count_pages, pagination, past_last_page
from web.vocabulary import Vocabulary

__all__ = [
    "ListPage",
    "determinant_documents_json",
    "determinant_json",
    "determinants_json",
    "router",
]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

STRONGEST_DOCUMENTS = 10
RECENT_DOCUMENTS = 5
NO_DETERMINANT = "We could not find that determinant of health."
# Documents a page of the full list about one determinant shows.
LISTED_DOCUMENTS = 20
# 10,000 documents about one determinant. A page reads the rows before it from an index: in
# SQLite for a reader of one access level, in Python (about 9 us a row and level) for a reader
# of several, so the bound is on one request's work (Catalogue.documents_about).
MAX_LIST_PAGE = 500
ListPage = Annotated[int, Query(ge=1, le=MAX_LIST_PAGE, description="Which page of the list")]


def find_determinant(vocabulary: Vocabulary, determinant_id: str) -> Determinant:
    found = vocabulary.determinant(determinant_id)
    if found is None:
        raise HTTPException(status_code=404, detail=NO_DETERMINANT)
    return found


def determinants_json(library: Library, vocabulary: Vocabulary) -> DeterminantsOut:
    """Every determinant with its counts, and the cross-cutting lenses."""
    lenses = lens_passages(library.catalogue)
    return {
        "determinants": [
            determinant_summary_json(o.determinant, o.count)
            for o in overview(library.catalogue, vocabulary.taxonomy)
        ],
        "lenses": [lens_json(lens, lenses) for lens in vocabulary.taxonomy.lenses],
    }


def determinant_json(
    library: Library, vocabulary: Vocabulary, determinant_id: str
) -> DeterminantOut:
    determinant = find_determinant(vocabulary, determinant_id)
    found = determinant_evidence(
        library.store,
        library.catalogue,
        vocabulary.gazetteer,
        determinant,
        strongest=STRONGEST_DOCUMENTS,
        recent=RECENT_DOCUMENTS,
    )
    return determinant_page_json(found, vocabulary)


def determinant_documents_json(
    library: Library, vocabulary: Vocabulary, determinant_id: str, page: int
) -> DeterminantDocumentsOut:
    """One page of every document about the determinant; past the last page, none and
    `problem` saying so (web.paging's rule)."""
    determinant = find_determinant(vocabulary, determinant_id)
    count = EvidenceCount(*library.catalogue.determinant_totals_for(determinant.id))
    pages = count_pages(count.documents, LISTED_DOCUMENTS)
    past = past_last_page(page, pages, items=count.documents)
    listed = (
        []
        if past
        else library.catalogue.documents_about(
            determinant.id, (page - 1) * LISTED_DOCUMENTS, LISTED_DOCUMENTS
        )
    )
    return documents_about_json(
        determinant,
        count,
        listed,
        page,
        LISTED_DOCUMENTS,
        pages,
        vocabulary,
        past.message if past else None,
    )


@router.get("/determinants")
def determinants_page(
    request: Request, library: LibraryDep, vocabulary: VocabularyDep, templates: TemplatesDep
) -> Response:
    return templates.TemplateResponse(
        request, "determinants.html", dict(determinants_json(library, vocabulary))
    )


@router.get("/determinants/{determinant_id}")
def determinant_page(
    request: Request,
    determinant_id: str,
    library: LibraryDep,
    vocabulary: VocabularyDep,
    templates: TemplatesDep,
) -> Response:
    if vocabulary.determinant(determinant_id) is None:
        heading, body = PAGES[404]
        return templates.TemplateResponse(
            request,
            "error.html",
            {
                "heading": heading,
                "message": NO_DETERMINANT,
                "body": body,
                "links": [("See the list of determinants of health", "/determinants")],
            },
            status_code=404,
        )
    data = determinant_json(library, vocabulary, determinant_id)
    example = find_determinant(vocabulary, determinant_id).search_example
    return templates.TemplateResponse(
        request, "determinant.html", {"determinant": data, "search_example": example}
    )


@router.get("/determinants/{determinant_id}/documents")
def determinant_documents_page(
    request: Request,
    determinant_id: str,
    library: LibraryDep,
    vocabulary: VocabularyDep,
    templates: TemplatesDep,
    page: ListPage = 1,
) -> Response:
    data = determinant_documents_json(library, vocabulary, determinant_id, page)
    base = f"/determinants/{data['determinant']['id']}/documents"

    def href(n: int) -> str:
        return f"{base}?page={n}"

    return templates.TemplateResponse(
        request,
        "determinant_documents.html",
        {
            "listing": data,
            "first": (page - 1) * LISTED_DOCUMENTS + 1,
            "pagination": pagination(page, data["page_count"], href, "Pages of the list"),
            # Past the last page when the list said so: only the link to the last is added.
            "past": past_last_page(page, data["page_count"], href) if data["problem"] else None,
        },
    )
