"""Named tuples made in C from their columns (hits from the engine process's three lists, a
search's matches) are the named tuples the rest of the code reads."""

from __future__ import annotations

import pytest

from search.schema import Hit, tuples_of


def test_tuples_made_in_c_equal_tuples_made_one_by_one() -> None:
    ids, scores = ["7", "12"], [0.9, 0.4]
    payloads = [{"doc_id": "a", "matter": "front"}, {"doc_id": "b", "text": "Damp homes."}]
    made = tuples_of(Hit, ids, scores, payloads)
    assert made == [Hit(*fields) for fields in zip(ids, scores, payloads, strict=True)]
    assert all(type(hit) is Hit for hit in made)
    assert [h.doc_id for h in made] == ["a", "b"] and [h.is_body for h in made] == [False, True]
    assert made[1].text == "Damp homes." and made[1].payload is payloads[1]
    assert tuples_of(Hit, [], [], []) == []


def test_columns_of_different_lengths_are_refused() -> None:
    with pytest.raises(ValueError):
        tuples_of(Hit, ["1", "2"], [0.5], [{}, {}])
