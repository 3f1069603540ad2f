"""A document's places are read from its texts once, though ingest asks for them twice."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from search.evidence.places import Gazetteer
from search.evidence.tagging import DocumentTagger
from tests.doubles import HashingEncoder

CRAWLEY = ["Crawley and Horsham in West Sussex.", "Crawley again, and Kent once."]
MELTON = ["Melton Mowbray in Melton.", "Melton's villages."]


@pytest.fixture
def tagging(monkeypatch: pytest.MonkeyPatch) -> tuple[DocumentTagger, Counter[str]]:
    tagger = DocumentTagger(HashingEncoder())
    reads: Counter[str] = Counter()
    read = Gazetteer.mentions

    def counted(gazetteer: Gazetteer, text: str) -> Counter[str]:
        reads[text] += 1
        return read(gazetteer, text)

    monkeypatch.setattr(Gazetteer, "mentions", counted)
    return tagger, reads


def _vectors(texts: list[str]) -> np.ndarray:
    return np.asarray(HashingEncoder().encode_documents(texts), dtype=np.float32)


def test_places_and_their_counts_read_each_text_once_and_match_a_fresh_reading(
    tagging: tuple[DocumentTagger, Counter[str]],
) -> None:
    tagger, reads = tagging
    fields = tagger.chunk_fields("Crawley profile", CRAWLEY, _vectors(CRAWLEY))
    counts = tagger.place_counts("Crawley profile", CRAWLEY)
    assert set(reads.values()) == {1} and len(reads) == 3  # the title and both texts, once each
    fresh = DocumentTagger(HashingEncoder())
    assert counts == fresh.place_counts("Crawley profile", CRAWLEY)
    assert counts["crawley"] == 3 and counts["kent"] == 1
    assert fields[0]["places"] == fresh.gazetteer.document_places(["Crawley profile", *CRAWLEY])


def test_the_next_document_gets_its_own_places(
    tagging: tuple[DocumentTagger, Counter[str]],
) -> None:
    tagger, _ = tagging
    tagger.chunk_fields("Crawley profile", CRAWLEY, _vectors(CRAWLEY))
    melton = tagger.place_counts("Melton profile", MELTON)
    assert "crawley" not in melton and melton["melton"] >= 3
    assert tagger.place_counts("Crawley profile", CRAWLEY)["crawley"] == 3
