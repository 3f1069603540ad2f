"""One contract, run against the embedded engine and qdrant-client's in-process server stand-in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from search.access import ScopedStore, levels_for
from search.analysis import Bm25Weighting
from search.schema import (
    WITHDRAWN,
    Filters,
    IndexedChunk,
    engine_id,
    is_point_id,
    legacy_point_id,
    point_id,
)
from search.settings import QdrantSettings, Settings
from search.store.base import (
    ACTIVE_FILE,
    CollectionLayout,
    Mode,
    ModelMismatchError,
    Store,
    StoreBusyError,
    VectorQuery,
    active_collection,
    switch_collection,
)
from search.store.core import payload_passes
from search.store.embedded import EmbeddedStore
from search.store.engine_process import ProcessStore
from search.store.server import ServerStore
from tests.libraries import copy_library

LAYOUT = CollectionLayout(model_id="test-model", dimension=4)
WEIGHTS = Bm25Weighting()


def _chunk(doc: str, index: int, text: str, dense: list[float], **payload: object) -> IndexedChunk:
    return IndexedChunk(
        id=point_id(doc, index),
        dense=dense,
        sparse=WEIGHTS.document_vector(text),
        payload={"doc_id": doc, "chunk_index": index, "text": text, "page": index + 1, **payload},
    )


CHUNKS = [
    _chunk(
        "housing", 0, "damp and mould in rented homes", [1, 0, 0, 0], year=2019, organisation="Kent"
    ),
    _chunk(
        "housing",
        1,
        "overcrowding and temporary accommodation",
        [0.9, 0.1, 0, 0],
        year=2019,
        organisation="Kent",
    ),
    _chunk(
        "lonely",
        0,
        "loneliness among older villagers",
        [0, 1, 0, 0],
        year=2023,
        organisation="West Sussex",
    ),
    _chunk(
        "meals", 0, "free school meals uptake", [0, 0, 1, 0], year=2024, organisation="West Sussex"
    ),
]


# Points the core-rule tests add: front matter, and chunks at two access levels.
RULE_CHUNKS = [
    _chunk("meals", 1, "cover page", [0, 0, 1, 0], year=2024, matter="front"),
    _chunk("meals", 2, "partner notes", [0, 0, 1, 0], year=2024, access="partner"),
    _chunk("meals", 3, "staff notes", [0, 0, 1, 0], access="internal"),
]


# The embedded engine in process, the same in a child process (the site's way), and
# qdrant-client's in-process stand-in for a server.
KINDS = ["embedded", "process", "memory"]


def _open(kind: str, path: Path) -> Store:
    if kind == "embedded":
        return EmbeddedStore(path)
    if kind == "process":
        return ProcessStore(path)
    return ServerStore.connect(QdrantSettings(mode="memory"))


def _build(kind: str, path: Path, chunks: list[IndexedChunk]) -> Store:
    opened = _open(kind, path)
    opened.ensure_collection(LAYOUT)
    opened.upsert(chunks)
    assert opened.count() == len(chunks)
    return opened


@pytest.fixture(scope="module")
def embedded_collection(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The contract's points written once to an embedded collection, which is then closed:
    each test that writes opens its own copy (creating a collection costs a second of syncs)."""
    path = tmp_path_factory.mktemp("contract") / "collection"
    _build("embedded", path, CHUNKS).close()
    return path


@pytest.fixture(params=KINDS)
def store(
    request: pytest.FixtureRequest, tmp_path: Path, embedded_collection: Path
) -> Iterator[Store]:
    """A store of its own, for a test that writes."""
    opened: Store
    if request.param in ("embedded", "process"):
        copy_library(embedded_collection, tmp_path / "collection")
        opened = _open(request.param, tmp_path / "collection")
        opened.ensure_collection(LAYOUT)  # the copy's own layout: nothing to create
        assert opened.count() == len(CHUNKS)
    else:
        opened = _build("memory", tmp_path, CHUNKS)
    yield opened
    opened.close()


