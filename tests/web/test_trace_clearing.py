"""The site's part in clearing what a deleted document left in the library's files: it clears
at start-up what a deletion left before the site stopped (unless clearings keep dying part-way),
and copies the index while an ingest holds the lock. (The clearing itself:
tests/search/test_deleted_traces.py.) Real model, real engine."""

from __future__ import annotations

import threading
import time
import warnings

import pytest

from kb.handoff import make_ingest_runner
from search.curation import (
    TRACES_TRIES_MARK,
    clear_deleted_traces,
    clearings_unfinished,
    delete_document,
    has_deleted_traces,
)
from search.library import Library
from tests.libraries import files_holding, note_id
from web.app import MAX_CLEARINGS_AT_START, create_app
from web.ingest_lock import Holder, IngestLock
from web.search_form import SearchForm
from web.searching import run_search
from web.trace_clearing import TraceClearing

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.fixture
def library(five_notes_library: Library) -> Library:
    return five_notes_library


def test_a_site_clears_what_a_deletion_left_before_it_stopped(library: Library) -> None:
    """Deleted, then stopped before the files were rewritten: the next start clears them."""
    delete_document(library.store, library.catalogue, note_id(library, 1))
    assert has_deleted_traces(library.catalogue)
    app = create_app(library.settings, library=library, ingest_runner=make_ingest_runner(library))
    with TestClient(app):  # its start-up runs, as `kb serve`'s does
        deadline = time.monotonic() + 60
        while has_deleted_traces(library.catalogue) or app.state.trace_clearing.state():
            assert time.monotonic() < deadline, "the site did not clear the deleted note"
            time.sleep(0.05)
    assert files_holding(library.settings.data_dir, b"lunch clubs") == []
    found = run_search(library, SearchForm(q="breakfast clubs")).results
    assert found.documents[0].document.doc_id == note_id(library, 2)


def test_a_clearing_that_never_finished_is_not_started_at_every_start(library: Library) -> None:
    """Started twice and never finished (the process died part-way, say for want of memory):
    a start leaves it to the admin page rather than dying the same way again."""
    delete_document(library.store, library.catalogue, note_id(library, 1))
    library.catalogue.set_mark(TRACES_TRIES_MARK, MAX_CLEARINGS_AT_START)
    app = create_app(library.settings, library=library, ingest_runner=make_ingest_runner(library))
    with TestClient(app):
        time.sleep(1.0)  # what the start-up would have begun by now
        assert app.state.trace_clearing.state() is None
    assert has_deleted_traces(library.catalogue)
    assert clearings_unfinished(library.catalogue) == MAX_CLEARINGS_AT_START
    # Once one is let finish, the count starts again.
    clear_deleted_traces(library.store, library.catalogue)
    assert clearings_unfinished(library.catalogue) == 0 and not has_deleted_traces(
        library.catalogue
    )


def test_the_site_copies_the_index_while_an_ingest_holds_the_lock(library: Library) -> None:
    """Uploads are not held up by a clearing's copy: it runs while the ingest lock is held
    elsewhere, and takes the lock only to tidy the catalogue at the end."""
    delete_document(library.store, library.catalogue, note_id(library, 1))
    lock = IngestLock()
    clearing = TraceClearing(library, lock)
    with lock.hold(Holder.INGEST):  # an ingest under way, for as long as the copy takes
        clearing.request()
        deadline = time.monotonic() + 60
        while (state := clearing.state()) is None or state.copied < state.total or not state.total:
            assert time.monotonic() < deadline, "the copy waited for the ingest lock"
            time.sleep(0.02)
        time.sleep(0.2)
        assert has_deleted_traces(library.catalogue)  # the catalogue's part waits for the lock
        assert clearing.state() is not None
    deadline = time.monotonic() + 60
    while clearing.state() is not None:
        assert time.monotonic() < deadline, "the clearing did not finish once the lock was free"
        time.sleep(0.02)
    assert not has_deleted_traces(library.catalogue)
    assert files_holding(library.settings.data_dir, b"lunch clubs") == []


def test_a_site_that_stops_gives_up_its_clearing_before_the_library_closes(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A clearing still copying when the site stops gives up, and the site waits for it: the
    library closes next, and a clearing still reading a closed catalogue crashed the process.
    The live files are untouched, and the next start clears them."""
    delete_document(library.store, library.catalogue, note_id(library, 1))
    clearing = TraceClearing(library, IngestLock())
    copying, go = threading.Event(), threading.Event()
    report = clearing._report

    def paused(copied: int, total: int) -> None:
        copying.set()
        go.wait(60)
        report(copied, total)

    monkeypatch.setattr(clearing, "_report", paused)
    clearing.request()
    assert copying.wait(60), "the clearing never started copying"
    stopper = threading.Thread(target=clearing.stop)
    stopper.start()
    deadline = time.monotonic() + 60
    while not clearing._is_stopping:
        assert time.monotonic() < deadline, "stop() did not begin"
        time.sleep(0.01)
    go.set()
    stopper.join(60)
    assert not stopper.is_alive(), "stop() did not wait for the clearing to end"
    assert clearing.state() is None
    assert has_deleted_traces(library.catalogue)  # given up before the catalogue's part
    assert files_holding(library.settings.data_dir, b"lunch clubs") != []
    clearing.request()  # a stopped site starts no other
    assert clearing.state() is None
    found = run_search(library, SearchForm(q="breakfast clubs")).results
    assert found.documents[0].document.doc_id == note_id(library, 2)
