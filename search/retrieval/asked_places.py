"""A question that names a place asks about that place: only a document about it answers it.

"fuel poverty in rural Kent" found a West Sussex profile of fuel poverty close in meaning and
holding most of the question's words, so the match rule called it strong. It answers the topic,
not the question. So when a question names places in the gazetteer, a document stays strong
only if it is about one of them: it names the place, a place inside it (a Kent district, for
Kent) or the county or city that holds it (West Sussex, for Crawley: a county's report covers
its districts), in its title, its organisation ("Kent County Council") or often enough in its
text (the mentions counted when it was indexed): together at least a tenth as often as the
place it names most. West Sussex's pharmacy needs assessment names Kent once against West
Sussex's 333 times; it is not about Kent. A region that holds the place does not count: a
figure for the South East is not Kent's. A question that names no place is not touched, nor is
the ranking: a document about elsewhere is still listed, as a weak match.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from search.catalogue import Catalogue, PlaceFacts
from search.evidence.places import Gazetteer

__all__ = ["AskedPlaces", "KnownPlaces", "asked_places", "documents_about"]

# Documents whose places are remembered at once (a 300k-chunk library holds a few thousand).
_REMEMBERED = 50_000
# Kinds of place whose documents cover the places inside them, for a question about one of
# those (a region's figures are not a county's).
_COVERING_KINDS = frozenset({"county", "city"})
# How often a document's text must name the places asked about, together, against the place it
# names most, to be about them. Chosen on the query sets' tuning halves (0.05 to 0.2 alike).
MAIN_PLACE_SHARE = 0.1


@dataclass(frozen=True)
class AskedPlaces:
    """The places a question names (ids, in the order named, and their labels), and every
    place a document may name to be about one of them."""

    named: tuple[str, ...]
    labels: tuple[str, ...]
    accepted: frozenset[str]


def asked_places(query: str, gazetteer: Gazetteer) -> AskedPlaces | None:
    """The places `query` names, or None when it names none."""
    named = tuple(gazetteer.mentions(query))
    if not named:
        return None
    accepted: set[str] = set()
    for place_id in named:
        accepted.add(place_id)
        accepted.update(gazetteer.within(place_id))
        accepted.update(
            a for a in gazetteer.ancestors(place_id) if gazetteer.places[a].kind in _COVERING_KINDS
        )
    labels = tuple(gazetteer.places[p].label for p in named)
    return AskedPlaces(named, labels, frozenset(accepted))


def documents_about(
    asked: AskedPlaces,
    doc_ids: Collection[str],
    facts: Mapping[str, PlaceFacts],
    gazetteer: Gazetteer,
) -> set[str]:
    """Those of `doc_ids` about a place the question asks about (a document without facts,
    gone since it matched, is about nowhere)."""
    about = set()
    for doc_id in doc_ids:
        fact = facts.get(doc_id)
        if fact is not None and _is_about(fact, asked.accepted, gazetteer):
            about.add(doc_id)
    return about


def _is_about(fact: PlaceFacts, accepted: frozenset[str], gazetteer: Gazetteer) -> bool:
    """Whether one document is about one of the `accepted` places: by its organisation, or by
    its text naming them, together, at least `MAIN_PLACE_SHARE` as often as the place it names
    most, or at all and in its title."""
    if not accepted.isdisjoint(gazetteer.named_places(fact.organisation)):
        return True
    if not fact.counts:
        # A library indexed before mentions were counted kept only the frequent places, and an
        # older one none, so its title is read here (not remembered: each title is one
        # document's, and would crowd out the organisations).
        named = fact.named or frozenset(gazetteer.mentions(fact.title))
        return not named.isdisjoint(accepted)
    asked = sum(n for place, n in fact.counts.items() if place in accepted)
    if asked == 0:
        return False
    # The counts read the title too: a title naming the place makes the document about it,
    # however seldom its text does.
    return asked >= MAIN_PLACE_SHARE * max(fact.counts.values()) or not accepted.isdisjoint(
        gazetteer.mentions(fact.title)
    )


class KnownPlaces:
    """Each document's places (`Catalogue.place_facts`), read once and kept until the library
    changes: a question naming a place reads them for every document it would mark strong, a
    few hundred at 300k chunks (about 4 ms a search). Kept by document id for every reader: a
    reader only asks about documents its own search found, which it may see."""

    def __init__(self) -> None:
        self._facts: dict[str, PlaceFacts] = {}
        self._version: int | None = None
        self._lock = threading.Lock()

    def of(self, catalogue: Catalogue, doc_ids: Sequence[str]) -> dict[str, PlaceFacts]:
        version = catalogue.changes()
        with self._lock:
            if version != self._version or len(self._facts) > _REMEMBERED:
                self._facts, self._version = {}, version
            facts = self._facts
        found = {d: facts[d] for d in doc_ids if d in facts}
        missing = [d for d in doc_ids if d not in found]
        if missing:
            read = catalogue.place_facts(missing)
            found.update(read)
            with self._lock:
                if self._facts is facts:  # not cleared meanwhile
                    facts.update(read)
        return found
