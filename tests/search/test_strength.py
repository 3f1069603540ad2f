"""The strongest passage per determinant, worked out at ingest from a document's chunks."""

from __future__ import annotations

from search.evidence.strength import find_strongest_passages


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
