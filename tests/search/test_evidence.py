"""Evidence per determinant over a real store (both engines) and catalogue, with made-up tags."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from search.analysis import SparseVector
from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.evidence.determinants import Taxonomy, load_taxonomy
from search.evidence.places import Gazetteer, default_gazetteer
from search.evidence.ranking import (
    MAIN_SHARE,
    best_by_determinant,
    determinant_evidence,
    is_local_document,
    main_determinants,
    overview,
    speaks_of,
)
from search.evidence.strength import (
    ABOUT_MIN_WORDS,
    STRONGEST_RULES,
    about_start,
    find_strongest_passages,
)
from search.index import backfill_evidence, refresh_strongest
from search.schema import DocumentMeta, Hit, IndexedChunk, point_id
from search.settings import QdrantSettings
from search.store.base import CollectionLayout, Store
from search.store.embedded import EmbeddedStore
from search.store.server import ServerStore

LEICESTERSHIRE = ["charnwood", "leicestershire", "east_midlands"]

# doc id -> (year, places, added_at); "orphan" has points but no catalogue row (a crashed ingest).
# Places come most-named first: "national" names London most, so it is not local.
DOCUMENTS: dict[str, tuple[int, list[str], float]] = {
    "damp": (2019, LEICESTERSHIRE, 100.0),
    "kent": (2024, ["kent", "south_east"], 300.0),
    "leic": (2023, ["leicester", "east_midlands"], 200.0),
    "food": (2020, [], 400.0),
    "sussex": (2025, ["west_sussex", "south_east"], 500.0),
    "national": (2022, ["london", "east_midlands"], 50.0),
}

# (doc id, chunk index, determinants, scores)
TAGS: list[tuple[str, int, list[str], dict[str, float]]] = [
    ("damp", 0, ["housing"], {"housing": 0.97}),
    ("damp", 1, ["income", "housing"], {"housing": 0.70, "income": 0.9}),
    ("kent", 0, ["housing"], {"housing": 0.99}),
    ("leic", 0, ["housing"], {"housing": 0.96}),
    ("orphan", 0, ["housing"], {"housing": 0.99}),
    ("food", 0, ["food", "made_up"], {"food": 0.9, "income": 0.3}),
    ("sussex", 0, ["housing"], {"housing": 0.98}),
    ("sussex", 1, ["food"], {"food": 0.9}),
    ("national", 0, ["housing"], {"housing": 0.6}),
]


def _shares(doc_id: str) -> dict[str, float]:
    tags = [t[2] for t in TAGS if t[0] == doc_id]
    return {d: sum(d in t for t in tags) / len(tags) for d in {d for t in tags for d in t}}


def _payload(doc_id: str, index: int, determinants: list[str], scores: dict[str, float]) -> Any:
    year, places, _ = DOCUMENTS.get(doc_id, (2022, [], 0.0))
    return {
        "doc_id": doc_id,
        "chunk_index": index,
        "text": f"passage {index} of {doc_id}",
        "page": index + 1,
        "year": year,
        "places": places,
        "determinants": determinants,
        "determinant_scores": scores,
    }


def _hit(doc_id: str, index: int) -> Hit:
    tags = next(t for t in TAGS if t[0] == doc_id and t[1] == index)
    return Hit(point_id(doc_id, index), 1.0 / (index + 1), _payload(*tags))


@pytest.fixture(scope="module", params=["embedded", "memory"])
def module_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Store]:
    opened: Store
    if request.param == "embedded":
        opened = EmbeddedStore(tmp_path_factory.mktemp("evidence") / "collection")
    else:
        opened = ServerStore.connect(QdrantSettings(mode="memory"))
    opened.ensure_collection(CollectionLayout(model_id="test-model", dimension=2))
    opened.upsert(
        [
            IndexedChunk(point_id(d, i), [1.0, float(i)], SparseVector(), _payload(d, i, ds, s))
            for d, i, ds, s in TAGS
        ]
    )
    yield opened
    opened.close()


@pytest.fixture
def store(module_store: Store) -> Iterator[Store]:
    """One store per engine for the module: these tests only read it (checked after each)."""
    yield module_store
    assert module_store.count() == len(TAGS), "a test wrote to the shared store"


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    opened = Catalogue(tmp_path / "catalogue.sqlite")
    for doc_id, (year, places, added_at) in DOCUMENTS.items():
        chunks = sum(1 for t in TAGS if t[0] == doc_id)
        record = DocumentRecord(
            doc_id,
            DocumentMeta(title=doc_id.title(), year=year),
            f"{doc_id}.pdf",
            f"/x/{doc_id}.pdf",
            2,
            chunks,
            added_at,
            {
                "places": places,
                "determinants": _shares(doc_id),
                # As ingest stores it: worked out once from the document's own chunks.
                "strongest": find_strongest_passages(
                    (point_id(d, i), _payload(d, i, ds, sc)) for d, i, ds, sc in TAGS if d == doc_id
                ),
            },
        )
        opened.add_document(record, ["a", "b"], FileOutcome(record.path, record.file_name, "ok"))
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="module")
def gazetteer() -> Gazetteer:
    return default_gazetteer()


def test_the_newest_listed_are_mainly_about_the_determinant(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    # The newest document of all mentions housing in one passage of ten: it is not listed
    # among the newest about housing, as its card would not tag it with housing.
    strongest = {"housing": {"chunk": point_id("brief", 0), "strength": 0.9, "passages": 1}}
    record = DocumentRecord(
        "brief", DocumentMeta(title="Brief", year=2025), "b.pdf", "/x/b.pdf", 9, 10, 900.0
    )
    extra = {"places": [], "determinants": {"housing": 0.1, "food": 0.9}, "strongest": strongest}
    catalogue.add_document(
        replace(record, extra={**extra, "lens_passages": {}}),
        ["a"],
        FileOutcome(record.path, record.file_name, "ok"),
    )
    assert catalogue.newest_about("housing", 1)[0].doc_id == "brief"  # no bar: it is newest
    housing = taxonomy.determinant("housing")
    assert housing is not None
    found = determinant_evidence(store, catalogue, gazetteer, housing, recent=2)
    assert [r.doc_id for r in found.recent] == ["sussex", "kent"]
    assert MAIN_SHARE > 0.1


def test_counts_cover_committed_documents_only(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy
) -> None:
    counts = {o.determinant.id: o.count for o in overview(catalogue, taxonomy)}
    assert list(counts) == taxonomy.ids
    assert (counts["housing"].documents, counts["housing"].passages) == (5, 6)
    assert (counts["income"].documents, counts["income"].passages) == (1, 1)
    assert (counts["work"].documents, counts["work"].passages) == (0, 0)


def test_strongest_evidence_puts_local_first_then_strength_share_and_recency(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    housing = taxonomy.determinant("housing")
    assert housing is not None
    found = determinant_evidence(store, catalogue, gazetteer, housing, strongest=10, recent=2)
    assert [e.document.doc_id for e in found.strongest] == [
        "leic",  # local; as strong and as much about housing as damp, and newer
        "damp",
        "kent",  # all about housing: before sussex (half), though sussex is newer
        "sussex",
        "national",  # names the East Midlands, but London more: not local
    ]
    assert [e.is_local for e in found.strongest] == [True, True, False, False, False]
    damp = found.strongest[1]
    assert damp.passage.chunk_id == point_id("damp", 0) and damp.strength == pytest.approx(0.97)
    assert [r.doc_id for r in found.recent] == ["sussex", "kent"]
    assert (found.count.documents, found.count.passages) == (5, 6)


def test_strongest_evidence_keeps_one_passage_per_document_up_to_the_limit(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    housing = taxonomy.determinant("housing")
    assert housing is not None
    found = determinant_evidence(store, catalogue, gazetteer, housing, strongest=2)
    assert [e.document.doc_id for e in found.strongest] == ["leic", "damp"]


HOUSING_FINDING = (
    "Of households who rented their home in 2021, 12.7% rented from the council or a housing\n"
    "association and 17.6% rented privately, a rise of three points since the last census, and\n"
    "overcrowding in rented housing rose in every district of the county over the same years.\n"
)


def test_within_local_and_the_rest_passages_that_read_as_evidence_come_first(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    housing = taxonomy.determinant("housing")
    assert housing is not None
    # An older library stored whether each passage read as evidence; what decides now is the
    # text the page shows, so a stored mark moves nothing.
    record = next(r for r in catalogue.documents() if r.doc_id == "sussex")
    marked = {"housing": {**record.extra["strongest"]["housing"], "quotable": True}}
    catalogue.update_extra("sussex", {**record.extra, "strongest": marked})
    before = [
        e.document.doc_id
        for e in determinant_evidence(store, catalogue, gazetteer, housing).strongest
    ]
    assert before == ["leic", "damp", "kent", "sussex", "national"]

    # The test passages are too short to read as evidence; give the weakest one a finding.
    national = _payload("national", 0, ["housing"], {"housing": 0.6})
    chunk = point_id("national", 0)
    store.upsert(
        [IndexedChunk(chunk, [1.0, 0.0], SparseVector(), {**national, "text": HOUSING_FINDING})]
    )
    try:
        found = determinant_evidence(store, catalogue, gazetteer, housing, strongest=10)
    finally:
        store.upsert([IndexedChunk(chunk, [1.0, 0.0], SparseVector(), national)])

    order = [e.document.doc_id for e in found.strongest]
    assert order == ["leic", "damp", "national", "kent", "sussex"]  # local first all the same
    assert found.strongest[2].passage.text.startswith("Of households who rented")


def _count_places(catalogue: Catalogue, doc_id: str, counts: dict[str, int]) -> None:
    """Give a document the place mention counts ingest would have stored for it."""
    record = next(r for r in catalogue.documents() if r.doc_id == doc_id)
    catalogue.update_extra(doc_id, {**record.extra, "place_counts": counts})


def _housing_page(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, gazetteer: Gazetteer, strongest: int
) -> list[tuple[str, bool]]:
    """The housing page's strongest evidence: each document, and whether it is marked local."""
    housing = taxonomy.determinant("housing")
    assert housing is not None
    found = determinant_evidence(store, catalogue, gazetteer, housing, strongest=strongest)
    return [(e.document.doc_id, e.is_local) for e in found.strongest]


