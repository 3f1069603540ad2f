"""`kb ingest --reread`: unchanged files read again under this version's rules, written beside the
version people search and swapped in only once complete, so a failure at any step leaves the old
version whole and searchable, and links to it keep working."""

from __future__ import annotations

import shutil
import sqlite3
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import DUPLICATE, FAILED, INDEXED, SKIPPED, Ingester, content_hash
from search.catalogue import DocumentRecord, FileOutcome
from search.curation import correct_document, delete_document, withdraw_document
from search.index import CATALOGUE_FAILED, STORE_FAILED
from search.library import Library
from search.schema import (
    READING_RULES,
    WITHDRAWN,
    Filters,
    IndexedChunk,
    document_id,
    legacy_point_id,
    point_id,
)
from tests.ingest.test_pipeline import HOUSING, LONELY
from tests.pdfs import write_pdf


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    write_pdf(docs / "housing.pdf", HOUSING, title="Damp homes")
    write_pdf(docs / "lonely.pdf", LONELY, title="Lonely villages")
    return docs


def _run(library: Library, folder: Path, reread: bool = False) -> dict[str, FileOutcome]:
    summary = Ingester(library.index, library.settings.chunks, parse_workers=1, reread=reread).run(
        [folder]
    )
    return {Path(o.path).name: o for o in summary.outcomes}


def _run_ids(library: Library) -> dict[str, str | None]:
    """Each file's document id, by file name, as the catalogue has it now."""
    return {f.file_name: f.doc_id for f in library.catalogue.files()}


def _whole(library: Library, doc_id: str) -> bool:
    """The document is visible and every one of its points is in the store."""
    record = library.catalogue.document(doc_id)
    return (
        record is not None and library.store.count(Filters(doc_ids=(doc_id,))) == record.chunk_count
    )


def _found(library: Library, query: str) -> list[str]:
    return [d.doc_id for d in library.searcher.search(query).documents]


def test_reread_stores_each_file_again_under_a_new_id_and_old_links_lead_to_it(
    library: Library, folder: Path
) -> None:
    first = _run(library, folder)
    old = {name: o.doc_id for name, o in first.items()}
    added = {name: library.catalogue.document(str(d)).added_at for name, d in old.items()}  # type: ignore[union-attr]
    assert {o.outcome for o in first.values()} == {INDEXED}
    assert {o.outcome for o in _run(library, folder).values()} == {SKIPPED}  # a plain run

    again = _run(library, folder, reread=True)
    assert {o.outcome for o in again.values()} == {INDEXED}
    for name, outcome in again.items():
        new, before = outcome.doc_id, old[name]
        assert new is not None and before is not None and new != before
        assert _whole(library, new)
        assert library.catalogue.document(before) is None
        assert library.store.count(Filters(doc_ids=(before,))) == 0  # nothing of it is left
        assert library.catalogue.current_edition(before) == new  # saved links still lead here
        recorded = library.catalogue.file(outcome.path)
        assert recorded is not None and recorded.doc_id == new
        # It joined the library when it was first read: newest-first lists keep their order.
        assert library.catalogue.document(new).added_at == added[name]  # type: ignore[union-attr]
    assert library.catalogue.doc_ids() == {o.doc_id for o in again.values()}
    assert library.store.count() == sum(o.chunks for o in again.values())
    assert _found(library, "mould in rented houses")[0] == again["housing.pdf"].doc_id
    # And a plain run afterwards finds nothing to do.
    assert {o.outcome for o in _run(library, folder).values()} == {SKIPPED}


def test_a_second_reread_moves_on_again_and_the_first_id_still_leads_to_the_newest(
    library: Library, folder: Path
) -> None:
    first = _run(library, folder)["housing.pdf"].doc_id
    second = _run(library, folder, reread=True)["housing.pdf"].doc_id
    third = _run(library, folder, reread=True)["housing.pdf"].doc_id
    assert first is not None and len({first, second, third}) == 3
    assert first == document_id(content_hash(folder / "housing.pdf"))
    assert library.catalogue.current_edition(first) == third
    assert library.catalogue.current_edition(str(second)) == third
    assert _whole(library, str(third))


