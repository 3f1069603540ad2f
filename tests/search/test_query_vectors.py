"""Query vectors are kept for the last questions asked (plumbing: a counting stand-in encoder;
the real model's vectors are checked through search in the other tests)."""

from __future__ import annotations

import threading

import numpy as np

from search.models.encoder import Vectors
from search.retrieval.query_vectors import QueryVectors, meaning_text


class CountingEncoder:
    model_id = "counting"
    dimension = 2

    def __init__(self) -> None:
        self.asked: list[str] = []

    def encode_documents(self, texts: list[str]) -> Vectors:
        raise AssertionError("queries only")

    def encode_queries(self, texts: list[str]) -> Vectors:
        self.asked.extend(texts)
        return np.array([[len(t), 1.0] for t in texts], dtype=np.float32)


def test_a_question_asked_again_is_not_encoded_again() -> None:
    encoder = CountingEncoder()
    vectors = QueryVectors(encoder, size=4)
    first = vectors.vector("damp homes")
    assert vectors.vector("damp homes") == first == [10.0, 1.0]
    assert encoder.asked == ["damp homes"]


def test_each_caller_gets_its_own_list() -> None:
    vectors = QueryVectors(CountingEncoder(), size=4)
    vectors.vector("bus routes").append(99.0)
    assert vectors.vector("bus routes") == [10.0, 1.0]


def test_the_least_recently_asked_question_is_dropped_first() -> None:
    encoder = CountingEncoder()
    vectors = QueryVectors(encoder, size=2)
    vectors.vector("a")
    vectors.vector("b")
    vectors.vector("a")  # a is now the most recent
    vectors.vector("c")  # drops b
    assert len(vectors) == 2
    vectors.vector("a")
    vectors.vector("b")
    assert encoder.asked == ["a", "b", "c", "b"]


def test_size_zero_encodes_every_time() -> None:
    encoder = CountingEncoder()
    vectors = QueryVectors(encoder, size=0)
    vectors.vector("a")
    vectors.vector("a")
    assert encoder.asked == ["a", "a"] and len(vectors) == 0


def test_threads_asking_at_once_keep_the_cache_within_its_size() -> None:
    vectors = QueryVectors(CountingEncoder(), size=8)

    def ask(start: int) -> None:
        for n in range(200):
            assert vectors.vector(str((start + n) % 20)) == [float(len(str((start + n) % 20))), 1.0]

    threads = [threading.Thread(target=ask, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(vectors) == 8


def test_the_model_reads_a_query_without_its_quotes_brackets_and_stray_marks() -> None:
    assert meaning_text('"food banks"') == "food banks"
    assert meaning_text("((housing") == meaning_text("housing)") == "housing"
    assert meaning_text("'damp' homes, *now*") == "damp homes, now"
    # What a question is made of stays: apostrophes, hyphens, ?, %, £ and &.
    for kept in ("children's centres", "what is a JSNA?", "16-24 year olds: 5% or £5 & more"):
        assert meaning_text(kept) == kept
    assert meaning_text("(((") == "((("  # marks alone: nothing better to read


def test_a_quoted_question_shares_the_plain_questions_vector() -> None:
    encoder = CountingEncoder()
    vectors = QueryVectors(encoder, size=4)
    plain = vectors.vector("damp homes")
    assert vectors.vector('"damp homes"') == vectors.vector("(damp homes)") == plain
    assert encoder.asked == ["damp homes"]
