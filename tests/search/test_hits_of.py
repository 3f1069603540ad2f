"""Hits made from the engine process's three lists are the named tuples the rest reads."""

from __future__ import annotations

import pytest

from search.schema import Hit, hits_of


def test_hits_made_in_c_equal_hits_made_one_by_one() -> None:
    ids, scores = ["7", "12"], [0.9, 0.4]
    payloads = [{"doc_id": "a", "matter": "front"}, {"doc_id": "b", "text": "Damp homes."}]
    made = hits_of(ids, scores, payloads)
    assert made == [Hit(*fields) for fields in zip(ids, scores, payloads, strict=True)]
    assert all(type(hit) is Hit for hit in made)
    assert [h.doc_id for h in made] == ["a", "b"] and [h.is_body for h in made] == [False, True]
    assert made[1].text == "Damp homes." and made[1].payload is payloads[1]
    assert hits_of([], [], []) == []


def test_lists_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        hits_of(["1", "2"], [0.5], [{}, {}])