@pytest.fixture(scope="module", params=KINDS)
def module_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    opened = _build(request.param, tmp_path_factory.mktemp("readers") / "collection", CHUNKS)
    yield opened
    opened.close()


@pytest.fixture
def reading_store(module_store: Store) -> Iterator[Store]:
    """One store per engine shared by the tests that only read; a test that wrote would show."""
    yield module_store
    assert module_store.count() == len(CHUNKS), "a test given the shared store wrote to it"


@pytest.fixture(scope="module", params=KINDS)
def rule_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    path = tmp_path_factory.mktemp("rule") / "collection"
    opened = _build(request.param, path, CHUNKS + RULE_CHUNKS)
    yield opened
    opened.close()


def test_upserting_same_ids_twice_keeps_one_copy(store: Store) -> None:
    store.upsert(CHUNKS)
    assert store.count() == len(CHUNKS)


def test_collection_records_model_and_refuses_another(reading_store: Store) -> None:
    assert reading_store.layout() == LAYOUT
    reading_store.ensure_collection(LAYOUT)  # same model: fine
    with pytest.raises(ModelMismatchError, match="test-model"):
        reading_store.ensure_collection(CollectionLayout(model_id="other-model", dimension=4))


def test_dense_query_ranks_nearest_first(reading_store: Store) -> None:
    hits = reading_store.query(
        VectorQuery(dense=[0, 0.95, 0.05, 0], sparse=None, mode="dense", limit=2)
    )
    assert hits[0].doc_id == "lonely"
    assert len(hits) == 2


def test_sparse_query_finds_exact_terms(reading_store: Store) -> None:
    hits = reading_store.query(
        VectorQuery(dense=None, sparse=WEIGHTS.query_vector("mould"), mode="sparse")
    )
    assert [h.doc_id for h in hits] == ["housing"]
    assert hits[0].page_start == 1


def test_a_score_threshold_keeps_only_close_points(reading_store: Store) -> None:
    # Cosines with [1, 0, 0, 0]: 1.0 and about 0.99 for housing, 0 for the others.
    query = VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=10)
    assert len(reading_store.query(query)) == len(CHUNKS)
    close = reading_store.query(replace(query, score_threshold=0.5))
    assert sorted(h.id for h in close) == sorted(point_id("housing", i) for i in (0, 1))


def test_a_query_can_read_only_some_payload_fields(reading_store: Store) -> None:
    query = VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=1)
    slim = reading_store.query(replace(query, payload_fields=("doc_id", "year")))
    assert slim[0].payload == {"doc_id": "housing", "year": 2019}
    assert "text" in reading_store.query(query)[0].payload


def _meals_and_loneliness(fusion: str, limit: int) -> VectorQuery:
    """A hybrid query whose dense vector points at meals and whose keyword is loneliness."""
    return VectorQuery(
        dense=[0, 0, 1, 0],
        sparse=WEIGHTS.query_vector("loneliness"),
        mode="hybrid",
        fusion=fusion,  # type: ignore[arg-type]
        limit=limit,
    )


@pytest.mark.parametrize("fusion", ["rrf", "dbsf"])
def test_hybrid_fuses_dense_and_sparse(reading_store: Store, fusion: str) -> None:
    # Both legs' documents must come back on top.
    query = _meals_and_loneliness(fusion, limit=2)
    assert {h.doc_id for h in reading_store.query(query)} == {"meals", "lonely"}


