"""Filter options for a search, each with the number of documents among the results that have it.

A group's options are counted with every other group's choices applied but not its own, so
ticking one option still shows the others (OR within a group, AND across groups). Counts are
taken over every matching passage (search.retrieval.matching) under those filters, asked of
the store itself, so an option's count is the total the search shows once it is ticked; the
passages' values come from the chunk table, never from payloads read per search.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace

from search.retrieval.matching import Matches
from search.schema import Filters
from web.kinds import canonical_kind
from web.search_form import BANDS_BY_ID, YEAR_BANDS_ORDER, SearchForm, year_band
from web.vocabulary import Vocabulary

__all__ = [
    "GROUPS",
    "MAX_OTHER_PLACES",
    "FacetGroup",
    "FacetOption",
    "MatchesUnder",
    "facet_options",
    "matches_per_group",
]

# Places outside the local area can be many; the commonest are offered (and any chosen).
MAX_OTHER_PLACES = 10

# The matching passages under some filters: the search's own, or asked of the store.
MatchesUnder = Callable[[Filters], Matches]


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


def _band(year: str) -> str | None:
    band = year_band(int(year)) if year.lstrip("-").isdigit() else None
    return band.id if band else None


@dataclass(frozen=True)
class FacetGroup:
    """A filter group: its URL parameter, the payload field it counts (and how a stored value
    reads as an option), and how to lift its choices."""

    name: str
    field: str
    chosen: Callable[[SearchForm], tuple[str, ...]]
    without: Callable[[Filters], Filters]
    label: Callable[[str], str | None] | None = None
    # How a chosen value (from an address) reads as an option, when options are not stored
    # values as they are (a kind spelt "gov report" is the option "government report").
    option: Callable[[str], str] | None = None


GROUPS = (
    FacetGroup(
        "determinant",
        "determinants",
        lambda form: form.determinants,
        lambda f: replace(f, determinants=()),
    ),
    FacetGroup("lens", "lenses", lambda form: form.lenses, lambda f: replace(f, lenses=())),
    FacetGroup("place", "places", lambda form: form.places, lambda f: replace(f, places=())),
    FacetGroup(
        "organisation",
        "organisation",
        lambda form: form.organisations,
        lambda f: replace(f, organisations=()),
    ),
    # Spellings of one kind ("gov report", "government report") are one option.
    FacetGroup(
        "kind",
        "kind",
        lambda form: form.kinds,
        lambda f: replace(f, kinds=()),
        canonical_kind,
        canonical_kind,
    ),
    # Year bands reach the store as spans of years (see web.searching).
    FacetGroup(
        "years", "year", lambda form: form.year_bands, lambda f: replace(f, year_spans=()), _band
    ),
)


def matches_per_group(filters: Filters, matches_under: MatchesUnder) -> dict[str, Matches]:
    """For each group, the passages matching under the other groups' choices only."""
    return {group.name: matches_under(group.without(filters)) for group in GROUPS}


def facet_options(
    form: SearchForm,
    pools: Mapping[str, Matches],
    vocabulary: Vocabulary,
    visible: Collection[str],
) -> dict[str, list[FacetOption]]:
    """Options for every group, counted over its pool (see `matches_per_group`): documents
    among those visible, once per value."""
    out: dict[str, list[FacetOption]] = {}
    for group in GROUPS:
        chosen = group.chosen(form)
        if group.option is not None:
            chosen = tuple(dict.fromkeys(group.option(value) for value in chosen))
        counts = pools[group.name].count_documents(group.field, visible, group.label)
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
