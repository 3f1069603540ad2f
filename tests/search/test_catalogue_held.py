"""Documents' records and totals held in memory at one catalogue version: a search's repeated
reads come from memory, and no reader is ever given a record older than the version it read."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.catalogue_held import HeldReads
from search.schema import DocumentMeta


def test_held_records_are_given_only_at_their_version() -> None:
    held: HeldReads[str, int] = HeldReads()
    held.keep_records(3, {"a": "a@3", "b": "b@3"})
    assert held.records(3, ["a", "b", "c"]) == {"a": "a@3", "b": "b@3"}
    assert held.records(2, ["a"]) == {}  # an older reader reads SQLite
    held.keep_records(2, {"c": "c@2"})  # and adds nothing
    assert held.records(3, ["c"]) == {}
    assert held.records(4, ["a"]) == {}  # a newer version starts afresh
    assert held.records(3, ["a"]) == {}


def test_held_totals_are_kept_per_view_and_version() -> None:
    held: HeldReads[str, int] = HeldReads()
    held.keep_totals(1, ("public",), 5)
    held.keep_totals(1, None, 7)
    assert held.totals(1, ("public",)) == 5 and held.totals(1, None) == 7
    assert held.totals(1, ("internal",)) is None
    assert held.totals(2, None) is None and held.totals(1, None) is None


def test_held_records_keep_the_latest_few() -> None:
    held: HeldReads[int, int] = HeldReads(limit=3)
    for n in range(5):
        held.keep_records(1, {f"d{n}": n})
    held.keep_records(1, {"d2": 20})  # kept again: newest
    held.keep_records(1, {"d5": 5})
    assert held.records(1, [f"d{n}" for n in range(6)]) == {"d2": 20, "d4": 4, "d5": 5}
    with pytest.raises(ValueError):
        HeldReads(limit=0)


def _add(catalogue: Catalogue, doc_id: str, access: str = "public") -> None:
    record = DocumentRecord(
        doc_id, DocumentMeta(title=f"Title {doc_id}", access=access), f"{doc_id}.pdf",
        f"/x/{doc_id}.pdf", 2, 3, 1.0, {"places": ["leicester"]},
    )  # fmt: skip
    catalogue.add_document(record, ["one", "two"], FileOutcome(record.path, "f", "ok"))


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    opened = Catalogue(tmp_path / "catalogue.sqlite")
    for doc_id in ["a", "b", "c"]:
        _add(opened, doc_id)
    yield opened
    opened.close()


def _statements(catalogue: Catalogue, read: Callable[[], object]) -> list[str]:
    """The SQL statements `read` runs on this thread's connection."""
    seen: list[str] = []
    catalogue._db.set_trace_callback(seen.append)
    try:
        read()
    finally:
        catalogue._db.set_trace_callback(None)
    return seen


def test_a_pinned_view_reads_records_and_totals_again_from_memory(catalogue: Catalogue) -> None:
    """Each SQLite read lets go of the interpreter lock and waits to get it back under load:
    a search's second look at the same documents, visible ids and totals reads nothing."""
    first = catalogue.pinned()
    assert {r.doc_id for r in first.documents(["a", "b"])} == {"a", "b"}
    assert first.stats()["chunks"] == 9 and first.visible_among({"a", "x"}) == {"a"}
    pinned = catalogue.pinned()

    def again() -> None:
        assert pinned.changes() == first.changes()
        assert [r.meta.title for r in pinned.documents(["b"])] == ["Title b"]
        assert pinned.stats() == {"documents": 3, "pages": 6, "chunks": 9}
        assert pinned.visible_among({"a", "b", "x"}) == {"a", "b"}

    assert _statements(pinned, again) == []
    # Only the one not read before is read, by key.
    (statement,) = _statements(pinned, lambda: pinned.documents(["a", "c"]))
    assert "doc_id IN ('c')" in statement


def test_a_changed_document_is_read_again_never_from_memory(catalogue: Catalogue) -> None:
    public = catalogue.scoped(["public"])
    assert [r.meta.title for r in public.pinned().documents(["a"])] == ["Title a"]
    catalogue.update_meta("a", DocumentMeta(title="Corrected", access="public"))
    assert [r.meta.title for r in public.documents(["a"])] == ["Corrected"]
    assert [r.meta.title for r in public.pinned().documents(["a"])] == ["Corrected"]
    catalogue.update_meta("a", DocumentMeta(title="Corrected", access="restricted"))
    assert public.pinned().documents(["a", "b"])[0].doc_id == "b"
    assert len(public.documents(["a", "b"])) == 1 and public.stats()["documents"] == 2
    assert {r.doc_id for r in catalogue.documents(["a", "b"])} == {"a", "b"}
    catalogue.remove_document("b")
    assert public.pinned().documents(["a", "b"]) == [] and public.stats()["chunks"] == 3


def test_a_view_pinned_before_a_write_never_gets_an_older_record(catalogue: Catalogue) -> None:
    """A view pinned before a write reads what is there now (SQLite), not what it held: and
    what it reads does not replace what newer readers hold."""
    before = catalogue.pinned()
    catalogue.update_meta("c", DocumentMeta(title="New title", access="public"))
    assert [r.meta.title for r in catalogue.pinned().documents(["c"])] == ["New title"]
    catalogue.update_meta("c", DocumentMeta(title="Hidden", access="restricted"))
    assert before.scoped(["public"]).documents(["c"]) == []
    assert [r.meta.title for r in before.documents(["c"])] == ["Hidden"]
    now = catalogue.pinned()
    assert [r.meta.title for r in now.documents(["c"])] == ["Hidden"]
    assert now.scoped(["public"]).visible_among({"a", "b", "c"}) == {"a", "b"}


def test_reads_inside_a_write_are_not_held_for_others(catalogue: Catalogue) -> None:
    """Rows a thread has not committed may roll back: its reads inside the write are not
    held, so another reader never sees them."""
    with pytest.raises(RuntimeError), catalogue._transaction() as db:
        db.execute("UPDATE documents SET title = 'Rolled back' WHERE doc_id = 'a'")
        inside = catalogue.pinned()
        assert [r.meta.title for r in inside.documents(["a"])] == ["Rolled back"]
        assert inside.stats()["documents"] == 3
        raise RuntimeError("roll back")
    assert [r.meta.title for r in catalogue.documents(["a"])] == ["Title a"]
    # The next write reaches the version the rolled-back one had reached.
    catalogue.update_meta("b", DocumentMeta(title="Title b"))
    assert [r.meta.title for r in catalogue.pinned().documents(["a"])] == ["Title a"]


def test_records_read_by_many_threads_match_sqlite(catalogue: Catalogue) -> None:
    """Threads reading while another writes are each given records at least as new as the
    version they pinned."""
    errors: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            view = catalogue.pinned()
            version = view.changes()
            for record in view.documents(["a", "b", "c"]):
                title = record.meta.title
                written = int(title.rsplit(" ", 1)[-1]) if " v " in title else 0
                if written < _written_by(version):
                    errors.append(f"{record.meta.title} at version {version}")

    versions: dict[int, int] = {}

    def _written_by(version: int) -> int:
        return max((n for v, n in list(versions.items()) if v <= version), default=0)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for n in range(1, 40):
            for doc_id in ["a", "b", "c"]:
                catalogue.update_meta(doc_id, DocumentMeta(title=f"{doc_id} v {n}"))
            versions[catalogue.changes()] = n
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert errors == []
    assert {r.meta.title for r in catalogue.pinned().documents(["a", "b", "c"])} == {
        "a v 39", "b v 39", "c v 39"
    }  # fmt: skip