@pytest.mark.parametrize("fusion", ["rrf", "dbsf"])
def test_hybrid_dense_leg_can_be_kept_to_given_points(reading_store: Store, fusion: str) -> None:
    # Kept to the housing chunks, the dense leg can only bring those, and the keyword leg
    # still brings loneliness.
    query = _meals_and_loneliness(fusion, limit=10)
    housing = tuple(point_id("housing", i) for i in (0, 1))
    kept = reading_store.query(replace(query, dense_among=housing))
    assert {h.doc_id for h in kept} == {"housing", "lonely"}
    # Filters still apply to the kept points; no points at all leaves the keyword leg alone.
    filtered = replace(query, dense_among=housing, filters=Filters(year_from=2020))
    assert {h.doc_id for h in reading_store.query(filtered)} == {"lonely"}
    assert {h.doc_id for h in reading_store.query(replace(query, dense_among=()))} == {"lonely"}
    # Kept to every point the dense leg would find anyway, the ranking is unchanged (a
    # vector with no tied cosines: engines order ties as they find them).
    untied = replace(query, dense=[0.2, 0.5, 1, 0])
    every = tuple(c.id for c in CHUNKS)
    assert [h.id for h in reading_store.query(replace(untied, dense_among=every))] == [
        h.id for h in reading_store.query(untied)
    ]


def test_filters_are_and_across_fields_or_within(reading_store: Store) -> None:
    assert reading_store.count(Filters(organisations=("West Sussex",))) == 2
    assert reading_store.count(Filters(organisations=("West Sussex", "Kent"))) == 4
    assert reading_store.count(Filters(organisations=("West Sussex",), year_from=2024)) == 1
    assert reading_store.count(Filters(year_to=2019)) == 2
    assert reading_store.count(Filters(exclude_doc_ids=("housing",))) == 2
    hits = reading_store.query(
        VectorQuery(
            dense=[1, 0, 0, 0],
            sparse=None,
            mode="dense",
            filters=Filters(organisations=("West Sussex",)),
        )
    )
    assert {h.doc_id for h in hits} == {"lonely", "meals"}


def test_delete_by_document_removes_only_its_chunks(store: Store) -> None:
    store.delete_documents(["housing"])
    # Unfiltered (the shard's own count) and filtered counts agree after a delete and a write.
    assert store.count() == store.count(Filters(year_from=1900)) == 2
    assert store.facet("doc_id") == {"lonely": 1, "meals": 1}
    store.upsert(CHUNKS[:1])
    assert store.count() == len(store.chunks(Filters())) == 3


def test_chunks_lists_a_documents_points(reading_store: Store) -> None:
    chunks = reading_store.chunks(Filters(doc_ids=("housing",)))
    assert sorted(h.payload["chunk_index"] for h in chunks) == [0, 1]


def test_recommend_returns_similar_chunks_from_other_documents(reading_store: Store) -> None:
    hits = reading_store.recommend(
        [point_id("housing", 0)], Filters(exclude_doc_ids=("housing",)), 3
    )
    assert hits and all(h.doc_id != "housing" for h in hits)


def test_embedded_store_is_owned_by_one_process_at_a_time(tmp_path: Path) -> None:
    first = EmbeddedStore(tmp_path / "c")
    try:
        with pytest.raises(StoreBusyError, match="in use by a running site"):
            EmbeddedStore(tmp_path / "c")
    finally:
        first.close()
    EmbeddedStore(tmp_path / "c").close()  # free again once closed


def test_embedded_store_keeps_points_after_reopening(tmp_path: Path) -> None:
    store = EmbeddedStore(tmp_path / "c")
    store.ensure_collection(LAYOUT)
    store.upsert(CHUNKS)
    store.close()
    reopened = EmbeddedStore(tmp_path / "c")
    try:
        assert reopened.count() == len(CHUNKS)
        assert reopened.layout() == LAYOUT
    finally:
        reopened.close()


def test_vectors_can_be_read_back_by_id(reading_store: Store) -> None:
    vectors = reading_store.chunk_vectors([point_id("lonely", 0), point_id("meals", 0)])
    assert set(vectors) == {point_id("lonely", 0), point_id("meals", 0)}
    assert vectors[point_id("lonely", 0)][1] == pytest.approx(1.0)


def test_set_payload_merges_fields_and_they_filter(store: Store) -> None:
    store.set_payload({point_id("meals", 0): {"determinants": ["food", "income"]}})
    (hit,) = store.chunks(Filters(determinants=("food",)))
    assert hit.payload["determinants"] == ["food", "income"]
    assert hit.payload["text"] == "free school meals uptake"  # other fields kept
    assert store.count(Filters(determinants=("income", "housing"))) == 1


