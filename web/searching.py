"""Runs a search for the site: the library's ranked results (best match or newest first, local
work first if asked), the filter options with document counts, and the best passage for each
determinant the results touch."""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from search.catalogue import DocumentRecord
from search.evidence.ranking import (
    DeterminantHit,
    best_among_matches,
    best_by_determinant,
    is_local_by_mentions,
    local_documents_first,
)
from search.library import Library
from search.retrieval.matching import Matches
from search.retrieval.searcher import DocumentResult, SearchResults
from search.schema import Filters
from search.store.core import plan_filter, plan_passes
from web.facets import FacetOption, MatchesUnder, facet_options, matches_per_group
from web.kinds import same_kinds
from web.search_form import BANDS_BY_ID, SearchForm
from web.vocabulary import Vocabulary, vocabulary_of

__all__ = ["FacetOption", "SearchOutcome", "run_search", "search_all", "search_filters"]

# Documents read, newest first, to find the newest ones a feed's filters allow: a bound on
# the work, so a filter few documents pass cannot make one request read the whole library.
NEWEST_SCAN_LIMIT = 2_000


@dataclass(frozen=True)
class SearchOutcome:
    """What the results page and the API show for one search."""

    results: SearchResults
    facets: dict[str, list[FacetOption]]
    years: tuple[int, int] | None
    by_determinant: list[DeterminantHit] = field(default_factory=list)


def search_filters(form: SearchForm, kinds_held: Callable[[], Sequence[str]]) -> Filters:
    """The form's filters for the store, with year bands as spans of years (any may hold),
    and each kind chosen as every spelling of it the library holds (`kinds_held`, asked only
    when a kind is chosen): "Government report" is also a manifest's "gov report"."""
    filters = form.filters()
    if form.kinds:
        filters = replace(filters, kinds=same_kinds(form.kinds, kinds_held()))
    if not form.year_bands:
        return filters
    spans = tuple((BANDS_BY_ID[b].first, BANDS_BY_ID[b].last) for b in form.year_bands)
    return replace(filters, year_spans=spans)


def run_search(
    library: Library, form: SearchForm, vocabulary: Vocabulary | None = None
) -> SearchOutcome:
    """The form's search with its filter counts and best passage per determinant. At most
    `KB_SEARCH__CONCURRENT_SEARCHES` run at once in one site; the others wait their turn."""
    with library.searcher.gate:
        return _run_search(library.pinned(), form, vocabulary)


def _run_search(
    library: Library, form: SearchForm, vocabulary: Vocabulary | None = None
) -> SearchOutcome:
    vocabulary = vocabulary or vocabulary_of(library)
    filters = search_filters(form, library.catalogue.kind_spellings)
    searcher = library.searcher
    gazetteer = vocabulary.gazetteer
    results = searcher.search(
        form.q,
        filters,
        page=form.page,
        sort=form.sort,
        put_first=(
            (lambda f: is_local_by_mentions(f.place_counts, f.places, gazetteer))
            if form.is_local_first
            else None
        ),
    )
    pools = matches_per_group(filters, _matches_under(library, results))
    # Committed documents among those matched, looked up by id (never the whole catalogue).
    seen = {h.doc_id for h in results.hits}
    for pool in {id(p): p for p in pools.values()}.values():
        seen.update(m.doc_id for m in pool.chunks)
    visible = library.catalogue.visible_among(seen)
    facets = facet_options(form, pools, vocabulary, visible)

    return SearchOutcome(
        results,
        facets,
        _years(results, visible),
        _by_determinant(library, vocabulary, results, visible),
    )


