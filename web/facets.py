"""Filter options for a search, each with the number of documents among the results that have it.

A group's options are counted with every other group's choices applied but not its own, so
ticking one option still shows the others (OR within a group, AND across groups). Counts are
taken over every matching passage (search.retrieval.matching), the same set the results are,
so an option's count is the total the search shows once it is ticked.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from search.retrieval.matching import Matches
from search.schema import Filters, Hit
from web.search_form import BANDS_BY_ID, YEAR_BANDS_ORDER, SearchForm, year_band
from web.vocabulary import Vocabulary

__all__ = [
    "GROUPS",
    "MAX_OTHER_PLACES",
    "FacetGroup",
    "FacetOption",
    "PayloadValues",
    "documents_per_value",
    "facet_options",
    "without_facets",
]

# Places outside the local area can be many; the commonest are offered (and any chosen).
MAX_OTHER_PLACES = 10

PayloadValues = Callable[[Mapping[str, Any]], list[str]]


@dataclass(frozen=True)
class FacetOption:
    """One checkbox in the filter form."""

    value: str
    count: int
    is_selected: bool
    label: str = ""

    @property
    def text(self) -> str:
        return self.label or self.value


def _one(field: str) -> PayloadValues:
    return lambda payload: [str(payload[field])] if payload.get(field) else []


def _many(field: str) -> PayloadValues:
    return lambda payload: [str(v) for v in payload.get(field) or []]


def _band(payload: Mapping[str, Any]) -> list[str]:
    year = payload.get("year")
    band = year_band(year) if isinstance(year, int) else None
    return [band.id] if band else []


@dataclass(frozen=True)
class FacetGroup:
    """A filter group: its URL parameter, where hits keep its values, and how to lift it."""

    name: str
    values: PayloadValues
    chosen: Callable[[SearchForm], tuple[str, ...]]
    without: Callable[[Filters], Filters]


GROUPS = (
    FacetGroup(
        "determinant",
        _many("determinants"),
        lambda form: form.determinants,
        lambda f: replace(f, determinants=()),
    ),
    FacetGroup("lens", _many("lenses"), lambda form: form.lenses, lambda f: replace(f, lenses=())),
    FacetGroup("place", _many("places"), lambda form: form.places, lambda f: replace(f, places=())),
    FacetGroup(
        "organisation",
        _one("organisation"),
        lambda form: form.organisations,
        lambda f: replace(f, organisations=()),
    ),
    FacetGroup("kind", _one("kind"), lambda form: form.kinds, lambda f: replace(f, kinds=())),
    # Year bands reach the store as spans of years (see web.searching).
    FacetGroup("years", _band, lambda form: form.year_bands, lambda f: replace(f, year_spans=())),
)


def documents_per_value(
    hits: Iterable[Hit], values: PayloadValues, visible: Collection[str]
) -> dict[str, set[str]]:
    """The documents (among those visible) that have each value."""
    documents: dict[str, set[str]] = {}
    for hit in hits:
        if hit.doc_id in visible:
            for value in values(hit.payload):
                documents.setdefault(value, set()).add(hit.doc_id)
    return documents


def without_facets(filters: Filters) -> Filters:
    """The filters no group offers as options (a year range typed in, say)."""
    for group in GROUPS:
        filters = group.without(filters)
    return filters


def facet_options(
    form: SearchForm,
    filters: Filters,
    matches: Matches,
    vocabulary: Vocabulary,
    visible: Collection[str],
) -> dict[str, list[FacetOption]]:
    """Options for every group; `matches` are the search's matching passages under at most
    `without_facets(filters)`, so each group can be counted with only the others applied."""
    out: dict[str, list[FacetOption]] = {}
    for group in GROUPS:
        chosen = group.chosen(form)
        pool = matches.where(group.without(filters))
        documents = documents_per_value((m.hit for m in pool.chunks), group.values, visible)
        counts = {value: len(ids) for value, ids in documents.items()}
        counts.update({value: counts.get(value, 0) for value in chosen})
        out[group.name] = _ordered(group.name, counts, chosen, vocabulary)
    return out


def _ordered(
    group: str, counts: dict[str, int], chosen: tuple[str, ...], vocabulary: Vocabulary
) -> list[FacetOption]:
    def option(value: str, label: str) -> FacetOption:
        return FacetOption(value, counts[value], value in chosen, label)

    if group == "determinant":
        order = {d: i for i, d in enumerate(vocabulary.taxonomy.ids)}
        values = sorted(counts, key=lambda v: (-counts[v], order.get(v, len(order)), v))
        return [option(v, vocabulary.determinant_label(v)) for v in values]
    if group == "place":
        return [option(v, vocabulary.place_label(v)) for v in _places(counts, chosen, vocabulary)]
    if group == "lens":
        labels = vocabulary.lens_labels()
        known = [v for v in labels if v in counts]
        # An unknown lens typed into the address still shows, under its own id.
        return [option(v, labels.get(v, v)) for v in known + sorted(set(counts) - set(known))]
    if group == "years":
        bands = [b for b in YEAR_BANDS_ORDER if b in counts]
        return [option(b, BANDS_BY_ID[b].label) for b in bands]
    values = sorted(counts, key=lambda v: (-counts[v], v.casefold()))
    return [option(v, v) for v in values]


def _places(counts: dict[str, int], chosen: tuple[str, ...], vocabulary: Vocabulary) -> list[str]:
    """Local places first, in their fixed order; then the commonest others, and any chosen."""
    local = [p for p in vocabulary.local_order() if p in counts]
    others = sorted(
        (p for p in counts if p not in local),
        key=lambda p: (-counts[p], vocabulary.place_label(p).casefold()),
    )
    shown = others[:MAX_OTHER_PLACES] + [p for p in others[MAX_OTHER_PLACES:] if p in chosen]
    return local + shown
