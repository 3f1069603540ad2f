"""The pages people read: home, search results, and the accessibility and privacy statements."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from web.deps import LibraryDep, TemplatesDep
from web.highlight import WordMatcher, query_stems
from web.paging import pagination
from web.search_form import SearchForm, read_search_form
from web.searching import SearchOutcome, run_search
from web.views import results_json

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

EXAMPLE_SEARCHES = (
    "cold damp homes",
    "loneliness in rural villages",
    "free school meals",
    "help back into work",
    "air pollution near main roads",
)

EMPTY_QUERY = "Enter some words to search for"
LIBRARY_FEED = "/search/feed.atom"


def example_links() -> list[tuple[str, str]]:
    return [(text, SearchForm(q=text).url()) for text in EXAMPLE_SEARCHES]


@router.get("/")
def home(request: Request, templates: TemplatesDep) -> Response:
    context = {
        "examples": example_links(),
        "feed": {"url": LIBRARY_FEED, "title": "New documents in the library"},
    }
    return templates.TemplateResponse(request, "home.html", context)


@router.get("/search")
def search_page(
    request: Request,
    library: LibraryDep,
    templates: TemplatesDep,
    form: Annotated[SearchForm, Depends(read_search_form)],
) -> Response:
    if form.is_blank:
        return templates.TemplateResponse(
            request,
            "search.html",
            {"form": form, "error": EMPTY_QUERY, "examples": example_links()},
            status_code=400,
        )
    outcome = run_search(library, form)
    return templates.TemplateResponse(request, "search.html", results_context(form, outcome))


def results_context(form: SearchForm, outcome: SearchOutcome) -> dict[str, Any]:
    """Everything the results page shows, once retrieval is done."""
    results = results_json(outcome.results)
    # Downloads and feeds cover the whole search, not the page being looked at.
    whole = replace(form, page=1)
    return {
        "form": form,
        "results": results,
        "facets": outcome.facets,
        "years": outcome.years,
        "stems": WordMatcher(query_stems(form.q)),
        "pagination": pagination(form.page, results["page_count"], lambda n: form.at_page(n).url()),
        "sort_links": {sort: form.sorted_by(sort).url() for sort in ("relevance", "newest")},
        "exports": {kind: whole.url(f"/search/export.{kind}") for kind in ("csv", "ris", "bib")},
        "feed": {"url": whole.url(LIBRARY_FEED), "title": f"Documents that match ‘{form.q}’"},
    }


@router.get("/accessibility")
def accessibility(request: Request, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "accessibility.html", {})


@router.get("/privacy")
def privacy(request: Request, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "privacy.html", {})
