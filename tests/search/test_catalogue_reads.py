"""Catalogue reads that pages use: bounded by what is asked for, never the whole table."""

from __future__ import annotations

import random
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import islice
from pathlib import Path

import pytest

from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.curation import restore_document, withdraw_document
from search.schema import READING_RULES, WITHDRAWN, DocumentMeta
from search.settings import QdrantSettings
from search.store.base import CollectionLayout
from search.store.server import ServerStore


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


@pytest.mark.parametrize("levels", [["public"], ["public", "internal"], None])
def test_the_newest_documents_are_read_in_order_from_an_index(
    mixed: Catalogue, levels: list[str] | None
) -> None:
    """A feed of the newest documents walks an index per level in the order it gives them:
    one query over several levels sorted every row the reader may see before the first."""
    view = mixed if levels is None else mixed.scoped(levels)
    statements: list[str] = []
    view._db.set_trace_callback(statements.append)
    try:
        first = next(view.newest())
    finally:
        view._db.set_trace_callback(None)
    assert first.doc_id == ("p2" if levels == ["public"] else "i1")
    walks = [s for s in statements if "FROM documents" in s]
    assert len(walks) == len(levels or ["public", "internal"])
    for statement in walks:
        plan = " ".join(str(row[3]) for row in view._db.execute(f"EXPLAIN QUERY PLAN {statement}"))
        assert plan == "SEARCH documents USING INDEX documents_by_access_added (access=?)", plan


def test_page_texts_reads_a_range_of_pages(catalogue: Catalogue) -> None:
    assert catalogue.page_texts("b", 2, 5) == {2: "two", 3: "three"}
    assert catalogue.page_texts("b", 1, 0) == {}


def test_evidence_rows_follow_the_documents_extra(catalogue: Catalogue) -> None:
    strongest = {"housing": {"chunk": "c1", "strength": 0.8, "passages": 3}}
    extra = {"determinants": {"housing": 0.5}, "places": ["leicester"], "strongest": strongest}
    catalogue.update_extra("a", extra)
    assert "a" in catalogue.lacking_evidence()  # no passages per lens yet
    catalogue.update_extra("a", {**extra, "lens_passages": {}})
    assert catalogue.determinant_totals() == {"housing": (1, 3)}
    [found] = catalogue.strongest_passages("housing", ["leicester"], 10)
    assert (found.document.doc_id, found.chunk_id) == ("a", "c1")
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
    assert public.file_counts() == {"ok": 2} and mixed.file_counts() == {"ok": 3}
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


def test_the_ids_a_view_may_see_are_read_from_an_index_not_the_documents_rows(
    mixed: Catalogue,
) -> None:
    """A search's first look at the catalogue reads every id its reader may see: through the
    rows (and their long details) that cost a quarter of a second from a cold disk at 4,300
    documents."""
    public = mixed.scoped(["public"])
    statements: list[str] = []
    public._db.set_trace_callback(statements.append)
    try:
        assert public.doc_ids() == {"p1", "p2"}
    finally:
        public._db.set_trace_callback(None)
    (statement,) = statements
    plan = " ".join(str(row[3]) for row in public._db.execute(f"EXPLAIN QUERY PLAN {statement}"))
    assert "COVERING INDEX documents_by_access" in plan, plan


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


def test_the_change_log_names_each_document_written(catalogue: Catalogue) -> None:
    start = catalogue.changes()
    catalogue.update_meta("a", DocumentMeta(title="A again"))
    catalogue.remove_document("b")
    record = _record("e", 9.0)
    catalogue.add_document(record, ["one"], FileOutcome(record.path, "f", "ok"))
    assert catalogue.changed_since(start) == {"a", "b", "e"}
    middle = catalogue.changes()
    assert catalogue.changed_since(middle) == set()
    catalogue.update_meta("c", DocumentMeta(title="C again"))
    assert catalogue.changed_since(middle) == {"c"}
    assert catalogue.changes() > middle > start
    # Once the oldest entries are gone, a reader from before them cannot be told.
    with catalogue._transaction() as db:
        db.execute("DELETE FROM document_change_log WHERE seq <= ?", (middle,))
    assert catalogue.changed_since(start) is None
    assert catalogue.changed_since(middle) == {"c"}