def test_a_page_marks_local_by_all_its_place_counts_not_the_first_place_alone(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    # "leic" names Leicester most, but as one of four cities it follows about equally.
    counts = {"leicester": 26, "london": 26, "liverpool": 23, "portsmouth": 15}
    _count_places(catalogue, "leic", counts)

    assert _housing_page(store, catalogue, taxonomy, gazetteer, strongest=10) == [
        ("damp", True),
        # Among the rest, in the evidence order: as strong as kent and sussex (in tenths), all
        # about housing like kent but older, more about it than sussex.
        ("kent", False),
        ("leic", False),
        ("sussex", False),
        ("national", False),
    ]


def test_a_document_local_by_its_counts_is_read_though_its_first_place_is_not(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    # "kent" lists Kent first, but its counts make it mainly about Leicestershire's districts;
    # two documents whose first place is local already fill a page of two.
    _count_places(catalogue, "kent", {"kent": 6, "charnwood": 5, "blaby": 4})

    # Local by its counts, and the newest of the three equally strong local documents.
    assert _housing_page(store, catalogue, taxonomy, gazetteer, strongest=2) == [
        ("kent", True),
        ("leic", True),
    ]


def test_a_document_is_local_when_the_place_it_names_most_is_local(
    catalogue: Catalogue, gazetteer: Gazetteer
) -> None:
    local = {r.doc_id: is_local_document(r, gazetteer) for r in catalogue.documents()}
    assert local == {
        "damp": True,
        "leic": True,
        "kent": False,
        "food": False,
        "sussex": False,
        "national": False,
    }


def _outline(hit: Hit) -> Hit:
    """A hit as a search's ranking gives it (`ChunkTable.outline`): no text, and its
    determinants in some other order than its payload's."""
    payload = hit.payload
    kept = {"doc_id": payload["doc_id"], "determinants": sorted(payload["determinants"])}
    return Hit(hit.id, hit.score, kept)


@pytest.mark.parametrize("outlined", [False, True], ids=["whole", "outlined"])
def test_best_by_determinant_takes_each_determinants_first_hit_in_rank_order(
    store: Store, catalogue: Catalogue, taxonomy: Taxonomy, outlined: bool
) -> None:
    hits = [_hit("food", 0), _hit("damp", 1), _hit("orphan", 0), _hit("kent", 0), _hit("damp", 0)]
    ranked = [_outline(h) for h in hits] if outlined else hits
    found = best_by_determinant(ranked, store, catalogue, taxonomy)
    assert [(f.determinant.id, f.hit.id, f.documents) for f in found] == [
        ("food", point_id("food", 0), 1),  # "made_up" is not in the taxonomy: left out
        # One hit is best for both: listed as the hit lists them (strongest first), which an
        # outlined hit does not say, so it is read whole.
        ("income", point_id("damp", 1), 1),
        ("housing", point_id("damp", 1), 2),  # the orphan's hit is invisible
    ]
    assert found[2].document.doc_id == "damp"
    # What is shown comes whole, with its score from the ranking.
    assert [(f.hit.text, f.hit.score) for f in found] == [
        ("passage 0 of food", 1.0),
        ("passage 1 of damp", 0.5),
        ("passage 1 of damp", 0.5),
    ]


def _record(extra: dict[str, Any]) -> DocumentRecord:
    return DocumentRecord("d", DocumentMeta(title="t"), "d.pdf", "d.pdf", 1, 1, 0.0, extra)


@pytest.mark.parametrize(
    ("counts", "is_local"),
    [
        ({"charnwood": 6, "kent": 2}, True),
        ({"kent": 5, "charnwood": 3}, False),
        ({"leicester": 3, "london": 3}, True),  # a tie goes to the local place
        ({"leicester": 1}, False),  # one passing mention is not enough
        # A national report that follows four cities, Leicester one of them, about as often
        # as each other: its most named place is local, but most of its places are not.
        ({"leicester": 26, "london": 26, "liverpool": 23, "portsmouth": 15}, False),
        # A local report that compares its county with many neighbours now and then.
        ({"leicestershire": 20, **{f"n{i}": 2 for i in range(15)}}, True),
        ({"leicestershire": 9, "kent": 5, "west_sussex": 5}, False),  # neither half nor twice
    ],
)
def test_local_is_read_from_stored_place_counts_not_list_order(
    gazetteer: Gazetteer, counts: dict[str, int], is_local: bool
) -> None:
    # The list order says the opposite of the counts: the counts decide.
    places = ["kent", "south_east"] if is_local else ["leicestershire", "east_midlands"]
    record = _record({"places": places, "place_counts": counts})
    assert is_local_document(record, gazetteer) is is_local


def test_documents_indexed_before_place_counts_fall_back_to_their_places(
    gazetteer: Gazetteer,
) -> None:
    assert is_local_document(_record({"places": ["charnwood", "leicestershire"]}), gazetteer)
    assert not is_local_document(_record({"places": ["kent", "east_midlands"]}), gazetteer)


def test_main_determinants_are_the_large_shares_and_always_the_top_one() -> None:
    assert main_determinants({"housing": 0.6, "income": 0.2, "food": 0.05}) == ["housing", "income"]
    assert main_determinants({"food": 0.04, "income": 0.01}) == ["food"]
    assert main_determinants({}) == []
    many = {d: 0.5 for d in ("a", "b", "c", "d", "e")}
    assert len(main_determinants(many)) == 4


def test_documents_indexed_before_evidence_rows_get_them_once(
    store: Store, tmp_path: Path, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    older = Catalogue(tmp_path / "older.sqlite")
    try:
        for doc_id, (year, places, added_at) in DOCUMENTS.items():
            chunks = sum(1 for t in TAGS if t[0] == doc_id)
            extra = {"places": places, "determinants": _shares(doc_id)}  # no "strongest"
            record = DocumentRecord(
                doc_id, DocumentMeta(doc_id.title(), year=year), f"{doc_id}.pdf",
                f"/x/{doc_id}.pdf", 2, chunks, added_at, extra,
            )  # fmt: skip
            older.add_document(record, ["a"], FileOutcome(record.path, record.file_name, "ok"))
        housing = taxonomy.determinant("housing")
        assert housing is not None
        assert determinant_evidence(store, older, gazetteer, housing).strongest == []
        assert backfill_evidence(store, older) == len(DOCUMENTS)
        assert backfill_evidence(store, older) == 0
        found = determinant_evidence(store, older, gazetteer, housing)
        assert [e.document.doc_id for e in found.strongest][:2] == ["leic", "damp"]
        assert (found.count.documents, found.count.passages) == (5, 6)
    finally:
        older.close()


def test_strongest_passages_an_older_rule_chose_are_chosen_again_once(
    store: Store, catalogue: Catalogue, tmp_path: Path
) -> None:
    """A library from before `strongest_rules` was noted: each document's choice is worked
    out again from its chunks, once; a new library is noted as current and reads nothing."""
    right = {r.doc_id: r.extra["strongest"] for r in catalogue.documents()}
    for record in catalogue.documents():  # as an older rule might have left them
        stale = {name: {**e, "chunk": "stale"} for name, e in record.extra["strongest"].items()}
        catalogue.update_extra(record.doc_id, {**record.extra, "strongest": stale})
    assert catalogue.mark("strongest_rules") is None
    assert refresh_strongest(store, catalogue) == len(DOCUMENTS)
    assert {r.doc_id: r.extra["strongest"] for r in catalogue.documents()} == right
    assert catalogue.mark("strongest_rules") == STRONGEST_RULES
    assert refresh_strongest(store, catalogue) == 0
    fresh = Catalogue(tmp_path / "fresh.sqlite")
    try:
        assert refresh_strongest(store, fresh) == 0
        assert fresh.mark("strongest_rules") == STRONGEST_RULES
    finally:
        fresh.close()


def test_a_passage_another_document_shows_word_for_word_is_shown_once(
    tmp_path: Path, taxonomy: Taxonomy, gazetteer: Gazetteer
) -> None:
    """An agenda pack prints a report the library also holds: the report's strongest passage
    and the pack's are the same words, and a determinant's page shows them once (for the
    stronger), filling its list from the next documents instead."""
    same = "Families in cold, damp homes see their children's asthma get worse each winter."
    texts = {
        "pack": same,
        "report": same.replace(" see ", "\nsee  "),  # the same words, laid out otherwise
        "other": "Rents in the district rose faster than wages for the fifth year running.",
        "last": "Temporary accommodation placements doubled in the two years to March.",
    }
    scores = {"pack": 0.95, "report": 0.85, "other": 0.75, "last": 0.65}  # tenths apart
    payloads = {
        d: {
            "doc_id": d,
            "chunk_index": 0,
            "text": texts[d],
            "page": 1,
            "determinants": ["housing"],
            "determinant_scores": {"housing": scores[d]},
        }
        for d in texts
    }
    store = ServerStore.connect(QdrantSettings(mode="memory"))
    store.ensure_collection(CollectionLayout(model_id="test-model", dimension=2))
    store.upsert(
        [IndexedChunk(point_id(d, 0), [1.0, 0.0], SparseVector(), p) for d, p in payloads.items()]
    )
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    for doc_id, payload in payloads.items():
        extra = {
            "determinants": {"housing": 1.0},
            "strongest": find_strongest_passages([(point_id(doc_id, 0), payload)]),
        }
        record = DocumentRecord(
            doc_id,
            DocumentMeta(title=doc_id),
            f"{doc_id}.pdf",
            f"/x/{doc_id}.pdf",
            1,
            1,
            1.0,
            extra,
        )
        catalogue.add_document(record, ["a"], FileOutcome(record.path, record.file_name, "ok"))
    housing = taxonomy.determinant("housing")
    assert housing is not None
    try:
        for shown, expected in ((10, ["pack", "other", "last"]), (2, ["pack", "other"])):
            found = determinant_evidence(store, catalogue, gazetteer, housing, strongest=shown)
            assert [e.document.doc_id for e in found.strongest] == expected
        assert found.count.documents == 4  # every document still counts
    finally:
        catalogue.close()
        store.close()


def test_evidence_about_a_determinant_starts_at_the_first_sentence_that_speaks_of_it() -> None:
    transport = next(d for d in load_taxonomy().determinants if d.id == "transport")
    is_about = speaks_of(transport)
    creek = "Both parties are working to address the water quality at Faversham Creek together."
    roads = (
        "With sixteen thousand road closures a year, traffic including heavy goods vehicles is "
        "diverted down rural lanes, and residents have asked the council what it will do about "
        "the damage to verges, the noise at night and the risk to people walking to school."
    )
    text = f"{creek} {roads}"
    assert not is_about(creek) and is_about(roads)
    assert about_start(text, 0, is_about) == text.index("With sixteen")
    # A first sentence that speaks of it keeps its place; so does the start when what is
    # left after the sentence about it is too short to show, or nothing speaks of it.
    assert about_start(roads + " " + creek, 0, is_about) == 0
    short = f"{creek} Bus routes were cut."
    assert len(short.split()) < ABOUT_MIN_WORDS and about_start(short, 0, is_about) == 0
    assert about_start(creek + " " + creek, 0, is_about) == 0
    # A table's row read across that names it is passed over for the prose after it.
    row = "Transport 41 0.0 203,233.3 203,233.3 0.0 -203,233.3 0.0\n"
    tabled = f"{creek}\n{row}{roads}"
    assert about_start(tabled, 0, is_about) == tabled.index("With sixteen")
    # The start only ever moves to where a sentence starts: never inside a sentence the PDF
    # broke over two lines ("... the road\nnetwork ..." goes on with a small letter).
    broken = f"{creek} The council said its plans for the\nroad network will change. {roads}"
    assert about_start(broken, 0, is_about) == broken.index("The council said")
