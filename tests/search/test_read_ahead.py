"""A running site reads every passage's row of the chunk table ahead of searches, so a new
question's counts read no payloads. Real model, real engine, a small library built here."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from search.curation import correct_document
from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.chunk_table import ChunkTable
from search.retrieval.read_ahead import ReadAhead
from search.schema import Filters, Hit
from search.settings import MatchSettings
from tests.libraries import FIVE_NOTES, build_notes, opened_copy

TEXTS = list(FIVE_NOTES)
QUERY = "damp mould homes"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    return build_notes(tmp_path_factory.mktemp("ahead"), TEXTS, encoder)


@pytest.fixture
def library(built: Path, tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    yield from opened_copy(built, tmp_path / "lib", encoder, match=MatchSettings())


def _row_reads(library: Library, monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many ids each read of rows by id asked for (the chunk table asks for its counted
    fields; a shown passage's own read asks for its text too)."""
    reads: list[int] = []
    real = library.store.retrieve

    def retrieve(ids: Any, fields: Any = None) -> list[Hit]:
        if fields is not None and "text" not in fields:
            reads.append(len(ids))
        return real(ids, fields)

    monkeypatch.setattr(library.store, "retrieve", retrieve)
    return reads


def _reader(library: Library, **kwargs: Any) -> ReadAhead:
    return ReadAhead(library.searcher.table, library.store, library.catalogue, **kwargs)


def test_after_reading_ahead_a_new_question_reads_no_rows(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    reads = _row_reads(library, monkeypatch)
    unread = library.searcher.search(QUERY)
    assert sum(reads) > 0  # without reading ahead, a search reads its rows as it goes
    library.searcher.table = ChunkTable(library.catalogue.changed_since)  # forget that search
    reads.clear()
    reader = _reader(library)
    assert reader.read_once() and reader.is_current()
    assert library.searcher.table.size() == library.store.count()
    reads.clear()
    read_ahead = library.searcher.search(QUERY)
    assert reads == []
    assert read_ahead.total == unread.total and read_ahead.strong_total == unread.strong_total
    assert [d.doc_id for d in read_ahead.documents] == [d.doc_id for d in unread.documents]


def test_a_change_to_the_catalogue_stops_a_read_part_way(library: Library) -> None:
    version = library.catalogue.changes()
    asked = iter(range(100))
    # The catalogue moves on after the reader's first look.
    library.catalogue.changes = lambda: version + (next(asked) > 1)  # type: ignore[method-assign]
    reader = _reader(library, batch=1)
    assert not reader.read_once()
    assert not reader.is_current()
    assert library.searcher.table.size() < library.store.count()


def test_the_background_reader_reads_once_and_stops_when_asked(library: Library) -> None:
    reader = _reader(library, check_s=0.05, delay_s=0.0)
    reader.start()
    try:
        deadline = time.monotonic() + 30
        while not reader.is_current() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert reader.is_current()
        assert library.searcher.table.size() == library.store.count()
    finally:
        reader.stop()
    assert reader._thread is None


def test_after_a_change_the_reader_reads_only_the_changed_document(library: Library) -> None:
    reader = _reader(library)
    assert reader.read_once()
    record = library.catalogue.documents()[0]
    own = library.store.count(Filters(doc_ids=(record.doc_id,)))
    correct_document(library.store, library.catalogue, record.doc_id, {"organisation": "Hall"})
    assert not reader.is_current()
    table = library.searcher.table
    before = table.fill
    added: list[int] = []

    def fill(*args: Any, **kwargs: Any) -> int:
        added.append(before(*args, **kwargs))
        return added[-1]

    table.fill = fill  # type: ignore[method-assign]
    assert reader.read_once() and reader.is_current()
    assert added == [own]
    assert table.size() == library.store.count()