def test_body_only_leaves_out_front_and_back_matter_but_keeps_old_chunks(store: Store) -> None:
    store.upsert(
        [
            _chunk("housing", 2, "contents page list", [1, 0, 0, 0], matter="front"),
            _chunk("housing", 3, "references list", [1, 0, 0, 0], matter="back"),
            _chunk("housing", 4, "body text here", [1, 0, 0, 0], matter="body"),
        ]
    )
    everything = store.chunks(Filters(doc_ids=("housing",)))
    assert sorted(h.payload["chunk_index"] for h in everything) == [0, 1, 2, 3, 4]
    body = store.chunks(Filters(doc_ids=("housing",), body_only=True))
    # Chunks 0 and 1 were stored without a `matter` field, as older libraries were: still body.
    assert sorted(h.payload["chunk_index"] for h in body) == [0, 1, 4]
    hits = store.recommend([point_id("lonely", 0)], Filters(body_only=True), 10)
    assert hits and all(h.is_body for h in hits)


def test_year_spans_keep_chunks_in_any_span(reading_store: Store) -> None:
    assert reading_store.count(Filters(year_spans=((None, 2019),))) == 2
    assert reading_store.count(Filters(year_spans=((None, 2019), (2024, None)))) == 3
    assert reading_store.count(Filters(year_spans=((2020, 2022),))) == 0
    # AND with the other fields: a span and an organisation.
    spans = Filters(organisations=("West Sussex",), year_spans=((None, 2019), (2023, 2023)))
    assert reading_store.count(spans) == 1


def test_retrieve_reads_chunks_by_id_and_skips_unknown_ones(reading_store: Store) -> None:
    wanted = [point_id("meals", 0), point_id("housing", 1), point_id("nowhere", 0)]
    found = {h.id: h for h in reading_store.retrieve(wanted)}
    assert set(found) == {point_id("meals", 0), point_id("housing", 1)}
    assert found[point_id("housing", 1)].text == "overcrowding and temporary accommodation"
    assert reading_store.retrieve([]) == []
    narrow = reading_store.retrieve([point_id("meals", 0)], fields=("doc_id", "year"))
    assert [h.payload for h in narrow] == [{"doc_id": "meals", "year": 2024}]


def test_a_readers_view_reads_by_id_only_what_its_queries_could_find(store: Store) -> None:
    store.upsert(
        [
            _chunk("shared", 0, "damp homes for partners", [1, 0, 0, 0], access="partner"),
            _chunk("gone", 0, "a withdrawn note on damp", [1, 0, 0, 0], access=WITHDRAWN),
        ]
    )
    every = [c.id for c in CHUNKS] + [point_id("shared", 0), point_id("gone", 0)]
    for role in ("visitor", "partner", "admin"):
        view = ScopedStore(store, levels_for(role))
        by_query = view.chunks(Filters())
        assert {h.id for h in view.retrieve(every)} == {h.id for h in by_query}, role
        narrow = view.retrieve(every, fields=("doc_id",))
        assert {h.id for h in narrow} == {h.id for h in by_query}, role
    # Points written before access levels carry none: every reader sees them, as public.
    visitor = {h.doc_id for h in ScopedStore(store, levels_for("visitor")).retrieve(every)}
    assert visitor == {c.payload["doc_id"] for c in CHUNKS}


def _tied(store: Store, name: str, count: int, text: str, dense: list[float]) -> list[str]:
    """`count` documents of one passage each, all with the same words and vector, written in
    reverse order; their chunk ids, sorted."""
    tied = [_chunk(f"{name}{n}", 0, text, dense) for n in range(count)]
    store.upsert(list(reversed(tied)))
    return sorted(c.id for c in tied)