def test_a_catalogue_from_before_the_log_counts_each_write_once(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite"
    Catalogue(path).close()
    old = sqlite3.connect(path)
    old.executescript(
        """DROP TABLE document_change_log;
        CREATE TABLE document_changes (id INTEGER PRIMARY KEY CHECK (id = 1),
            changes INTEGER NOT NULL);
        INSERT INTO document_changes VALUES (1, 41);
        CREATE TRIGGER documents_inserted AFTER INSERT ON documents
        BEGIN UPDATE document_changes SET changes = changes + 1 WHERE id = 1; END;
        CREATE TRIGGER documents_updated AFTER UPDATE ON documents
        BEGIN UPDATE document_changes SET changes = changes + 1 WHERE id = 1; END;"""
    )
    old.commit()
    old.close()
    reopened = Catalogue(path)
    try:
        names = {row[0] for row in reopened._db.execute("SELECT name FROM sqlite_master")}
        assert "document_changes" not in names and "documents_updated" not in names
        before = reopened.changes()
        record = _record("a", 1.0)
        reopened.add_document(record, ["one"], FileOutcome(record.path, "f", "ok"))
        assert reopened.changes() == before + 1
        assert reopened.changed_since(before) == {"a"}
    finally:
        reopened.close()


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
        mixed.files(None, 0, 50)
        mixed.files("ok", 50, 50)
        mixed.read_by_older_rules_totals(READING_RULES)
    finally:
        mixed._db.set_trace_callback(None)
    assert len(statements) == 6
    older = " ".join(str(r[3]) for r in mixed._db.execute(f"EXPLAIN QUERY PLAN {statements[-1]}"))
    assert older == "SEARCH files USING INDEX files_by_rules (rules<?)", older
    for statement in statements:
        plan = " ".join(str(row[3]) for row in mixed._db.execute(f"EXPLAIN QUERY PLAN {statement}"))
        assert "SCAN documents" not in plan, (statement, plan)
        assert "SCAN files" not in plan or "USING INDEX" in plan, (statement, plan)
        assert "TEMP B-TREE" not in plan, (statement, plan)


# Evidence per determinant: read in page order from indexes, kept in step with the documents


def _evidence_doc(doc_id: str, n: int, access: str, place: str, strength: float) -> DocumentRecord:
    extra = {
        "determinants": {"housing": 0.5},
        "places": [place],
        "strongest": {"housing": {"chunk": f"{doc_id}-0", "strength": strength, "passages": n}},
    }
    meta = DocumentMeta(title=doc_id.upper(), year=2000 + n, access=access)
    return DocumentRecord(doc_id, meta, f"{doc_id}.pdf", f"/x/{doc_id}.pdf", 1, 1, float(n), extra)


@pytest.fixture
def about_housing(tmp_path: Path) -> Iterator[Catalogue]:
    """Six documents about housing: local and not, public and internal, of varied strength."""
    opened = Catalogue(tmp_path / "housing.sqlite")
    for n, (doc_id, access, place, strength) in enumerate(
        [
            ("far", "public", "london", 0.95),
            ("near", "public", "leicester", 0.71),
            ("nearer", "internal", "blaby", 0.88),
            ("weak", "public", "london", 0.42),
            ("old", "public", "leicester", 0.71),
            ("mid", "internal", "york", 0.66),
        ],
        start=1,
    ):
        record = _evidence_doc(doc_id, n, access, place, strength)
        opened.add_document(record, ["text"], FileOutcome(record.path, "f", "indexed"))
    yield opened
    opened.close()


LOCAL = ["blaby", "leicester"]


def _strongest(catalogue: Catalogue, limit: int = 10) -> list[tuple[str, bool]]:
    return [
        # Which group it was read in: its first place local or not.
        (s.document.doc_id, s.document.extra["places"][0] in LOCAL)
        for s in catalogue.strongest_passages("housing", LOCAL, limit)
    ]


def test_strongest_evidence_is_local_first_then_strongest_then_newest(
    about_housing: Catalogue,
) -> None:
    assert _strongest(about_housing) == [
        ("nearer", True),
        ("old", True),  # as strong as "near" to a tenth, and a newer year
        ("near", True),
        ("far", False),
        ("mid", False),
        ("weak", False),
    ]
    # Up to the limit from each group: the caller decides which documents are local.
    assert _strongest(about_housing, 2) == [
        ("nearer", True),
        ("old", True),
        ("far", False),
        ("mid", False),
    ]
    assert _strongest(about_housing.scoped(["public"]), 3) == [
        ("old", True),
        ("near", True),
        ("far", False),
        ("weak", False),
    ]
    assert [r.doc_id for r in about_housing.newest_about("housing", 3)] == ["mid", "old", "weak"]
    assert [r.doc_id for r in about_housing.scoped(["public"]).newest_about("housing", 2)] == [
        "old",
        "weak",
    ]
    assert about_housing.determinant_totals() == {"housing": (6, 21)}
    assert about_housing.scoped(["public"]).determinant_totals_for("housing") == (4, 12)


def test_evidence_follows_a_documents_new_level_year_and_title(about_housing: Catalogue) -> None:
    public = about_housing.scoped(["public"])
    nearer = about_housing.document("nearer")
    assert nearer is not None
    about_housing.update_meta("nearer", replace(nearer.meta, access="public"))
    old = about_housing.document("old")
    assert old is not None
    about_housing.update_meta("old", replace(old.meta, year=1990))
    assert _strongest(public, 3) == [
        ("nearer", True),
        ("near", True),
        ("old", True),
        ("far", False),
        ("weak", False),
    ]
    assert public.determinant_totals_for("housing") == (5, 15)
    about_housing.remove_document("far")
    assert public.determinant_totals() == {"housing": (4, 14)}
    assert ("far", False) not in _strongest(about_housing)


def test_determinant_reads_walk_an_index_and_stop(about_housing: Catalogue) -> None:
    """Every read for a determinant's page follows an index in the page's order (no sort of
    all its documents, no scan of the evidence), so a page costs the same at any size."""
    public = about_housing.scoped(["public"])
    statements: list[str] = []
    public._db.set_trace_callback(statements.append)
    try:
        public.strongest_passages("housing", LOCAL, 10)
        public.newest_about("housing", 5)
        public.determinant_totals_for("housing")
        public.determinant_totals()
    finally:
        public._db.set_trace_callback(None)
    evidence_reads = [s for s in statements if "evidence" in s]
    assert len(evidence_reads) == len(LOCAL) + 1 + 1 + 2
    for statement in evidence_reads:
        plan = " ".join(
            str(row[3]) for row in public._db.execute(f"EXPLAIN QUERY PLAN {statement}")
        )
        # The totals table is a row per determinant and level: reading it all is fine.
        assert not re.search(r"SCAN (evidence(?!_totals)|documents|d\b)", plan), (statement, plan)
        assert "TEMP B-TREE" not in plan or "evidence_totals" in statement, (statement, plan)


def _evidence_plans(catalogue: Catalogue, read: Callable[[Catalogue], object]) -> list[str]:
    """The query plan of each evidence read `read` makes."""
    statements: list[str] = []
    catalogue._db.set_trace_callback(statements.append)
    try:
        read(catalogue)
    finally:
        catalogue._db.set_trace_callback(None)
    return [
        " ".join(str(row[3]) for row in catalogue._db.execute(f"EXPLAIN QUERY PLAN {statement}"))
        for statement in statements
        if "FROM evidence" in statement
    ]


@pytest.mark.parametrize("levels", [["public"], ["public", "partner"], None])
def test_a_determinant_read_is_a_range_of_visible_rows(
    about_housing: Catalogue, levels: list[str] | None
) -> None:
    """The level is held equal in the index before the order, so a reader's walk covers rows
    at their levels only, never stepping over the documents they may not see; readers of
    several levels (and the whole library) walk once per level, each still in order."""
    view = about_housing if levels is None else about_housing.scoped(levels)
    for read in (
        lambda c: c.strongest_passages("housing", LOCAL, 10),
        lambda c: c.strongest_passages("housing", [], 10),
        lambda c: c.newest_about("housing", 5),
    ):
        plans = _evidence_plans(view, read)
        assert plans
        for plan in plans:
            assert re.fullmatch(
                r"SEARCH evidence USING INDEX evidence_level_(strongest|strongest_at|newest)"
                r" \(determinant=\? (AND first_place=\? )?AND access=\?\)",
                plan,
            ), plan


def test_reads_at_several_levels_merge_into_one_order(tmp_path: Path) -> None:
    """Walked a level at a time and merged, the strongest and newest documents are those a
    sort of every visible row gives, for each kind of reader and limit."""
    rng = random.Random(11)
    catalogue = Catalogue(tmp_path / "levels.sqlite")
    places = ["leicester", "blaby", "york", "london"]
    shares = {}
    try:
        for n in range(60):
            doc_id = f"d{n}"
            strength = rng.randint(0, 9) / 10 + rng.choice([0.01, 0.03, 0.06, 0.08])
            shares[doc_id] = rng.randint(0, 9) / 10 + 0.02
            extra = {
                "determinants": {"housing": shares[doc_id]},
                "places": [rng.choice(places)],
                "strongest": {"housing": {"chunk": f"{doc_id}-0", "strength": strength,
                                          "passages": 1}},
            }  # fmt: skip
            access = rng.choice(["public", "partner", "internal", WITHDRAWN])
            meta = DocumentMeta(title=f"T{rng.randint(0, 5)}", year=rng.randint(2018, 2020),
                                access=access)  # fmt: skip
            record = DocumentRecord(
                doc_id, meta, "f.pdf", f"/x/{doc_id}.pdf", 1, 1, float(rng.random()), extra
            )
            catalogue.add_document(record, ["p"], FileOutcome(record.path, "f", "indexed"))
        every = catalogue.documents()
        for levels in (["public"], ["public", "partner"], ["partner", "internal"], None):
            view = catalogue if levels is None else catalogue.scoped(levels)
            seen = [d for d in every if levels is None or d.meta.access in levels]

            def rank(d: DocumentRecord) -> tuple[object, ...]:
                best = d.extra["strongest"]["housing"]
                return (
                    d.extra["places"][0] not in LOCAL,
                    -round(best["strength"], 1),
                    -round(shares[d.doc_id], 1),
                    -(d.meta.year or 0),
                    -d.added_at,
                )

            for limit in (1, 4, 10, 100):
                ranked = [(d.doc_id, d.extra["places"][0] in LOCAL) for d in sorted(seen, key=rank)]
                # Up to the limit from each group, local first.
                expected = [r for r in ranked if r[1]][:limit] + [r for r in ranked if not r[1]][
                    :limit
                ]
                assert _strongest(view, limit) == expected, (levels, limit)
                newest = [d.doc_id for d in sorted(seen, key=lambda d: -d.added_at)[:limit]]
                assert [r.doc_id for r in view.newest_about("housing", limit)] == newest
                assert [r.doc_id for r in islice(view.newest(), limit)] == newest
            everything = sorted(seen, key=lambda d: (-d.added_at, d.doc_id))
            assert [r.doc_id for r in view.newest()] == [d.doc_id for d in everything]
    finally:
        catalogue.close()


def test_a_catalogue_with_the_level_last_indexes_gets_the_new_ones_when_opened(
    about_housing: Catalogue, tmp_path: Path
) -> None:
    """A catalogue indexed as before (the level after the order, so a visitor stepped over
    every hidden row ranked above a public one) has those indexes replaced once when opened:
    every document and evidence row stays, the reads answer as before, and use the new ones."""
    path = tmp_path / "housing.sqlite"
    public = about_housing.scoped(["public"])
    before = (
        _strongest(about_housing), _strongest(public),
        [r.doc_id for r in public.newest_about("housing", 5)], about_housing.stats(),
        about_housing.determinant_totals(),
    )  # fmt: skip
    about_housing.close()
    old = sqlite3.connect(path)
    for index in ("strongest", "strongest_at", "newest"):
        old.execute(f"DROP INDEX evidence_level_{index}")
    order = (
        "round(strength, 1) DESC, round(share, 1) DESC, coalesce(year, 0) DESC, added_at DESC,"
        " lower(title)"
    )
    old.execute(f"CREATE INDEX evidence_strongest ON evidence (determinant, {order}, access)")
    old.execute(
        f"CREATE INDEX evidence_strongest_at ON evidence (determinant, first_place, {order})"
    )
    old.execute(
        "CREATE INDEX evidence_newest ON evidence (determinant, added_at DESC, lower(title),"
        " access)"
    )
    rows = old.execute("SELECT * FROM evidence ORDER BY doc_id").fetchall()
    old.commit()
    old.close()
    for _ in range(2):  # and a second opening changes nothing
        reopened = Catalogue(path)
        try:
            indexes = {
                str(r[0])
                for r in reopened._db.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'evidence'"
                )
            }
            assert {"evidence_strongest", "evidence_strongest_at", "evidence_newest"}.isdisjoint(
                indexes
            )
            assert {
                "evidence_level_strongest", "evidence_level_strongest_at", "evidence_level_newest"
            } <= indexes  # fmt: skip
            kept = reopened._db.execute("SELECT * FROM evidence ORDER BY doc_id").fetchall()
            assert [tuple(r) for r in kept] == rows and len(rows) == 6
            visitor = reopened.scoped(["public"])
            assert (
                _strongest(reopened), _strongest(visitor),
                [r.doc_id for r in visitor.newest_about("housing", 5)], reopened.stats(),
                reopened.determinant_totals(),
            ) == before  # fmt: skip
            for plan in _evidence_plans(
                visitor, lambda c: c.strongest_passages("housing", LOCAL, 3)
            ):
                assert "evidence_level_" in plan and "access=?" in plan, plan
        finally:
            reopened.close()


