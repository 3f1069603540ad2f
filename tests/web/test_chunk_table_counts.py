"""Filter counts come from the chunk table: a repeated search reads no payloads, and a change
to a document (a correction, a withdrawal, a retag) shows in the very next search's counts.
Real model, real engine, a small library built here."""

from __future__ import annotations

import random
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from search.curation import correct_document, withdraw_document
from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.chunk_table import ChunkTable
from search.schema import Filters, Hit
from tests.libraries import build_notes, opened_copy
from web.search_form import SearchForm
from web.searching import run_search

TEXTS = [
    "Families in cold damp homes need help with heating bills and mould.",
    "Older people in villages feel lonely; lunch clubs and volunteers help families.",
    "Free school meals and breakfast clubs help families on low incomes.",
    "Rural bus routes link families in villages to doctors, shops and jobs.",
]
QUERY = "families"  # every note holds the word, so every note matches


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """The notes ingested once; each test opens its own copy, as each changes it."""
    return build_notes(tmp_path_factory.mktemp("table"), TEXTS, encoder)


@pytest.fixture
def library(built: Path, tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    yield from opened_copy(built, tmp_path / "data", encoder)


def _organisations(library: Library) -> dict[str, int]:
    outcome = run_search(library, SearchForm(q=QUERY))
    return {o.value: o.count for o in outcome.facets["organisation"]}


def test_a_repeated_search_reads_no_payloads(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No rows read again (the passages shown are read with their text, by id, each time)."""
    reads: list[int] = []
    retrieve = library.store.retrieve

    def counting(ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        if fields is not None and "text" not in fields:
            reads.append(len(ids))
        return retrieve(ids, fields)

    monkeypatch.setattr(library.store, "retrieve", counting)
    first = run_search(library, SearchForm(q=QUERY))
    assert first.results.total == len(TEXTS)
    assert sum(reads) >= len(TEXTS)  # every matched chunk read once
    reads.clear()
    again = run_search(library, SearchForm(q=QUERY))
    assert sum(reads) == 0
    assert again.facets == first.facets


def test_a_correction_shows_in_the_next_counts(library: Library) -> None:
    first, second = library.catalogue.documents()[:2]
    assert _organisations(library) == {}  # the notes name no organisation
    for record in (first, second):
        correct_document(
            library.store, library.catalogue, record.doc_id, {"organisation": "Old Hall"}
        )
    assert _organisations(library) == {"Old Hall": 2}
    correct_document(library.store, library.catalogue, first.doc_id, {"organisation": "Town Hall"})
    assert _organisations(library) == {"Old Hall": 1, "Town Hall": 1}


def test_a_withdrawn_document_leaves_a_visitors_counts(library: Library) -> None:
    visitor = library.scoped(("public",))
    run_search(visitor, SearchForm(q=QUERY))  # fill the shared table
    record = library.catalogue.documents()[0]
    withdraw_document(library.store, library.catalogue, record.doc_id)
    outcome = run_search(visitor, SearchForm(q=QUERY))
    assert outcome.results.total == len(TEXTS) - 1
    for options in outcome.facets.values():
        assert all(o.count <= len(TEXTS) - 1 for o in options)
    admin = run_search(library, SearchForm(q=QUERY))  # an admin still sees it
    assert admin.results.total == len(TEXTS)


def test_counts_follow_the_documents_asked_about_each_time(library: Library) -> None:
    rows = library.searcher.find_matches(library.searcher.vector_query(QUERY, Filters(), 10))
    every = {m.doc_id for m in rows.chunks}
    assert len(every) == len(TEXTS)

    def kinds(visible: set[str]) -> int:
        return sum(rows.count_documents("kind", visible).values())

    assert kinds(every) == len(TEXTS)
    for _ in range(50):  # new sets, freed at once: none may be taken for an earlier one
        assert kinds(set(list(every)[:1])) == 1
        assert kinds(set(every)) == len(TEXTS)


def test_a_change_to_one_document_reads_only_its_rows_again(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While documents are written one by one (an ingest, a batch of corrections), searches
    keep every other document's rows."""
    reads: list[str] = []
    retrieve = library.store.retrieve

    def counting(ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        if fields is not None and "text" not in fields:  # rows, not the passages shown
            reads.extend(ids)
        return retrieve(ids, fields)

    monkeypatch.setattr(library.store, "retrieve", counting)
    run_search(library, SearchForm(q=QUERY))
    first = library.catalogue.documents()[0]
    own = {hit.id for hit in library.store.chunks(Filters(doc_ids=(first.doc_id,)), fields=())}
    reads.clear()
    correct_document(library.store, library.catalogue, first.doc_id, {"organisation": "Old Hall"})
    assert _organisations(library) == {"Old Hall": 1}
    assert set(reads) == own


def test_a_table_too_full_of_dropped_rows_starts_again(monkeypatch: pytest.MonkeyPatch) -> None:
    """Dropped rows keep their space; once they outnumber the kept ones (and a floor), the
    next version starts empty rather than copying them on."""
    changed: list[str] = []
    table = ChunkTable(lambda version: set(changed))
    payloads = {f"c{n}": {"doc_id": f"d{n % 2}", "year": 2020} for n in range(6)}

    class Store:
        def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
            return [Hit(i, 0.0, payloads[i]) for i in ids]

    store: Any = Store()
    assert table.rows(store, list(payloads), 1).ids == list(payloads)
    changed[:] = ["d0"]
    kept = table.rows(store, [], 2).state
    assert len(kept.rows) == 3 and len(kept.row_ids) == 6  # d1's rows kept, d0's dropped
    monkeypatch.setattr("search.retrieval.chunk_table._DEAD_ROWS_KEPT", 2)
    changed[:] = ["d1"]
    assert table.rows(store, [], 3).state.row_ids == []  # 6 dead of 6: start again
    changed[:] = []
    assert table.rows(store, ["c0", "c1"], 4).ids == ["c0", "c1"]  # read again on demand


def _by_hand(
    payloads: dict[str, dict[str, Any]],
    ids: Sequence[str],
    name: str,
    visible: set[str],
    label: Any = None,
) -> dict[str, int]:
    """Documents per (labelled) value, counted one chunk at a time."""
    documents: dict[str, set[str]] = {}
    for chunk_id in ids:
        payload = payloads[chunk_id]
        if payload["doc_id"] not in visible:
            continue
        value = payload.get(name)
        for item in value if isinstance(value, list) else [value]:
            shown = str(item) if label is None else label(str(item))
            if shown is not None:
                documents.setdefault(shown, set()).add(payload["doc_id"])
    return {value: len(docs) for value, docs in documents.items()}


def test_counts_equal_a_count_by_hand() -> None:
    """Fields of a few values and of hundreds (several words of bits a row), list fields,
    documents whose chunks are far apart, values merged or dropped by a label."""
    rng = random.Random(11)
    payloads = {
        f"c{n}": {
            "doc_id": f"d{rng.randrange(40)}",
            "kind": rng.choice(["report", "briefing", "data"]),
            "places": [f"p{rng.randrange(300)}" for _ in range(rng.randrange(4))],
            "year": rng.randrange(2000, 2026),
        }
        for n in range(600)
    }

    class Store:
        def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
            return [Hit(i, 0.0, payloads[i]) for i in ids]

    store: Any = Store()
    table = ChunkTable()
    everything = list(payloads)
    table.rows(store, everything, 1)
    documents = sorted({p["doc_id"] for p in payloads.values()})

    def decade(year: str) -> str | None:
        return None if year < "2005" else year[:3]

    for _ in range(20):
        ids = rng.sample(everything, rng.randrange(1, len(everything)))
        rows = table.rows(store, ids, 1)
        visible = set(rng.sample(documents, rng.randrange(1, len(documents))))
        for name, label in (("kind", None), ("places", None), ("year", None), ("year", decade)):
            counted = rows.count_documents(name, visible, label)
            assert counted == _by_hand(payloads, ids, name, visible, label)
