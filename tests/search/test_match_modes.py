"""How matches are found depends on the library's size: up to `exact_up_to` passages every
passage is compared (counts exact), past it the engine's graph is walked with a smaller cap
(counts are floors and say so). Real model, real engine, a small library built here."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from search.library import Library
from search.models.encoder import Encoder
from search.schema import Filters, Hit
from search.settings import MatchSettings, Settings
from search.store.base import VectorQuery
from tests.libraries import FIVE_NOTES, build_notes, copy_library

TEXTS = list(FIVE_NOTES)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    return build_notes(tmp_path_factory.mktemp("modes"), TEXTS, encoder)


def _open(built: Path, folder: Path, encoder: Encoder, match: MatchSettings) -> Library:
    settings = Settings(data_dir=copy_library(built, folder), match=match)
    return Library.open(settings, encoder=encoder)


@pytest.fixture
def exact(built: Path, tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    opened = _open(built, tmp_path / "exact", encoder, MatchSettings(min_cosine=0.5))
    yield opened
    opened.close()


@pytest.fixture
def graph(built: Path, tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    # Any library is "large" when exact_up_to is 0.
    match = MatchSettings(min_cosine=0.5, exact_up_to=0)
    opened = _open(built, tmp_path / "graph", encoder, match)
    yield opened
    opened.close()


def _spy(library: Library, monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """Record what the match rule asks the store for (the real store answers)."""
    calls: dict[str, list[Any]] = {"query": [], "chunks": []}
    real_query, real_chunks = library.store.query, library.store.chunks

    def query(request: VectorQuery) -> list[Hit]:
        calls["query"].append(request)
        return real_query(request)

    def chunks(filters: Filters, limit: int = 10_000, fields: Any = None) -> list[Hit]:
        calls["chunks"].append((filters, limit, fields))
        return real_chunks(filters, limit, fields)

    monkeypatch.setattr(library.store, "query", query)
    monkeypatch.setattr(library.store, "chunks", chunks)
    return calls


def _dense_match_requests(calls: dict[str, list[Any]]) -> list[VectorQuery]:
    return [r for r in calls["query"] if r.score_threshold is not None and r.mode == "dense"]


QUERY = "damp mould homes"


def test_a_small_library_is_compared_passage_by_passage_and_counts_exactly(
    exact: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy(exact, monkeypatch)
    results = exact.searcher.search(QUERY)
    dense = _dense_match_requests(calls)
    assert len(dense) == 1 and dense[0].exact
    assert dense[0].limit == exact.settings.match.max_chunks
    assert not results.is_total_capped
    assert results.total >= 2  # both damp notes hold every word


def test_a_large_library_walks_the_graph_and_says_its_counts_are_floors(
    exact: Library, graph: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy(graph, monkeypatch)
    walked = graph.searcher.search(QUERY)
    compared = exact.searcher.search(QUERY)
    # One walk, shared by the match rule and the ranking: no threshold (the rule applies
    # min_cosine itself), ids only, wide enough for both.
    assert _dense_match_requests(calls) == []
    walks = [r for r in calls["query"] if r.mode == "dense"]
    assert len(walks) == 1 and not walks[0].exact and walks[0].payload_fields == ()
    candidates = graph.settings.search.candidates
    assert walks[0].limit == max(graph.settings.match.graph_max_chunks, candidates)
    assert walked.is_total_capped  # a walk may miss a passage: the total is a floor
    assert walked.matches is not None and compared.matches is not None
    found = {m.id for m in walked.matches.chunks}
    assert found <= {m.id for m in compared.matches.chunks}
    # On five notes the walk misses nothing: same documents, same order.
    assert [d.doc_id for d in walked.documents] == [d.doc_id for d in compared.documents]


def test_the_every_word_rule_lists_ids_only_from_the_text_index(
    exact: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy(exact, monkeypatch)
    results = exact.searcher.search(QUERY)
    assert len(calls["chunks"]) == 1
    filters, limit, fields = calls["chunks"][0]
    # "mould" is also spelt "mold": either holds it.
    assert filters.all_words == (("damp",), ("mould", "mold"), ("homes",))
    assert fields == () and limit == exact.settings.match.max_chunks
    assert results.matches is not None
    worded = {m.doc_id for m in results.matches.chunks if m.has_words}
    holding = {
        d.doc_id
        for d in results.documents
        if all(w in d.passages[0].text.lower() for w in ("damp", "mould", "homes"))
    }
    assert holding and holding <= worded


def test_the_ranking_shares_the_walk_and_ranks_as_if_it_walked_again(
    graph: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy(graph, monkeypatch)
    results = graph.searcher.search(QUERY)
    ranked = [r for r in calls["query"] if r.mode == "hybrid"]
    assert len(ranked) == 1 and ranked[0].dense_among is not None
    walk = next(r for r in calls["query"] if r.mode == "dense")
    walked_ids = [h.id for h in graph.store.query(walk)]
    assert list(ranked[0].dense_among) == walked_ids[: ranked[0].candidates]
    # The same request without the walk's ids (the dense leg walks the graph itself).
    assert results.request is not None and results.request.dense_among is None
    own = graph.store.query(replace(ranked[0], dense_among=None))
    assert [(h.id, round(h.score, 6)) for h in results.hits] == [
        (h.id, round(h.score, 6)) for h in own
    ]
    # Matches come from the shared walk: every passage over min_cosine in it.
    assert results.matches is not None
    closest = {h.id for h in graph.store.query(walk) if h.score >= 0.5}
    assert {m.id for m in results.matches.chunks if m.cosine is not None} == closest


def test_a_small_library_ranks_without_a_walk(
    exact: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _spy(exact, monkeypatch)
    exact.searcher.search(QUERY)
    ranked = [r for r in calls["query"] if r.mode == "hybrid"]
    assert len(ranked) == 1 and ranked[0].dense_among is None