def test_an_admins_corrections_and_withdrawal_survive_a_reread(
    library: Library, folder: Path
) -> None:
    first = _run(library, folder)
    housing, lonely = first["housing.pdf"].doc_id, first["lonely.pdf"].doc_id
    assert housing is not None and lonely is not None
    correct_document(library.store, library.catalogue, housing, {"title": "Damp and mould"})
    withdraw_document(library.store, library.catalogue, lonely)

    again = _run(library, folder, reread=True)
    new_housing = library.catalogue.document(str(again["housing.pdf"].doc_id))
    new_lonely = library.catalogue.document(str(again["lonely.pdf"].doc_id))
    assert new_housing is not None and new_housing.meta.title == "Damp and mould"
    assert new_lonely is not None and new_lonely.meta.access == WITHDRAWN
    points = library.store.chunks(Filters(doc_ids=(new_lonely.doc_id,)), limit=50)
    assert points and {p.payload.get("access") for p in points} == {WITHDRAWN}


def test_authors_an_admin_typed_survive_a_reread(library: Library, folder: Path) -> None:
    # The browser form saves authors with the other details; a reread must not drop them.
    housing = _run(library, folder)["housing.pdf"].doc_id
    assert housing is not None
    fields = {"title": "Damp and mould", "authors": ["Smith, Jane", "Jones, Bob"]}
    correct_document(library.store, library.catalogue, housing, fields)

    again = library.catalogue.document(
        str(_run(library, folder, reread=True)["housing.pdf"].doc_id)
    )
    assert again is not None and again.meta.title == "Damp and mould"
    assert again.meta.authors == ["Smith, Jane", "Jones, Bob"]


def test_a_copy_follows_the_file_it_copies_and_is_not_stored_twice(
    library: Library, folder: Path
) -> None:
    shutil.copy(folder / "housing.pdf", folder / "later copy.pdf")
    first = _run(library, folder)
    assert first["later copy.pdf"].outcome == DUPLICATE
    again = _run(library, folder, reread=True)
    assert again["later copy.pdf"].outcome == SKIPPED
    new = again["housing.pdf"].doc_id
    assert new != first["housing.pdf"].doc_id
    copy = library.catalogue.file(str(folder / "later copy.pdf"))
    assert copy is not None and copy.doc_id == new
    assert len(library.catalogue.doc_ids()) == 2
    # An upload (or a new folder) holding the same bytes finds the stored document.
    found = library.catalogue.document_for_content(content_hash(folder / "housing.pdf"))
    assert found is not None and found.doc_id == new


