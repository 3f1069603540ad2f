"""A document deleted for good leaves nothing readable in the library's files: the embedded
store is rewritten with only its live points (`EmbeddedStore.compact`) and the catalogue without
free pages or log (`Catalogue.clear_traces`), while searches go on. Real model, real engine.
(The site's part, clearing at start-up and beside an ingest: tests/web/test_trace_clearing.py.)"""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from search.curation import (
    clear_deleted_traces,
    clearings_unfinished,
    delete_document,
    has_deleted_traces,
)
from search.library import Library
from search.models.encoder import Encoder
from search.schema import Filters
from search.store import embedded
from tests.libraries import FIVE_NOTES, files_holding, note_id

# Words only one note holds ("Older people in villages feel lonely; lunch clubs and ...").
ONLY_IN_NOTE_1 = (b"lonely", b"lunch clubs", b"volunteers")


@pytest.fixture
def library(five_notes_library: Library) -> Library:
    return five_notes_library


def test_deleting_alone_leaves_the_words_in_the_files_and_clearing_removes_them(
    library: Library,
) -> None:
    data = library.settings.data_dir
    doc_id = note_id(library, 1)
    before = library.store.count()
    delete_document(library.store, library.catalogue, doc_id)
    assert has_deleted_traces(library.catalogue)
    # Out of every search at once...
    shown = library.searcher.search("lunch clubs volunteers").documents
    assert all(d.document.doc_id != doc_id for d in shown)
    # ...but still readable in the store's files (its log and segments) until cleared.
    assert files_holding(data / "qdrant", b"lunch clubs")
    kept = clear_deleted_traces(library.store, library.catalogue)
    assert kept == library.store.count() == before - 1  # one chunk a note
    assert not has_deleted_traces(library.catalogue)
    for word in ONLY_IN_NOTE_1:
        assert files_holding(data, word) == [], word
    # The other notes are all still there and found, by words and by meaning, with filters.
    assert files_holding(data / "qdrant", b"breakfast clubs")
    found = library.searcher.search("breakfast clubs")
    assert found.documents[0].document.doc_id == note_id(library, 2)
    near = library.searcher.search("children with asthma in mouldy rented flats")
    assert near.documents[0].document.doc_id == note_id(library, 4)
    damp = library.store.chunks(Filters(doc_ids=(note_id(library, 0),)), fields=("text",))
    assert len(damp) == 1 and "damp homes" in damp[0].payload["text"]


def test_searches_go_on_while_the_files_are_rewritten(library: Library) -> None:
    delete_document(library.store, library.catalogue, note_id(library, 1))
    failures: list[BaseException] = []
    answered: list[int] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            try:
                found = library.searcher.search("damp homes")
                answered.append(len(found.documents))
            except BaseException as failure:  # any failure fails the test
                failures.append(failure)
                return

    searchers = [threading.Thread(target=search) for _ in range(2)]
    for thread in searchers:
        thread.start()
    try:
        while not answered and not failures:  # the searches are under way first
            time.sleep(0.01)
        begun = len(answered)
        seen: list[tuple[int, int]] = []
        report = lambda copied, total: seen.append((copied, total))  # noqa: E731
        clear_deleted_traces(library.store, library.catalogue, report)
        during = len(answered) - begun
    finally:
        stop.set()
        for thread in searchers:
            thread.join()
    assert failures == []
    assert during > 0  # searches were answered while the files were rewritten
    assert min(answered) >= 2  # both damp notes, in every answer
    assert seen[-1] == (len(FIVE_NOTES) - 1, len(FIVE_NOTES) - 1)


def test_a_compaction_cut_short_between_its_renames_leaves_the_store_as_it_was(
    library: Library, encoder: Encoder
) -> None:
    """A crash after the live shard was moved aside and before the fresh one took its place:
    the next opening puts the live one back and drops the fresh copy."""
    settings = library.settings
    folder = settings.data_dir / "qdrant"
    (store_dir,) = [p.parent for p in folder.rglob("collection.json")]
    library.close()
    (store_dir / "shard").rename(store_dir / "shard.old")
    shutil.copytree(store_dir / "shard.old", store_dir / "shard.compacting")
    reopened = Library.open(settings, encoder=encoder)
    try:
        assert (store_dir / "shard").is_dir()
        assert not (store_dir / "shard.old").exists()
        assert not (store_dir / "shard.compacting").exists()
        assert reopened.store.count() == len(FIVE_NOTES)
        found = reopened.searcher.search("lunch clubs")
        assert found.documents[0].document.doc_id == note_id(reopened, 1)
    finally:
        reopened.close()


def test_a_deletion_while_the_files_are_rewritten_is_cleared_by_the_next_run(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clearing lets writers go on; a document deleted part-way may leave its words in the
    fresh copy, so the mark stays set for one more run, which clears them."""
    monkeypatch.setattr(embedded, "COMPACT_PAGE", 1)  # a step for each note
    delete_document(library.store, library.catalogue, note_id(library, 1))
    second = note_id(library, 2)
    steps: list[int] = []

    def report(copied: int, total: int) -> None:
        steps.append(copied)
        if len(steps) == 3:  # part-way through the copy
            delete_document(library.store, library.catalogue, second)

    clear_deleted_traces(library.store, library.catalogue, report)
    assert has_deleted_traces(library.catalogue)  # the second deletion is still to clear
    assert clearings_unfinished(library.catalogue) == 0  # this run did finish
    assert all(d.doc_id != second for d in library.catalogue.documents())
    assert library.store.count(Filters(doc_ids=(second,))) == 0
    clear_deleted_traces(library.store, library.catalogue)
    assert not has_deleted_traces(library.catalogue)
    data = library.settings.data_dir
    for word in (*ONLY_IN_NOTE_1, b"breakfast clubs"):
        assert files_holding(data, word) == [], word
    assert library.store.count() == len(FIVE_NOTES) - 2
