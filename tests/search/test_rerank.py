"""The optional second stage: the packaged cross-encoder re-scores the first hits. The real
model, store and library (no stand-in scorer)."""

from __future__ import annotations

import math
from pathlib import Path

from search.library import Library
from search.models.encoder import RERANK_TOKENS, Encoder, load_pair_scorer
from search.settings import Settings
from tests.libraries import build_notes

QUESTION = "how many people in West Sussex died of asthma in 2020?"
PASSAGES = [
    "Damp and mould in rented homes make asthma worse in children, and landlords must act.",
    "In 2020, 41 people in West Sussex died of asthma, up from 35 the year before.",
    "Asthma nurses in West Sussex run clinics in schools for pupils who use inhalers.",
]


def test_the_reranker_scores_a_probability_the_answer_check_scores_a_logit() -> None:
    logits = load_pair_scorer(max_tokens=RERANK_TOKENS).score(QUESTION, PASSAGES)
    chances = load_pair_scorer(max_tokens=RERANK_TOKENS, probability=True).score(QUESTION, PASSAGES)
    for logit, chance in zip(logits, chances, strict=True):
        assert 0.0 < chance < 1.0
        assert math.isclose(chance, 1.0 / (1.0 + math.exp(-logit)), rel_tol=1e-9)
    # The passage that answers scores highest, by far.
    assert max(chances) == chances[1] and chances[1] - max(chances[0], chances[2]) > 0.5


def test_the_cross_encoder_scores_the_same_on_any_number_of_threads() -> None:
    # The answer check's bar was tuned on one thread's scores; the site reads with two.
    long_passage = " ".join(PASSAGES * 12)  # cut at the pair's token limit
    passages = [*PASSAGES, long_passage]
    one = load_pair_scorer(threads=1).score(QUESTION, passages)
    assert load_pair_scorer(threads=2).score(QUESTION, passages) == one
    assert load_pair_scorer(threads=3).score(QUESTION, passages) == one


def test_a_library_reads_answers_with_the_configured_cross_encoder_threads(
    tmp_path: Path, encoder: Encoder
) -> None:
    settings = Settings(data_dir=build_notes(tmp_path, PASSAGES, encoder))
    settings.model = settings.model.model_copy(update={"pair_threads": 3})
    library = Library.open(settings, encoder=encoder)
    try:
        answers = library.searcher.answers
        assert answers is not None
        session = answers.scorer.load().session  # type: ignore[attr-defined]
        options = session.get_session_options()
        assert options.intra_op_num_threads == 3
        assert options.get_session_config_entry("session.intra_op.allow_spinning") == "0"
    finally:
        library.close()


def test_a_library_with_rerank_on_puts_first_what_the_cross_encoder_reads_as_the_answer(
    tmp_path: Path, encoder: Encoder
) -> None:
    settings = Settings(data_dir=build_notes(tmp_path, PASSAGES, encoder))
    settings.search = settings.search.model_copy(update={"rerank": True, "rerank_candidates": 3})
    library = Library.open(settings, encoder=encoder)
    try:
        assert library.searcher.scorer is not None
        hits = library.searcher.hits(QUESTION, limit=3)
        assert len(hits) == 3
        assert PASSAGES[1] in hits[0].text
        scores = [h.score for h in hits]
        assert scores == sorted(scores, reverse=True) and all(0.0 < s < 1.0 for s in scores)
        # The same scores as the scorer gives each passage on its own.
        alone = library.searcher.scorer.score(QUESTION, [h.text for h in hits])
        assert [round(s, 6) for s in scores] == [round(s, 6) for s in alone]
    finally:
        library.close()


def test_the_probability_of_any_logit_is_between_0_and_1() -> None:
    from search.models.encoder import _sigmoid

    assert _sigmoid(0.0) == 0.5
    assert _sigmoid(1000.0) == 1.0 and _sigmoid(-1000.0) == 0.0
    assert math.isclose(_sigmoid(2.0) + _sigmoid(-2.0), 1.0)


def test_with_rerank_on_the_answer_check_reads_with_the_rerankers_model_at_its_own_cut(
    tmp_path: Path, encoder: Encoder
) -> None:
    # The answer sits past the answer check's cut (PAIR_TOKENS) but inside the reranker's.
    filler = " ".join(["Asthma nurses in West Sussex run clinics in schools for pupils."] * 30)
    passages = [PASSAGES[1], f"{filler} {PASSAGES[1]}"]
    settings = Settings(data_dir=build_notes(tmp_path, PASSAGES, encoder))
    settings.search = settings.search.model_copy(update={"rerank": True})
    library = Library.open(settings, encoder=encoder)
    try:
        reranker, answers = library.searcher.scorer, library.searcher.answers
        assert reranker is not None and answers is not None
        checker = answers.scorer.load()  # type: ignore[attr-defined]
        # One model in memory, read two ways.
        assert checker.session is reranker.session  # type: ignore[attr-defined]
        # Each reading scores as its own loader's would: cutting one never cuts the other.
        assert _rounded(checker.score(QUESTION, passages)) == _rounded(
            load_pair_scorer().score(QUESTION, passages)
        )
        assert _rounded(reranker.score(QUESTION, passages)) == _rounded(
            load_pair_scorer(max_tokens=RERANK_TOKENS, probability=True).score(QUESTION, passages)
        )
        # And the cuts differ where it matters: only the reranker reads the far answer.
        logits = load_pair_scorer(max_tokens=RERANK_TOKENS).score(QUESTION, passages)
        assert checker.score(QUESTION, passages)[1] < logits[1] - 1.0
    finally:
        library.close()


def _rounded(scores: list[float]) -> list[float]:
    return [round(s, 5) for s in scores]