def test_a_failed_catalogue_commit_leaves_the_old_version_whole_and_searchable(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _run(library, folder)["housing.pdf"].doc_id
    assert old is not None

    def add_document(record: DocumentRecord, *args: Any, **kwargs: Any) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(library.catalogue, "add_document", add_document)
    failed = _run(library, folder, reread=True)["housing.pdf"]
    monkeypatch.undo()
    assert failed.outcome == FAILED and failed.reason.startswith(CATALOGUE_FAILED)
    assert "The earlier version stays in the index." in failed.reason
    assert _whole(library, old)
    assert _found(library, "mould in rented houses")[0] == old
    assert library.store.count() == sum(
        d.chunk_count for d in library.catalogue.documents()
    )  # the new points were swept
    # The next run reads it again, and this time it goes through.
    retried = _run(library, folder)["housing.pdf"]
    assert retried.outcome == INDEXED and retried.doc_id != old
    assert _whole(library, str(retried.doc_id)) and library.catalogue.document(old) is None


def test_a_store_that_breaks_mid_write_leaves_the_old_version_whole(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _run(library, folder)["housing.pdf"].doc_id
    assert old is not None
    real = library.store.upsert

    def upsert(chunks: Sequence[IndexedChunk]) -> None:
        real(chunks[:1])  # part of the write lands, then the engine breaks
        raise OSError("No space left on device")

    monkeypatch.setattr(library.store, "upsert", upsert)
    failed = _run(library, folder, reread=True)["housing.pdf"]
    monkeypatch.undo()
    assert failed.outcome == FAILED and failed.reason.startswith(STORE_FAILED)
    assert _whole(library, old)
    assert _found(library, "mould in rented houses")[0] == old


def test_a_run_stopped_after_the_swap_leaves_the_new_version_and_sweeps_the_old(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = _run(library, folder)["housing.pdf"].doc_id
    assert old is not None
    real = library.store.delete_documents

    def delete_documents(doc_ids: Sequence[str]) -> None:
        if old in doc_ids and library.catalogue.document(old) is None:
            raise OSError("the process was killed")  # after the commit, before the old points go
        real(doc_ids)

    monkeypatch.setattr(library.store, "delete_documents", delete_documents)
    new = _run(library, folder, reread=True)["housing.pdf"].doc_id
    monkeypatch.undo()
    assert new is not None and new != old and _whole(library, new)
    assert library.store.count(Filters(doc_ids=(old,))) > 0  # left behind, and invisible
    assert old not in _found(library, "mould in rented houses")
    assert library.index.prepare() == 1  # the next run's start sweeps them
    assert library.store.count(Filters(doc_ids=(old,))) == 0 and _whole(library, new)


def test_a_document_whose_points_the_store_lost_is_written_again_beside_it(
    library: Library, folder: Path
) -> None:
    old = _run(library, folder)["housing.pdf"].doc_id
    assert old is not None
    library.store.delete_documents([old])  # a store that lost its last writes
    assert not _whole(library, old)
    again = _run(library, folder)
    assert again["housing.pdf"].outcome == INDEXED and again["lonely.pdf"].outcome == SKIPPED
    new = again["housing.pdf"].doc_id
    assert new is not None and new != old and _whole(library, new)
    assert library.catalogue.current_edition(old) == new


def test_files_carry_the_rules_that_read_them_and_older_catalogues_count_as_older(
    library: Library, folder: Path
) -> None:
    outcomes = _run(library, folder)
    assert {o.rules for o in outcomes.values()} == {READING_RULES}
    assert library.catalogue.read_by_older_rules_totals(READING_RULES)[0] == 0
    path = library.settings.catalogue_path
    library.close()
    # A catalogue from before the rules had editions: its files table has no such column.
    old = sqlite3.connect(path)
    old.executescript("DROP INDEX files_by_rules; ALTER TABLE files DROP COLUMN rules;")
    old.close()
    reopened = Library.open(library.settings, encoder=library.encoder)
    try:
        catalogue = reopened.catalogue
        assert catalogue.read_by_older_rules_totals(READING_RULES)[0] == 2
        assert [f.file_name for f in catalogue.read_by_older_rules(READING_RULES)] == [
            "housing.pdf",
            "lonely.pdf",
        ]
        again = {
            Path(o.path).name: o
            for o in Ingester(
                reopened.index, reopened.settings.chunks, parse_workers=1, reread=True
            )
            .run([folder])
            .outcomes
        }
        assert {o.outcome for o in again.values()} == {INDEXED}
        assert catalogue.read_by_older_rules_totals(READING_RULES)[0] == 0
    finally:
        reopened.close()


def test_passages_stored_with_uuid_ids_open_and_reading_again_makes_them_numbers(
    library: Library, folder: Path
) -> None:
    from web.app import create_app

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    old = _run(library, folder)["housing.pdf"].doc_id
    assert old is not None
    # As a library stored before ids were numbers holds it: the same points under UUIDs.
    points = library.store.chunks(Filters(doc_ids=(old,)), limit=50)
    vectors = library.store.chunk_vectors([p.id for p in points])
    library.store.delete_documents([old])
    library.store.upsert(
        [
            IndexedChunk(
                legacy_point_id(old, int(p.payload["chunk_index"])),
                vectors[p.id],
                library.index.weighting.document_vector(p.text),
                p.payload,
            )
            for p in points
        ]
    )
    first = legacy_point_id(old, 0)
    client = TestClient(create_app(library.settings, library=library))
    shown = client.get(f"/api/documents/{old}/related", params={"chunk": first})
    assert shown.status_code == 200, shown.text
    assert shown.json()["passage"]["chunk_id"] == first
    assert (
        client.get(f"/api/documents/{old}/related", params={"chunk": point_id(old, 0)}).status_code
        == 404
    )
    assert (
        client.get(
            f"/api/documents/{old}/related", params={"chunk": legacy_point_id("x", 0)}
        ).status_code
        == 404
    )
    lonely = library.store.chunks(Filters(doc_ids=(str(_run_ids(library)["lonely.pdf"]),)))
    for foreign in (lonely[0].id, "9" * 5000, "not an id", first.upper()):
        # Another document's passage, and text no chunk id is written as: plain 404s.
        answer = client.get(f"/api/documents/{old}/related", params={"chunk": foreign})
        assert answer.status_code == 404, foreign

    new = _run(library, folder, reread=True)["housing.pdf"].doc_id
    assert new is not None and _whole(library, new)
    stored = library.store.chunks(Filters(doc_ids=(new,)), limit=50)
    assert stored and all(p.id.isdigit() for p in stored)
    assert library.store.count(Filters(doc_ids=(old,))) == 0


def test_the_stored_document_of_some_bytes_is_found_by_its_files_or_its_first_id(
    library: Library, folder: Path
) -> None:
    digest = content_hash(folder / "housing.pdf")
    assert library.catalogue.document_for_content(digest) is None
    assert library.catalogue.document_for_content("") is None
    first = _run(library, folder)["housing.pdf"].doc_id
    found = library.catalogue.document_for_content(digest)
    assert found is not None and found.doc_id == first == document_id(digest)
    # A document row kept without its file's line (a library from before file rows, say) is
    # still found, by the id its bytes give.
    with sqlite3.connect(library.settings.catalogue_path) as db:
        db.execute("DELETE FROM files WHERE doc_id = ?", (first,))
    found = library.catalogue.document_for_content(digest)
    assert found is not None and found.doc_id == first
    # A newer version that failed keeps the old document on its line, under the new bytes'
    # hash: those bytes are not stored, so nothing is found for them.
    library.catalogue.record_outcome(
        FileOutcome(str(folder / "housing.pdf"), "housing.pdf", FAILED, "Broken.", "f" * 64, first)
    )
    assert library.catalogue.document_for_content("f" * 64) is None


def _passages(library: Library, doc_id: str) -> dict[str, str]:
    """Each chunk id of a stored document, with its text."""
    return {h.id: h.text for h in library.store.chunks(Filters(doc_ids=(doc_id,)), limit=500)}


def test_a_passage_link_to_an_earlier_edition_opens_the_same_words_in_the_newest(
    library: Library, folder: Path
) -> None:
    from web.app import create_app

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    first = str(_run(library, folder)["housing.pdf"].doc_id)
    first_passages = _passages(library, first)
    second = str(_run(library, folder, reread=True)["housing.pdf"].doc_id)
    second_passages = _passages(library, second)
    # Read again under the same rules, each passage has a new id and the same words.
    assert not set(first_passages) & set(second_passages)
    for old_id, text in first_passages.items():
        moved = library.catalogue.moved_passage(old_id)
        assert moved in second_passages and second_passages[moved] == text
    third = str(_run(library, folder, reread=True)["housing.pdf"].doc_id)
    third_passages = _passages(library, third)
    # Links to the first edition's passages lead past the second to the third.
    for old_id, text in [*first_passages.items(), *second_passages.items()]:
        moved = library.catalogue.moved_passage(old_id)
        assert moved in third_passages and third_passages[moved] == text

    client = TestClient(create_app(library.settings, library=library))
    old_id, text = next(iter(first_passages.items()))
    page = client.get(f"/documents/{first}", params={"chunk": old_id}, follow_redirects=False)
    assert page.status_code == 302
    assert page.headers["location"] == (
        f"/documents/{third}?chunk={library.catalogue.moved_passage(old_id)}"
    )
    answer = client.get(f"/api/documents/{first}/related", params={"chunk": old_id})
    assert answer.status_code == 200, answer.text
    assert answer.json()["passage"]["text"] == text
    # A chunk id that was never one of this document's passages still asks about the whole.
    page = client.get(f"/documents/{first}", params={"chunk": "12345"}, follow_redirects=False)
    assert page.headers["location"] == f"/documents/{third}"
    # Deleted for good: the links that led to its passages are forgotten too.
    delete_document(library.store, library.catalogue, third)
    assert all(library.catalogue.moved_passage(c) is None for c in first_passages)
    assert all(library.catalogue.moved_passage(c) is None for c in second_passages)
