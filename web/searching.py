"""Runs a search for the site: the library's ranked results (best match or newest first) and the
filter options (with document counts) that the results allow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

from search.catalogue import DocumentRecord
from search.library import Library
from search.retrieval import DocumentResult, SearchResults
from search.schema import Filters, Hit
from web.search_form import SearchForm

# Facet name in the store payload -> the Filters field that narrows it.
FACET_FIELDS = {"organisation": "organisations", "kind": "kinds"}


def _without(filters: Filters, field: str) -> Filters:
    """`filters` with one facet's choices dropped."""
    if field == "organisation":
        return replace(filters, organisations=())
    return replace(filters, kinds=())


@dataclass(frozen=True)
class FacetOption:
    """One checkbox in the filter form."""

    value: str
    count: int
    is_selected: bool


@dataclass(frozen=True)
class SearchOutcome:
    """What the results page and the API show for one search."""

    results: SearchResults
    facets: dict[str, list[FacetOption]]
    years: tuple[int, int] | None


def run_search(library: Library, form: SearchForm) -> SearchOutcome:
    results = library.searcher.search(form.q, form.filters(), page=form.page, sort=form.sort)
    return SearchOutcome(results, facet_options(library, form, results.hits), _years(results.hits))


def facet_options(
    library: Library, form: SearchForm, hits: list[Hit]
) -> dict[str, list[FacetOption]]:
    """Options for each filter, counted in documents.

    A field's own choices are left out when counting its options, so ticking one
    organisation still shows the others (OR within a field, AND across fields).
    """
    filters = form.filters()
    unfiltered: dict[str, list[Hit]] = {}
    chosen = {field: getattr(filters, attr) for field, attr in FACET_FIELDS.items()}
    if any(chosen.values()):
        searcher = library.searcher
        request = searcher.vector_query(form.q, filters, limit=searcher.settings.candidates)
        for field in FACET_FIELDS:
            if chosen[field]:
                wider = replace(request, filters=_without(filters, field))
                unfiltered[field] = library.store.query(wider)
    return {
        field: _options(unfiltered.get(field, hits), field, chosen[field]) for field in FACET_FIELDS
    }


def _options(hits: list[Hit], field: str, selected: tuple[str, ...]) -> list[FacetOption]:
    documents: dict[str, set[str]] = defaultdict(set)
    for hit in hits:
        value = str(hit.payload.get(field) or "")
        if value:
            documents[value].add(hit.doc_id)
    for value in selected:
        documents.setdefault(value, set())
    ordered = sorted(documents.items(), key=lambda item: (-len(item[1]), item[0].casefold()))
    return [FacetOption(value, len(ids), value in selected) for value, ids in ordered]


def _years(hits: list[Hit]) -> tuple[int, int] | None:
    years = [int(y) for h in hits if isinstance(y := h.payload.get("year"), int)]
    return (min(years), max(years)) if years else None


def search_all(library: Library, form: SearchForm, limit: int) -> list[DocumentResult]:
    """Up to `limit` documents for the search, in the order its results pages show them."""
    # One wide page rather than many narrow ones: each page would run the whole query again.
    return library.searcher.search(
        form.q, form.filters(), page=1, sort=form.sort, page_size=limit
    ).documents


def newest_documents(library: Library, form: SearchForm, limit: int) -> list[DocumentRecord]:
    """The documents most recently added to the library that the form's filters allow."""
    records = [r for r in library.catalogue.documents() if _allows(form, r)]
    records.sort(key=lambda r: r.added_at, reverse=True)
    return records[:limit]


def _allows(form: SearchForm, record: DocumentRecord) -> bool:
    meta = record.meta
    if form.organisations and meta.organisation not in form.organisations:
        return False
    if form.kinds and meta.kind not in form.kinds:
        return False
    if form.year_from and (meta.year is None or meta.year < form.year_from):
        return False
    return not (form.year_to and (meta.year is None or meta.year > form.year_to))