def test_a_catalogue_from_before_the_evidence_copies_gets_them_when_opened(
    about_housing: Catalogue, tmp_path: Path
) -> None:
    before = (_strongest(about_housing), about_housing.determinant_totals())
    about_housing.close()
    old = sqlite3.connect(tmp_path / "housing.sqlite")
    for trigger in ("totals_add", "totals_remove", "totals_change", "follows_document"):
        old.execute(f"DROP TRIGGER evidence_{trigger}")
    for index in ("strongest", "strongest_at", "newest"):
        old.execute(f"DROP INDEX evidence_level_{index}")
    old.execute("DROP TABLE evidence_totals")
    for column in ("access", "year", "added_at", "title"):
        old.execute(f"ALTER TABLE evidence DROP COLUMN {column}")
    # A row whose document is gone, as a connection without foreign keys could leave.
    old.execute("INSERT INTO evidence VALUES ('gone', 'housing', 1, 0.5, 0.9, 'gone-0', 'blaby')")
    old.commit()
    old.close()
    reopened = Catalogue(tmp_path / "housing.sqlite")
    try:
        assert (_strongest(reopened), reopened.determinant_totals()) == before
        assert reopened.scoped(["public"]).determinant_totals_for("housing") == (4, 12)
    finally:
        reopened.close()


