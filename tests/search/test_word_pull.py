"""A search pulled away from its first strong passages by a word they lack has no strong match
(search.retrieval.word_pull). Plumbing with made-up vectors and store; the real model and a
real library below."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

from search.analysis import term_index, terms
from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.matching import ChunkMatch
from search.retrieval.strong_matches import StrongMatches
from search.retrieval.word_pull import MOST_SEARCH_WORDS, WordPull, lacking_words
from search.settings import MatchSettings, Settings
from search.store.base import Store
from tests.libraries import PHARMACIES, build_notes

SETTINGS = MatchSettings(word_pull_checks=2, word_pull_bar=0.03)
ASKED = "pharmacies open on Christmas Day"
TEXTS = {
    "a1": "Pharmacies open on Sundays and late on weekdays.",
    "b1": "Most pharmacies open on Saturdays.",
    "c1": "Pharmacies open on Christmas Day by rota.",
}
PASSAGES = {d: [ChunkMatch(f"{d}1", d, 0.8, False)] for d in "abc"}


class VectorStore:
    """Every passage's vector is (1, 0); its term ids are its text's."""

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        return {i: [1.0, 0.0] for i in ids if i in TEXTS}

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        return {i: frozenset(term_index(t) for t in terms(TEXTS[i])) for i in ids if i in TEXTS}


class Vectors:
    """A search naming Christmas is 0.8 close to every passage; without it, 1.0 (0.2 closer)."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def __call__(self, text: str) -> list[float]:
        self.read.append(text)
        return [0.8, 0.6] if "christmas" in text.lower() else [1.0, 0.0]


def _judge(
    query: str,
    ranked: Sequence[str] = ("a", "b", "c"),
    settings: MatchSettings = SETTINGS,
    strong: frozenset[str] = frozenset("abc"),
    vectors: Vectors | None = None,
) -> StrongMatches:
    pull = WordPull(vectors or Vectors())
    store = cast(Store, VectorStore())
    return pull.judge(StrongMatches(strong), PASSAGES, list(ranked), query, store, settings)


def test_each_search_word_a_passage_lacks_is_left_out_in_turn() -> None:
    held = {term_index(t) for t in terms(TEXTS["a1"])}
    assert lacking_words("Which pharmacies open on Christmas Day", held) == [
        ("christmas", "Which pharmacies open on Day"),
        ("day", "Which pharmacies open on Christmas"),
    ]
    # Words people ask with and stop words are never judged; a word typed twice is left
    # out once; a hyphenated word is left out whole.
    assert lacking_words("please show the latest pharmacies pharmacies", held) == []
    assert lacking_words("alcohol-related pharmacies", held) == [("alcohol-related", "pharmacies")]
    # A word the passage holds in its other spelling is held.
    spelt = {term_index(t) for t in terms("behaviour of pupils")}
    assert lacking_words("behavior of pupils", spelt) == []


def test_a_search_pulled_away_from_each_of_its_first_strong_passages_has_no_strong_match() -> None:
    vectors = Vectors()
    found = _judge(ASKED, vectors=vectors)
    assert found.documents == frozenset() and found.pulled_words == ("christmas",)
    # Only words the passages lack are left out ("pharmacies" and "open" never), in the
    # search's order, up to the first that pulls ("day" is never tried).
    assert set(vectors.read) == {ASKED, "pharmacies open on Day"}


def test_a_search_one_of_whose_first_strong_passages_holds_the_word_keeps_its_matches() -> None:
    # c is listed second and speaks of Christmas Day.
    assert _judge(ASKED, ranked=("a", "c", "b")).documents == frozenset("abc")
    # With one check only the first listed is judged.
    one = SETTINGS.model_copy(update={"word_pull_checks": 1})
    assert _judge(ASKED, ranked=("a", "c", "b"), settings=one).documents == frozenset()
    # Only strong documents are judged: a weak one listed first is passed over.
    assert _judge(ASKED, ranked=("a", "c", "b"), strong=frozenset("bc")).documents == {"b", "c"}


def test_a_word_whose_absence_brings_the_search_less_than_the_bar_closer_does_not_pull() -> None:
    strict = SETTINGS.model_copy(update={"word_pull_bar": 0.25})
    assert _judge(ASKED, settings=strict).documents == frozenset("abc")


def test_sentences_long_searches_and_a_check_switched_off_are_not_judged() -> None:
    off = SETTINGS.model_copy(update={"word_pull_checks": 0})
    long = ASKED + " " + " ".join(f"word{n}" for n in range(MOST_SEARCH_WORDS))
    for query, settings in (
        (ASKED, off),
        ("Pharmacies open on Christmas Day.", SETTINGS),  # a claim, as SciFact's
        (long, SETTINGS),
    ):
        vectors = Vectors()
        assert _judge(query, settings=settings, vectors=vectors).documents == frozenset("abc")
        assert vectors.read == []


def test_a_real_library_marks_no_strong_match_for_a_near_miss_a_word_pulls_away(
    tmp_path: Path, encoder: Encoder
) -> None:
    # The note is about pharmacies' opening hours in West Sussex, close in meaning to the near
    # miss, and never speaks of Christmas. The real model and store; the answer check off.
    settings = Settings(data_dir=build_notes(tmp_path, list(PHARMACIES), encoder))
    settings.match = settings.match.model_copy(update={"answer_checks": 0})
    library = Library.open(settings, encoder=encoder)
    try:
        asked = "pharmacies in West Sussex that open on Christmas Day"
        near_miss = library.searcher.search(asked)
        assert near_miss.strong_total == 0 and near_miss.total >= 1
        assert near_miss.pulled_words == ("christmas",)
        for answered in (
            "which pharmacies in West Sussex open late at night?",
            "pharmacy opening hours in West Sussex",
        ):
            found = library.searcher.search(answered)
            assert found.strong_total >= 1 and not found.pulled_words, answered
        # Without the check the same search has a strong match: the check made the change.
        library.searcher.matching = library.searcher.matching.model_copy(
            update={"word_pull_checks": 0}
        )
        assert library.searcher.search(asked).strong_total >= 1
    finally:
        library.close()


def test_words_already_read_for_strength_are_not_read_again() -> None:
    """The closest passages' words that judging strength read (`StrongMatches.terms_read`) are
    used as read: only the others are asked of the store, and the verdict is the same."""
    asked: list[list[str]] = []

    class Counting(VectorStore):
        def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
            asked.append(list(ids))
            return super().chunk_terms(ids)

    store = cast(Store, Counting())
    read = VectorStore().chunk_terms(["a1"])
    strength = StrongMatches(frozenset("abc"), terms_read=read)
    found = WordPull(Vectors()).judge(strength, PASSAGES, ["a", "b", "c"], ASKED, store, SETTINGS)
    assert asked == [["b1"]]  # a1's words were read already
    assert found == _judge(ASKED)  # as when both are read here
    assert found.documents == frozenset() and found.pulled_words == ("christmas",)
    asked.clear()
    read = VectorStore().chunk_terms(["a1", "b1"])
    strength = StrongMatches(frozenset("abc"), terms_read=read)
    WordPull(Vectors()).judge(strength, PASSAGES, ["a", "b", "c"], ASKED, store, SETTINGS)
    assert asked == []  # nothing left to read
