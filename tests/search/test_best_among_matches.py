"""The best matching passage for determinants the ranking's hits missed: the closest body
passage of a visible document, read by id, the next ones only when the first is a cover.
(Plumbing over fakes; tests/web/test_exact_counts.py covers it with the real engine.)"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, cast

from search.catalogue import Catalogue, DocumentRecord
from search.evidence.determinants import load_taxonomy
from search.evidence.ranking import best_among_matches
from search.retrieval.matching import Matches
from search.schema import DocumentMeta, Hit
from search.store.base import Store

PAYLOADS: dict[str, dict[str, Any]] = {
    "h1": {"doc_id": "a", "text": "Housing body text.", "determinants": ["housing"]},
    "t1": {"doc_id": "b", "text": "Cover page.", "matter": "front", "determinants": ["transport"]},
    "t2": {"doc_id": "b", "text": "Buses link villages.", "determinants": ["transport"]},
    "t3": {"doc_id": "a", "text": "Trains too.", "determinants": ["transport"]},
    "f1": {"doc_id": "c", "text": "References.", "matter": "back", "determinants": ["food"]},
}


class FakeMatches:
    def __init__(self, firsts: dict[str, list[str]]) -> None:
        self.firsts = firsts

    def first_with(
        self, name: str, values: Collection[str], visible: Collection[str], limit: int
    ) -> dict[str, list[str]]:
        assert name == "determinants"
        return {v: self.firsts[v][:limit] for v in values if v in self.firsts}


class FakeStore:
    def __init__(self) -> None:
        self.asked: list[list[str]] = []

    def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        self.asked.append(list(ids))
        return [Hit(id=i, score=0.0, payload=PAYLOADS[i]) for i in ids]


class FakeCatalogue:
    def documents(self, doc_ids: Sequence[str]) -> list[DocumentRecord]:
        return [
            DocumentRecord(d, DocumentMeta(title=d), f"{d}.pdf", "", 1, 1, 0.0) for d in doc_ids
        ]


def _run(firsts: dict[str, list[str]], wanted: list[str]) -> tuple[dict[str, str], FakeStore]:
    store = FakeStore()
    found = best_among_matches(
        cast(Matches, FakeMatches(firsts)),
        wanted,
        cast(Store, store),
        cast(Catalogue, FakeCatalogue()),
        load_taxonomy(),
        {"a", "b", "c"},
    )
    assert all(item.documents == 0 for item in found)  # the caller fills in the counts
    return {item.determinant.id: item.hit.id for item in found}, store


def test_each_determinant_gets_its_closest_body_passage_in_the_order_asked() -> None:
    chosen, store = _run(
        {"housing": ["h1"], "transport": ["t1", "t2", "t3"]}, ["transport", "housing"]
    )
    assert list(chosen.items()) == [("transport", "t2"), ("housing", "h1")]
    # The first passage of each is read first; the next ones only for the cover's determinant.
    assert store.asked == [["t1", "h1"], ["t2", "t3"]]


def test_a_determinant_with_only_covers_or_references_is_left_out() -> None:
    chosen, _ = _run({"food": ["f1"], "housing": ["h1"]}, ["food", "housing"])
    assert chosen == {"housing": "h1"}


def test_unknown_determinants_and_those_without_matches_are_left_out() -> None:
    chosen, store = _run({"housing": ["h1"]}, ["made_up", "income", "housing"])
    assert chosen == {"housing": "h1"}
    assert store.asked == [["h1"]]
