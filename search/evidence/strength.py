"""Each document's strongest passage per determinant, worked out once when it is (re)tagged."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from search.schema import BODY, NON_BODY

__all__ = [
    "find_strongest_passages",
]


def _strength(payload: Mapping[str, Any], determinant_id: str) -> float:
    scores = payload.get("determinant_scores") or {}
    value = scores.get(determinant_id, 0.0) if isinstance(scores, Mapping) else 0.0
    return float(value) if isinstance(value, int | float) else 0.0


def find_strongest_passages(
    chunks: Iterable[tuple[str, Mapping[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """Per determinant a document's chunks are tagged with: its strongest chunk (between
    equals, the earlier page), that chunk's strength and how many chunks carry the tag.

    `chunks` are (chunk id, payload) pairs of one document. The result is stored in the
    document's catalogue row, so a determinant's page never reads the chunks themselves.
    """
    best: dict[str, tuple[tuple[float, int], str]] = {}
    passages: dict[str, int] = {}
    for chunk_id, payload in chunks:
        page = int(payload.get("page", 1))
        # Front and back matter (covers, contents, references) count but are never shown.
        is_body = payload.get("matter", BODY) not in NON_BODY
        for determinant in payload.get("determinants") or []:
            key = (_strength(payload, str(determinant)), -page)
            name = str(determinant)
            passages[name] = passages.get(name, 0) + 1
            if is_body and (name not in best or key > best[name][0]):
                best[name] = (key, chunk_id)
    # A determinant found only in front or back matter still counts, with no passage to show.
    return {
        name: {
            "chunk": best[name][1] if name in best else "",
            "strength": best[name][0][0] if name in best else 0.0,
            "passages": count,
        }
        for name, count in passages.items()
    }
