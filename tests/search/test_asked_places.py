"""Which places a question asks about, and which documents are about them (the real gazetteer)."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.catalogue import Catalogue, DocumentRecord, FileOutcome, PlaceFacts
from search.evidence.places import default_gazetteer
from search.retrieval.asked_places import KnownPlaces, asked_places, documents_about
from search.schema import DocumentMeta

GAZETTEER = default_gazetteer()


def _about(query: str, facts: dict[str, PlaceFacts]) -> set[str]:
    asked = asked_places(query, GAZETTEER)
    assert asked is not None
    return documents_about(asked, list(facts), facts, GAZETTEER)


def test_a_question_without_a_place_asks_about_none() -> None:
    assert asked_places("fuel poverty and the cost of living", GAZETTEER) is None
    # An ambiguous one-word name counts only where it reads as a place.
    assert asked_places("reading age of children starting school", GAZETTEER) is None


def test_a_document_naming_the_place_a_place_in_it_or_its_county_is_about_it() -> None:
    facts = {
        "kent": PlaceFacts(frozenset({"kent", "south_east"})),
        "thanet": PlaceFacts(frozenset({"thanet"})),  # a district of Kent
        "west_sussex": PlaceFacts(frozenset({"west_sussex", "south_east"})),
        "region": PlaceFacts(frozenset({"south_east"})),  # a region holds Kent: not Kent's
        "nowhere": PlaceFacts(frozenset()),
    }
    assert _about("fuel poverty in rural Kent", facts) == {"kent", "thanet"}
    # A county's report covers its districts: West Sussex answers for Crawley.
    assert _about("rough sleeping in Crawley", facts) == {"west_sussex"}
    # A region is about every place in it.
    assert _about("air quality across the South East", facts) == {
        "kent",
        "thanet",
        "west_sussex",
        "region",
    }
    # Any of several places named will do.
    assert _about("compare Kent with West Sussex on child poverty", facts) == {
        "kent",
        "thanet",
        "west_sussex",
    }


def test_a_document_about_a_place_by_its_title_or_organisation_only_is_about_it() -> None:
    facts = {
        "amendment": PlaceFacts(
            frozenset(), "Budget amendment: community wardens", "Kent County Council"
        ),
        # No places recorded (a library indexed before they were counted): its title is read.
        "titled": PlaceFacts(frozenset(), "Fuel poverty in Kent: a profile"),
        # Places recorded (counted from its title and text): the title is not read again.
        "counted": PlaceFacts(frozenset({"arun"}), "Fuel poverty in Kent and Arun"),
        "elsewhere": PlaceFacts(
            frozenset({"arun"}), "Fuel poverty profile", "Arun District Council"
        ),
    }
    assert _about("how many households in Kent are in fuel poverty", facts) == {
        "amendment",
        "titled",
    }


def _counted(counts: dict[str, int], title: str = "Report") -> PlaceFacts:
    return PlaceFacts(frozenset(counts), title, "", counts)


def test_a_document_that_names_the_place_in_passing_is_not_about_it() -> None:
    """Counted mentions: the places asked about (with the places inside them) together at least
    a tenth as often as the place the document names most."""
    facts = {
        # West Sussex's pharmacy needs assessment names Kent once.
        "passing": _counted({"west_sussex": 333, "crawley": 134, "kent": 1}),
        "compared": _counted({"west_sussex": 300, "kent": 30}),
        # Kent's districts count for Kent: 12 + 19 against 300.
        "districts": _counted({"west_sussex": 300, "thanet": 12, "dover": 19}),
        "just_under": _counted({"west_sussex": 300, "kent": 29}),
        # Its title names Kent, however seldom its text does.
        "titled": _counted({"west_sussex": 300, "kent": 1}, "Kent and West Sussex compared"),
        "kent": _counted({"kent": 5}),
    }
    assert _about("households in temporary accommodation in Kent", facts) == {
        "compared",
        "districts",
        "titled",
        "kent",
    }
    # A county answers for its districts however often it names each of them.
    assert _about("rough sleeping in Crawley", facts) == {
        "passing",
        "compared",
        "districts",
        "just_under",
        "titled",
    }


def test_a_document_gone_since_it_matched_is_about_nowhere() -> None:
    asked = asked_places("damp homes in Kent", GAZETTEER)
    assert asked is not None
    assert documents_about(asked, ["gone"], {}, GAZETTEER) == set()
    assert asked.labels == ("Kent",)


def test_a_question_about_another_nation_of_the_uk_asks_about_it_and_its_cities() -> None:
    facts = {
        "glasgow": PlaceFacts(frozenset({"glasgow"})),
        "west_sussex": PlaceFacts(frozenset({"west_sussex", "crawley"})),
    }
    assert _about("Lyme disease cases in Scotland in 2017", facts) == {"glasgow"}
    assert _about("drug poisoning deaths registered in Cardiff", facts) == set()


def test_known_places_are_read_once_and_again_after_the_library_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    try:
        record = DocumentRecord(
            "d", DocumentMeta(title="Report"), "d.pdf", "/x/d.pdf", 1, 1, 0.0,
            {"place_counts": {"kent": 3}},
        )  # fmt: skip
        catalogue.add_document(record, ["one"], FileOutcome(record.path, "f", "ok"))
        reads: list[list[str]] = []
        place_facts = catalogue.place_facts
        monkeypatch.setattr(
            catalogue, "place_facts", lambda ids: reads.append(list(ids)) or place_facts(ids)
        )
        known = KnownPlaces()
        assert known.of(catalogue, ["d", "gone"])["d"].named == {"kent"}
        assert known.of(catalogue, ["d"])["d"].named == {"kent"}
        assert reads == [["d", "gone"]]  # the second time from memory
        # An admin corrects the organisation: the library changed, so it is read again.
        catalogue.update_meta("d", DocumentMeta(title="Report", organisation="Arun Council"))
        assert known.of(catalogue, ["d"])["d"].organisation == "Arun Council"
        assert reads == [["d", "gone"], ["d"]]
    finally:
        catalogue.close()