def test_lens_totals_follow_each_documents_counts_and_level(about_housing: Catalogue) -> None:
    public = about_housing.scoped(["public"])
    far = about_housing.document("far")
    mid = about_housing.document("mid")
    assert far is not None and mid is not None
    about_housing.update_extra("far", {**far.extra, "lens_passages": {"inequalities": 3}})
    lenses = {"inequalities": 2, "life_stage:older_people": 1}
    about_housing.update_extra("mid", {**mid.extra, "lens_passages": lenses})
    assert about_housing.lens_totals() == {"inequalities": 5, "life_stage:older_people": 1}
    assert public.lens_totals() == {"inequalities": 3}
    about_housing.update_meta("mid", replace(mid.meta, access="public"))
    assert public.lens_totals() == {"inequalities": 5, "life_stage:older_people": 1}
    about_housing.update_extra("far", {**far.extra, "lens_passages": {}})  # a retag
    assert public.lens_totals() == {"inequalities": 2, "life_stage:older_people": 1}
    about_housing.remove_document("mid")
    assert about_housing.lens_totals() == {}


def test_finding_documents_without_evidence_reads_only_those(catalogue: Catalogue) -> None:
    """Asked at every start: a partial index holds just the documents lacking evidence, so a
    library with none reads no document's details."""
    statements: list[str] = []
    catalogue._db.set_trace_callback(statements.append)
    try:
        assert set(catalogue.lacking_evidence()) == {"a", "b", "c", "d"}
    finally:
        catalogue._db.set_trace_callback(None)
    [statement] = statements
    plan = " ".join(str(r[3]) for r in catalogue._db.execute(f"EXPLAIN QUERY PLAN {statement}"))
    assert plan == "SCAN documents USING INDEX documents_lacking_evidence"
    for doc_id in "abcd":
        catalogue.update_extra(doc_id, {"strongest": {}, "lens_passages": {}})
    assert catalogue.lacking_evidence() == []


