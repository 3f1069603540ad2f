"""A question's strong matches must answer it (search.retrieval.answer_check): which searches
are read by the cross-encoder, what it reads, and what follows. Plumbing with a made-up scorer
and store; the real cross-encoder and a real library below."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import cast

import pytest

from search.library import Library
from search.models.encoder import Encoder, load_pair_scorer
from search.retrieval.answer_check import AnswerCheck, is_checked, is_question
from search.retrieval.matching import ChunkMatch
from search.retrieval.strong_matches import find_strong
from search.settings import MatchSettings, Settings
from search.store.base import Hit, Store, VectorQuery
from tests.libraries import build_notes

SETTINGS = MatchSettings(
    strong_cosine=0.7, strong_cosine_with_words=0.7, answer_checks=2, answer_check_below=0.8
)


class TextStore:
    """Passages' texts by id; every keyword lookup finds a passage (no word is unused)."""

    def __init__(self, texts: dict[str, str]) -> None:
        self.texts = texts

    def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        return [Hit(i, 0.0, {"text": self.texts[i]}) for i in ids if i in self.texts]

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        return {}

    def query(self, request: VectorQuery) -> list[Hit]:
        return [Hit("any", 1.0, {})]


class Scorer:
    """Scores a passage by the number in its text; records what it read."""

    def __init__(self) -> None:
        self.read: list[str] = []

    def score(self, query: str, passages: list[str]) -> list[float]:
        self.read.extend(passages)
        return [float(p.split()[-1]) for p in passages]


TEXTS = {"a1": "about the subject -3", "b1": "answers it 4", "c1": "about it too -1"}
PASSAGES = {
    "a": [ChunkMatch("a1", "a", 0.78, False)],
    "b": [ChunkMatch("b1", "b", 0.75, False)],
    "c": [ChunkMatch("c1", "c", 0.72, False)],
}


def _strong(query: str, scorer: Scorer, settings: MatchSettings = SETTINGS) -> frozenset[str]:
    store = cast(Store, TextStore(TEXTS))
    found = find_strong(PASSAGES, list(PASSAGES), query, settings, store, AnswerCheck(scorer))
    assert found.is_unanswered == (not found.documents)
    return found.documents


def test_questions_are_told_from_topic_searches() -> None:
    for question in (
        "How many childminders are there?",
        "is fluoride added",
        "what's the rate",
        "Does the council fund lunch clubs",
        "childminder numbers in Kent?",
    ):
        assert is_question(question), question
    for topic in (
        "damp homes and asthma",
        "Housing is linked to health outcomes.",
        "whatever works",
        "Kent Test results",
        "",
    ):
        assert not is_question(topic), topic


LONG_PHRASE = "average broadband download speeds in rural villages north of Chichester"


def test_questions_and_long_topic_phrases_are_checked_short_phrases_and_sentences_not() -> None:
    words = MatchSettings().answer_phrase_words
    assert words > 0
    assert is_checked("how many homes are damp?", words)
    assert is_checked(LONG_PHRASE, words)
    assert is_checked(" ".join(["damp"] * words), words)
    assert not is_checked(" ".join(["damp"] * (words - 1)), words)
    assert not is_checked("damp homes and asthma", words)
    assert not is_checked(LONG_PHRASE + ".", words)  # a sentence, a claim: not checked
    assert not is_checked("", words)
    # 0: questions only.
    assert not is_checked(LONG_PHRASE, 0) and is_checked("is it damp", 0)


def test_a_long_topic_phrase_is_checked_as_a_question_is() -> None:
    one = SETTINGS.model_copy(update={"answer_checks": 1})
    scorer = Scorer()
    assert _strong(LONG_PHRASE, scorer, one) == frozenset()
    assert scorer.read == [TEXTS["a1"]]
    questions_only = one.model_copy(update={"answer_phrase_words": 0})
    scorer = Scorer()
    assert _strong(LONG_PHRASE, scorer, questions_only) == {"a", "b", "c"}
    assert scorer.read == []


def test_a_question_stays_answered_when_one_of_its_closest_strong_passages_answers() -> None:
    scorer = Scorer()
    assert _strong("how many homes are damp?", scorer) == {"a", "b", "c"}
    # Closest first, stopping at the first that answers: c is never read.
    assert scorer.read == [TEXTS["a1"], TEXTS["b1"]]


def test_after_the_closest_the_other_passages_are_read_and_any_of_them_answers() -> None:
    three = SETTINGS.model_copy(update={"answer_checks": 3})
    scorer = Scorer()
    assert _strong("how many homes are damp?", scorer, three) == {"a", "b", "c"}
    assert scorer.read[0] == TEXTS["a1"] and sorted(scorer.read[1:]) == sorted(
        [TEXTS["b1"], TEXTS["c1"]]
    )
    # None of the three answers under a stricter bar.
    assert _strong("how many homes are damp?", Scorer(), three.model_copy(
        update={"answer_bar": 5.0})) == frozenset()  # fmt: skip


