"""The strong-match rule (search.retrieval.strong_matches) on made-up passages: which documents are
strong, which passages' words are read, and when the count is a floor."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from search.analysis import term_index, terms
from search.retrieval.matching import ChunkMatch
from search.retrieval.strong_matches import (
    PASSAGES_PER_DOCUMENT,
    find_strong,
    query_words,
    word_share,
)
from search.settings import MatchSettings
from search.store.base import Hit, Store, VectorQuery

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
        self.looked_up: list[int] = []

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        self.read.extend(ids)
        return {i: _ids(self.texts[i]) for i in ids if i in self.texts}

    def query(self, request: VectorQuery) -> list[Hit]:
        """A keyword lookup of one word: a passage holding it, if any does."""
        assert request.mode == "sparse" and request.sparse is not None
        (wanted,) = request.sparse.indices
        self.looked_up.append(wanted)
        return [Hit(i, 1.0, {}) for i, text in self.texts.items() if wanted in _ids(text)][:1]


def _strong(
    passages: dict[str, list[ChunkMatch]], texts: dict[str, str], settings: MatchSettings = SETTINGS
) -> tuple[set[str], bool, WordStore]:
    store = WordStore(texts)
    found = find_strong(passages, list(passages), QUERY, settings, cast(Store, store))
    return set(found.documents), found.is_capped, store


def _match(chunk: str, doc: str, cosine: float | None) -> ChunkMatch:
    return ChunkMatch(chunk, doc, cosine, False)


# Another document's passage, holding every search word: none of them is unused.
ELSEWHERE = {"z1": "Children in damp homes have more asthma."}


def test_very_close_is_strong_whatever_its_words() -> None:
    texts = {"a1": "weekly figures", **ELSEWHERE}
    strong, capped, _ = _strong({"a": [_match("a1", "a", 0.75)]}, texts)
    assert strong == {"a"} and not capped


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
    strong, _, _ = _strong({"u": [_match("u1", "u", 0.67)]}, texts)
    assert strong == set()


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
    strong, capped, _ = _strong(passages, texts, capped_settings)
    # "far" holds every word and is close: it is weak only because its words went unread.
    assert strong == {"near"} and capped
    strong, capped, _ = _strong(passages, texts)
    assert strong == {"near", "far"} and not capped


def test_a_query_without_search_words_needs_the_higher_bar() -> None:
    store = WordStore({"a1": "the and of"})
    found = find_strong(
        {"a": [_match("a1", "a", 0.70)]}, ["a"], "the and of", SETTINGS, cast(Store, store)
    )
    assert found.documents == frozenset() and found.unused_words == ()
    assert not found.is_capped  # no words to read, so none went unread
    assert store.looked_up == []


def test_one_passage_is_strong_when_very_close_or_close_with_enough_words() -> None:
    from search.retrieval.strong_matches import is_strong_passage

    assert is_strong_passage(0.72, 0.0, SETTINGS)  # very close: words not needed
    assert is_strong_passage(0.70, 0.5, SETTINGS)  # close, half the words
    assert not is_strong_passage(0.70, 0.25, SETTINGS)  # close, too few words
    assert not is_strong_passage(0.67, 1.0, SETTINGS)  # every word, not close enough


def test_a_word_no_passage_holds_needs_a_very_close_passage() -> None:
    """ "asthma" is in no passage: the library cannot answer the question in full."""
    texts = {"a1": "Damp homes make children ill.", "b1": "Damp homes and children."}
    passages = {"a": [_match("a1", "a", 0.78)], "b": [_match("b1", "b", 0.74)]}
    store = WordStore(texts)
    high = SETTINGS.model_copy(update={"strong_cosine_despite_unused": 0.8})
    found = find_strong(passages, ["a", "b"], QUERY, high, cast(Store, store))
    assert found.unused_words == ("asthma",)
    assert found.documents == frozenset()  # both under the bar
    lower = SETTINGS.model_copy(update={"strong_cosine_despite_unused": 0.76})
    found = find_strong(passages, ["a", "b"], QUERY, lower, cast(Store, store))
    assert found.documents == frozenset({"a"})
    # Every word held: the usual rule, and no document loses its strength.
    texts["b1"] = "Damp homes give children asthma."
    found = find_strong(passages, ["a", "b"], QUERY, SETTINGS, cast(Store, store))
    assert found.unused_words == () and found.documents == frozenset({"a", "b"})


def test_only_words_the_closest_passages_lack_are_looked_up_and_shown_as_written() -> None:
    texts = {"a1": "Damp homes.", **ELSEWHERE}
    store = WordStore(texts)
    query = "Damp homes: Fluoride, RADON and children"
    found = find_strong(
        {"a": [_match("a1", "a", 0.75)]}, ["a"], query, SETTINGS, cast(Store, store)
    )
    assert found.unused_words == ("fluoride", "radon")
    # "damp" and "homes" are in the passage read; the others are looked up once each.
    assert sorted(store.looked_up) == sorted(_ids("fluoride radon children"))


def test_a_long_query_is_not_checked_for_unused_words() -> None:
    store = WordStore({"a1": "Damp homes.", **ELSEWHERE})
    many = QUERY + " " + " ".join(f"zzword{i}" for i in range(SETTINGS.unused_word_checks))
    found = find_strong({"a": [_match("a1", "a", 0.75)]}, ["a"], many, SETTINGS, cast(Store, store))
    assert found.unused_words == () and store.looked_up == []
    assert found.documents == frozenset({"a"})
    off = SETTINGS.model_copy(update={"unused_word_checks": 0})
    found = find_strong(
        {"a": [_match("a1", "a", 0.75)]}, ["a"], "fluoride", off, cast(Store, store)
    )
    assert found.unused_words == () and found.documents == frozenset({"a"})


def test_words_people_ask_with_are_never_counted_as_unused() -> None:
    """A small library may use neither "please" nor "furthest"; neither names the subject."""
    store = WordStore({"a1": "Damp homes.", **ELSEWHERE})
    asked = "please explain the latest evidence on damp homes: which district is furthest"
    found = find_strong(
        {"a": [_match("a1", "a", 0.75)]}, ["a"], asked, SETTINGS, cast(Store, store)
    )
    assert found.unused_words == ("district",)  # the one subject word no passage holds


def test_a_word_that_only_shares_snowballs_stem_is_not_a_search_word_held() -> None:
    """ "digital exclusion" against a book on copyright: Snowball stems "digitize" as "digit"
    and "exclusively" as "exclus", as it does "digital" and "exclusion", and the passage was
    read as holding both search words and made strong."""
    words = query_words("digital exclusion")
    book = _ids("To digitize a book is to copy it, exclusively with the owner's permission.")
    assert word_share(words, book) == 0.0
    briefing = _ids("Digitally excluded residents face exclusion from services gone digital.")
    assert word_share(words, briefing) == 1.0
