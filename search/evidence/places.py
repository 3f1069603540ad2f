"""The gazetteer of places (loaded from YAML and checked) and finding place names in text.

A mention of a place also tags every place that contains it: 'Loughborough' is an
alias of Charnwood, so it tags charnwood, leicestershire and east_midlands. That
way a filter on Leicestershire (or the East Midlands) finds district-level work.
Leicester and Rutland are separate councils, so they sit under the East Midlands,
not under Leicestershire.

A name followed by a place abroad ("London, Ontario", "Perth, Australia", "Boston, MA") is
that other place, not the UK's: the gazetteer's `abroad` list names the countries, states and
provinces that mark it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from search.evidence.datafile import load_yaml_file

__all__ = [
    "DEFAULT_GAZETTEER",
    "KINDS",
    "REQUIRED_LOCAL",
    "Gazetteer",
    "Place",
    "PlaceError",
    "default_gazetteer",
    "load_gazetteer",
    "normalise_names",
    "parse_gazetteer",
    "tag_places",
]

DEFAULT_GAZETTEER = Path(__file__).resolve().parent / "data" / "places.yaml"

KINDS = ("region", "county", "city", "district")
REQUIRED_LOCAL = (
    "east_midlands",
    "leicestershire",
    "blaby",
    "charnwood",
    "harborough",
    "hinckley_and_bosworth",
    "melton",
    "north_west_leicestershire",
    "oadby_and_wigston",
    "leicester",
    "rutland",
)

_ID = re.compile(r"^[a-z][a-z0-9_]*$")
_HYPHEN = re.compile(r"(?<=[A-Za-z])[-‐‑–](?=[A-Za-z])")
_AMPERSAND = re.compile(r"\s*&\s*")
_SPACE = re.compile(r"\s+")
# An ambiguous one-word name (Reading, Bath) counts only beside words that mark a place.
_CUES_BEFORE = frozenset({"in", "of", "at", "from", "to", "near", "around", "across", "and"})
_CUES_AFTER = frozenset({"Borough", "City", "Council", "District", "area", "town", "residents"})


# Organisations' names whose places are remembered at once (`named_places`).
_SHORT_REMEMBERED = 4096


class PlaceError(ValueError):
    """The gazetteer file has a mistake; the message names the entry."""


@dataclass(frozen=True)
class Place:
    id: str
    label: str
    kind: str
    is_local: bool = False
    parent: str | None = None
    aliases: tuple[str, ...] = ()
    is_ambiguous: bool = False
    # Words that, just before a name, mean another place ('New' York).
    not_after: tuple[str, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *self.aliases)


def normalise_names(text: str) -> str:
    """One spelling for matching: '&' reads 'and', hyphens between words are spaces, one space."""
    text = _AMPERSAND.sub(" and ", text)
    text = _HYPHEN.sub(" ", text)
    return _SPACE.sub(" ", text)


class Gazetteer:
    """Places by id, and one regular expression that finds any of their names (longest first).
    A name followed by a comma or bracket and one of `abroad` (countries, states and provinces
    outside the UK) is not counted."""

    def __init__(self, places: Iterable[Place], abroad: Iterable[str] = ()) -> None:
        self.places: dict[str, Place] = {p.id: p for p in places}
        self.abroad = tuple(abroad)
        self._abroad = _after_a_place(self.abroad)
        self._by_name: dict[str, Place] = {}
        for place in self.places.values():
            for name in place.names:
                key = normalise_names(name)
                self._by_name[key] = place
                if not place.is_ambiguous:
                    # Headings are often in capitals: LEICESTERSHIRE COUNTY COUNCIL.
                    self._by_name.setdefault(key.upper(), place)
        names = sorted(self._by_name, key=lambda n: (-len(n), n))
        alternation = "|".join(re.escape(n) for n in names)
        # Only a word starting with some name's first character is tried against every name
        # (most words start with a small letter, and no name does): the same matches, faster.
        firsts = "".join(sorted({re.escape(n[0]) for n in names}))
        self._pattern = re.compile(rf"(?<![\w'’])(?=[{firsts}])(?:{alternation})(?![\w])")
        # The places inside each place, worked out on first use.
        self._within: dict[str, list[str]] | None = None
        # The places organisations' names name, as read last (`named_places`).
        self._short: dict[str, frozenset[str]] = {}

    def place(self, place_id: str) -> Place | None:
        return self.places.get(place_id)

    def ancestors(self, place_id: str) -> list[str]:
        out: list[str] = []
        parent = self.places[place_id].parent
        while parent is not None:
            out.append(parent)
            parent = self.places[parent].parent
        return out

    def within(self, place_id: str) -> list[str]:
        """The places inside `place_id`, at any depth (Kent's districts for Kent)."""
        if self._within is None:
            inside: dict[str, list[str]] = {}
            for place in self.places:
                for holder in self.ancestors(place):
                    inside.setdefault(holder, []).append(place)
            self._within = inside
        return list(self._within.get(place_id, ()))

    def named_places(self, name: str) -> frozenset[str]:
        """The places an organisation's name names, remembered: a library has a few hundred
        organisations, each read for many documents."""
        found = self._short.get(name)
        if found is None:
            if len(self._short) >= _SHORT_REMEMBERED:
                self._short.clear()
            found = self._short[name] = frozenset(self.mentions(name))
        return found

    def mentions(self, text: str) -> Counter[str]:
        """How often each place is named in the text (not counting the places that contain it)."""
        flat = normalise_names(text)
        found: Counter[str] = Counter()
        for match in self._pattern.finditer(flat):
            name = match.group()
            place = self._by_name[name]
            if place.is_ambiguous and " " not in name and not _has_cue(flat, match):
                continue
            if _follows(flat, match.start(), place.not_after):
                continue
            if self._abroad is not None and self._abroad.match(flat, match.end()):
                continue
            found[place.id] += 1
        return found

    def with_ancestors(self, place_ids: Iterable[str]) -> list[str]:
        """The ids with every place that contains them, each once, in first-seen order."""
        out: dict[str, None] = {}
        for place_id in place_ids:
            out[place_id] = None
            out.update(dict.fromkeys(self.ancestors(place_id)))
        return list(out)

    def tag(self, text: str) -> list[str]:
        """Places named in the text, each followed by the places that contain it."""
        return self.with_ancestors(self.mentions(text))

    def document_places(self, texts: Iterable[str], min_mentions: int = 2) -> list[str]:
        """Places a whole document is about: named at least min_mentions times across its texts.

        One passing mention (a reference, an example from elsewhere) is not enough to
        make a document 'local'.
        """
        total: Counter[str] = Counter()
        for text in texts:
            total.update(self.mentions(text))
        return self.frequent_places(total, min_mentions)

    def frequent_places(self, mentions: Counter[str], min_mentions: int = 2) -> list[str]:
        """`document_places` from the document's mentions already counted."""
        frequent = [p for p, n in mentions.most_common() if n >= min_mentions]
        return self.with_ancestors(frequent)

    def is_local(self, place_ids: Iterable[str]) -> bool:
        return any(self.places[p].is_local for p in place_ids if p in self.places)


def _has_cue(text: str, match: re.Match[str]) -> bool:
    before = text[max(0, match.start() - 40) : match.start()].split()
    after = text[match.end() : match.end() + 40].split()
    cue_before = bool(before) and before[-1] in _CUES_BEFORE
    return cue_before or (bool(after) and after[0] in _CUES_AFTER)


def _after_a_place(abroad: tuple[str, ...]) -> re.Pattern[str] | None:
    """What, just after a name, makes it a place abroad: a comma or an opening bracket, then
    one of `abroad` as written or in capitals ("London, Ontario", "LONDON (ONTARIO)"), as a
    whole word."""
    names = {normalise_names(n) for n in abroad} | {normalise_names(n).upper() for n in abroad}
    if not names:
        return None
    # A two-letter code ("ON", "US", "MA") is also a word or a degree in capitals ("LEICESTER,
    # ON BEHALF OF", "Melton, Leicester, US and Canada", "Loughborough, MA students"): it marks
    # a place abroad only where it ends the address (a mark, a postcode's figures, or the end).
    codes = {n for n in names if len(n) == 2 and n.isalpha() and n.isupper()}
    alternation = _alternation(names - codes)
    ended = rf"|(?:{_alternation(codes)})(?=\s*(?:[,.;:)\]]|\d|$))" if codes else ""
    # "U.S." ends on a full stop; "USA" must not be the start of "USAGE".
    return re.compile(rf"\s*[,(]\s*(?:(?:{alternation})(?!\w){ended})")


def _alternation(names: set[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=lambda n: (-len(n), n)))


def _follows(text: str, start: int, words: tuple[str, ...]) -> bool:
    before = text[max(0, start - 40) : start].split()
    return bool(before) and before[-1] in words


# loading --------------------------------------------------------------------


def _place(entry: Any, seen: set[str]) -> Place:
    if not isinstance(entry, dict):
        raise PlaceError(f"each place must be a mapping, got {entry!r}")
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise PlaceError(f"a place has a missing or badly formed id: {ident!r}")
    if ident in seen:
        raise PlaceError(f"place '{ident}': the id is used twice")
    seen.add(ident)
    label = entry.get("label")
    if not isinstance(label, str) or not label.strip():
        raise PlaceError(f"place '{ident}': 'label' is missing or empty")
    kind = entry.get("kind")
    if kind not in KINDS:
        raise PlaceError(f"place '{ident}': kind must be one of {', '.join(KINDS)}, not {kind!r}")
    aliases = entry.get("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        raise PlaceError(f"place '{ident}': 'aliases' must be a list of names")
    parent = entry.get("parent")
    if parent is not None and not isinstance(parent, str):
        raise PlaceError(f"place '{ident}': 'parent' must be a place id")
    not_after = entry.get("not_after", [])
    if not isinstance(not_after, list) or not all(isinstance(w, str) for w in not_after):
        raise PlaceError(f"place '{ident}': 'not_after' must be a list of words")
    return Place(
        ident,
        label.strip(),
        kind,
        bool(entry.get("is_local", False)),
        parent,
        tuple(a.strip() for a in aliases),
        bool(entry.get("ambiguous", False)),
        tuple(not_after),
    )


def _check_links(places: dict[str, Place], abroad: tuple[str, ...]) -> None:
    for place in places.values():
        if place.parent is not None and place.parent not in places:
            raise PlaceError(f"place '{place.id}': parent '{place.parent}' is not in the gazetteer")
        seen = {place.id}
        parent = place.parent
        while parent is not None:
            if parent in seen:
                raise PlaceError(f"place '{place.id}': its parents go round in a circle")
            seen.add(parent)
            parent = places[parent].parent
    owners: dict[str, str] = {}
    for place in places.values():
        for name in place.names:
            key = normalise_names(name)
            if key in owners and owners[key] != place.id:
                raise PlaceError(f"the name '{name}' is used by '{owners[key]}' and '{place.id}'")
            owners[key] = place.id
    for name in abroad:
        key = normalise_names(name)
        if key in owners:
            raise PlaceError(f"'{name}' is both a place abroad and '{owners[key]}'")
    missing = [p for p in REQUIRED_LOCAL if p not in places or not places[p].is_local]
    if missing:
        raise PlaceError(f"local place(s) missing or not marked is_local: {', '.join(missing)}")


def parse_gazetteer(data: Any) -> Gazetteer:
    if not isinstance(data, dict) or not isinstance(data.get("places"), list):
        raise PlaceError("the gazetteer must be a mapping with a 'places' list")
    seen: set[str] = set()
    places = {p.id: p for p in (_place(e, seen) for e in data["places"])}
    abroad = data.get("abroad", [])
    if not isinstance(abroad, list) or not all(isinstance(n, str) and n.strip() for n in abroad):
        raise PlaceError("'abroad' must be a list of names (countries, states, provinces)")
    names = tuple(n.strip() for n in abroad)
    _check_links(places, names)
    return Gazetteer(places.values(), names)


def load_gazetteer(path: Path = DEFAULT_GAZETTEER) -> Gazetteer:
    return load_yaml_file(path, "gazetteer", parse_gazetteer, PlaceError)


@cache
def default_gazetteer() -> Gazetteer:
    """The project's gazetteer, loaded once (it never changes while the process runs)."""
    return load_gazetteer(DEFAULT_GAZETTEER)


def tag_places(text: str, gazetteer: Gazetteer | None = None) -> list[str]:
    """Place ids named in the text, each with the places that contain it."""
    return (gazetteer or default_gazetteer()).tag(text)
