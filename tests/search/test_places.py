"""Place names are found as whole, capitalised words and tag the places that contain them."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
import yaml

from search.evidence.places import (
    DEFAULT_GAZETTEER,
    REQUIRED_LOCAL,
    PlaceError,
    default_gazetteer,
    parse_gazetteer,
    tag_places,
)


@pytest.fixture(scope="module")
def raw_gazetteer() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_GAZETTEER.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_gazetteer_covers_the_local_area_and_the_english_counties() -> None:
    g = default_gazetteer()
    assert all(g.places[p].is_local for p in REQUIRED_LOCAL)
    counties = [p for p in g.places.values() if p.kind == "county"]
    assert len(counties) == 48
    regions = [p for p in g.places.values() if p.kind == "region"]
    assert len(regions) == 12  # England's nine, and Scotland, Wales and Northern Ireland
    assert {g.places[c].parent for c in ("glasgow", "cardiff", "belfast")} == {
        "scotland",
        "wales",
        "northern_ireland",
    }
    assert not g.places["kent"].is_local


def test_a_town_tags_its_district_and_the_county() -> None:
    assert tag_places("A pilot in Loughborough") == ["charnwood", "leicestershire", "east_midlands"]
    assert tag_places("Market Harborough and Lutterworth")[:2] == ["harborough", "leicestershire"]
    assert "north_west_leicestershire" in tag_places("homes in Coalville")


def test_everyday_words_are_not_places() -> None:
    assert tag_places("Reading the report was hard.") == []
    assert tag_places("the Summer Reading Challenge in libraries") == []
    assert tag_places("a hot bath and a warm home") == []
    assert tag_places("reading and writing") == []
    assert tag_places("Fear NT, Hull L, Wessely S.") == []


def test_ambiguous_names_count_next_to_a_place_word() -> None:
    assert tag_places("people living in Reading")[0] == "reading"
    assert tag_places("Bath and North East Somerset Council")[0] == "bath"


def test_ampersand_hyphens_capitals_and_line_breaks_are_read_as_the_same_name() -> None:
    assert tag_places("Hinckley & Bosworth")[0] == "hinckley_and_bosworth"
    assert tag_places("Hinckley and Bosworth")[0] == "hinckley_and_bosworth"
    assert tag_places("Oadby &Wigston")[0] == "oadby_and_wigston"
    assert tag_places("Ashby-de-la-Zouch")[0] == "north_west_leicestershire"
    assert tag_places("Market\nHarborough")[0] == "harborough"
    assert tag_places("LEICESTERSHIRE COUNTY COUNCIL")[0] == "leicestershire"


def test_longest_name_wins_and_contained_names_are_not_double_counted() -> None:
    g = default_gazetteer()
    assert g.mentions("North West Leicestershire") == {"north_west_leicestershire": 1}
    assert g.mentions("Leicestershire's districts") == {"leicestershire": 1}
    assert g.mentions("in New York") == {}


def test_leicester_and_rutland_are_local_but_not_inside_leicestershire() -> None:
    assert tag_places("Leicester and Rutland") == ["leicester", "east_midlands", "rutland"]
    assert default_gazetteer().is_local(tag_places("Leicester"))
    assert not default_gazetteer().is_local(tag_places("Crawley and Horsham"))


def test_document_places_need_more_than_one_passing_mention() -> None:
    g = default_gazetteer()
    texts = ["Work in Crawley.", "More on Crawley.", "A study from Leicester."]
    assert g.document_places(texts) == ["crawley", "west_sussex", "south_east"]
    assert "leicester" in g.document_places(texts, min_mentions=1)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["places"][1].update(parent="nowhere"),
            "parent 'nowhere' is not in the gazetteer",
        ),
        (lambda d: d["places"][1].update(kind="village"), "kind must be one of"),
        (lambda d: d["places"].append(copy.deepcopy(d["places"][1])), "the id is used twice"),
        (lambda d: d["places"][2].update(aliases=["Loughborough"]), "'Loughborough' is used by"),
        (lambda d: d["places"][0].update(parent="leicestershire"), "go round in a circle"),
        (lambda d: d["places"][0].update(is_local=False), "not marked is_local: east_midlands"),
    ],
)
def test_gazetteer_errors_name_the_place(
    raw_gazetteer: dict[str, Any], change: Any, message: str
) -> None:
    data = copy.deepcopy(raw_gazetteer)
    change(data)
    with pytest.raises(PlaceError, match=re.escape(message)):
        parse_gazetteer(data)


def test_a_short_texts_places_are_read_once_and_the_same_as_its_mentions() -> None:
    g = default_gazetteer()
    for name in ("Kent County Council", "Crawley Borough Council", "University of Toronto", ""):
        assert g.named_places(name) == frozenset(g.mentions(name))
        assert g.named_places(name) is g.named_places(name)  # remembered


def _with_boston_and_perth(raw: dict[str, Any]) -> Any:
    """The project's gazetteer with two more places that share their names with places abroad
    (Boston in Lincolnshire, Perth in Scotland), as someone might add them."""
    data = copy.deepcopy(raw)
    data["places"] += [
        {"id": "boston", "label": "Boston", "kind": "district", "parent": "lincolnshire"},
        {"id": "perth", "label": "Perth", "kind": "city", "parent": "scotland"},
    ]
    return parse_gazetteer(data)


@pytest.mark.parametrize(
    "text",
    [
        "A cohort study of older adults in London, Ontario.",
        "Western University, London, ON, Canada",
        "Data came from London (Ontario) health units.",
        "LONDON, ONTARIO: A CASE STUDY",
        "Researchers at Harvard in Cambridge, Massachusetts ran the trial.",
        "Cambridge, MA: MIT Press",
        "The survey was run in London, Canada.",
        "Town records of Leicester, Massachusetts, 1850.",
        "Bristol, U.S. and Bristol, USA are two towns.",
    ],
)
def test_a_uk_name_followed_by_a_place_abroad_is_not_that_place(text: str) -> None:
    assert default_gazetteer().mentions(text) == {}, text


def test_a_place_abroad_is_told_by_what_follows_the_comma(raw_gazetteer: dict[str, Any]) -> None:
    g = _with_boston_and_perth(raw_gazetteer)
    assert g.mentions("Obesity in Boston, MA, and Boston, U.S.A.") == {}
    assert g.mentions("Boston, MA 02115") == {}  # a postcode ends the address
    assert g.mentions("Heatwaves in Perth, Australia and Perth, Western Australia") == {}
    assert g.mentions("Boston, Massachusetts, USA, and Perth, Tasmania") == {}
    # The same names followed by a place in the UK, or by nothing, are the UK's.
    assert g.mentions("Food banks in Boston, Lincolnshire") == {"boston": 1, "lincolnshire": 1}
    assert g.mentions("Boston, UK and Perth, Scotland") == {"boston": 1, "perth": 1, "scotland": 1}
    assert g.mentions("Perth and Kinross; Boston.") == {"perth": 1, "boston": 1}


def test_uk_places_followed_by_the_uk_or_a_county_still_count() -> None:
    g = default_gazetteer()
    assert g.mentions("Homelessness in London, UK") == {"london": 1}
    assert g.mentions("London, England: a report") == {"london": 1}
    assert g.mentions("Cambridge, Cambridgeshire") == {"cambridge": 1, "cambridgeshire": 1}
    assert g.mentions("London, Leicester and Kent") == {"london": 1, "leicester": 1, "kent": 1}
    # A word that only starts like a place abroad is no place abroad.
    assert g.mentions("London, Texasville estate") == {"london": 1}
    assert g.mentions("In London, us residents said") == {"london": 1}
    # A two-letter code that does not end the address is a word or a degree in capitals.
    assert g.mentions("SERVICES IN LEICESTER, ON BEHALF OF THE COUNCIL") == {"leicester": 1}
    assert g.mentions("Visitors from Melton, Leicester, US and Canada") == {
        "melton": 1,
        "leicester": 1,
    }
    assert g.mentions("Loughborough, MA students") == {"charnwood": 1}  # its district


def test_a_document_about_london_ontario_is_not_tagged_london() -> None:
    g = default_gazetteer()
    texts = [
        "Food insecurity among families in London, Ontario.",
        "We surveyed 400 households in London, Ontario, Canada in 2019.",
        "Lessons for London, ON, from other Canadian cities.",
    ]
    assert g.document_places(texts) == []
    assert g.document_places(["Knife crime in London.", "London, UK"]) == ["london"]


def test_places_abroad_must_be_a_list_of_names_none_a_uk_place(
    raw_gazetteer: dict[str, Any],
) -> None:
    for abroad, message in (
        ("Ontario", "'abroad' must be a list of names"),
        (["Ontario", ""], "'abroad' must be a list of names"),
        (["Ontario", "Kent"], "'Kent' is both a place abroad and 'kent'"),
    ):
        data = copy.deepcopy(raw_gazetteer)
        data["abroad"] = abroad
        with pytest.raises(PlaceError, match=re.escape(message)):
            parse_gazetteer(data)
    # A gazetteer without the list still loads: every name then counts as before.
    data = copy.deepcopy(raw_gazetteer)
    del data["abroad"]
    assert parse_gazetteer(data).mentions("London, Ontario") == {"london": 1}
