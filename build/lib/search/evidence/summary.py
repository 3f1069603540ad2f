"""Picks the chunks and sentences that best represent a document, for its page and related work."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from search.analysis import terms
from search.schema import IndexedChunk

_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9“\"‘(])")


@dataclass(frozen=True)
class SummarySentence:
    text: str
    page: int


def central_chunks(chunks: Sequence[IndexedChunk], count: int) -> list[IndexedChunk]:
    """The chunks nearest the centroid of all the document's chunk vectors."""
    if not chunks:
        return []
    vectors = np.asarray([c.dense for c in chunks], dtype=np.float32)
    centroid = vectors.mean(axis=0)
    order = np.argsort(-(vectors @ centroid), kind="stable")
    return [chunks[int(i)] for i in order[:count]]


_CAPTION = re.compile(r"^(figure|fig\.|table|chart|source|note|map)\b", re.IGNORECASE)


def _is_prose(sentence: str) -> bool:
    if _CAPTION.match(sentence.strip()):
        return False
    if not sentence.rstrip().endswith((".", "!", "?")):
        return False  # cut off at a chunk's edge
    words = sentence.split()
    letters = sum(c.isalpha() for c in sentence)
    return 8 <= len(words) <= 45 and letters > 0.7 * len(sentence.replace(" ", ""))


def summarise(chunks: Sequence[IndexedChunk], sentences: int = 4) -> list[SummarySentence]:
    """Up to `sentences` of the document's own sentences, from its most central chunks.

    Each sentence is scored by how typical its words are of the whole document;
    one sentence per chunk and per page keeps the summary from repeating itself.
    """
    weight = Counter(t for c in chunks for t in set(terms(str(c.payload.get("text", "")))))
    picked: list[tuple[int, int, SummarySentence]] = []
    pages_used: set[int] = set()
    for chunk in central_chunks(chunks, sentences * 3):
        page = int(chunk.payload.get("page", 1))
        if page in pages_used:
            continue
        best: tuple[float, str] | None = None
        for sentence in _SENTENCE.split(str(chunk.payload.get("text", ""))):
            if not _is_prose(sentence):
                continue
            stems = terms(sentence)
            score = sum(np.log1p(weight[t]) for t in set(stems)) / (len(stems) + 5)
            if best is None or score > best[0]:
                best = (score, sentence.strip())
        if best is not None:
            index = int(chunk.payload.get("chunk_index", 0))
            picked.append((index, page, SummarySentence(best[1], page)))
            pages_used.add(page)
        if len(picked) == sentences:
            break
    return [s for _, _, s in sorted(picked, key=lambda p: p[0])]
