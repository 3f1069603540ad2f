"""The strongest passage per determinant, worked out at ingest from a document's chunks."""

from __future__ import annotations

from search.evidence.strength import find_strongest_passages, is_quotable


def _chunk(page: int, scores: dict[str, float], matter: str = "body") -> dict[str, object]:
    return {"page": page, "determinants": list(scores), "determinant_scores": scores,
            "matter": matter}  # fmt: skip


def test_strongest_body_passage_wins_and_every_tagged_chunk_counts() -> None:
    found = find_strongest_passages(
        [
            ("contents", _chunk(1, {"housing": 0.99}, matter="front")),
            ("a", _chunk(2, {"housing": 0.7, "income": 0.9})),
            ("b", _chunk(3, {"housing": 0.8})),
            ("c", _chunk(4, {"housing": 0.8})),  # as strong as b but later: b stays
            ("refs", _chunk(9, {"food": 0.9}, matter="back")),
        ]
    )
    assert found["housing"] == {"chunk": "b", "strength": 0.8, "passages": 4}
    assert found["income"] == {"chunk": "a", "strength": 0.9, "passages": 1}
    # Only in the references: counted, with nothing to show.
    assert found["food"] == {"chunk": "", "strength": 0.0, "passages": 1}


DEFINITIONS = (
    "Table 2 Description of rented category\nTenure category Definition\n"
    "Private rented Household rents their home from a private landlord or letting agent.\n"
    "Social rented Household rents their home through the council or a housing association."
)
FINDING = (
    "Of those who rented their home in 2021, 12.7% rented from the council or a housing\n"
    "association and 17.6% rented privately, a rise of three points since the last census."
)
TABLE = "Adur 12.5% 12.5%\nArun 14.1% 13.9%\nCrawley 19.5% 19.5%\nWorthing 20.3% 19.9%"


def _passage(page: int, strength: float, text: str) -> dict[str, object]:
    return {**_chunk(page, {"housing": strength}), "text": text}


def test_a_finding_nearly_as_strong_is_shown_before_definitions_or_a_table() -> None:
    found = find_strongest_passages(
        [
            ("terms", _passage(3, 0.999, DEFINITIONS)),
            ("table", _passage(4, 0.998, TABLE)),
            ("finding", _passage(5, 0.97, FINDING)),
        ]
    )
    # The document's strength on housing stays its strongest passage's.
    assert found["housing"] == {"chunk": "finding", "strength": 0.999, "passages": 3}


def test_a_much_weaker_finding_does_not_displace_the_strongest_and_a_table_beats_nothing() -> None:
    found = find_strongest_passages(
        [("table", _passage(4, 0.99, TABLE)), ("finding", _passage(5, 0.6, FINDING))]
    )
    assert found["housing"]["chunk"] == "table"
    only = find_strongest_passages([("terms", _passage(3, 0.9, DEFINITIONS))])
    assert only["housing"]["chunk"] == "terms"


def test_what_reads_as_evidence() -> None:
    assert is_quotable(FINDING)
    assert not is_quotable(DEFINITIONS)  # a definitions table
    assert not is_quotable(TABLE)
    assert not is_quotable("Tenure is whether a household rents or owns the home it lives in.")
    assert not is_quotable("Defining homelessness\n" + FINDING)
    assert not is_quotable("Contents\nHousing 3\nIncome 5\nWork 9")
    assert not is_quotable("")
    # A budget table's row read across is long and has words, but its figures come in a row.
    budget = (
        "for the coroners service in the county -13.0 -11.0 -8.0 other public protection, "
        "environment, regeneration and planning core income 96,286.5 202.0 103,136.4"
    )
    assert not is_quotable(budget)
    assert is_quotable("Rates rose from 12.1% in 2019 to 14.0% in 2023, against 11.2% nationally.")