def _by_determinant(
    library: Library,
    vocabulary: Vocabulary,
    results: SearchResults,
    visible: Collection[str],
) -> list[DeterminantHit]:
    """The best passage per determinant among the passages the search matched, each with how
    many of the search's documents have a matching passage about it (with no determinant
    ticked, the count next to its filter option). The ranking's candidates also hold passages
    that do not match (and documents with none that do), and the closest few shown when
    nothing matches are no match either: none of them is counted."""
    if results.is_closest_only or results.matches is None:
        return []
    matched = {m.id for m in results.matches.chunks}
    found = best_by_determinant(
        [h for h in results.hits if h.id in matched],
        library.store,
        library.catalogue,
        vocabulary.taxonomy,
        visible,
    )
    counts = results.matches.count_documents("determinants", visible)
    # Determinants whose matching passages all lie beyond the ranking's candidates: their
    # closest matching passage, so the list covers every determinant the counts name.
    listed = {item.determinant.id for item in found}
    missing = [d for d in counts if d not in listed]
    if missing:
        found += best_among_matches(
            results.matches, missing, library.store, library.catalogue, vocabulary.taxonomy, visible
        )
    return [
        replace(item, documents=counts.get(item.determinant.id, item.documents)) for item in found
    ]


def _matches_under(library: Library, results: SearchResults) -> MatchesUnder:
    """The search's matching passages under some filters: its own for its own filters, and
    the store's answer (asked once per filters) for the rest; the filter rule stays the
    store's."""
    known: dict[Filters, Matches] = {}
    if results.matches is not None and not results.is_closest_only:
        known[results.filters] = results.matches

    def matches_under(filters: Filters) -> Matches:
        if filters not in known:
            if results.request is None:
                known[filters] = Matches([], False)
            else:
                request = replace(results.request, filters=filters)
                known[filters] = library.searcher.find_matches(request)
        return known[filters]

    return matches_under


def _years(results: SearchResults, visible: Collection[str]) -> tuple[int, int] | None:
    """The first and last year of the documents the search matched (of those shown, when
    only the closest few are)."""
    if results.matches is not None and not results.is_closest_only:
        stored = results.matches.count_documents("year", visible)
        years = [int(y) for y in stored if y.lstrip("-").isdigit()]
    else:
        years = [y for d in results.documents if isinstance(y := d.document.meta.year, int)]
    return (min(years), max(years)) if years else None


def search_all(library: Library, form: SearchForm, limit: int) -> list[DocumentResult]:
    """Up to `limit` documents that match the search, in the order its results pages show
    them: none when nothing matched (the closest few a results page shows then, marked as
    perhaps not answering the question, are not matches, and a file or feed has no room to
    say so)."""
    # One wide page rather than many narrow ones: each page would run the whole query again.
    with library.searcher.gate:
        library = library.pinned()
        results = library.searcher.search(
            form.q,
            search_filters(form, library.catalogue.kind_spellings),
            page=1,
            sort=form.sort,
            page_size=limit,
        )
    documents = [] if results.is_closest_only else results.documents
    if form.is_local_first:
        return local_documents_first(documents, vocabulary_of(library).gazetteer)
    return documents


def newest_documents(library: Library, form: SearchForm, limit: int) -> list[DocumentRecord]:
    """The documents most recently added to the library that the form's filters allow."""
    plan = plan_filter(search_filters(form, library.catalogue.kind_spellings))
    records: list[DocumentRecord] = []
    for number, record in enumerate(library.catalogue.newest(), start=1):
        if plan_passes(_document_values(record), plan):
            records.append(record)
        if len(records) >= limit or number >= NEWEST_SCAN_LIMIT:
            break
    return records


def _document_values(record: DocumentRecord) -> dict[str, Any]:
    """A document's filtered values in a chunk payload's shape, so the store core's filter
    rule judges the document as the engine judges its chunks."""
    meta, extra = record.meta, record.extra
    return {
        "organisation": meta.organisation,
        "kind": meta.kind,
        "year": meta.year,
        "determinants": list(extra.get("determinants") or {}),
        "places": list(extra.get("places") or []),
        "lenses": list(extra.get("lenses") or []),
    }
