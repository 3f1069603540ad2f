"""Catalogue reads that pages use: bounded by what is asked for, never the whole table."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

import pytest

from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.schema import DocumentMeta


def _record(doc_id: str, added_at: float, extra: dict[str, object] | None = None) -> DocumentRecord:
    return DocumentRecord(
        doc_id, DocumentMeta(title=doc_id), f"{doc_id}.pdf", f"/x/{doc_id}.pdf", 3, 1, added_at,
        extra or {},
    )  # fmt: skip


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    opened = Catalogue(tmp_path / "catalogue.sqlite")
    for n, doc_id in enumerate(["a", "b", "c", "d"]):
        record = _record(doc_id, float(n))
        opened.add_document(record, ["one", "two", "three"], FileOutcome(record.path, "f", "ok"))
    yield opened
    opened.close()


def test_newest_yields_most_recently_added_first(catalogue: Catalogue) -> None:
    assert [r.doc_id for r in islice(catalogue.newest(), 2)] == ["d", "c"]


def test_visible_among_keeps_only_committed_documents(catalogue: Catalogue) -> None:
    many = {f"missing-{n}" for n in range(1200)} | {"a", "c"}  # more than one IN batch
    assert catalogue.visible_among(many) == {"a", "c"}
    catalogue.remove_document("a")
    assert catalogue.visible_among(many) == {"c"}


def test_page_texts_reads_a_range_of_pages(catalogue: Catalogue) -> None:
    assert catalogue.page_texts("b", 2, 5) == {2: "two", 3: "three"}
    assert catalogue.page_texts("b", 1, 0) == {}


def test_evidence_rows_follow_the_documents_extra(catalogue: Catalogue) -> None:
    strongest = {"housing": {"chunk": "c1", "strength": 0.8, "passages": 3}}
    extra = {"determinants": {"housing": 0.5}, "places": ["leicester"], "strongest": strongest}
    catalogue.update_extra("a", extra)
    assert catalogue.determinant_totals() == {"housing": (1, 3)}
    [found] = catalogue.strongest_passages("housing", ["leicester"], 10)
    assert (found.document.doc_id, found.chunk_id, found.is_local) == ("a", "c1", True)
    assert catalogue.newest_about("housing", 5)[0].doc_id == "a"
    assert "a" not in catalogue.lacking_evidence()
    catalogue.remove_document("a")  # its evidence rows go with it
    assert catalogue.determinant_totals() == {}
    assert catalogue.strongest_passages("housing", [], 10) == []


@pytest.fixture
def mixed(tmp_path: Path) -> Iterator[Catalogue]:
    """Two public documents and one internal one, each with pages, evidence and a file."""
    opened = Catalogue(tmp_path / "mixed.sqlite")
    for n, (doc_id, access) in enumerate([("p1", "public"), ("p2", "public"), ("i1", "internal")]):
        record = DocumentRecord(
            doc_id, DocumentMeta(title=doc_id, access=access), f"{doc_id}.pdf", f"/x/{doc_id}.pdf",
            2, 1, float(n), {"strongest": {"housing": {"chunk": f"{doc_id}-0", "strength": 0.9,
                                                       "passages": 1}}},
        )  # fmt: skip
        opened.add_document(
            record, ["one", "two"], FileOutcome(record.path, "f", "ok", doc_id=doc_id)
        )
    yield opened
    opened.close()


def test_a_scoped_view_reads_only_what_its_levels_allow(mixed: Catalogue) -> None:
    public = mixed.scoped(["public"])
    assert {r.doc_id for r in public.documents()} == {"p1", "p2"}
    assert public.document("i1") is None and public.page_text("i1", 1) is None
    assert public.pages("i1") == [] and public.page_count("i1") == 0
    assert public.page_text("p1", 1) == "one" and public.page_lengths("p1") == [3, 3]
    assert public.paths_for("i1") == [] and public.paths_for("p1") == ["/x/p1.pdf"]
    assert {f.doc_id for f in public.files()} == {"p1", "p2"}
    assert public.determinant_totals_for("housing")[0] == 2
    assert mixed.determinant_totals_for("housing")[0] == 3
    assert {s.document.doc_id for s in public.strongest_passages("housing", [], 10)} == {"p1", "p2"}
    assert public.stats()["documents"] == 2


def test_a_scoped_read_about_one_document_never_scans_every_document(mixed: Catalogue) -> None:
    """Reads for one document look its level up by key: their cost does not grow with the
    library (an `IN (SELECT … FROM documents …)` condition scanned the whole table each time)."""
    public = mixed.scoped(["public"])
    statements: list[str] = []
    public._db.set_trace_callback(statements.append)
    try:
        public.document("p1")
        public.page_text("p1", 1)
        public.pages("p1")
        public.page_lengths("p1")
        public.page_count("p1")
        public.paths_for("p1")
    finally:
        public._db.set_trace_callback(None)
    assert len(statements) == 6
    for statement in statements:
        plan = " ".join(
            str(row[3]) for row in public._db.execute(f"EXPLAIN QUERY PLAN {statement}")
        )
        assert "SCAN documents" not in plan and "SCAN v" not in plan, (statement, plan)


def test_documents_by_id_reads_more_ids_than_one_statement_may_carry(catalogue: Catalogue) -> None:
    limit = catalogue._db.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)  # 32,766 on some builds
    many = [f"missing-{n}" for n in range(limit + 10)] + ["b", "a", "b"]
    assert sorted(r.doc_id for r in catalogue.documents(many)) == ["a", "b"]


def test_a_new_document_moves_the_change_count(catalogue: Catalogue) -> None:
    """A new document row can reuse chunk ids a crashed run left behind, with other values:
    what readers keep about chunks must be read again after any write, inserts included."""
    before = catalogue.changes()
    record = _record("e", 9.0)
    catalogue.add_document(record, ["one"], FileOutcome(record.path, "f", "ok"))
    assert catalogue.changes() > before


def _open_files() -> int:
    return len(list(Path("/proc/self/fd").iterdir()))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="counts open files via /proc")
def test_threads_that_come_and_go_do_not_leave_connections_open(catalogue: Catalogue) -> None:
    """The server's worker threads end when idle and new ones start for the next burst: each
    new thread opens its own connection, and one whose thread has ended must be closed, or
    the open files grow until SQLite can open none and every page fails."""

    def read_in_threads(count: int) -> None:
        threads = [threading.Thread(target=catalogue.stats) for _ in range(count)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    read_in_threads(8)
    catalogue.stats()
    settled = _open_files()
    for _ in range(10):
        read_in_threads(8)
    catalogue.stats()
    # Each round's 8 connections (2 files each with the WAL) are closed by the next round's.
    assert _open_files() <= settled + 2 * 8


# Running totals: what /healthz, /metrics and the status pages count, without reading every row


def _counted_from_rows(catalogue: Catalogue) -> tuple[dict[str, int], dict[str, int]]:
    """The counts worked out the slow way, from every row, to check the running totals by."""
    db = catalogue._db
    docs, pages, chunks = db.execute(
        "SELECT count(*), coalesce(sum(page_count), 0), coalesce(sum(chunk_count), 0)"
        " FROM documents"
    ).fetchone()
    files = dict(db.execute("SELECT outcome, count(*) FROM files GROUP BY outcome").fetchall())
    return {"documents": docs, "pages": pages, "chunks": chunks}, files


def test_running_totals_follow_every_kind_of_write(mixed: Catalogue) -> None:
    assert mixed.stats() == {"documents": 3, "pages": 6, "chunks": 3}
    assert mixed.scoped(["public"]).stats() == {"documents": 2, "pages": 4, "chunks": 2}
    assert mixed.scoped([]).stats() == {"documents": 0, "pages": 0, "chunks": 0}
    # A new version replacing an old one, with more pages and chunks.
    record = DocumentRecord("p3", DocumentMeta(title="p3"), "p3.pdf", "/x/p3.pdf", 5, 4, 9.0, {})
    mixed.add_document(record, ["x"] * 5, FileOutcome("/x/p1.pdf", "f", "ok"), replaces="p1")
    # An admin's change of access level, and a withdrawal.
    internal = mixed.document("p2")
    assert internal is not None
    mixed.update_meta("p2", replace(internal.meta, access="internal"))
    mixed.remove_document("i1")
    # A file's outcome changing, a new file, and one forgotten.
    mixed.record_outcome(FileOutcome("/x/p2.pdf", "f", "failed", "broken"))
    mixed.record_outcome(FileOutcome("/x/new.pdf", "new.pdf", "duplicate"))
    mixed.forget_file("/x/i1.pdf")
    stats, files = _counted_from_rows(mixed)
    assert mixed.stats() == stats == {"documents": 2, "pages": 7, "chunks": 5}
    assert mixed.scoped(["public"]).stats() == {"documents": 1, "pages": 5, "chunks": 4}
    assert mixed.file_counts() == files == {"ok": 1, "failed": 1, "duplicate": 1}
    assert mixed.count_failed_files() == 1


def test_a_catalogue_from_before_the_totals_is_counted_when_opened(
    mixed: Catalogue, tmp_path: Path
) -> None:
    mixed.close()
    old = sqlite3.connect(tmp_path / "mixed.sqlite")
    for name in ("document_totals", "file_totals"):
        old.execute(f"DROP TABLE {name}")
    for (trigger,) in old.execute(
        "SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE '%totals%'"
    ).fetchall():
        old.execute(f"DROP TRIGGER {trigger}")
    old.commit()
    old.close()
    reopened = Catalogue(tmp_path / "mixed.sqlite")
    try:
        assert reopened.stats() == {"documents": 3, "pages": 6, "chunks": 3}
        assert reopened.file_counts() == {"ok": 3}
        reopened.remove_document("p1")  # and the triggers are back
        assert reopened.stats()["documents"] == 2
    finally:
        reopened.close()


def test_counts_and_a_page_of_files_read_no_whole_table(mixed: Catalogue) -> None:
    """The status and health counts come from the totals, and a page of files is read in name
    order through an index: none of them scans, or sorts, every document or file."""
    statements: list[str] = []
    mixed._db.set_trace_callback(statements.append)
    try:
        mixed.stats()
        mixed.scoped(["public"]).stats()
        mixed.file_counts()
        mixed.count_failed_files()
        mixed.files(None, 0, 50)
        mixed.files("ok", 50, 50)
    finally:
        mixed._db.set_trace_callback(None)
    assert len(statements) == 6
    for statement in statements:
        plan = " ".join(str(row[3]) for row in mixed._db.execute(f"EXPLAIN QUERY PLAN {statement}"))
        assert "SCAN documents" not in plan, (statement, plan)
        assert "SCAN files" not in plan or "USING INDEX" in plan, (statement, plan)
        assert "TEMP B-TREE" not in plan, (statement, plan)
