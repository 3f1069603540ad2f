"""The catalogue's running totals and the copies that let its evidence be read in page order:
their tables, indexes and triggers, and the one-time step that adds them to a catalogue made
before them. The triggers keep every total in step with each write, in the write's own
transaction, so a count a page shows reads a few rows, never every document or passage."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from contextlib import AbstractContextManager

__all__ = ["EVIDENCE_ORDER", "add_evidence_indexes", "add_evidence_order", "add_totals"]

Transaction = Callable[[sqlite3.Connection], AbstractContextManager[sqlite3.Connection]]

# Running totals, so the counts /healthz, /metrics and the status pages show read a few rows
# rather than every document or file: per access level (a reader's counts are the sum over
# their levels) and per file outcome. Triggers keep them in step with every write, in the
# write's own transaction; a catalogue from before them is counted once when it is opened.
_TOTALS = (
    """CREATE TABLE document_totals (
        access TEXT PRIMARY KEY,
        documents INTEGER NOT NULL,
        pages INTEGER NOT NULL,
        chunks INTEGER NOT NULL
    )""",
    "CREATE TABLE file_totals (outcome TEXT PRIMARY KEY, files INTEGER NOT NULL)",
    """INSERT INTO document_totals
        SELECT access, count(*), coalesce(sum(page_count), 0), coalesce(sum(chunk_count), 0)
        FROM documents GROUP BY access""",
    "INSERT INTO file_totals SELECT outcome, count(*) FROM files GROUP BY outcome",
    """CREATE TRIGGER document_totals_add AFTER INSERT ON documents BEGIN
        INSERT INTO document_totals VALUES (NEW.access, 1, NEW.page_count, NEW.chunk_count)
        ON CONFLICT (access) DO UPDATE SET documents = documents + 1,
            pages = pages + excluded.pages, chunks = chunks + excluded.chunks;
    END""",
    """CREATE TRIGGER document_totals_remove AFTER DELETE ON documents BEGIN
        UPDATE document_totals SET documents = documents - 1, pages = pages - OLD.page_count,
            chunks = chunks - OLD.chunk_count WHERE access = OLD.access;
    END""",
    """CREATE TRIGGER document_totals_change
    AFTER UPDATE OF access, page_count, chunk_count ON documents BEGIN
        UPDATE document_totals SET documents = documents - 1, pages = pages - OLD.page_count,
            chunks = chunks - OLD.chunk_count WHERE access = OLD.access;
        INSERT INTO document_totals VALUES (NEW.access, 1, NEW.page_count, NEW.chunk_count)
        ON CONFLICT (access) DO UPDATE SET documents = documents + 1,
            pages = pages + excluded.pages, chunks = chunks + excluded.chunks;
    END""",
    """CREATE TRIGGER file_totals_add AFTER INSERT ON files BEGIN
        INSERT INTO file_totals VALUES (NEW.outcome, 1)
        ON CONFLICT (outcome) DO UPDATE SET files = files + 1;
    END""",
    """CREATE TRIGGER file_totals_remove AFTER DELETE ON files BEGIN
        UPDATE file_totals SET files = files - 1 WHERE outcome = OLD.outcome;
    END""",
    """CREATE TRIGGER file_totals_change AFTER UPDATE OF outcome ON files BEGIN
        UPDATE file_totals SET files = files - 1 WHERE outcome = OLD.outcome;
        INSERT INTO file_totals VALUES (NEW.outcome, 1)
        ON CONFLICT (outcome) DO UPDATE SET files = files + 1;
    END""",
)

# The determinant pages' reads in the order they show: every read is an index walk that stops
# after the few rows a page lists. The order is strongest_passages' (the expressions must
# match the query's for SQLite to use the index).
EVIDENCE_ORDER = "round(strength, 1) DESC, round(share, 1) DESC, coalesce(year, 0) DESC,"
EVIDENCE_ORDER += " added_at DESC, lower(title)"
# The indexes those walks follow. The access level comes straight after the columns a read
# holds equal (determinant, and a local place) and before the order, so a read at one level is
# a range of that level's rows only: a visitor's read never steps over the internal documents
# ranked above the public ones. (An earlier version put the level last; add_evidence_indexes
# replaces those.) The last one made stands for all three.
_EVIDENCE_READ_INDEXES = (
    f"CREATE INDEX evidence_level_strongest ON evidence (determinant, access, {EVIDENCE_ORDER})",
    "CREATE INDEX evidence_level_strongest_at"
    f" ON evidence (determinant, first_place, access, {EVIDENCE_ORDER})",
    "CREATE INDEX evidence_level_newest"
    " ON evidence (determinant, access, added_at DESC, lower(title))",
)
_EVIDENCE_READ_NAMES = (
    "evidence_level_strongest",
    "evidence_level_strongest_at",
    "evidence_level_newest",
)
# The indexes with the level last, which the ones above replace.
_EVIDENCE_OLD_READ_NAMES = ("evidence_strongest", "evidence_strongest_at", "evidence_newest")
_EVIDENCE_COPIED = {
    "access": "TEXT NOT NULL DEFAULT 'public'",
    "year": "INTEGER",
    "added_at": "REAL NOT NULL DEFAULT 0",
    "title": "TEXT NOT NULL DEFAULT ''",
}
_EVIDENCE_COUNTS = (
    """CREATE TABLE evidence_totals (
        determinant TEXT NOT NULL,
        access TEXT NOT NULL,
        documents INTEGER NOT NULL,
        passages INTEGER NOT NULL,
        PRIMARY KEY (determinant, access)
    )""",
    """INSERT INTO evidence_totals
        SELECT determinant, access, count(*), sum(passages) FROM evidence
        GROUP BY determinant, access""",
    """CREATE TRIGGER evidence_totals_add AFTER INSERT ON evidence BEGIN
        INSERT INTO evidence_totals VALUES (NEW.determinant, NEW.access, 1, NEW.passages)
        ON CONFLICT (determinant, access) DO UPDATE SET documents = documents + 1,
            passages = passages + excluded.passages;
    END""",
    """CREATE TRIGGER evidence_totals_remove AFTER DELETE ON evidence BEGIN
        UPDATE evidence_totals SET documents = documents - 1, passages = passages - OLD.passages
        WHERE determinant = OLD.determinant AND access = OLD.access;
    END""",
    """CREATE TRIGGER evidence_totals_change
    AFTER UPDATE OF determinant, access, passages ON evidence BEGIN
        UPDATE evidence_totals SET documents = documents - 1, passages = passages - OLD.passages
        WHERE determinant = OLD.determinant AND access = OLD.access;
        INSERT INTO evidence_totals VALUES (NEW.determinant, NEW.access, 1, NEW.passages)
        ON CONFLICT (determinant, access) DO UPDATE SET documents = documents + 1,
            passages = passages + excluded.passages;
    END""",
    """CREATE TABLE lens_totals (
        lens TEXT NOT NULL,
        access TEXT NOT NULL,
        passages INTEGER NOT NULL,
        PRIMARY KEY (lens, access)
    )""",
    """INSERT OR IGNORE INTO lens_evidence
        SELECT d.doc_id, j.key, j.value, d.access
        FROM documents d, json_each(d.extra, '$.lens_passages') j
        WHERE j.type = 'integer'""",
    """INSERT INTO lens_totals
        SELECT lens, access, sum(passages) FROM lens_evidence GROUP BY lens, access""",
    """CREATE TRIGGER lens_totals_add AFTER INSERT ON lens_evidence BEGIN
        INSERT INTO lens_totals VALUES (NEW.lens, NEW.access, NEW.passages)
        ON CONFLICT (lens, access) DO UPDATE SET passages = passages + excluded.passages;
    END""",
    """CREATE TRIGGER lens_totals_remove AFTER DELETE ON lens_evidence BEGIN
        UPDATE lens_totals SET passages = passages - OLD.passages
        WHERE lens = OLD.lens AND access = OLD.access;
    END""",
    """CREATE TRIGGER lens_totals_change AFTER UPDATE OF lens, access, passages ON lens_evidence
    BEGIN
        UPDATE lens_totals SET passages = passages - OLD.passages
        WHERE lens = OLD.lens AND access = OLD.access;
        INSERT INTO lens_totals VALUES (NEW.lens, NEW.access, NEW.passages)
        ON CONFLICT (lens, access) DO UPDATE SET passages = passages + excluded.passages;
    END""",
    # Made last: its being there says the rest is.
    """CREATE TRIGGER evidence_follows_document
    AFTER UPDATE OF access, year, added_at, title ON documents BEGIN
        UPDATE evidence SET access = NEW.access, year = NEW.year, added_at = NEW.added_at,
            title = NEW.title WHERE doc_id = NEW.doc_id;
        UPDATE lens_evidence SET access = NEW.access WHERE doc_id = NEW.doc_id;
    END""",
)
_EVIDENCE_TRIGGERS = (
    "evidence_totals_add",
    "evidence_totals_remove",
    "evidence_totals_change",
    "lens_totals_add",
    "lens_totals_remove",
    "lens_totals_change",
    "evidence_follows_document",
)

_TOTALS_TRIGGERS = (
    "document_totals_add",
    "document_totals_remove",
    "document_totals_change",
    "file_totals_add",
    "file_totals_remove",
    "file_totals_change",
)


def _has(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchone() is not None


def add_totals(db: sqlite3.Connection, transaction: Transaction) -> None:
    """Make the running totals of documents and files, counting what the catalogue holds."""
    # The last trigger made: its being there means the rest is too.
    if _has(db, "file_totals_change"):
        return
    with transaction(db):
        if _has(db, "file_totals_change"):  # another process made them meanwhile
            return
        # Whatever part of them there is goes first, so they start from the rows.
        for name in _TOTALS_TRIGGERS:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute("DROP TABLE IF EXISTS document_totals")
        db.execute("DROP TABLE IF EXISTS file_totals")
        for statement in _TOTALS:
            db.execute(statement)


def add_evidence_order(db: sqlite3.Connection, transaction: Transaction) -> None:
    """Copy each document's order columns into its evidence rows and count evidence and lenses
    per level: once, for a catalogue from before them (add_evidence_indexes indexes them)."""
    if _has(db, "evidence_follows_document"):
        return
    with transaction(db):
        if _has(db, "evidence_follows_document"):
            return
        columns = {row[1] for row in db.execute("PRAGMA table_info(evidence)")}
        for name, declared in _EVIDENCE_COPIED.items():
            if name not in columns:
                db.execute(f"ALTER TABLE evidence ADD COLUMN {name} {declared}")
        # A row whose document is gone (written with foreign keys off) has nothing to copy and
        # would fail the copy's NOT NULL, so no catalogue holding one could open: it goes. The
        # lens rows are put right the same way, as the lens totals are counted from them below.
        for table in ("evidence", "lens_evidence"):
            db.execute(f"DELETE FROM {table} WHERE doc_id NOT IN (SELECT doc_id FROM documents)")
        db.execute(
            "UPDATE evidence SET (access, year, added_at, title) = (SELECT d.access, d.year,"
            " d.added_at, d.title FROM documents d WHERE d.doc_id = evidence.doc_id)"
        )
        db.execute(
            "UPDATE lens_evidence SET access ="
            " (SELECT d.access FROM documents d WHERE d.doc_id = lens_evidence.doc_id)"
        )
        for name in _EVIDENCE_TRIGGERS:
            db.execute(f"DROP TRIGGER IF EXISTS {name}")
        db.execute("DROP TABLE IF EXISTS evidence_totals")
        db.execute("DROP TABLE IF EXISTS lens_totals")
        for statement in _EVIDENCE_COUNTS:
            db.execute(statement)


def add_evidence_indexes(db: sqlite3.Connection, transaction: Transaction) -> None:
    """Index the evidence rows for the determinant pages' reads, level before order: once, for
    a catalogue from before them (or with the level-last indexes, which go). Only indexes are
    made and dropped, in one transaction; no row is touched. Runs after add_evidence_order,
    whose copied columns they index."""
    if _has(db, _EVIDENCE_READ_NAMES[-1]):
        return
    with transaction(db):
        if _has(db, _EVIDENCE_READ_NAMES[-1]):  # another process made them meanwhile
            return
        for name in (*_EVIDENCE_OLD_READ_NAMES, *_EVIDENCE_READ_NAMES):
            db.execute(f"DROP INDEX IF EXISTS {name}")
        for statement in _EVIDENCE_READ_INDEXES:
            db.execute(statement)
