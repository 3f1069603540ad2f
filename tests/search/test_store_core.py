"""The store core's engine-neutral pieces: legs of a query, scrolling, facets, the filter plan."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

from search.analysis import SparseVector
from search.schema import DENSE, SPARSE, Filters
from search.store.base import VectorQuery
from search.store.core import (
    UPSERT_BATCH,
    Match,
    YearRange,
    YearSpans,
    batch_chunks,
    count_facets,
    missing_indexes,
    payload_passes,
    plan_filter,
    plan_legs,
    scroll_hits,
    settled_hits,
)


def test_a_hybrid_request_searches_dense_then_sparse() -> None:
    sparse = SparseVector([3], [1.0])
    request = VectorQuery(dense=[1.0, 0.0], sparse=sparse, mode="hybrid")
    assert [leg.using for leg in plan_legs(request)] == [DENSE, SPARSE]
    dense_only = VectorQuery(dense=[1.0, 0.0], sparse=sparse, mode="dense")
    assert [leg.using for leg in plan_legs(dense_only)] == [DENSE]
    no_words = VectorQuery(dense=None, sparse=SparseVector([], []), mode="hybrid")
    assert plan_legs(no_words) == []


def test_scrolling_stops_at_the_limit_or_the_end() -> None:
    stored = [SimpleNamespace(id=str(i), payload={"n": i}) for i in range(600)]
    calls: list[tuple[Any, int]] = []

    def read_page(offset: Any, size: int) -> tuple[list[Any], Any]:
        calls.append((offset, size))
        start = offset or 0
        end = start + size
        return stored[start:end], end if end < len(stored) else None

    hits = scroll_hits(read_page, limit=300)
    assert [h.payload["n"] for h in hits] == list(range(300))
    assert calls == [(None, 256), (256, 44)]
    assert len(scroll_hits(read_page, limit=10_000)) == 600


def test_facet_counts_leave_out_zero_counts() -> None:
    assert count_facets([("Kent", 2), ("Gone", 0), (2024, 1)]) == {"Kent": 2, "2024": 1}


def test_writes_go_in_bounded_batches() -> None:
    chunks: list[Any] = list(range(UPSERT_BATCH * 2 + 1))
    assert [len(b) for b in batch_chunks(chunks)] == [UPSERT_BATCH, UPSERT_BATCH, 1]


def test_the_filter_plan_keeps_old_points_without_levels_or_matter_visible() -> None:
    plan = plan_filter(
        Filters(
            kinds=("council report",),
            year_spans=((None, 2019),),
            body_only=True,
            access_levels=("public",),
        )
    )
    assert plan is not None
    assert plan.must == (
        Match("kind", ("council report",)),
        YearSpans((YearRange(None, 2019),)),
    )
    assert Match("access", ("partner", "internal", "withdrawn")) in plan.must_not
    old_point = {"kind": "council report", "year": 2018}
    assert payload_passes(old_point, Filters(body_only=True, access_levels=("public",)))
    assert not payload_passes({"kind": "other"}, Filters(year_to=2020))  # no year: no match
    assert plan_filter(Filters()) is None


def test_an_older_collection_is_given_every_index_it_lacks() -> None:
    everything = missing_indexes()
    assert ("access", "keyword") in everything and ("year", "integer") in everything
    older = {field for field, _ in everything} - {"access", "year"}
    assert missing_indexes(older) == [("access", "keyword"), ("year", "integer")]


class _Server:
    """Stands in for a Qdrant server holding a collection built before `access` and `year`
    were indexed; records the indexes it is asked to build."""

    def __init__(self) -> None:
        self.built: list[tuple[str, Any]] = []
        older = {field for field, _ in missing_indexes()} - {"access", "year"}
        self.info = SimpleNamespace(payload_schema=dict.fromkeys(older))

    def collection_exists(self, _name: str) -> bool:
        return True

    def get_collection(self, _name: str) -> SimpleNamespace:
        return self.info

    def create_payload_index(self, _name: str, field: str, kind: Any) -> None:
        self.built.append((field, kind))


def test_a_server_collection_from_before_an_index_gets_it_on_connect() -> None:
    from qdrant_client import models

    from search.store.server import ServerStore

    server = _Server()
    ServerStore(server, "evidence")._add_missing_indexes()  # type: ignore[arg-type]
    assert server.built == [
        ("access", models.PayloadSchemaType.KEYWORD),
        ("year", models.PayloadSchemaType.INTEGER),
    ]


def test_a_group_of_ties_across_the_cut_is_asked_for_whole() -> None:
    # An engine that returns tied points in a new order each time, cut at what was asked.
    points = [SimpleNamespace(id=f"p{n:03}", score=1.0, payload={}) for n in range(300)]
    points += [SimpleNamespace(id="best", score=2.0, payload={})]
    shuffler = random.Random(5)
    asked: list[int] = []

    def ask(limit: int) -> list[Any]:
        asked.append(limit)
        order = sorted(points, key=lambda p: (-p.score, shuffler.random()))
        return order[:limit]

    answers = {tuple(h.id for h in settled_hits(ask, 5)) for _ in range(3)}
    assert answers == {("best", "p000", "p001", "p002", "p003")}
    assert asked[:3] == [13, 69, 517]  # the margin grows eightfold until the group ends
    asked.clear()
    # When any of the tied points will do (is a word used at all?), the engine is asked once.
    assert len(settled_hits(ask, 5, settle=False)) == 5 and asked == [13]
    asked.clear()
    untied = [SimpleNamespace(id=f"u{n}", score=float(n), payload={}) for n in range(50)]
    hits = settled_hits(lambda limit: sorted(untied, key=lambda p: -p.score)[:limit], 5)
    assert [h.id for h in hits] == ["u49", "u48", "u47", "u46", "u45"]