def test_half_made_totals_are_counted_again_and_opening_twice_counts_once(
    about_housing: Catalogue, tmp_path: Path
) -> None:
    """A catalogue left with part of the totals (the last trigger of each set missing, and the
    numbers wrong) has them made again from the rows when opened; opening it again after that
    changes nothing."""
    path = tmp_path / "housing.sqlite"
    stats, files = about_housing.stats(), about_housing.file_counts()
    evidence, lenses = about_housing.determinant_totals(), about_housing.lens_totals()
    about_housing.close()
    old = sqlite3.connect(path)
    old.execute("DROP TRIGGER file_totals_change")
    old.execute("DROP TRIGGER evidence_follows_document")
    old.execute("UPDATE document_totals SET documents = documents + 100")
    old.execute("UPDATE file_totals SET files = files + 100")
    old.execute("UPDATE evidence_totals SET documents = documents + 100")
    old.commit()
    old.close()
    for _ in range(2):
        reopened = Catalogue(path)
        try:
            assert (reopened.stats(), reopened.file_counts()) == (stats, files)
            assert (reopened.determinant_totals(), reopened.lens_totals()) == (evidence, lenses)
        finally:
            reopened.close()
    reopened = Catalogue(path)
    try:
        far = reopened.document("far")
        assert far is not None
        reopened.update_meta("far", replace(far.meta, access="internal"))  # triggers are back
        assert reopened.scoped(["public"]).determinant_totals_for("housing") == (3, 11)
        reopened.record_outcome(FileOutcome("/x/far.pdf", "f", "failed"))
        assert reopened.file_counts() == {"indexed": 5, "failed": 1}
    finally:
        reopened.close()