def test_the_documents_read_are_the_first_strong_ones_the_page_lists() -> None:
    one = SETTINGS.model_copy(update={"answer_checks": 1})
    store = cast(Store, TextStore(TEXTS))
    # Ranked b, c, a: b is read (and answers), though a is closer in meaning.
    scorer = Scorer()
    found = find_strong(PASSAGES, ["b", "c", "a"], "how many?", one, store, AnswerCheck(scorer))
    assert found.documents == {"a", "b", "c"} and scorer.read == [TEXTS["b1"]]
    # Ranked c, b, a: c is read, and does not answer.
    scorer = Scorer()
    found = find_strong(PASSAGES, ["c", "b", "a"], "how many?", one, store, AnswerCheck(scorer))
    assert found.is_unanswered and scorer.read == [TEXTS["c1"]]
    # The band is the closest strong document's, read or not: a (0.78) is under 0.8 here and
    # over 0.77, where nothing is read.
    scorer = Scorer()
    close = one.model_copy(update={"answer_check_below": 0.77})
    found = find_strong(PASSAGES, ["c", "b", "a"], "how many?", close, store, AnswerCheck(scorer))
    assert found.documents == {"a", "b", "c"} and scorer.read == []


class FailsAfterFirst(Scorer):
    def score(self, query: str, passages: list[str]) -> list[float]:
        if self.read:
            raise RuntimeError("the model went away")
        return super().score(query, passages)


def test_a_model_failing_on_a_later_passage_leaves_strength_to_the_rule() -> None:
    three = SETTINGS.model_copy(update={"answer_checks": 3})
    assert _strong("how many homes are damp?", FailsAfterFirst(), three) == {"a", "b", "c"}


def test_a_question_none_of_whose_checked_passages_answers_has_no_strong_match() -> None:
    one = SETTINGS.model_copy(update={"answer_checks": 1})
    scorer = Scorer()
    assert _strong("how many homes are damp?", scorer, one) == frozenset()
    assert scorer.read == [TEXTS["a1"]]
    # Under a stricter bar, the second passage does not answer either.
    strict = SETTINGS.model_copy(update={"answer_bar": 5.0})
    assert _strong("how many homes are damp?", Scorer(), strict) == frozenset()


def test_topic_searches_close_passages_and_a_check_switched_off_read_nothing() -> None:
    for query, settings in (
        ("damp homes", SETTINGS),  # no question
        ("how many homes are damp?", SETTINGS.model_copy(update={"answer_check_below": 0.78})),
        ("how many homes are damp?", SETTINGS.model_copy(update={"answer_checks": 0})),
    ):
        scorer = Scorer()
        assert _strong(query, scorer, settings) == {"a", "b", "c"}
        assert scorer.read == []


def test_scores_are_remembered_per_question_and_passage_text() -> None:
    scorer = Scorer()
    check = AnswerCheck(scorer)
    store = TextStore(dict(TEXTS))
    closest = [("a1", 0.78), ("b1", 0.75)]
    for _ in range(3):
        assert check.is_answered("how many?", closest, cast(Store, store), SETTINGS, 0.78)
    assert len(scorer.read) == 2
    store.texts["a1"] = "edited since 5"  # the same passage id, new text: read again
    assert check.is_answered("how many?", closest, cast(Store, store), SETTINGS, 0.78)
    assert scorer.read[-1] == "edited since 5"


class BrokenScorer:
    def score(self, query: str, passages: list[str]) -> list[float]:
        raise RuntimeError("model files missing")


def test_a_model_that_fails_leaves_strength_to_the_rule() -> None:
    store = cast(Store, TextStore(TEXTS))
    check = AnswerCheck(BrokenScorer())
    found = find_strong(
        PASSAGES, list(PASSAGES), "how many homes are damp?", SETTINGS, store, check
    )
    assert found.documents == {"a", "b", "c"} and not found.is_unanswered


@pytest.fixture(scope="module")
def real_scorer() -> object:
    return load_pair_scorer()


def test_the_packaged_cross_encoder_tells_an_answer_from_a_passage_on_the_subject(
    real_scorer: object,
) -> None:
    scorer = cast(Scorer, real_scorer)
    question = "how many people died of asthma in West Sussex in 2020?"
    on_subject, answer = scorer.score(
        question,
        [
            "Damp and mould in rented homes make asthma worse in children.",
            "In 2020, 41 people in West Sussex died of asthma, up from 35 the year before.",
        ],
    )
    bar = MatchSettings().answer_bar
    assert answer >= bar > on_subject


CHILDMINDING = (
    "Registered childminders in West Sussex can apply to the county council for training"
    " grants, and the council runs courses for them each term.",
    "Nursery places for children aged two are funded by the county council for families on"
    " low incomes, who can look for a place online.",
    "Many visitors park at county council offices, at one pound an hour; blue badge holders"
    " park free of charge.",
)


def test_a_real_library_marks_no_strong_match_for_a_question_it_does_not_answer(
    tmp_path: Path, encoder: Encoder
) -> None:
    # Every word of the question is in the library, and its notes are close in meaning; none
    # says how many children a childminder looks after. The real model, store and cross-encoder.
    settings = Settings(data_dir=build_notes(tmp_path, list(CHILDMINDING), encoder))
    settings.match = settings.match.model_copy(update={"answer_check_below": 1.01})
    library = Library.open(settings, encoder=encoder)
    try:
        assert library.searcher.answers is not None
        asked = "how many children do childminders in West Sussex look after?"
        unanswered = library.searcher.search(asked)
        assert unanswered.strong_total == 0 and unanswered.total >= 1
        assert not unanswered.unused_words
        answered = library.searcher.search(
            "can registered childminders in West Sussex apply for training grants?"
        )
        assert answered.strong_total >= 1
        topic = library.searcher.search("registered childminders in West Sussex")
        assert topic.strong_total >= 1
        # Without the check the same question has strong matches: the check made the change.
        library.searcher.answers = None
        assert library.searcher.search(asked).strong_total >= 1
    finally:
        library.close()