def _tied_query(
    mode: Mode, text: str, dense: list[float], limit: int, doc_ids: list[str]
) -> VectorQuery:
    return VectorQuery(
        dense=dense,
        sparse=WEIGHTS.query_vector(text),
        mode=mode,
        fusion="dbsf",
        limit=limit,
        candidates=len(doc_ids),
        filters=Filters(doc_ids=tuple(doc_ids)),
    )


def test_tied_scores_come_back_in_id_order(store: Store) -> None:
    # Same vector, same words: each leg, and DBSF's fusion of them, scores these points alike.
    # (RRF scores by place in each leg, and the engine places tied points before fusing.)
    text, dense = "identical tied passage", [0.0, 0.0, 0.0, 1.0]
    ids = _tied(store, "tie", 6, text, dense)
    modes: tuple[Mode, ...] = ("dense", "sparse", "hybrid")
    for mode in modes:
        query = _tied_query(mode, text, dense, 6, [f"tie{n}" for n in range(6)])
        assert [h.id for h in store.query(query)] == ids, mode
    hits = store.recommend([point_id("housing", 0)], Filters(doc_ids=("tie0", "tie1", "tie2")), 3)
    assert [h.id for h in hits] == sorted(h.id for h in hits)


def test_a_group_of_ties_across_the_cut_is_cut_in_id_order(store: Store) -> None:
    # More tied points than the few asked past the limit: which come back is the engine's
    # choice unless the store asks again for the whole group.
    text, dense = "identical boilerplate paragraph", [0.0, 0.0, 1.0, 1.0]
    ids = _tied(store, "group", 40, text, dense)
    both: tuple[Mode, ...] = ("dense", "hybrid")
    for mode in both:
        query = _tied_query(mode, text, dense, 3, [f"group{n}" for n in range(40)])
        assert [h.id for h in store.query(query)] == ids[:3], mode


def test_optimizing_keeps_every_point_searchable(store: Store) -> None:
    store.optimize()
    assert store.count() == len(CHUNKS)
    hits = store.query(VectorQuery(dense=[0, 0, 1, 0], sparse=None, mode="dense", limit=1))
    assert hits[0].doc_id == "meals"


AGREEMENT_FILTERS = [
    Filters(),
    Filters(organisations=("West Sussex",)),
    Filters(organisations=("West Sussex", "Kent"), year_from=2020),
    Filters(year_to=2019),
    Filters(year_spans=((None, 2019), (2024, None))),
    Filters(exclude_doc_ids=("housing",), year_from=2019, year_to=2023),
    Filters(doc_ids=("housing", "meals"), body_only=True),
    Filters(access_levels=("public",)),
    Filters(access_levels=("public", "partner", "internal")),
    Filters(determinants=("food",)),
]


@pytest.mark.parametrize("filters", AGREEMENT_FILTERS, ids=repr)
def test_the_core_rule_in_python_agrees_with_the_engine(
    rule_store: Store, filters: Filters
) -> None:
    everything = rule_store.chunks(Filters())
    assert len(everything) == len(CHUNKS + RULE_CHUNKS)
    by_rule = {h.id for h in everything if payload_passes(h.payload, filters)}
    assert {h.id for h in rule_store.chunks(filters)} == by_rule
    assert rule_store.count(filters) == len(by_rule)


def test_facets_leave_out_values_with_no_points(store: Store) -> None:
    assert store.facet("organisation", Filters(year_from=2023)) == {"West Sussex": 2}
    store.delete_documents(["lonely", "meals"])
    assert store.facet("organisation") == {"Kent": 2}


def test_reading_vectors_by_id_leaves_out_unknown_ids(reading_store: Store) -> None:
    vectors = reading_store.chunk_vectors([point_id("meals", 0), point_id("nowhere", 0)])
    assert list(vectors) == [point_id("meals", 0)]
    assert reading_store.chunk_vectors([]) == {}


