"""The search as FastAPI reads it from a query string: every parameter checked (a bad value is
a 400 with a sentence saying what to change, web.errors) and turned into a SearchForm. Kept
apart from web.search_form so that code which only reads a search (`kb search`, the views)
does not load the web framework."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Query

from web.limits import MAX_CHOSEN, PRINTABLE, FilterValue
from web.search_form import (
    MAX_PAGE,
    MAX_QUERY_CHARS,
    WORDS_PATTERN,
    YEAR_BANDS_ORDER,
    YEAR_PATTERN,
    SearchForm,
    Sort,
    YearBandId,
)

__all__ = [
    "FiltersDep",
    "ResultsFormDep",
    "read_required_search_form",
    "read_results_form",
    "read_search_filters",
    "read_search_form",
]


# A filter ticked any number of times (organisation=…&organisation=…), up to MAX_CHOSEN values.
Chosen = list[FilterValue] | None


def _chosen(description: str) -> Any:
    """The query-string rule of a repeated filter: at most MAX_CHOSEN values."""
    return Query(max_length=MAX_CHOSEN, description=description)


def _year(text: str) -> int | None:
    text = text.strip()
    return int(text) if text else None


# A year box's text is read by the page, which shows a typo back beside its box ("2O19"): long
# enough for any typo, short enough to echo.
MAX_YEAR_CHARS = 20


def _typed_years(year_from: str, year_to: str) -> tuple[tuple[str, str], ...]:
    return tuple(
        (name, text)
        for name, text in (("year_from", year_from), ("year_to", year_to))
        if not re.fullmatch(YEAR_PATTERN, text)
    )


def _distinct(values: list[str] | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values or [] if v.strip()))


async def read_search_filters(
    page: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Which page of results")] = 1,
    sort: Annotated[Sort, Query(description="relevance (best match) or newest")] = "relevance",
    organisation: Annotated[Chosen, _chosen("Only these organisations")] = None,
    kind: Annotated[Chosen, _chosen("Only these kinds of document")] = None,
    determinant: Annotated[
        Chosen, _chosen("Only these determinants (ids, see /api/determinants)")
    ] = None,
    place: Annotated[Chosen, _chosen("Only documents about these places (ids)")] = None,
    lens: Annotated[
        Chosen, _chosen("Only passages seen through these lenses (ids, see /api/determinants)")
    ] = None,
    years: Annotated[
        list[YearBandId] | None, _chosen("Only documents published in these spans")
    ] = None,
    local: Annotated[
        bool, Query(description="Put Leicestershire and East Midlands work first")
    ] = False,
) -> SearchForm:
    """Read everything but the words and the years from the query string; FastAPI's checks
    turn bad values into a 400. (This and the two readers below are `async` though they never
    wait: FastAPI runs a plain function dependency in a worker thread, and every hop costs a
    search about 0.2 ms of the interpreter's time and more of its latency; see
    bench/RESULTS.md.)"""
    return SearchForm(
        page=page,
        sort=sort,
        organisations=_distinct(organisation),
        kinds=_distinct(kind),
        determinants=_distinct(determinant),
        places=_distinct(place),
        lenses=_distinct(lens),
        year_bands=tuple(b for b in YEAR_BANDS_ORDER if b in (years or [])),
        is_local_first=local,
    )


def _with_years(filters: SearchForm, year_from: str, year_to: str) -> SearchForm:
    """The form with its year range (either way round); a box holding no year is left out of
    it and kept in `bad_years`, as typed."""
    bad = _typed_years(year_from, year_to)
    low = None if any(n == "year_from" for n, _ in bad) else _year(year_from)
    high = None if any(n == "year_to" for n, _ in bad) else _year(year_to)
    if low and high and low > high:
        low, high = high, low
    return replace(filters, year_from=low, year_to=high, bad_years=bad)


FiltersDep = Annotated[SearchForm, Depends(read_search_filters)]


def _tidy(q: str | None) -> str:
    return " ".join((q or "").split())


async def read_results_form(
    filters: FiltersDep,
    q: Annotated[
        str | None,
        Query(max_length=MAX_QUERY_CHARS, pattern=PRINTABLE, description="Words to search for"),
    ] = None,
    year_from: Annotated[
        str,
        Query(max_length=MAX_YEAR_CHARS, pattern=PRINTABLE, description="Earliest year, 4 numbers"),
    ] = "",
    year_to: Annotated[
        str,
        Query(max_length=MAX_YEAR_CHARS, pattern=PRINTABLE, description="Latest year, 4 numbers"),
    ] = "",
) -> SearchForm:
    """A search as the results page reads it: with no words, the page asks for some; a year box
    that holds no year is kept as typed (`bad_years`), for the page to show back beside the
    results of the search without it."""
    return replace(_with_years(filters, year_from, year_to), q=_tidy(q))


ResultsFormDep = Annotated[SearchForm, Depends(read_results_form)]


async def read_search_form(form: ResultsFormDep) -> SearchForm:
    """A search as the other pages and the downloads read it: as the results page does, but a
    year box that holds no year is refused (a 400) before anything is searched."""
    if form.year_problem:
        raise HTTPException(status_code=400, detail=form.year_problem)
    return form


async def read_required_search_form(
    filters: FiltersDep,
    q: Annotated[
        str,
        Query(
            max_length=MAX_QUERY_CHARS,
            pattern=WORDS_PATTERN,
            description="Words to search for, in English: at least one that is not a common "
            "word like ‘the’, a single letter or a symbol",
        ),
    ],
    year_from: Annotated[str, Query(pattern=YEAR_PATTERN, description="Earliest year")] = "",
    year_to: Annotated[str, Query(pattern=YEAR_PATTERN, description="Latest year")] = "",
) -> SearchForm:
    """A search as the API reads it: the words are required, and the schema says so, as it
    says what a year is."""
    return replace(_with_years(filters, year_from, year_to), q=_tidy(q))
