"""The search as the URL carries it: words, page, sort and filters, read from and written back to
query strings so every search can be shared and works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Literal
from urllib.parse import urlencode

from search.analysis import has_search_words, is_in_other_script
from search.schema import Filters
from web.limits import MAX_CHOSEN, MAX_LIMIT, MAX_OFFSET, MAX_VALUE_CHARS

__all__ = [
    "BAD_CHARACTER",
    "BAD_VALUE",
    "BANDS_BY_ID",
    "EMPTY_QUERY",
    "MAX_PAGE",
    "MAX_QUERY_CHARS",
    "NO_SEARCH_WORDS",
    "OTHER_SCRIPT",
    "PARAMETER_PROBLEMS",
    "TOO_LONG",
    "TOO_MANY",
    "VALUE_TOO_LONG",
    "WORDS_PATTERN",
    "YEAR_BANDS",
    "YEAR_BANDS_ORDER",
    "YEAR_PATTERN",
    "SearchForm",
    "Sort",
    "YearBand",
    "YearBandId",
    "describe_problem",
    "year_band",
]

Sort = Literal["relevance", "newest"]
MAX_QUERY_CHARS = 500
MAX_PAGE = 100
YEAR_PATTERN = r"^\s*(\d{4})?\s*$"
BAD_YEAR = "Enter a year as 4 numbers, for example 2021."
# On the results page each box in error says which it is, in the summary and beside the box.
_BAD_YEAR_IN_BOX = {
    "year_from": "Enter a year as 4 numbers in the ‘From’ box, for example 2015.",
    "year_to": "Enter a year as 4 numbers in the ‘To’ box, for example 2021.",
}

YearBandId = Literal["before-2015", "2015-2019", "2020-2022", "2023-onwards"]


@dataclass(frozen=True)
class YearBand:
    """A span of years offered as one filter option; None leaves that end open."""

    id: YearBandId
    label: str
    first: int | None
    last: int | None

    def holds(self, year: int | None) -> bool:
        if year is None:
            return False
        after_first = self.first is None or year >= self.first
        return after_first and (self.last is None or year <= self.last)


YEAR_BANDS = (
    YearBand("before-2015", "Before 2015", None, 2014),
    YearBand("2015-2019", "2015 to 2019", 2015, 2019),
    YearBand("2020-2022", "2020 to 2022", 2020, 2022),
    YearBand("2023-onwards", "2023 or later", 2023, None),
)
BANDS_BY_ID = {band.id: band for band in YEAR_BANDS}
YEAR_BANDS_ORDER: tuple[YearBandId, ...] = tuple(band.id for band in YEAR_BANDS)


def year_band(year: int | None) -> YearBand | None:
    return next((band for band in YEAR_BANDS if band.holds(year)), None)


@dataclass(frozen=True)
class SearchForm:
    """One search, exactly as a user asked for it."""

    q: str = ""
    page: int = 1
    sort: Sort = "relevance"
    organisations: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    determinants: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    year_bands: tuple[YearBandId, ...] = ()
    # Cross-cutting lenses ("inequalities", "life_stage:older_people"), tagged per passage.
    lenses: tuple[str, ...] = ()
    # Local documents first: an order, like sort, so "Clear filters" keeps it.
    is_local_first: bool = False
    # Year boxes whose text was not a year, as typed ("year_from", "2O19"): the results page
    # shows them back with an error, and searches without them; every other reader refuses.
    bad_years: tuple[tuple[str, str], ...] = ()

    @property
    def year_problem(self) -> str | None:
        """What to change when a year box holds something other than a year."""
        return BAD_YEAR if self.bad_years else None

    @property
    def year_box_problems(self) -> dict[str, str]:
        """What to change in each year box that holds something other than a year, by box."""
        return {name: _BAD_YEAR_IN_BOX[name] for name, _ in self.bad_years}

    @property
    def is_blank(self) -> bool:
        return not self.q.strip()

    @property
    def problem(self) -> str | None:
        """Why these words cannot be searched for, said for the person; None when they can.

        Words with nothing to search for (only 'the', a lone letter, symbols or emoji, or
        words in another script such as Arabic or Chinese) get the same answer everywhere a
        search is asked for: nothing is searched, and the page, the API, the downloads and the
        feed each say why (see `search.analysis.has_search_words` and `is_in_other_script`).
        """
        if self.is_blank:
            return EMPTY_QUERY
        if not has_search_words(self.q):
            return OTHER_SCRIPT if is_in_other_script(self.q) else NO_SEARCH_WORDS
        return None

    @property
    def has_filters(self) -> bool:
        return bool(
            self.organisations
            or self.kinds
            or self.year_from
            or self.year_to
            or self.determinants
            or self.places
            or self.year_bands
            or self.lenses
        )

    def filters(self) -> Filters:
        """The filters the store can apply itself; year bands are resolved to documents by
        web.searching, since a store filter holds only one year range."""
        return Filters(
            organisations=self.organisations,
            kinds=self.kinds,
            determinants=self.determinants,
            places=self.places,
            lenses=self.lenses,
            year_from=self.year_from,
            year_to=self.year_to,
        )

    def params(self) -> list[tuple[str, str]]:
        """Query-string pairs; defaults are left out to keep links short."""
        pairs: list[tuple[str, str]] = [("q", self.q)]
        pairs += [("determinant", d) for d in self.determinants]
        pairs += [("lens", x) for x in self.lenses]
        pairs += [("place", p) for p in self.places]
        pairs += [("organisation", o) for o in self.organisations]
        pairs += [("kind", k) for k in self.kinds]
        pairs += [("years", b) for b in self.year_bands]
        if self.year_from:
            pairs.append(("year_from", str(self.year_from)))
        if self.year_to:
            pairs.append(("year_to", str(self.year_to)))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.is_local_first:
            pairs.append(("local", "1"))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def url(self, path: str = "/search") -> str:
        return f"{path}?{urlencode(self.params())}"

    def with_query(self, q: str) -> SearchForm:
        """The same filters and order for other words, from the first page."""
        return replace(self, q=q, page=1)

    def at_page(self, page: int) -> SearchForm:
        return replace(self, page=page)

    def sorted_by(self, sort: Sort) -> SearchForm:
        return replace(self, sort=sort, page=1)

    def local_first(self, is_local_first: bool) -> SearchForm:
        return replace(self, is_local_first=is_local_first, page=1)

    def without_filters(self) -> SearchForm:
        return SearchForm(q=self.q, sort=self.sort, is_local_first=self.is_local_first)

    def removable_filters(
        self, labels: Mapping[str, Mapping[str, str]] | None = None, path: str = "/search"
    ) -> list[tuple[str, str, str]]:
        """(field label, value label, URL without it) for each chosen filter.

        `labels` maps a field ("determinant", "place") to labels for its values; the URLs lead
        to `path` (the results, or the results by determinant).
        """
        names = labels or {}
        out: list[tuple[str, str, str]] = []
        for d in self.determinants:
            rest = tuple(x for x in self.determinants if x != d)
            label = names.get("determinant", {}).get(d, d)
            out.append(("Determinant", label, replace(self, determinants=rest, page=1).url(path)))
        for lens in self.lenses:
            rest = tuple(x for x in self.lenses if x != lens)
            label = names.get("lens", {}).get(lens, lens)
            out.append(("Lens", label, replace(self, lenses=rest, page=1).url(path)))
        for p in self.places:
            rest = tuple(x for x in self.places if x != p)
            label = names.get("place", {}).get(p, p)
            out.append(("Place", label, replace(self, places=rest, page=1).url(path)))
        for o in self.organisations:
            rest = tuple(x for x in self.organisations if x != o)
            out.append(("Organisation", o, replace(self, organisations=rest, page=1).url(path)))
        for k in self.kinds:
            rest = tuple(x for x in self.kinds if x != k)
            label = names.get("kind", {}).get(k, k)
            out.append(("Type", label, replace(self, kinds=rest, page=1).url(path)))
        for b in self.year_bands:
            bands = tuple(x for x in self.year_bands if x != b)
            label = BANDS_BY_ID[b].label
            out.append(("Published", label, replace(self, year_bands=bands, page=1).url(path)))
        if self.year_from:
            out.append(
                ("From", str(self.year_from), replace(self, year_from=None, page=1).url(path))
            )
        if self.year_to:
            out.append(("To", str(self.year_to), replace(self, year_to=None, page=1).url(path)))
        return out


# Required words need one character that is not a space.
WORDS_PATTERN = (
    r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*[^\s\x00-\x1f\x7f][^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"
)
EMPTY_QUERY = "Enter some words to search for"
NO_SEARCH_WORDS = (
    "Enter some words to search for. Common words like ‘the’, single letters and symbols "
    "are left out of every search, so they cannot be searched for on their own."
)
# For words written only in another script: the keyword index and the encoder read English.
OTHER_SCRIPT = (
    "Enter your search in English, using the letters A to Z. The documents in this library "
    "are searched in English."
)


TOO_LONG = f"Your search is too long. Use {MAX_QUERY_CHARS} characters or fewer."
BAD_CHARACTER = "Your search has a character that cannot be searched for. Remove it and try again."
TOO_MANY = f"You can choose up to {MAX_CHOSEN} of each filter. Remove some and try again."
VALUE_TOO_LONG = f"A filter can have up to {MAX_VALUE_CHARS} characters. Choose one from the list."
BAD_VALUE = "A filter has a character that cannot be used. Choose one from the list."

# Plain words for each parameter FastAPI can reject, by (parameter, error type) or parameter.
PARAMETER_PROBLEMS: dict[str | tuple[str, str], str] = {
    ("q", "string_too_long"): TOO_LONG,
    ("q", "string_pattern_mismatch"): BAD_CHARACTER,
    ("q", "missing"): EMPTY_QUERY,
    "too_long": TOO_MANY,
    "string_too_long": VALUE_TOO_LONG,
    "string_pattern_mismatch": BAD_VALUE,
    ("page", "less_than_equal"): "There are not that many pages. Go back to page 1.",
    "page": "The page number must be a whole number, like 1 or 2.",
    "number": "The page number must be a whole number, like 1 or 2.",
    "sort": "You can only sort by best match or by newest first.",
    "year_from": BAD_YEAR,
    "year_to": BAD_YEAR,
    "years": "Choose the years from the list in the filters.",
    "local": "To show local work first, tick the box in the filters.",
    "offset": f"The offset must be a whole number from 0 to {MAX_OFFSET:,}.",
    "limit": f"The limit must be a whole number from 1 to {MAX_LIMIT:,}.",
    "outcome": "Choose an outcome from the list on the status page.",
}


def describe_problem(parameter: str, error_type: str) -> str:
    """A sentence a person can act on for a parameter FastAPI rejected."""
    return (
        PARAMETER_PROBLEMS.get((parameter, error_type))
        or PARAMETER_PROBLEMS.get(parameter)
        or PARAMETER_PROBLEMS.get(error_type)
        or "Part of the web address is not right. Check it and try again."
    )