def test_reading_a_chunks_words_gives_its_keyword_vectors_terms(reading_store: Store) -> None:
    housing, meals = point_id("housing", 0), point_id("meals", 0)
    held = reading_store.chunk_terms([housing, meals, point_id("nowhere", 0)])
    assert set(held) == {housing, meals}
    assert held[housing] == frozenset(
        WEIGHTS.document_vector("damp and mould in rented homes").indices
    )
    assert held[meals] == frozenset(WEIGHTS.document_vector("free school meals uptake").indices)
    assert reading_store.chunk_terms([]) == {}


def test_a_query_with_no_usable_vector_finds_nothing(reading_store: Store) -> None:
    empty_sparse = WEIGHTS.query_vector("the and of")
    assert empty_sparse.is_empty()
    assert reading_store.query(VectorQuery(dense=None, sparse=empty_sparse, mode="sparse")) == []
    assert reading_store.query(VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="sparse")) == []


@pytest.mark.parametrize("kind", KINDS)
def test_a_store_with_no_collection_reads_as_empty(kind: str, tmp_path: Path) -> None:
    empty = _open(kind, tmp_path / "none")
    try:
        assert empty.layout() is None
        assert empty.count() == 0
        assert empty.facet("doc_id") == {}
        assert empty.chunks(Filters()) == []
        assert empty.retrieve([point_id("housing", 0)]) == []
        assert empty.chunk_vectors([point_id("housing", 0)]) == {}
        assert empty.chunk_terms([point_id("housing", 0)]) == {}
        assert empty.recommend([point_id("housing", 0)], Filters(), 3) == []
        query = VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense")
        assert empty.query(query) == []
    finally:
        empty.close()


def test_the_server_store_asks_once_that_its_collection_exists() -> None:
    store = ServerStore.connect(QdrantSettings(mode="memory"))
    client = store._client
    asked: list[str] = []
    exists = client.collection_exists

    def counting(name: str) -> bool:
        asked.append(name)
        return exists(name)

    client.collection_exists = counting  # type: ignore[method-assign]
    try:
        query = VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=5)
        assert store.query(query) == [] and store.count() == 0  # missing: reads as empty
        assert len(asked) == 2
        store.ensure_collection(LAYOUT)
        store.upsert(CHUNKS)
        asked.clear()
        for _ in range(3):
            assert store.query(query)[0].doc_id == "housing"
            assert store.count() == len(CHUNKS)
            assert len(store.retrieve([c.id for c in CHUNKS])) == len(CHUNKS)
        assert asked == []
    finally:
        store.close()


@pytest.mark.parametrize(
    "pointer",
    ["not json", "[]", '"evidence-2"', '{"base": "evidence"}', '{"base": "x", "collection": "y"}'],
)
def test_a_damaged_collection_pointer_falls_back_to_the_configured_collection(
    tmp_path: Path, pointer: str
) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.store_dir.mkdir(parents=True)
    (settings.store_dir / ACTIVE_FILE).write_text(pointer)
    assert active_collection(settings) == settings.qdrant.collection
    switch_collection(settings, "evidence-2")
    assert active_collection(settings) == "evidence-2"


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ((("damp",), ("homes",)), 1),
        ((("mould",), ("rented",), ("homes",), ("damp",)), 1),
        ((("meals",),), 1),
        ((("damp",), ("school",)), 0),  # each word is stored, but in different chunks
        ((("older",), ("loneliness",)), 1),
        # A word spelt two ways is held in either spelling ("mould" here).
        ((("damp",), ("mold", "mould")), 1),
        ((("mold",), ("damp",)), 0),
        ((("mold", "mould"), ("behavior", "behaviour")), 0),
    ],
)
def test_all_words_keeps_chunks_holding_every_word(
    reading_store: Store, words: tuple[tuple[str, ...], ...], expected: int
) -> None:
    filters = Filters(all_words=words)
    assert reading_store.count(filters) == expected
    # The engines and the Python rule agree chunk by chunk.
    assert sum(payload_passes(c.payload, filters) for c in CHUNKS) == expected
    assert reading_store.count(Filters(all_words=words, organisations=("West Sussex",))) == sum(
        payload_passes(c.payload, Filters(all_words=words, organisations=("West Sussex",)))
        for c in CHUNKS
    )


