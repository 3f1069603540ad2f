"""The strong-match rule (search.retrieval.strong_matches) on made-up passages: which documents are
strong, which passages' words are read, and when the count is a floor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from search.analysis import term_index, terms
from search.retrieval.matching import ChunkMatch
from search.retrieval.strong_matches import PASSAGES_PER_DOCUMENT, find_strong
from search.settings import MatchSettings
from search.store.base import Store

QUERY = "damp homes children asthma"  # four search words
SETTINGS = MatchSettings(
    min_cosine=0.6, strong_cosine_with_words=0.68, strong_cosine=0.72, strong_word_share=0.5
)


def _ids(text: str) -> frozenset[int]:
    return frozenset(term_index(t) for t in terms(text))


class WordStore:
    """Term ids per passage, from made-up texts; records which passages were read."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts
        self.read: list[str] = []

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        self.read.extend(ids)
        return {i: _ids(self.texts[i]) for i in ids if i in self.texts}


def _strong(
    passages: dict[str, list[ChunkMatch]], texts: dict[str, str], settings: MatchSettings = SETTINGS
) -> tuple[set[str], bool, WordStore]:
    store = WordStore(texts)
    found = find_strong(passages, list(passages), QUERY, settings, cast(Store, store))
    return set(found.documents), found.is_capped, store


def _match(chunk: str, doc: str, cosine: float | None) -> ChunkMatch:
    return ChunkMatch(chunk, doc, cosine, False)


def test_very_close_is_strong_without_reading_its_words() -> None:
    strong, capped, store = _strong({"a": [_match("a1", "a", 0.75)]}, {"a1": "weekly figures"})
    assert strong == {"a"} and not capped
    assert store.read == []


def test_close_is_strong_only_with_enough_of_the_search_words() -> None:
    passages = {
        "words": [_match("w1", "words", 0.70)],
        "few": [_match("f1", "few", 0.70)],
    }
    texts = {
        "w1": "Children in damp homes have more asthma.",  # all four words
        "f1": "Homes built before 1919 in the district.",  # one word of four
    }
    strong, capped, store = _strong(passages, texts)
    assert strong == {"words"} and not capped
    assert sorted(store.read) == ["f1", "w1"]


def test_under_the_lower_bar_is_weak_whatever_its_words() -> None:
    texts = {"u1": "Children in damp homes have more asthma."}
    strong, _, store = _strong({"u": [_match("u1", "u", 0.67)]}, texts)
    assert strong == set() and store.read == []


def test_a_passage_matched_by_words_alone_makes_no_document_strong() -> None:
    texts = {"n1": "Children in damp homes have more asthma."}
    strong, _, _ = _strong({"n": [_match("n1", "n", None)]}, texts)
    assert strong == set()


def test_only_a_documents_closest_passages_are_read() -> None:
    far = PASSAGES_PER_DOCUMENT  # this passage is one past the ones read
    matches = [_match(f"d{i}", "d", 0.71 - 0.001 * i) for i in range(far + 1)]
    texts = {m.id: "Nothing of the question here." for m in matches}
    texts[f"d{far}"] = "Children in damp homes have more asthma."
    strong, _, store = _strong({"d": matches}, texts)
    assert strong == set()
    assert f"d{far}" not in store.read and len(store.read) == PASSAGES_PER_DOCUMENT


def test_past_the_cap_the_closest_are_read_and_the_count_is_a_floor() -> None:
    passages = {
        "near": [_match("n1", "near", 0.71)],
        "far": [_match("f1", "far", 0.69)],
    }
    texts = {m: "Children in damp homes have more asthma." for m in ("n1", "f1")}
    capped_settings = SETTINGS.model_copy(update={"strong_word_checks": 1})
    strong, capped, store = _strong(passages, texts, capped_settings)
    assert strong == {"near"} and capped
    assert store.read == ["n1"]
    strong, capped, _ = _strong(passages, texts)
    assert strong == {"near", "far"} and not capped


def test_a_query_without_search_words_needs_the_higher_bar() -> None:
    store = WordStore({"a1": "the and of"})
    found = find_strong(
        {"a": [_match("a1", "a", 0.70)]}, ["a"], "the and of", SETTINGS, cast(Store, store)
    )
    assert found.documents == frozenset() and store.read == []


def test_one_passage_is_strong_when_very_close_or_close_with_enough_words() -> None:
    from search.retrieval.strong_matches import is_strong_passage

    assert is_strong_passage(0.72, 0.0, SETTINGS)  # very close: words not needed
    assert is_strong_passage(0.70, 0.5, SETTINGS)  # close, half the words
    assert not is_strong_passage(0.70, 0.25, SETTINGS)  # close, too few words
    assert not is_strong_passage(0.67, 1.0, SETTINGS)  # every word, not close enough