def test_withdrawing_and_restoring_moves_every_total_and_back(about_housing: Catalogue) -> None:
    """An admin's withdrawal (search.curation, as the admin page does it) takes a document out
    of every reader's counts at once, and bringing it back puts it in at its old level."""
    store = ServerStore.connect(QdrantSettings(mode="memory"))  # no chunks: totals only here
    store.ensure_collection(CollectionLayout(model_id="test-model", dimension=2))
    readers = about_housing.scoped(["public", "internal"])
    about_housing.update_extra(
        "far", {**_evidence_doc("far", 1, "public", "london", 0.95).extra,
                "lens_passages": {"inequalities": 2}},
    )  # fmt: skip
    before = (readers.stats(), readers.determinant_totals(), readers.lens_totals())
    try:
        withdraw_document(store, about_housing, "far")
        assert readers.stats()["documents"] == before[0]["documents"] - 1
        assert readers.determinant_totals() == {"housing": (5, 20)} and readers.lens_totals() == {}
        assert about_housing.scoped([WITHDRAWN]).stats()["documents"] == 1
        assert about_housing.stats()["documents"] == 6  # the whole library keeps it
        restore_document(store, about_housing, "far")
        assert (readers.stats(), readers.determinant_totals(), readers.lens_totals()) == before
        assert about_housing.scoped([WITHDRAWN]).stats()["documents"] == 0
    finally:
        store.close()


def test_lens_rows_left_stale_or_orphaned_are_put_right_when_opened(
    about_housing: Catalogue, tmp_path: Path
) -> None:
    """A catalogue whose copy trigger went missing while a document changed level, and which
    holds a lens row of a document since gone (written with foreign keys off), has its lens
    rows made true again with the evidence rows when opened, so the lens totals count no
    passage at a level its document left or of a document that is gone."""
    far = about_housing.document("far")
    assert far is not None
    about_housing.update_extra("far", {**far.extra, "lens_passages": {"inequalities": 2}})
    about_housing.close()
    old = sqlite3.connect(tmp_path / "housing.sqlite")
    old.execute("DROP TRIGGER evidence_follows_document")
    old.execute("UPDATE documents SET access = 'internal' WHERE doc_id = 'far'")
    old.execute("INSERT INTO lens_evidence VALUES ('gone', 'inequalities', 7, 'public')")
    old.commit()
    old.close()
    reopened = Catalogue(tmp_path / "housing.sqlite")
    try:
        assert reopened.scoped(["public"]).lens_totals() == {}
        assert reopened.lens_totals() == {"inequalities": 2}
        assert reopened.scoped(["internal"]).lens_totals() == {"inequalities": 2}
    finally:
        reopened.close()


def _totals_against_rows(catalogue: Catalogue) -> None:
    """Every running total equals its count from the rows, at each level (a zeroed total row
    left behind counts as no row)."""
    db = catalogue._db

    def pairs(sql: str) -> dict[tuple[object, ...], tuple[object, ...]]:
        return {tuple(r[:2]): tuple(r[2:]) for r in db.execute(sql) if any(v != 0 for v in r[2:])}

    checks = {
        "documents": (
            "SELECT access, '', count(*), sum(page_count), sum(chunk_count) FROM documents"
            " GROUP BY access",
            "SELECT access, '', documents, pages, chunks FROM document_totals",
        ),
        "files": (
            "SELECT outcome, '', count(*) FROM files GROUP BY outcome",
            "SELECT outcome, '', files FROM file_totals",
        ),
        "evidence": (
            "SELECT e.determinant, d.access, count(*), sum(e.passages) FROM evidence e"
            " JOIN documents d USING (doc_id) GROUP BY e.determinant, d.access",
            "SELECT determinant, access, documents, passages FROM evidence_totals",
        ),
        "lenses": (
            "SELECT l.lens, d.access, sum(l.passages) FROM lens_evidence l"
            " JOIN documents d USING (doc_id) GROUP BY l.lens, d.access",
            "SELECT lens, access, passages FROM lens_totals",
        ),
    }
    for name, (from_rows, running) in checks.items():
        assert pairs(running) == pairs(from_rows), name