def test_all_words_compares_english_stems_and_skips_stop_words(tmp_path: Path) -> None:
    # The embedded store's text index stems as keyword search does (the server's in-memory
    # test mode builds no index, so it compares whole words only).
    store = EmbeddedStore(tmp_path / "collection")
    try:
        store.ensure_collection(LAYOUT)
        store.upsert(CHUNKS)
        for words in (("home", "rent"), ("villager", "older"), ("the", "meal")):
            filters = Filters(all_words=tuple((w,) for w in words))
            expected = sum(payload_passes(c.payload, filters) for c in CHUNKS)
            assert expected == 1
            assert store.count(filters) == expected, words
        # Only stop words: nothing to hold, so nothing matches by words.
        assert store.count(Filters(all_words=(("the",), ("of",)))) == 0
        assert not any(payload_passes(c.payload, Filters(all_words=(("the",),))) for c in CHUNKS)
    finally:
        store.close()


def test_chunks_stored_with_uuid_ids_before_ids_were_numbers_still_work(store: Store) -> None:
    """A library from before numeric ids keeps its UUIDs until read again: both kinds of id
    live in one collection, and every read and write by id finds either."""
    old = replace(
        _chunk("archive", 0, "damp and mould in council flats", [0.8, 0.2, 0, 0]),
        id=legacy_point_id("archive", 0),
    )
    assert "-" in old.id and point_id("archive", 0).isdigit()
    store.upsert([old])
    close = store.query(VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=10))
    assert {h.id for h in close} >= {old.id, point_id("housing", 0)}
    both = [old.id, point_id("meals", 0)]
    assert {h.id for h in store.retrieve(both)} == set(both)
    assert set(store.chunk_vectors(both)) == set(both)
    assert set(store.chunk_terms(both)) == set(both)
    assert old.id in {h.id for h in store.recommend([point_id("housing", 0)], Filters(), 10)}
    assert point_id("housing", 0) in {h.id for h in store.recommend([old.id], Filters(), 10)}
    among = store.query(
        VectorQuery(
            dense=[1, 0, 0, 0],
            sparse=WEIGHTS.query_vector("damp mould"),
            limit=10,
            dense_among=(old.id, point_id("housing", 0)),
        )
    )
    assert old.id in {h.id for h in among}
    store.set_payload({old.id: {"determinants": ["housing"]}})
    [held] = store.retrieve([old.id])
    assert held.payload["determinants"] == ["housing"] and held.payload["text"].startswith("damp")
    store.delete_documents(["archive"])
    assert store.retrieve([old.id]) == [] and store.count() == len(CHUNKS)


def test_a_numeric_id_is_the_same_text_going_in_and_coming_out(store: Store) -> None:
    ids = [point_id(doc, n) for doc in ("housing", "lonely") for n in range(2)]
    assert all(i.isdigit() and 0 <= int(i) < 2**63 for i in ids) and len(set(ids)) == 4
    hits = store.query(VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=10))
    assert {h.id for h in hits} == {c.id for c in CHUNKS}
    assert engine_id(ids[0]) == int(ids[0]) and engine_id(legacy_point_id("x", 0)) == (
        legacy_point_id("x", 0)
    )
    assert engine_id("9" * 30) == "9" * 30  # too large for the engine: not made a number
    assert engine_id("9" * 5000) == "9" * 5000  # and not read as a number at all


def test_only_text_shaped_as_a_chunk_id_is_taken_for_one() -> None:
    uuid_id = legacy_point_id("housing", 0)
    for good in (point_id("housing", 0), uuid_id, "0", str(2**64 - 1)):
        assert is_point_id(good), good
    for bad in ("", "abc", str(2**64), "9" * 5000, "-1", "１２", uuid_id.upper(),
                "{" + uuid_id + "}", uuid_id.replace("-", ""), uuid_id + " "):  # fmt: skip
        assert not is_point_id(bad), bad
