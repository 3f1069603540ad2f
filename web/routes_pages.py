"""The pages people read: home, search results, and the accessibility and privacy statements."""

from __future__ import annotations

from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from web.deps import LibraryDep, TemplatesDep, VocabularyDep
from web.evidence_views import by_determinant_json, determinant_excerpt
from web.highlight import WordMatcher, query_stems
from web.kinds import label_kind
from web.paging import pagination, past_last_page
from web.search_form import EMPTY_QUERY, MAX_QUERY_CHARS, SearchForm
from web.search_query import ResultsFormDep, read_search_form
from web.searching import SearchOutcome, run_search
from web.templating import error_list
from web.views import results_json
from web.vocabulary import Vocabulary, default_vocabulary

__all__ = ["example_links", "results_context", "router", "search_unless_blank"]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

EXAMPLE_SEARCHES = (
    "cold damp homes",
    "loneliness in rural villages",
    "free school meals",
    "help back into work",
    "air pollution near main roads",
)

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


FormDep = Annotated[SearchForm, Depends(read_search_form)]


def _blank_search(request: Request, templates: TemplatesDep, form: SearchForm) -> Response:
    return templates.TemplateResponse(
        request,
        "search.html",
        {"form": form, "error": form.problem or EMPTY_QUERY, "examples": example_links()},
        status_code=400,
    )


def search_unless_blank(
    library: LibraryDep, vocabulary: VocabularyDep, form: ResultsFormDep
) -> SearchOutcome | None:
    """The search's outcome; None for words with nothing to search for (none at all, only
    'the', a lone letter or symbols, or only words in another script), which each page answers
    with its form and the problem."""
    return None if form.problem else run_search(library, form, vocabulary)


OutcomeDep = Annotated[SearchOutcome | None, Depends(search_unless_blank)]


@router.get("/search")
def search_page(
    request: Request,
    vocabulary: VocabularyDep,
    templates: TemplatesDep,
    form: ResultsFormDep,
    outcome: OutcomeDep,
) -> Response:
    if outcome is None:
        return _blank_search(request, templates, form)
    context = results_context(form, outcome, vocabulary)
    if form.year_problem:
        # A year box that holds no year: the results without it, the box shown back with its
        # text and the error, as a form that needs changing does.
        context["filter_errors"] = error_list(form.year_box_problems.items())
        return templates.TemplateResponse(request, "search.html", context, status_code=400)
    return templates.TemplateResponse(request, "search.html", context)


@router.get("/search/by-determinant")
def by_determinant_page(
    request: Request,
    vocabulary: VocabularyDep,
    templates: TemplatesDep,
    form: FormDep,
    outcome: OutcomeDep,
) -> Response:
    """The best passage for each determinant the search's results touch."""
    if outcome is None:
        return _blank_search(request, templates, form)
    stems = WordMatcher(query_stems(form.q))
    items = by_determinant_json(outcome.by_determinant, form)
    determinants = {hit.determinant.id: hit.determinant for hit in outcome.by_determinant}
    context = {
        "form": form,
        "total": outcome.results.total,
        "total_is_floor": outcome.results.is_total_capped,
        "items": items,
        "results_url": replace(form, page=1).url(),
        "stems": stems,
        # The part of each passage shown, as the API's excerpt.
        "excerpts": {
            item["id"]: determinant_excerpt(item["passage"], stems, determinants[item["id"]])
            for item in items
        },
        "chosen_labels": chosen_labels(vocabulary, form),
    }
    return templates.TemplateResponse(request, "by_determinant.html", context)


def chosen_labels(vocabulary: Vocabulary, form: SearchForm) -> dict[str, dict[str, str]]:
    """Labels for the chosen-filter links: determinants and places by name, kinds in one style."""
    return {**vocabulary.labels(), "kind": {k: label_kind(k) for k in form.kinds}}


def results_context(
    form: SearchForm, outcome: SearchOutcome, vocabulary: Vocabulary | None = None
) -> dict[str, Any]:
    """Everything the results page shows, once retrieval is done."""
    vocabulary = vocabulary or default_vocabulary()
    results = results_json(outcome.results, vocabulary)
    # Downloads and feeds cover the whole search, not the page being looked at.
    whole = replace(form, page=1)
    return {
        "form": form,
        "results": results,
        "chosen_labels": chosen_labels(vocabulary, form),
        "by_determinant_url": whole.url("/search/by-determinant"),
        "determinant_count": len(outcome.by_determinant),
        "facets": outcome.facets,
        "years": outcome.years,
        "stems": WordMatcher(query_stems(form.q)),
        "pagination": pagination(form.page, results["page_count"], lambda n: form.at_page(n).url()),
        "past": past_last_page(
            form.page, results["page_count"], lambda n: form.at_page(n).url(), results["total"]
        ),
        "sort_links": {sort: form.sorted_by(sort).url() for sort in ("relevance", "newest")},
        "suggestion_url": _suggestion_url(form, results["suggested_query"]),
        "exports": {kind: whole.url(f"/search/export.{kind}") for kind in ("csv", "ris", "bib")},
        "feed": {"url": whole.url(LIBRARY_FEED), "title": f"Documents that match ‘{form.q}’"},
    }


@router.get("/accessibility")
def accessibility(request: Request, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "accessibility.html", {})


@router.get("/privacy")
def privacy(request: Request, templates: TemplatesDep) -> Response:
    return templates.TemplateResponse(request, "privacy.html", {})


def _suggestion_url(form: SearchForm, suggested: str | None) -> str | None:
    """The same search with the suggested spelling, if the search box would take it (a split
    word adds a space, which could take a search at the length limit past it)."""
    if not suggested or len(suggested) > MAX_QUERY_CHARS:
        return None
    return form.with_query(suggested).url()