def test_running_totals_equal_the_rows_after_any_mix_of_writes(tmp_path: Path) -> None:
    """A seeded mix of every write the catalogue has (ingest, re-ingest under the same id or
    replacing another, removal, a change of level or year, a retag with or without new
    chunks, a file's outcome recorded or forgotten), checked against the rows after each."""
    rng = random.Random(3)
    catalogue = Catalogue(tmp_path / "mixed.sqlite")
    ids, levels = [f"d{n}" for n in range(5)], ["public", "internal", WITHDRAWN]
    try:
        for step in range(300):
            doc_id, op = rng.choice(ids), rng.randrange(7)
            about = rng.sample(["housing", "income", "transport"], rng.randint(0, 3))
            lenses = rng.sample(["inequalities", "life_stage:older_people"], rng.randint(0, 2))
            extra = {
                "places": ["leicester"],
                "strongest": {
                    d: {"chunk": f"{doc_id}-0", "strength": rng.random(), "passages": n}
                    for d, n in zip(about, [rng.randint(1, 4) for _ in about], strict=True)
                },
                "lens_passages": {lens: rng.randint(0, 3) for lens in lenses},
            }
            record = catalogue.document(doc_id)
            if op <= 1:
                meta = DocumentMeta(title=doc_id, access=rng.choice(levels))
                pages = rng.randint(1, 4)
                new = DocumentRecord(
                    doc_id, meta, "f.pdf", f"/x/{rng.choice(ids)}.pdf", pages, rng.randint(1, 6),
                    float(step), extra,
                )  # fmt: skip
                outcome = FileOutcome(
                    new.path, "f", rng.choice(["indexed", "failed"]), doc_id=doc_id
                )
                replaces = rng.choice(ids) if op == 1 else None
                catalogue.add_document(new, ["p"] * pages, outcome, replaces=replaces)
            elif op == 2:
                catalogue.remove_document(doc_id)
            elif op == 3 and record is not None:
                meta = replace(record.meta, access=rng.choice(levels), year=rng.randint(1990, 2025))
                catalogue.update_meta(doc_id, meta)
            elif op == 4 and record is not None:
                catalogue.update_extra(doc_id, extra, rng.choice([None, rng.randint(1, 6)]))
            elif op == 5:
                outcome = FileOutcome(f"/x/{doc_id}.pdf", "f", rng.choice(["ok", "duplicate"]))
                catalogue.record_outcome(outcome)
            elif op == 6:
                catalogue.forget_file(f"/x/{doc_id}.pdf")
            _totals_against_rows(catalogue)
    finally:
        catalogue.close()


def test_visible_among_follows_writes_after_it_was_asked(catalogue: Catalogue) -> None:
    many = {"a", "b", "c", "d", "e"}
    assert catalogue.visible_among(many) == {"a", "b", "c", "d"}
    record = _record("e", 9.0)
    catalogue.add_document(record, ["one"], FileOutcome(record.path, "f", "ok"))
    catalogue.remove_document("b")
    assert catalogue.visible_among(many) == {"a", "c", "d", "e"}


def test_visible_among_keeps_each_access_view_apart(catalogue: Catalogue) -> None:
    public = catalogue.scoped(["public"])
    assert public.visible_among({"a", "b"}) == {"a", "b"}
    catalogue.update_meta("a", DocumentMeta(title="a", access="restricted"))
    assert public.visible_among({"a", "b"}) == {"b"}
    assert catalogue.scoped(["public", "restricted"]).visible_among({"a", "b"}) == {"a", "b"}
    assert catalogue.visible_among({"a", "b"}) == {"a", "b"}


def test_every_document_about_a_determinant_is_listed_once_strongest_first(
    about_housing: Catalogue,
) -> None:
    """The full list behind a determinant page: pages of any size add up to the documents the
    page counts, each once, in the strongest-evidence order, at the reader's levels only."""
    for view, expected in (
        # Strength to a tenth (mid's 0.66 and old's 0.71 are both 0.7), then the newer year.
        (about_housing, ["far", "nearer", "mid", "old", "near", "weak"]),
        (about_housing.scoped(["public"]), ["far", "old", "near", "weak"]),
    ):
        for size in (1, 2, 4, 10):
            listed = [
                (record.doc_id, passages)
                for offset in range(0, 12, size)
                for record, passages in view.documents_about("housing", offset, size)
            ]
            assert [doc_id for doc_id, _ in listed] == expected
            assert view.determinant_totals_for("housing")[0] == len(expected)
            # Each with its own count of passages about it (n, as the fixture stored them).
            assert dict(listed) == {d: n for n, d in enumerate(_FIXTURE_ORDER, 1) if d in expected}
    assert about_housing.documents_about("income", 0, 10) == []


_FIXTURE_ORDER = ["far", "near", "nearer", "weak", "old", "mid"]


