"""The JSON API: the same data the pages show, read through the same views."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import TypeAdapter

from search.access import levels_for
from search.library import Library
from search.retrieval.searcher import SearchResults
from web.admin import current_viewer
from web.deps import DocumentLibraryDep, LibraryDep, VocabularyDep
from web.evidence_views import by_determinant_json
from web.health import check_health
from web.highlight import WordMatcher, query_stems
from web.models import (
    DeterminantDocumentsOut,
    DeterminantOut,
    DeterminantsOut,
    DocumentOut,
    ErrorOut,
    HealthOut,
    PageOut,
    RelatedOut,
    SearchOut,
)
from web.paging import past_last_page
from web.params import PageNumber, refuse_unknown_parameters
from web.routes_determinants import (
    ListPage,
    determinant_documents_json,
    determinant_json,
    determinants_json,
)
from web.routes_documents import (
    NO_PAGE,
    RELATED_ON_PAGE,
    find_document,
    find_passage,
    find_related,
)
from web.search_form import EMPTY_QUERY, SearchForm
from web.search_query import read_required_search_form
from web.searching import run_search
from web.views import (
    document_json,
    document_passage_json,
    facets_json,
    form_filters_json,
    page_json,
    related_json,
    results_json,
)
from web.vocabulary import Vocabulary

__all__ = ["router"]

router = APIRouter(tags=["api"], dependencies=[Depends(refuse_unknown_parameters)])

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A parameter is missing or not right"},
    404: {"model": ErrorOut, "description": "No such document, page, passage or determinant"},
}


def unknown_filter_value(form: SearchForm, vocabulary: Vocabulary) -> str | None:
    """A sentence naming a determinant, lens or place id the library does not know, and the
    ids it does (read only for the filters a search chose)."""
    chosen: list[tuple[str, tuple[str, ...], Callable[[], Collection[str]]]] = [
        ("determinant", form.determinants, lambda: vocabulary.taxonomy.ids),
        ("lens", form.lenses, vocabulary.lens_labels),
        ("place", form.places, lambda: vocabulary.gazetteer.places),
    ]
    for name, values, known in chosen:
        if not values:
            continue
        ids = set(known())
        for value in values:
            if value not in ids:
                listed = ", ".join(sorted(ids)[:MAX_IDS_LISTED])
                more = " …" if len(ids) > MAX_IDS_LISTED else ""
                return f"There is no {name} {value!r}. Use one of: {listed}{more}."
    return None


# Ids a refusal lists (the gazetteer has over a hundred places).
MAX_IDS_LISTED = 40


@router.get(
    "/api/search",
    response_model=SearchOut,
    responses=ERRORS,
    summary="Search documents",
    description="Documents that match, best first, each with its best passages and links to "
    "the pages to cite; the filter options with document counts; and the best passage for "
    "each determinant the results touch. Words with nothing to search for (only common words "
    "like ‘the’, a single letter, symbols or emoji, or only words in a script other than "
    "Latin, such as Arabic or Chinese: documents are searched in English) are not searched: "
    "the answer has no documents, a total and strong_total of 0, and `problem` says why. A "
    "`page` past the last (page_count) has no documents, the search's totals and facets, and "
    "`problem` saying so: stop paging on it.",
)
def api_search(
    library: LibraryDep,
    vocabulary: VocabularyDep,
    form: Annotated[SearchForm, Depends(read_required_search_form)],
) -> Response:
    return _search_json(_search(library, vocabulary, form))


# The search's answer checked against its schema and written as JSON in the request's own
# worker thread. Left to FastAPI, a route that is not `async` has its answer checked in a
# second hand-off to a worker thread and written on the event loop: two more waits for the
# interpreter lock a search, under load (bench/RESULTS.md, forty-seventh session).
_SEARCH_OUT = TypeAdapter(SearchOut)


def _search_json(answer: SearchOut) -> Response:
    checked = _SEARCH_OUT.validate_python(answer)
    return Response(_SEARCH_OUT.dump_json(checked), media_type="application/json")


def _search(library: Library, vocabulary: Vocabulary, form: SearchForm) -> SearchOut:
    if form.is_blank:
        raise HTTPException(status_code=400, detail=EMPTY_QUERY)
    # The schema allows these words and ids, so they are answered, not refused: with nothing,
    # and `problem` saying why (an id no determinant, lens or place has, named with the ids
    # there are; a script's typo would otherwise read as "no evidence").
    problem = form.problem or unknown_filter_value(form, vocabulary)
    if problem:
        return _nothing_searched(form, library.searcher.settings.page_size, problem)
    outcome = run_search(library, form, vocabulary)
    # One matcher for the whole answer, as for a page: each word stemmed once.
    stems = WordMatcher(query_stems(form.q))
    results = results_json(outcome.results, vocabulary, stems)
    past = past_last_page(form.page, results["page_count"], items=results["total"])
    return {
        **results,
        "filters": form_filters_json(form),
        "facets": facets_json(outcome.facets),
        "by_determinant": by_determinant_json(outcome.by_determinant, form, stems),
        "problem": past.message if past else None,
    }


def _nothing_searched(form: SearchForm, page_size: int, problem: str) -> SearchOut:
    """The answer to words with nothing to search for: no documents, nothing strong, and why."""
    empty = SearchResults(
        query=form.q,
        filters=form.filters(),
        page=form.page,
        page_size=page_size,
        total=0,
        documents=[],
        took_ms=0.0,
    )
    return {
        **results_json(empty),
        "filters": form_filters_json(form),
        "facets": {},
        "by_determinant": [],
        "problem": problem,
    }


@router.get(
    "/api/documents/{doc_id}",
    response_model=DocumentOut,
    responses=ERRORS,
    summary="One document",
    description="A document's details and its pages. An admin also gets a withdrawn document, "
    "as its page shows it to them, with `withdrawn` true; anyone else gets a 404 for it.",
)
def api_document(
    doc_id: str, library: DocumentLibraryDep, vocabulary: VocabularyDep
) -> DocumentOut:
    record = find_document(library, doc_id)
    return document_json(record, library.catalogue.page_lengths(doc_id), vocabulary)


@router.get(
    "/api/documents/{doc_id}/pages/{number}",
    response_model=PageOut,
    responses=ERRORS,
    summary="One page's text",
    description="The text recovered from one page of a PDF.",
)
def api_page(doc_id: str, number: PageNumber, library: DocumentLibraryDep) -> PageOut:
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
    "nearest to this document, or (with `chunk`) nearest to one of its passages.",
)
def api_related(
    doc_id: str,
    library: DocumentLibraryDep,
    reading: LibraryDep,
    chunk: Annotated[
        str | None, Query(description="A passage's chunk_id: documents like that passage")
    ] = None,
) -> RelatedOut:
    record = find_document(library, doc_id)
    passage = find_passage(library, doc_id, chunk) if chunk else None
    # As on its page: the document may be one an admin opens withdrawn, the others never are.
    related = find_related(reading, doc_id, RELATED_ON_PAGE, chunk)
    like = WordMatcher(query_stems(passage.text)) if passage else None
    return {
        "doc_id": record.doc_id,
        "title": record.meta.title,
        "passage": document_passage_json(record, passage) if passage else None,
        "documents": [related_json(r, like) for r in related],
    }


@router.get(
    "/api/determinants",
    response_model=DeterminantsOut,
    summary="The wider determinants of health",
    description="Every determinant with its definition and how many documents and passages "
    "are about it, and the cross-cutting lenses (inequalities, life stage).",
)
def api_determinants(library: LibraryDep, vocabulary: VocabularyDep) -> DeterminantsOut:
    # From the catalogue's running totals: about 0.06 ms at 300k chunks, so nothing is cached.
    return determinants_json(library, vocabulary)


@router.get(
    "/api/determinants/{determinant_id}",
    response_model=DeterminantOut,
    responses=ERRORS,
    summary="Evidence about one determinant",
    description="Its definition and counts, the strongest passage of up to 10 documents (local "
    "work first, then the strongest, then the newest) and the documents added most recently.",
)
def api_determinant(
    determinant_id: str, library: LibraryDep, vocabulary: VocabularyDep
) -> DeterminantOut:
    return determinant_json(library, vocabulary, determinant_id)


@router.get(
    "/api/determinants/{determinant_id}/documents",
    response_model=DeterminantDocumentsOut,
    responses=ERRORS,
    summary="Every document about one determinant",
    description="One page (20) of every document with passages about the determinant, the "
    "strongest evidence first, each with how many of its passages are about it. A page past "
    "the last answers as every paged list does: no documents, the counts, and `problem` "
    "saying so.",
)
def api_determinant_documents(
    determinant_id: str, library: LibraryDep, vocabulary: VocabularyDep, page: ListPage = 1
) -> DeterminantDocumentsOut:
    return determinant_documents_json(library, vocabulary, determinant_id, page)


@router.get(
    "/healthz",
    response_model=HealthOut,
    summary="Health check",
    description="Whether the site can read its index and load its model, and how much is in "
    "the index. Answers 503 when the store or the model failed to load.",
    responses={503: {"model": HealthOut, "description": "The store or the model failed"}},
)
def healthz(request: Request) -> JSONResponse:
    # Counts too are kept to the reader's access level.
    code, body = check_health(request.app.state, levels_for(current_viewer(request).role))
    return JSONResponse(body, status_code=code, headers={"Cache-Control": "no-store"})