def test_a_page_of_the_full_list_walks_the_strongest_index_at_each_level(
    about_housing: Catalogue,
) -> None:
    for view in (about_housing, about_housing.scoped(["public"])):
        plans = _evidence_plans(view, lambda c: c.documents_about("housing", 2, 2))
        assert plans
        for plan in plans:
            assert plan.startswith(
                "SEARCH evidence USING INDEX evidence_level_strongest (determinant=? AND access=?)"
            ), plan
            assert "SCAN" not in plan and "TEMP B-TREE" not in plan, plan


def test_order_facts_read_the_year_and_places_a_record_holds(tmp_path: Path) -> None:
    """What a search sorted by year or local first reads instead of whole records: the same
    year and place mentions as each record, for visible documents only, and empty places for
    details that hold none or hold something else."""
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    try:
        details: list[dict[str, object]] = [
            {"place_counts": {"kent": 5, "medway": 2}, "places": ["kent", "medway"], "x": [1]},
            {"places": ["leicestershire"]},
            {},
            {"place_counts": "not a mapping", "places": {"not": "a list"}},
        ]
        for n, extra in enumerate(details):
            record = replace(_record(f"d{n}", float(n), extra), meta=DocumentMeta(
                title=f"d{n}", year=2000 + n if n != 2 else None,
                access="restricted" if n == 1 else "public",
            ))  # fmt: skip
            catalogue.add_document(record, ["one"], FileOutcome(record.path, "f", "ok"))
        asked = ["d3", "d0", "gone", "d1", "d2", "d0"]
        records = {r.doc_id: r for r in catalogue.documents(asked)}
        facts = catalogue.order_facts(asked, with_places=True)
        assert set(facts) == set(records) == {"d0", "d1", "d2", "d3"}
        for doc_id, record in records.items():
            assert facts[doc_id].year == record.meta.year
        assert facts["d0"].place_counts == {"kent": 5, "medway": 2}
        assert facts["d0"].places == ["kent", "medway"]
        assert (facts["d1"].place_counts, facts["d1"].places) == ({}, ["leicestershire"])
        assert (facts["d2"].place_counts, facts["d2"].places) == ({}, [])
        assert (facts["d3"].place_counts, facts["d3"].places) == ({}, [])
        # Without places only the year is read.
        years = catalogue.order_facts(asked)
        assert {d: f.year for d, f in years.items()} == {d: f.year for d, f in facts.items()}
        assert all(f.place_counts == {} and f.places == [] for f in years.values())
        # A view reads only what it may see.
        assert set(catalogue.scoped(["public"]).order_facts(asked)) == {"d0", "d2", "d3"}
        # More ids than one statement may carry.
        many = [f"d{n}" for n in range(4)] + [f"none{n}" for n in range(1_200)]
        assert set(catalogue.order_facts(many, with_places=True)) == set(records)
    finally:
        catalogue.close()


def test_place_facts_read_the_places_a_text_names_with_title_and_organisation(
    tmp_path: Path,
) -> None:
    """What a question naming a place reads of the documents it would mark strong: the places
    the text names (counted), not the places holding them, which `places` adds; `places` only
    for a library indexed before counts were kept; nothing for unreadable details."""
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    try:
        details: list[dict[str, object]] = [
            {"place_counts": {"sevenoaks": 2, "west_sussex": 9, "crawley": 0},
             "places": ["west_sussex", "sevenoaks", "kent", "south_east"]},
            {"places": ["kent", "south_east"]},
            {"place_counts": "not a mapping", "places": {"not": "a list"}},
        ]  # fmt: skip
        for n, extra in enumerate(details):
            record = replace(_record(f"d{n}", float(n), extra), meta=DocumentMeta(
                title=f"Report {n}", organisation="Kent County Council" if n == 2 else "",
                access="restricted" if n == 1 else "public",
            ))  # fmt: skip
            catalogue.add_document(record, ["one"], FileOutcome(record.path, "f", "ok"))
        facts = catalogue.place_facts(["d0", "d1", "d2", "gone"])
        assert set(facts) == {"d0", "d1", "d2"}
        assert facts["d0"].named == {"sevenoaks", "west_sussex"}  # not Kent, which holds one
        assert facts["d0"].counts == {"sevenoaks": 2, "west_sussex": 9}
        assert facts["d1"].named == {"kent", "south_east"}
        assert facts["d1"].counts == {}  # only the frequent places were kept
        assert facts["d2"].named == frozenset()
        assert (facts["d2"].title, facts["d2"].organisation) == ("Report 2", "Kent County Council")
        assert set(catalogue.scoped(["public"]).place_facts(["d0", "d1", "d2"])) == {"d0", "d2"}
    finally:
        catalogue.close()
