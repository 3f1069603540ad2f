"""The catalogue: documents, their page texts and each file's ingest outcome, in SQLite.

Vectors live in Qdrant; everything a page needs to show a document (metadata,
page text, where the PDF is) lives here. A document is visible only once its
catalogue row is committed, which is what makes ingest safe to kill.
"""

from __future__ import annotations

import heapq
import json
import os
import sqlite3
import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from search.catalogue_held import HeldReads
from search.catalogue_totals import (
    EVIDENCE_ORDER,
    add_evidence_indexes,
    add_evidence_order,
    add_totals,
)
from search.schema import WITHDRAWN, DocumentMeta, document_id

__all__ = [
    "DUPLICATE",
    "FAILED",
    "INDEXED",
    "REMOVED",
    "SKIPPED",
    "WARNINGS",
    "Catalogue",
    "DocumentRecord",
    "FileOutcome",
    "OrderFacts",
    "PlaceFacts",
    "StrongestPassage",
    "copy_database",
    "write_transaction",
]

_MAX_SQLITE_INT = 2**63 - 1

# What an ingest did with a file (`FileOutcome.outcome`).
INDEXED = "indexed"
WARNINGS = "indexed_with_warnings"
SKIPPED = "skipped"
DUPLICATE = "duplicate"
FAILED = "failed"
REMOVED = "removed"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    organisation TEXT NOT NULL DEFAULT '',
    year INTEGER,
    kind TEXT NOT NULL DEFAULT '',
    authors TEXT NOT NULL DEFAULT '[]',
    url TEXT NOT NULL DEFAULT '',
    file_name TEXT NOT NULL,
    path TEXT NOT NULL,
    page_count INTEGER NOT NULL,
    chunk_count INTEGER NOT NULL,
    added_at REAL NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS pages (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    page INTEGER NOT NULL,
    text TEXT NOT NULL,
    PRIMARY KEY (doc_id, page)
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT PRIMARY KEY,
    file_name TEXT NOT NULL,
    content_hash TEXT NOT NULL DEFAULT '',
    doc_id TEXT,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    pages INTEGER NOT NULL DEFAULT 0,
    chunks INTEGER NOT NULL DEFAULT 0,
    seconds REAL NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL,
    -- The edition of the reading rules that read it (search.schema.READING_RULES); 0 for
    -- files read before editions were kept.
    rules INTEGER NOT NULL DEFAULT 0
);
-- Per document and determinant, worked out at ingest or retag from the document's chunks, so
-- the determinant pages read a few rows rather than every tagged chunk.
CREATE TABLE IF NOT EXISTS evidence (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    determinant TEXT NOT NULL,
    passages INTEGER NOT NULL,
    share REAL NOT NULL,
    strength REAL NOT NULL,
    chunk_id TEXT NOT NULL,
    first_place TEXT NOT NULL DEFAULT '',
    -- Copied from the document's row (and kept in step by a trigger), so a determinant's
    -- strongest and newest documents are read in order from an index, never sorted.
    access TEXT NOT NULL DEFAULT 'public',
    year INTEGER,
    added_at REAL NOT NULL DEFAULT 0,
    title TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (doc_id, determinant)
);
CREATE INDEX IF NOT EXISTS evidence_by_determinant ON evidence (determinant, passages);
-- Per document and lens value: how many of its passages carry it (from its `extra`), so the
-- overview sums running totals rather than counting every passage in the store.
CREATE TABLE IF NOT EXISTS lens_evidence (
    doc_id TEXT NOT NULL REFERENCES documents(doc_id) ON DELETE CASCADE,
    lens TEXT NOT NULL,
    passages INTEGER NOT NULL,
    access TEXT NOT NULL DEFAULT 'public',
    PRIMARY KEY (doc_id, lens)
);
CREATE INDEX IF NOT EXISTS documents_by_added ON documents (added_at);
-- Documents from before their evidence was stored: few or none, found at each start without
-- reading every document's details (the condition must match lacking_evidence's).
CREATE INDEX IF NOT EXISTS documents_lacking_evidence ON documents (doc_id)
WHERE json_extract(extra, '$.strongest') IS NULL OR json_extract(extra, '$.lens_passages') IS NULL;
-- Whether any document was read from a file's path: the removal of a failed file, and the
-- status page that offers it, ask for a handful of paths (a scan was 7 ms at 4,300 documents).
CREATE INDEX IF NOT EXISTS documents_by_path ON documents (path);
-- A search filtered by a kind of document widens it to every spelling of that kind the library
-- holds (kind_spellings): walked value by value, so its cost does not grow with the library.
CREATE INDEX IF NOT EXISTS documents_by_kind ON documents (kind);
-- The admin status lists files a page at a time, by name, of all outcomes or one.
CREATE INDEX IF NOT EXISTS files_by_name ON files (file_name);
CREATE INDEX IF NOT EXISTS files_by_outcome ON files (outcome, file_name);
-- Which document holds some bytes: a copy is stored once, and a file read again gets a new id.
CREATE INDEX IF NOT EXISTS files_by_content ON files (content_hash);
-- The files of a document: copies follow it to a new id, and a removal asks who else holds it.
CREATE INDEX IF NOT EXISTS files_by_document ON files (doc_id);
-- Each document a new version of its file replaced, and the newest version since: links
-- people saved or cited to an earlier version (its id is its content's hash) still lead
-- somewhere.
CREATE TABLE IF NOT EXISTS editions (
    old_doc_id TEXT PRIMARY KEY,
    new_doc_id TEXT NOT NULL
);
-- Where each passage of an earlier edition went (search.passage_moves), so a passage link
-- people saved or cited opens the same words in the newest edition.
CREATE TABLE IF NOT EXISTS passage_moves (
    old_chunk_id TEXT PRIMARY KEY,
    new_chunk_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS passage_moves_by_new ON passage_moves (new_chunk_id);
-- Which edition of a rule worked out what the library stores (e.g. `strongest_rules`, the
-- choice of each document's strongest passages), so a newer one brings it up to date once.
CREATE TABLE IF NOT EXISTS library_marks (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    started_at REAL NOT NULL,
    finished_at REAL,
    summary TEXT NOT NULL DEFAULT '{}'
);
-- One row per write to a document (new, details, tags, access, removal), naming it, so what
-- a reader keeps about chunks (search.retrieval.chunk_table) knows when to read again and
-- which documents' chunks to read: a new document can reuse chunk ids a crashed run left in
-- the store with other values. The newest row's number is the catalogue's version; only the
-- last 100,000 rows are kept (a reader further behind reads everything again).
CREATE TABLE IF NOT EXISTS document_change_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc_id TEXT NOT NULL
);
CREATE TRIGGER IF NOT EXISTS document_logged_insert AFTER INSERT ON documents
BEGIN INSERT INTO document_change_log (doc_id) VALUES (NEW.doc_id); END;
CREATE TRIGGER IF NOT EXISTS document_logged_update AFTER UPDATE ON documents
BEGIN
    INSERT INTO document_change_log (doc_id) VALUES (NEW.doc_id);
    INSERT INTO document_change_log (doc_id) SELECT OLD.doc_id WHERE OLD.doc_id <> NEW.doc_id;
END;
CREATE TRIGGER IF NOT EXISTS document_logged_delete AFTER DELETE ON documents
BEGIN INSERT INTO document_change_log (doc_id) VALUES (OLD.doc_id); END;
CREATE TRIGGER IF NOT EXISTS document_change_log_trim AFTER INSERT ON document_change_log
BEGIN DELETE FROM document_change_log WHERE seq <= NEW.seq - 100000; END;
-- Catalogues from before the log counted changes without naming the document.
DROP TRIGGER IF EXISTS documents_inserted;
DROP TRIGGER IF EXISTS documents_updated;
DROP TRIGGER IF EXISTS documents_deleted;
DROP TABLE IF EXISTS document_changes;
"""

# What an admin corrected by hand, kept so a re-ingest keeps it: by file ('file', its path:
# applied when its metadata is read) or by document ('document', its id: its page's details).
_CORRECTIONS_TABLE = """
CREATE TABLE IF NOT EXISTS corrections (
    scope TEXT NOT NULL CHECK (scope IN ('file', 'document')),
    subject TEXT NOT NULL,
    fields TEXT NOT NULL DEFAULT '{}',
    updated_at REAL NOT NULL,
    PRIMARY KEY (scope, subject)
)
"""

# Ids per "IN (...)" query: well under SQLite's limit on parameters.
_IN_BATCH = 500
# Names a query gives the documents table: rows there carry their own access level.
_DOCUMENT_ALIASES = ("documents", "d")


def copy_database(source: Path, target: Path, emptied: Sequence[str] = ()) -> None:
    """A consistent copy of an SQLite file in one file (SQLite's online backup), safe while
    others read and write it: the catalogue's, and the accounts' for a backup. The tables
    named in `emptied` (the caller's constants, never input) are emptied in the copy."""
    reader = sqlite3.connect(source)
    try:
        copy = sqlite3.connect(target)
        try:
            reader.backup(copy)
            with copy:
                for table in emptied:
                    found = copy.execute(
                        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
                    ).fetchone()
                    if found:
                        copy.execute(f'DELETE FROM "{table}"')
        finally:
            copy.close()
    finally:
        reader.close()


@contextmanager
def write_transaction(db: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write on a connection opened with isolation_level=None: BEGIN IMMEDIATE takes the
    write lock at the start (so two writers queue rather than fail half-way), and any error
    rolls the whole of it back. The accounts store (web.users) uses it too."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the site shows it."""

    doc_id: str
    meta: DocumentMeta
    file_name: str
    path: str
    page_count: int
    chunk_count: int
    added_at: float
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OrderFacts:
    """What ordering a search's documents by year, or local ones first, reads of each: its
    year and its place mentions (`extra`'s `place_counts` and `places`), not its whole record."""

    year: int | None = None
    place_counts: dict[str, Any] = field(default_factory=dict)
    places: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class PlaceFacts:
    """What a document says of where it is about: the places its text names (`extra`'s
    `place_counts`; its frequent `places` for a library indexed before counts were kept), how
    often it names each (empty for such a library), and its title and organisation as
    written."""

    named: frozenset[str]
    title: str = ""
    organisation: str = ""
    counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StrongestPassage:
    """A document's strongest passage about one determinant, as stored at ingest."""

    document: DocumentRecord
    chunk_id: str
    strength: float
    # Its place in the evidence order (strength and share in tenths, year, when added, title)
    # as a sort key, so callers that regroup passages keep that order within each group.
    order: tuple[Any, ...]


@dataclass(frozen=True)
class FileOutcome:
    """What the last ingest did with one file."""

    path: str
    file_name: str
    outcome: str
    reason: str = ""
    content_hash: str = ""
    doc_id: str | None = None
    pages: int = 0
    chunks: int = 0
    seconds: float = 0.0
    updated_at: float = 0.0
    rules: int = 0  # the edition of the reading rules that read it (0: not known)


# A document's place mentions and places, read with one json_extract: its details are parsed
# once, not once a path.
_PLACE_DETAILS = "json_extract(extra, '$.place_counts', '$.places')"


def _place_details(text: Any) -> tuple[dict[str, Any], list[Any]]:
    """The place mention counts and places `_PLACE_DETAILS` read, each empty when missing or of
    another type (details written by hand or by an older version)."""
    counts, places = _json_or(text, [{}, []])
    return (counts if isinstance(counts, dict) else {}), (
        places if isinstance(places, list) else []
    )


def _json_or(text: Any, empty: list[Any]) -> list[Any]:
    """The JSON list SQLite's json_extract gave back as text, or `empty` when there was none or
    it is no list of that length (details written by hand or by an older version)."""
    if not isinstance(text, str):
        return empty
    try:
        value = json.loads(text)
    except ValueError:
        return empty
    return value if isinstance(value, list) and len(value) == len(empty) else empty


def _document(row: sqlite3.Row) -> DocumentRecord:
    meta = DocumentMeta(
        title=row["title"],
        organisation=row["organisation"],
        year=row["year"],
        kind=row["kind"],
        authors=json.loads(row["authors"]),
        url=row["url"],
        access=row["access"],
    )
    return DocumentRecord(
        doc_id=row["doc_id"],
        meta=meta,
        file_name=row["file_name"],
        path=row["path"],
        page_count=row["page_count"],
        chunk_count=row["chunk_count"],
        added_at=row["added_at"],
        extra=json.loads(row["extra"]),
    )


class Catalogue:
    """One SQLite file; every write is a single transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._path = path
        # One connection per thread: a connection shared by request threads lets a reader see
        # another thread's uncommitted rows and makes two writers' BEGINs collide.
        self._local = threading.local()
        # Each thread's connection, closed by close(); a connection whose thread has ended is
        # closed when the next one opens (the server's worker threads come and go).
        self._opened: dict[threading.Thread, sqlite3.Connection] = {}
        self._opened_lock = threading.Lock()
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)
        self._add_access_column()
        self._index_access()
        self._add_rules_column()
        self._fold_corrections()
        add_totals(self._db, write_transaction)
        add_evidence_order(self._db, write_transaction)
        add_evidence_indexes(self._db, write_transaction)
        self._levels: tuple[str, ...] | None = None
        # The visible document ids per access view, at a catalogue version (visible_among);
        # scoped views share this dict.
        self._held_visible: dict[tuple[str, ...] | None, tuple[int, frozenset[str]]] = {}
        # Documents' records and each view's totals at one version (documents, stats); scoped
        # and pinned views share it.
        self._held: HeldReads[DocumentRecord, dict[str, int]] = HeldReads()
        # The version a pinned view read once (pinned), or None: read it on every changes().
        self._pinned: int | None = None

    def _view(self, **changed: Any) -> Catalogue:
        """This catalogue on the same connections and held reads, with `changed` attributes."""
        view = object.__new__(Catalogue)
        view.__dict__.update(self.__dict__, **changed)
        return view

    def scoped(self, levels: Sequence[str]) -> Catalogue:
        """A view on the same connections that sees only documents at `levels`."""
        return self._view(_levels=tuple(levels))

    def pinned(self) -> Catalogue:
        """A view on the same connections that reads the catalogue's version once, now: its
        reads of documents, visible ids and totals then come from memory while nothing is
        written. Only for reads that can ignore a write made after it was pinned (a search);
        a document written since is still read from SQLite, never from an older copy."""
        return self._view(_pinned=self._read_version())

    @property
    def levels(self) -> tuple[str, ...] | None:
        """The access levels this view keeps to (None: every document, for ingest and admin)."""
        return self._levels

    def _visible(self, table: str = "documents") -> tuple[str, list[Any]]:
        """An SQL condition (and its values) keeping only rows of documents this view may see.

        `table` is the name (or alias) of the table being read. A documents row is judged on
        its own access column; any other table's row looks up its document by primary key,
        so a read about one document never scans the whole documents table."""
        if self._levels is None or table in _DOCUMENT_ALIASES:
            return self._levels_condition(f"{table}.access")
        marks = ",".join("?" * len(self._levels)) or "NULL"
        return (
            f"EXISTS (SELECT 1 FROM documents v WHERE v.doc_id = {table}.doc_id"
            f" AND v.access IN ({marks}))",
            list(self._levels),
        )

    def _add_access_column(self) -> None:
        """Libraries built before access levels open with every document public."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}
        if "access" not in columns:
            self._db.execute(
                "ALTER TABLE documents ADD COLUMN access TEXT NOT NULL DEFAULT 'public'"
            )

    def _index_access(self) -> None:
        """The ids a view may see are read from an index (a search's first look at the
        catalogue reads them all: at 4,300 documents, 264 ms from a cold disk through the
        table's rows and their details, 8 ms through the index). Made here, not in the schema:
        an older library has the column only once `_add_access_column` has run."""
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS documents_by_access ON documents (access, doc_id)"
        )
        # The newest documents a view may see, read level by level in order (`newest`).
        self._db.execute(
            "CREATE INDEX IF NOT EXISTS documents_by_access_added"
            " ON documents (access, added_at DESC, doc_id)"
        )

    def _add_rules_column(self) -> None:
        """Files read before the reading rules had editions count as read by an older one."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(files)")}
        if "rules" not in columns:
            self._db.execute("ALTER TABLE files ADD COLUMN rules INTEGER NOT NULL DEFAULT 0")
        # Made here, not in the schema: an older catalogue has the column only from now.
        self._db.execute("CREATE INDEX IF NOT EXISTS files_by_rules ON files (rules)")

    def _fold_corrections(self) -> None:
        """Make the one corrections table. Catalogues from before it kept two (`corrections`
        by path, `document_corrections` by id): every row moves across, in one transaction."""
        if not self._has_old_corrections():
            return
        with self._transaction() as db:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
            columns = {row[1] for row in db.execute("PRAGMA table_info(corrections)")}
            if columns and "scope" not in columns:
                db.execute("ALTER TABLE corrections RENAME TO corrections_by_path")
                tables.add("corrections_by_path")
            db.execute(_CORRECTIONS_TABLE)
            if "corrections_by_path" in tables:
                db.execute(
                    "INSERT OR REPLACE INTO corrections SELECT 'file', path, fields, updated_at"
                    " FROM corrections_by_path"
                )
                db.execute("DROP TABLE corrections_by_path")
            if "document_corrections" in tables:
                db.execute(
                    "INSERT OR REPLACE INTO corrections SELECT 'document', doc_id, fields,"
                    " updated_at FROM document_corrections"
                )
                db.execute("DROP TABLE document_corrections")

    def _has_old_corrections(self) -> bool:
        """Whether the corrections are missing or not yet in the one table (read only)."""
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(corrections)")}
        old = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'document_corrections'"
        ).fetchone()
        return "scope" not in columns or old is not None

    @property
    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = self._connect()
            self._local.db = db
        return db

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self._path, check_same_thread=False, isolation_level=None)
        db.row_factory = sqlite3.Row
        db.execute("PRAGMA busy_timeout=30000")
        db.execute("PRAGMA foreign_keys=ON")
        db.execute("PRAGMA synchronous=FULL")
        # Deleted rows are overwritten with zeros, not left readable in free pages: a document
        # deleted for good must not stay in the file (clear_traces deals with older leftovers).
        db.execute("PRAGMA secure_delete=ON")
        with self._opened_lock:
            for thread in [t for t in self._opened if not t.is_alive()]:
                self._opened.pop(thread).close()
            self._opened[threading.current_thread()] = db
        return db

    def _transaction(self) -> AbstractContextManager[sqlite3.Connection]:
        return write_transaction(self._db)

    def close(self) -> None:
        if self._levels is not None:  # a scoped view shares its parent's connections
            return
        with self._opened_lock:
            opened, self._opened = self._opened, {}
        for db in opened.values():
            db.close()
        self._local = threading.local()

    # documents -------------------------------------------------------------

    def add_document(
        self,
        record: DocumentRecord,
        pages: Sequence[str],
        outcome: FileOutcome,
        replaces: str | None = None,
        moves: Mapping[str, str | None] | None = None,
    ) -> None:
        """Commit a document, its pages and its file's outcome together.

        When the document replaces an older version, the old one goes in the
        same transaction, so readers see one version or the other, never both;
        `moves` says where each of the old version's passages went (None: nowhere).
        """
        m = record.meta
        with self._transaction() as db:
            db.execute("DELETE FROM documents WHERE doc_id = ?", (record.doc_id,))
            if replaces:
                db.execute("DELETE FROM documents WHERE doc_id = ?", (replaces,))
                _record_edition(db, replaces, record.doc_id)
                _record_moves(db, moves or {})
                # Other files of the same bytes (copies stored once) follow it to the new id.
                db.execute(
                    "UPDATE files SET doc_id = ? WHERE doc_id = ? AND content_hash = ?",
                    (record.doc_id, replaces, outcome.content_hash),
                )
            db.execute(
                "INSERT INTO documents (doc_id, title, organisation, year, kind, authors, url,"
                " file_name, path, page_count, chunk_count, added_at, extra, access)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    record.doc_id,
                    m.title,
                    m.organisation,
                    m.year,
                    m.kind,
                    json.dumps(m.authors),
                    m.url,
                    record.file_name,
                    record.path,
                    record.page_count,
                    record.chunk_count,
                    record.added_at,
                    json.dumps(record.extra),
                    m.access,
                ),
            )
            db.executemany(
                "INSERT INTO pages VALUES (?,?,?)",
                [(record.doc_id, n, text) for n, text in enumerate(pages, start=1)],
            )
            self._write_outcome(db, outcome)
            _write_evidence(db, record.doc_id, record.extra)

    def document_for_content(self, digest: str) -> DocumentRecord | None:
        """The stored document read from these bytes (by any file, copies included), if any."""
        if not digest:
            return None
        seen, values = self._visible("d")
        row = self._db.execute(
            "SELECT d.* FROM files f JOIN documents d ON d.doc_id = f.doc_id"
            f" WHERE f.content_hash = ? AND f.outcome != ? AND {seen} LIMIT 1",
            (digest, FAILED, *values),
        ).fetchone()
        if row is None:  # a row kept without its file's line: found by its first id
            return self.document(document_id(digest))
        return _document(row)

    def current_edition(self, doc_id: str) -> str | None:
        """The id of the newest version of a document that a new version of its file replaced,
        if this view may see it (else None, as for an id never seen)."""
        row = self._db.execute(
            "SELECT new_doc_id FROM editions WHERE old_doc_id = ?", (doc_id,)
        ).fetchone()
        if row is None or self.document(str(row[0])) is None:
            return None
        return str(row[0])

    def mark(self, name: str) -> int | None:
        """The edition of a rule the library's stored results were worked out by, if noted."""
        row = self._db.execute("SELECT value FROM library_marks WHERE name = ?", (name,)).fetchone()
        return int(row[0]) if row else None

    def set_mark(self, name: str, value: int) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO library_marks (name, value) VALUES (?, ?)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                (name, value),
            )

    def bump_mark(self, name: str) -> None:
        """Add one to a mark (a count of changes since someone last dealt with them)."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO library_marks (name, value) VALUES (?, 1)"
                " ON CONFLICT (name) DO UPDATE SET value = value + 1",
                (name,),
            )

    def clear_mark_if(self, name: str, value: int) -> bool:
        """Set a mark to 0 if it still holds `value` (nothing bumped it meanwhile); whether it
        did."""
        with self._transaction() as db:
            cursor = db.execute(
                "UPDATE library_marks SET value = 0 WHERE name = ? AND value = ?", (name, value)
            )
            return cursor.rowcount > 0

    def moved_passage(self, chunk_id: str) -> str | None:
        """The chunk of the newest edition that holds the words of this chunk of an earlier
        one, if it was matched when the document was read again."""
        row = self._db.execute(
            "SELECT new_chunk_id FROM passage_moves WHERE old_chunk_id = ?", (chunk_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def forget_moves_to(self, chunk_ids: Sequence[str]) -> None:
        """Links to earlier editions' passages that led to these chunks (of a document deleted
        for good) are forgotten: they now open the document's address, which says it is gone."""
        with self._transaction() as db:
            for start in range(0, len(chunk_ids), _IN_BATCH):
                batch = list(chunk_ids[start : start + _IN_BATCH])
                marks = ",".join("?" * len(batch))
                db.execute(f"DELETE FROM passage_moves WHERE new_chunk_id IN ({marks})", batch)

    def remove_document(self, doc_id: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))

    def document(self, doc_id: str) -> DocumentRecord | None:
        seen, values = self._visible()
        row = self._db.execute(
            f"SELECT * FROM documents WHERE doc_id = ? AND {seen}", (doc_id, *values)
        ).fetchone()
        return _document(row) if row else None

    def kinds(self) -> list[str]:
        """The kinds of document the library holds, each once, as stored."""
        seen, values = self._visible()
        rows = self._db.execute(
            f"SELECT DISTINCT kind FROM documents WHERE {seen} AND kind != '' ORDER BY kind",
            values,
        ).fetchall()
        return [str(row[0]) for row in rows]

    def kind_spellings(self) -> list[str]:
        """Every kind any document holds, as stored, whatever its access level: only for
        widening a filter to the other spellings of a kind, never shown. One index lookup per
        distinct kind (a few), not a read of every document (5.7 ms at 4,300 documents)."""
        rows = self._db.execute(
            "WITH RECURSIVE held(kind) AS ("
            " SELECT (SELECT min(kind) FROM documents WHERE kind > '')"
            " UNION ALL SELECT (SELECT min(kind) FROM documents WHERE kind > held.kind)"
            " FROM held WHERE held.kind IS NOT NULL)"
            " SELECT kind FROM held WHERE kind IS NOT NULL"
        ).fetchall()
        return [str(row[0]) for row in rows]

    def documents(self, doc_ids: Sequence[str] | None = None) -> list[DocumentRecord]:
        """The records of the ids' documents this view may see (each once, in no set order),
        or every document's by title. A pinned view's come from memory when they were read at
        its version (`HeldReads`); the rest are read by primary key."""
        if doc_ids is not None:
            if self._pinned is None or self._db.in_transaction:
                # Only a pinned view holds: another would read the version each time, and
                # rows this thread has not committed may roll back.
                return [_document(r) for r in self._visible_rows("*", doc_ids)]
            version = self._pinned
            visible = self._visible_ids()
            wanted = [d for d in dict.fromkeys(doc_ids) if d in visible]
            held = self._held.records(version, wanted)
            missing = [d for d in wanted if d not in held]
            if missing:
                read = {str(r["doc_id"]): _document(r) for r in self._visible_rows("*", missing)}
                self._held.keep_records(version, read)
                held.update(read)
            return [held[d] for d in wanted if d in held]
        seen, values = self._visible()
        rows = self._db.execute(f"SELECT * FROM documents WHERE {seen} ORDER BY title", values)
        return [_document(r) for r in rows.fetchall()]

    def order_facts(
        self, doc_ids: Sequence[str], with_places: bool = False
    ) -> dict[str, OrderFacts]:
        """The year (and, `with_places`, the place mentions) of each of the ids' documents this
        view may see, looked up by primary key. A search sorted by year, or local first,
        orders every document it matches (up to about a thousand at 300k chunks); reading
        their whole records, details and all, cost 28-32 ms a thousand there, against 3.7 ms
        for the years and 11 ms with the places (`bench/RESULTS.md`, thirty-fifth session)."""
        places = f", {_PLACE_DETAILS}" if with_places else ""
        found: dict[str, OrderFacts] = {}
        for row in self._visible_rows(f"doc_id, year{places}", doc_ids):
            found[str(row[0])] = OrderFacts(
                row[1], *_place_details(row[2] if with_places else None)
            )
        return found

    def place_facts(self, doc_ids: Sequence[str]) -> dict[str, PlaceFacts]:
        """What each of the ids' documents this view may see says of where it is about, looked
        up by primary key: for the few a search would mark strong, when the question names a
        place."""
        found: dict[str, PlaceFacts] = {}
        for row in self._visible_rows(f"doc_id, title, organisation, {_PLACE_DETAILS}", doc_ids):
            counts, frequent = _place_details(row[3])
            # The places its text names, with how often; a library indexed before they were
            # counted kept only the frequent ones, each with the places holding it (Kent, for
            # Sevenoaks).
            named = {
                str(p): n
                for p, n in counts.items()
                if isinstance(n, int) and not isinstance(n, bool) and n > 0
            }
            found[str(row[0])] = PlaceFacts(
                frozenset(named) if counts else frozenset(str(p) for p in frequent),
                str(row[1] or ""),
                str(row[2] or ""),
                named,
            )
        return found

    def _visible_rows(self, columns: str, doc_ids: Sequence[str]) -> Iterator[sqlite3.Row]:
        """`columns` of the documents among `doc_ids` (each once) that this view may see,
        looked up by primary key in batches: SQLite caps the values one statement may carry."""
        seen, values = self._visible()
        wanted = list(dict.fromkeys(doc_ids))
        for start in range(0, len(wanted), _IN_BATCH):
            batch = wanted[start : start + _IN_BATCH]
            marks = ",".join("?" * len(batch))
            yield from self._db.execute(
                f"SELECT {columns} FROM documents WHERE doc_id IN ({marks}) AND {seen}",
                [*batch, *values],
            ).fetchall()

    def changes(self) -> int:
        """A version number that grows with every write to a document (new, changed or gone):
        one read of the change log's newest row (a pinned view's, read once: `pinned`)."""
        return self._read_version() if self._pinned is None else self._pinned

    def _read_version(self) -> int:
        row = self._db.execute("SELECT max(seq) FROM document_change_log").fetchone()
        return int(row[0] or 0)

    def changed_since(self, version: int) -> set[str] | None:
        """The documents written since `changes()` was `version` (new, changed or gone), or
        None when the log no longer reaches back that far."""
        first = self._db.execute("SELECT min(seq) FROM document_change_log").fetchone()[0]
        if first is not None and version < first - 1:
            return None
        rows = self._db.execute(
            "SELECT DISTINCT doc_id FROM document_change_log WHERE seq > ?", (version,)
        )
        return {row[0] for row in rows}

    def doc_ids(self) -> set[str]:
        """Every document id this view may see: for ingest and maintenance, never a page."""
        seen, values = self._visible()
        return {
            r[0] for r in self._db.execute(f"SELECT doc_id FROM documents WHERE {seen}", values)
        }

    def visible_among(self, doc_ids: Collection[str]) -> set[str]:
        """Those of the ids whose documents are committed and this view may see.

        A search asks this twice for up to a few thousand ids; looked up by primary key that
        cost about 1.2 us an id (2-5 ms a search at 300k chunks). The visible ids are kept
        instead, per access view, and brought up to date from the change log when the
        catalogue's version moves (only the documents written since are read again)."""
        return set(doc_ids) & self._visible_ids()

    def _visible_ids(self) -> frozenset[str]:
        """The ids of every committed document this view may see, at the catalogue's version
        (a pinned view's, or the newest)."""
        version = self.changes()
        held = self._held_visible.get(self._levels)
        if held is not None and held[0] == version:
            return held[1]
        if self._db.in_transaction:
            # Rows this thread has not committed may still roll back: not kept for others.
            return frozenset(self.doc_ids())
        if held is not None and held[0] > version:
            # A view pinned before the version held is given the newer ids, as SQLite would
            # give them (the ids are never older than the version read).
            return held[1]
        # Read afresh when nothing is held or the log no longer reaches back to it.
        changed = self.changed_since(held[0]) if held is not None and held[0] < version else None
        if held is None or changed is None:
            ids = frozenset(self.doc_ids())
        else:
            ids = (held[1] - changed) | self._read_visible(sorted(changed))
        self._held_visible[self._levels] = (version, ids)
        return ids

    def _read_visible(self, doc_ids: Sequence[str]) -> frozenset[str]:
        """The visible ones among `doc_ids`, looked up by primary key."""
        return frozenset(str(r[0]) for r in self._visible_rows("doc_id", doc_ids))

    def newest(self) -> Iterator[DocumentRecord]:
        """Documents, most recently added first, read lazily (stop when you have enough): an
        index walk per access level the view reads, merged here as they go. One query over
        all the levels at once sorted every row the view may see before giving the first: its
        cost grew with the library (40 ms on a catalogue of 4,000 documents with long details;
        9-12 ms at the 300k bench's 4,296, against 9-10 this way)."""
        walks = [
            self._db.execute(
                "SELECT * FROM documents WHERE access = ? ORDER BY added_at DESC, doc_id",
                [level],
            )
            for level in self._read_levels()
        ]
        for row in heapq.merge(*walks, key=lambda r: (-r["added_at"], r["doc_id"])):
            yield _document(row)

    def page_texts(self, doc_id: str, first: int, last: int) -> dict[int, str]:
        """The texts of pages first..last of a document, in one query."""
        seen, values = self._visible("pages")
        rows = self._db.execute(
            f"SELECT page, text FROM pages WHERE doc_id = ? AND page BETWEEN ? AND ? AND {seen}",
            [doc_id, first, last, *values],
        )
        return {int(r[0]): str(r[1]) for r in rows}

    def page_count(self, doc_id: str) -> int:
        seen, values = self._visible("pages")
        row = self._db.execute(
            f"SELECT count(*) FROM pages WHERE doc_id = ? AND {seen}", [doc_id, *values]
        ).fetchone()
        return int(row[0])

    # evidence per determinant ----------------------------------------------

    def _levels_condition(self, column: str = "access") -> tuple[str, list[Any]]:
        """`column IN (this view's levels)` and its values; always true for the whole library."""
        if self._levels is None:
            return "1", []
        marks = ",".join("?" * len(self._levels)) or "NULL"
        return f"{column} IN ({marks})", list(self._levels)

    def determinant_totals(self) -> dict[str, tuple[int, int]]:
        """Per determinant: (documents, passages) tagged with it, from the running totals."""
        seen, values = self._levels_condition()
        rows = self._db.execute(
            f"SELECT determinant, sum(documents), sum(passages) FROM evidence_totals WHERE {seen}"
            " GROUP BY determinant HAVING sum(documents) > 0",
            values,
        )
        return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}

    def determinant_totals_for(self, determinant: str) -> tuple[int, int]:
        """(documents, passages) tagged with one determinant (a row per access level)."""
        seen, values = self._levels_condition()
        row = self._db.execute(
            "SELECT coalesce(sum(documents), 0), coalesce(sum(passages), 0) FROM evidence_totals"
            f" WHERE determinant = ? AND {seen}",
            [determinant, *values],
        ).fetchone()
        return int(row[0]), int(row[1])

    def lens_totals(self) -> dict[str, int]:
        """Passages per lens value ('inequalities', 'life_stage:older_people'), from the
        running totals (a row per value and level)."""
        seen, values = self._levels_condition()
        rows = self._db.execute(
            f"SELECT lens, sum(passages) FROM lens_totals WHERE {seen}"
            " GROUP BY lens HAVING sum(passages) > 0",
            values,
        )
        return {str(r[0]): int(r[1]) for r in rows}

    def _read_levels(self) -> tuple[str, ...]:
        """The levels whose evidence this view reads, one index range each: its own, or for the
        whole library every level that holds a document (a row per level in the totals)."""
        if self._levels is not None:
            return tuple(dict.fromkeys(self._levels))
        rows = self._db.execute("SELECT access FROM document_totals WHERE documents > 0")
        return tuple(str(r[0]) for r in rows)

    def strongest_passages(
        self, determinant: str, local_places: Sequence[str], limit: int
    ) -> list[StrongestPassage]:
        """Each document's strongest passage about the determinant, up to `limit` from the
        documents whose most named place is local and up to `limit` from the rest, each group
        in the evidence order: stronger passages, then documents more about it, then newer ones
        (strength and share compared in steps of a tenth). Whether a document is local is the
        caller's to decide (`search.evidence.ranking.is_local_document`), from all its place
        counts; each passage carries its place in this order, so the caller can regroup.

        Each read walks an index in that order at one access level and stops at `limit`: per
        level, one walk per local place and one over the rest, merged here. A page costs the
        same however many documents are about the determinant, at this view's levels or at any
        other."""
        levels = self._read_levels()

        def read(where: str, args: list[Any]) -> list[sqlite3.Row]:
            rows = [
                row
                for level in levels
                for row in self._db.execute(
                    f"SELECT doc_id, chunk_id, strength, {_EVIDENCE_KEYS} FROM evidence"
                    f" WHERE determinant = ? AND {where} AND access = ? AND chunk_id != ''"
                    f" ORDER BY {EVIDENCE_ORDER} LIMIT ?",
                    [determinant, *args, level, limit],
                )
            ]
            rows.sort(key=_strength_order)
            return rows[:limit]

        places = list(dict.fromkeys(local_places))
        local = [row for place in places for row in read("first_place = ?", [place])]
        local.sort(key=_strength_order)
        marks = ",".join("?" * len(places))
        where = f"first_place NOT IN ({marks})" if places else "1"
        found = local[:limit] + read(where, places)
        records = {r.doc_id: r for r in self.documents([row["doc_id"] for row in found])}
        return [
            StrongestPassage(
                records[row["doc_id"]],
                row["chunk_id"],
                float(row["strength"]),
                _strength_order(row),
            )
            for row in found
            if row["doc_id"] in records
        ]

    def newest_about(
        self, determinant: str, limit: int, min_share: float = 0.0
    ) -> list[DocumentRecord]:
        """The documents most recently added that have passages about the determinant, at
        least `min_share` of theirs (an index walk per access level, newest first, that stops
        at `limit`, merged here)."""
        rows = [
            row
            for level in self._read_levels()
            for row in self._db.execute(
                "SELECT doc_id, added_at, lower(title) AS title FROM evidence"
                " WHERE determinant = ? AND access = ? AND share >= ?"
                " ORDER BY added_at DESC, lower(title) LIMIT ?",
                [determinant, level, min_share, limit],
            )
        ]
        rows.sort(key=lambda r: (-r["added_at"], r["title"]))
        rows = rows[:limit]
        records = {r.doc_id: r for r in self.documents([str(r[0]) for r in rows])}
        return [records[str(r[0])] for r in rows if str(r[0]) in records]

    def documents_about(
        self, determinant: str, offset: int, limit: int
    ) -> list[tuple[DocumentRecord, int]]:
        """One page of every document with passages about the determinant, each with how many,
        in the strongest-evidence order (EVIDENCE_ORDER; ties in the index's own order). A
        view of one access level (a visitor's, or a library of public documents) is one index
        walk that skips `offset` rows inside SQLite (0.3 ms for the last of 2,400 rows); a view
        of several levels walks each to `offset + limit` and merges them here (about 9 us a
        row). The documents counted are `determinant_totals_for`'s."""
        walk = (
            f"SELECT doc_id, passages, {_EVIDENCE_KEYS} FROM evidence"
            f" WHERE determinant = ? AND access = ? ORDER BY {EVIDENCE_ORDER} LIMIT ? OFFSET ?"
        )
        levels = self._read_levels()
        if len(levels) == 1:
            rows = self._db.execute(walk, [determinant, levels[0], limit, offset]).fetchall()
        else:
            # Ties keep each level's index order, and levels their order here, so every page
            # is cut from the same merged order.
            ranked = [
                ((*_strength_order(row), n, i), row)
                for n, level in enumerate(levels)
                for i, row in enumerate(
                    self._db.execute(walk, [determinant, level, offset + limit, 0])
                )
            ]
            ranked.sort(key=lambda item: item[0])
            rows = [row for _, row in ranked[offset : offset + limit]]
        records = {r.doc_id: r for r in self.documents([str(row["doc_id"]) for row in rows])}
        return [
            (records[str(row["doc_id"])], int(row["passages"]))
            for row in rows
            if str(row["doc_id"]) in records
        ]

    def lacking_evidence(self) -> list[str]:
        """Documents indexed before evidence rows were stored (they need one backfill): read
        from a partial index of just those, so a library that has none reads no document."""
        rows = self._db.execute(
            "SELECT doc_id FROM documents INDEXED BY documents_lacking_evidence"
            " WHERE json_extract(extra, '$.strongest') IS NULL"
            " OR json_extract(extra, '$.lens_passages') IS NULL"
        )
        return [str(r[0]) for r in rows]

    def page_text(self, doc_id: str, page: int) -> str | None:
        if not 1 <= page <= _MAX_SQLITE_INT:  # SQLite cannot hold larger numbers: no such page
            return None
        seen, values = self._visible("pages")
        row = self._db.execute(
            f"SELECT text FROM pages WHERE doc_id = ? AND page = ? AND {seen}",
            (doc_id, page, *values),
        ).fetchone()
        return None if row is None else str(row[0])

    def pages(self, doc_id: str) -> list[str]:
        """Every page's text in order ('' for a page without text)."""
        seen, values = self._visible("pages")
        rows = self._db.execute(
            f"SELECT text FROM pages WHERE doc_id = ? AND {seen} ORDER BY page", (doc_id, *values)
        ).fetchall()
        return [str(r[0]) for r in rows]

    def page_lengths(self, doc_id: str) -> list[int]:
        seen, values = self._visible("pages")
        rows = self._db.execute(
            f"SELECT length(text) FROM pages WHERE doc_id = ? AND {seen} ORDER BY page",
            (doc_id, *values),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def update_extra(
        self, doc_id: str, extra: dict[str, Any], chunk_count: int | None = None
    ) -> None:
        """Replace a document's details (and its evidence rows); `chunk_count` when its pages
        were cut again (a re-embed with other chunk settings), so the totals stay true."""
        with self._transaction() as db:
            db.execute(
                "UPDATE documents SET extra = ?, chunk_count = coalesce(?, chunk_count)"
                " WHERE doc_id = ?",
                (json.dumps(extra), chunk_count, doc_id),
            )
            _write_evidence(db, doc_id, extra)

    # corrections: what an admin set by hand, kept so a re-ingest applies it again --------

    def _read_correction(self, scope: str, subject: str) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT fields FROM corrections WHERE scope = ? AND subject = ?", (scope, subject)
        ).fetchone()
        return None if row is None else dict(json.loads(row[0]))

    def _merge_correction(
        self, scope: str, subject: str, fields: dict[str, Any], *, drop_none: bool
    ) -> None:
        with self._transaction() as db:
            row = db.execute(
                "SELECT fields FROM corrections WHERE scope = ? AND subject = ?", (scope, subject)
            ).fetchone()
            merged = {**(json.loads(row[0]) if row else {}), **fields}
            if drop_none:
                merged = {k: v for k, v in merged.items() if v is not None}
            db.execute(
                "INSERT OR REPLACE INTO corrections (scope, subject, fields, updated_at)"
                " VALUES (?, ?, ?, ?)",
                (scope, subject, json.dumps(merged), time.time()),
            )

    def set_correction(self, path: str, fields: dict[str, Any]) -> None:
        """Merge an admin's corrected fields for a file (a None value clears that field)."""
        self._merge_correction("file", path, fields, drop_none=True)

    def correction(self, path: str) -> dict[str, Any] | None:
        """A file's corrected fields, or None when it has none."""
        return self._read_correction("file", path)

    def update_meta(self, doc_id: str, meta: DocumentMeta) -> None:
        """Change a document's shown metadata (an admin's correction)."""
        with self._transaction() as db:
            db.execute(
                "UPDATE documents SET title = ?, organisation = ?, year = ?, kind = ?, access = ?,"
                " authors = ? WHERE doc_id = ?",
                (
                    meta.title,
                    meta.organisation,
                    meta.year,
                    meta.kind,
                    meta.access,
                    json.dumps(meta.authors),
                    doc_id,
                ),
            )

    def save_correction(self, doc_id: str, fields: dict[str, Any]) -> None:
        """Merge what an admin changed on a document's page (kept if its file comes again)."""
        self._merge_correction("document", doc_id, fields, drop_none=False)

    def document_correction(self, doc_id: str) -> dict[str, Any]:
        """A document's corrected fields ({} when it has none)."""
        return self._read_correction("document", doc_id) or {}

    def forget_corrections(self, doc_id: str, paths: Sequence[str]) -> None:
        """An admin's corrections to a document deleted for good, and to the files it was read
        from (its title or authors may be what had to go)."""
        with self._transaction() as db:
            db.execute(
                "DELETE FROM corrections WHERE scope = 'document' AND subject = ?", (doc_id,)
            )
            db.executemany(
                "DELETE FROM corrections WHERE scope = 'file' AND subject = ?",
                [(path,) for path in paths],
            )

    def clear_traces(self) -> bool:
        """Rewrite the file without the free pages deleted rows may have left (rows deleted
        before deletes were zeroed, or the old versions of changed rows), then empty the
        write-ahead log, which holds recent pages as they were. True when the log was emptied;
        False when a reader held it (it empties at the next checkpoint)."""
        db = self._db
        db.execute("VACUUM")
        busy, _, _ = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return not busy

    # files -----------------------------------------------------------------

    @staticmethod
    def _write_outcome(db: sqlite3.Connection, o: FileOutcome) -> None:
        # An upsert, not INSERT OR REPLACE: a replaced row fires no delete trigger, which would
        # leave its old outcome counted in file_totals.
        db.execute(
            "INSERT INTO files (path, file_name, content_hash, doc_id, outcome, reason, pages,"
            " chunks, seconds, updated_at, rules) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (path) DO UPDATE SET"
            " file_name = excluded.file_name, content_hash = excluded.content_hash,"
            " doc_id = excluded.doc_id, outcome = excluded.outcome, reason = excluded.reason,"
            " pages = excluded.pages, chunks = excluded.chunks, seconds = excluded.seconds,"
            " updated_at = excluded.updated_at, rules = excluded.rules",
            (
                o.path,
                o.file_name,
                o.content_hash,
                o.doc_id,
                o.outcome,
                o.reason,
                o.pages,
                o.chunks,
                o.seconds,
                o.updated_at or time.time(),
                o.rules,
            ),
        )

    def record_outcome(self, outcome: FileOutcome) -> None:
        with self._transaction() as db:
            self._write_outcome(db, outcome)

    def forget_file(self, path: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM files WHERE path = ?", (path,))

    def forget_unindexed_file(self, path: str, outcomes: Collection[str]) -> FileOutcome | None:
        """Forget the file at `path` if its last outcome is one of `outcomes` and nothing of it
        is in the library (no document kept for it, none read from its path); its row is
        returned. None, and nothing changed, for any other file. Checked and deleted in one
        transaction; the delete trigger takes it off file_totals in the same one."""
        marks = ",".join("?" * len(outcomes)) or "NULL"
        with self._transaction() as db:
            row = db.execute(
                f"SELECT * FROM files WHERE path = ? AND outcome IN ({marks}) AND {_UNINDEXED}",
                (path, *outcomes),
            ).fetchone()
            if row is None:
                return None
            db.execute("DELETE FROM files WHERE path = ?", (path,))
        return FileOutcome(**dict(row))

    def unindexed_files(self, paths: Collection[str], outcomes: Collection[str]) -> set[str]:
        """Those of `paths` that `forget_unindexed_file` would forget, by the same rule: the
        status page offers removal for exactly these."""
        wanted = list(dict.fromkeys(paths))
        if not wanted or not outcomes:
            return set()
        marks = ",".join("?" * len(wanted))
        kinds = ",".join("?" * len(outcomes))
        rows = self._db.execute(
            f"SELECT path FROM files WHERE path IN ({marks}) AND outcome IN ({kinds})"
            f" AND {_UNINDEXED}",
            (*wanted, *outcomes),
        ).fetchall()
        return {str(r[0]) for r in rows}

    def file(self, path: str) -> FileOutcome | None:
        row = self._db.execute("SELECT * FROM files WHERE path = ?", (path,)).fetchone()
        return FileOutcome(**dict(row)) if row else None

    def files(
        self, outcome: str | None = None, offset: int = 0, limit: int | None = None
    ) -> list[FileOutcome]:
        """Each file's last outcome, by file name: all of them, or one outcome's, or a page."""
        seen, values = self._visible("files")
        where = f"{seen} AND outcome = ?" if outcome is not None else seen
        args = [*values, *([outcome] if outcome is not None else [])]
        rows = self._db.execute(
            f"SELECT * FROM files WHERE {where} ORDER BY file_name LIMIT ? OFFSET ?",
            (*args, -1 if limit is None else limit, offset),
        ).fetchall()
        return [FileOutcome(**dict(r)) for r in rows]

    def file_counts(self) -> dict[str, int]:
        """How many files the last ingest left with each outcome (from the running totals;
        a scoped view, which no page asks, counts its files): the status pages' counts and
        /metrics' failed files."""
        if self._levels is None:
            rows = self._db.execute("SELECT outcome, files FROM file_totals WHERE files > 0")
        else:
            seen, values = self._visible("files")
            rows = self._db.execute(
                f"SELECT outcome, COUNT(*) FROM files WHERE {seen} GROUP BY outcome", values
            )
        return {str(r[0]): int(r[1]) for r in rows}

    def read_by_older_rules(self, rules: int) -> list[FileOutcome]:
        """The files whose documents an older edition of the reading rules read than `rules`
        (copies go with the file they copy), by file name."""
        rows = self._db.execute(
            f"SELECT * FROM files WHERE {_READ_BEFORE} ORDER BY file_name",
            (rules, INDEXED, WARNINGS),
        ).fetchall()
        return [FileOutcome(**dict(r)) for r in rows]

    def read_by_older_rules_totals(self, rules: int) -> tuple[int, float]:
        """How many files an older edition of the rules read, and the seconds their last
        reading took, file by file (more than reading them again takes: files are read two
        or more at a time)."""
        # Named: left to itself SQLite walks the outcomes' index, which nearly every file is
        # in, rather than this range of older editions, which is empty once all are read again.
        row = self._db.execute(
            f"SELECT COUNT(*), TOTAL(seconds) FROM files INDEXED BY files_by_rules"
            f" WHERE {_READ_BEFORE}",
            (rules, INDEXED, WARNINGS),
        ).fetchone()
        return int(row[0]), float(row[1])

    def paths_for(self, doc_id: str) -> list[str]:
        seen, values = self._visible("files")
        rows = self._db.execute(
            f"SELECT path FROM files WHERE doc_id = ? AND {seen}", (doc_id, *values)
        ).fetchall()
        return [str(r[0]) for r in rows]

    # runs ------------------------------------------------------------------

    def start_run(self) -> int:
        with self._transaction() as db:
            cursor = db.execute("INSERT INTO runs (started_at) VALUES (?)", (time.time(),))
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, summary: dict[str, Any]) -> None:
        with self._transaction() as db:
            db.execute(
                "UPDATE runs SET finished_at = ?, summary = ? WHERE id = ?",
                (time.time(), json.dumps(summary), run_id),
            )

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        """The latest ingest runs, newest first: the ingest history."""
        rows = self._db.execute(
            "SELECT * FROM runs ORDER BY id DESC LIMIT ?", (max(1, min(limit, 1000)),)
        ).fetchall()
        return [
            {
                "id": row["id"],
                "started_at": row["started_at"],
                "finished_at": row["finished_at"],
                **json.loads(row["summary"]),
            }
            for row in rows
        ]

    def last_run(self) -> dict[str, Any] | None:
        row = self._db.execute(
            "SELECT * FROM runs WHERE finished_at IS NOT NULL ORDER BY id DESC LIMIT 1"
        ).fetchone()
        if row is None:
            return None
        return {
            "started_at": row["started_at"],
            "finished_at": row["finished_at"],
            **json.loads(row["summary"]),
        }

    def copy_to(self, target: Path) -> None:
        """A consistent copy in one file (SQLite's online backup), safe while others read."""
        copy_database(self._path, target)

    def move_folder(self, old: Path, new: Path) -> int:
        """Point every file, document and file correction under the folder `old` at the same
        place under `new`: a restore into another data folder brings the uploaded files with
        it. Returns how many documents now point under `new`."""
        old_prefix, new_prefix = f"{old}{os.sep}", f"{new}{os.sep}"
        if old_prefix == new_prefix:
            return 0
        # substr, not LIKE: a folder name may hold LIKE's wildcards. OR IGNORE: a path already
        # known under `new` keeps its own row (changing a path changes no running total).
        under = "substr({col}, 1, ?) = ?"
        moved = "? || substr({col}, ?)"
        values = (new_prefix, len(old_prefix) + 1, len(old_prefix), old_prefix)
        with self._transaction() as db:
            documents = db.execute(
                f"UPDATE documents SET path = {moved.format(col='path')}"
                f" WHERE {under.format(col='path')}",
                values,
            ).rowcount
            db.execute(
                f"UPDATE OR IGNORE files SET path = {moved.format(col='path')}"
                f" WHERE {under.format(col='path')}",
                values,
            )
            db.execute(
                f"UPDATE OR IGNORE corrections SET subject = {moved.format(col='subject')}"
                f" WHERE scope = 'file' AND {under.format(col='subject')}",
                values,
            )
        return int(documents)

    def stats(self) -> dict[str, int]:
        """Documents, pages and chunks this view may see, from the running totals per access
        level (a row per level: neither a document nor a chunk is read); a pinned view's from
        memory once read at its version."""
        version = None if self._db.in_transaction else self._pinned  # held by pinned views
        held = None if version is None else self._held.totals(version, self._levels)
        if held is not None:
            return dict(held)
        seen, values = self._levels_condition()
        docs, pages, chunks = self._db.execute(
            "SELECT coalesce(sum(documents), 0), coalesce(sum(pages), 0),"
            f" coalesce(sum(chunks), 0) FROM document_totals WHERE {seen}",
            values,
        ).fetchone()
        totals = {"documents": int(docs), "pages": int(pages), "chunks": int(chunks)}
        if version is not None:
            self._held.keep_totals(version, self._levels, totals)
        return dict(totals)

    def withdrawn_count(self) -> int:
        """How many of the documents this view sees are withdrawn (only an admin's view sees
        any), from the running totals."""
        seen, values = self._levels_condition()
        row = self._db.execute(
            f"SELECT coalesce(sum(documents), 0) FROM document_totals WHERE {seen} AND access = ?",
            [*values, WITHDRAWN],
        ).fetchone()
        return int(row[0])


def _record_edition(db: sqlite3.Connection, old: str, new: str) -> None:
    """`new` replaced `old`: links to `old`, and to every version `old` had replaced, lead to
    `new`; `new` itself is current again if it had been replaced before."""
    if old == new:
        return
    db.execute("DELETE FROM editions WHERE old_doc_id = ?", (new,))
    db.execute("UPDATE editions SET new_doc_id = ? WHERE new_doc_id = ?", (new, old))
    db.execute("INSERT OR REPLACE INTO editions (old_doc_id, new_doc_id) VALUES (?, ?)", (old, new))


def _record_moves(db: sqlite3.Connection, moves: Mapping[str, str | None]) -> None:
    """The old edition's passages went where `moves` says: links that led to them (from
    editions before it) now lead on, or are forgotten where a passage has no counterpart."""
    db.executemany(
        "DELETE FROM passage_moves WHERE new_chunk_id = ?",
        [(gone,) for gone, target in moves.items() if target is None],
    )
    db.executemany(
        "UPDATE passage_moves SET new_chunk_id = ? WHERE new_chunk_id = ?",
        [(target, gone) for gone, target in moves.items() if target is not None],
    )
    db.executemany(
        "INSERT OR REPLACE INTO passage_moves (old_chunk_id, new_chunk_id) VALUES (?, ?)",
        [(gone, target) for gone, target in moves.items() if target is not None],
    )


# A file whose document an older edition of the reading rules read: values (rules, INDEXED,
# WARNINGS); read from the index on `rules`, so a library read again counts none quickly.
_READ_BEFORE = "rules < ? AND outcome IN (?, ?) AND doc_id IS NOT NULL"

# A file row the library keeps nothing of: no document kept for it, and none read from its
# path (an earlier edition still indexed). Only such a file may be forgotten.
_UNINDEXED = (
    "doc_id IS NULL AND NOT EXISTS (SELECT 1 FROM documents WHERE documents.path = files.path)"
)


# EVIDENCE_ORDER's keys as columns of an evidence read, so rows read a level at a time can be
# merged in that order (_strength_order).
_EVIDENCE_KEYS = (
    "round(strength, 1) AS k1, round(share, 1) AS k2, coalesce(year, 0) AS k3,"
    " added_at AS k4, lower(title) AS k5"
)


def _strength_order(row: sqlite3.Row) -> tuple[Any, ...]:
    """EVIDENCE_ORDER as a sort key, for rows read with its keys k1..k5."""
    return (-row["k1"], -row["k2"], -row["k3"], -row["k4"], row["k5"])


def _write_evidence(db: sqlite3.Connection, doc_id: str, extra: dict[str, Any]) -> None:
    """Replace the document's evidence and lens rows with those its `extra` describes."""
    db.execute("DELETE FROM evidence WHERE doc_id = ?", (doc_id,))
    db.execute("DELETE FROM lens_evidence WHERE doc_id = ?", (doc_id,))
    lenses = extra.get("lens_passages")
    if isinstance(lenses, dict):
        db.executemany(
            "INSERT INTO lens_evidence (doc_id, lens, passages, access)"
            " SELECT doc_id, ?, ?, access FROM documents WHERE doc_id = ?",
            [(str(lens), int(n), doc_id) for lens, n in lenses.items() if isinstance(n, int)],
        )
    strongest = extra.get("strongest")
    if not isinstance(strongest, dict):
        return
    shares = extra.get("determinants") or {}
    places = extra.get("places") or []
    first_place = str(places[0]) if places else ""
    db.executemany(
        "INSERT INTO evidence (doc_id, determinant, passages, share, strength, chunk_id,"
        " first_place, access, year, added_at, title)"
        " SELECT doc_id, ?, ?, ?, ?, ?, ?, access, year, added_at, title"
        " FROM documents WHERE doc_id = ?",
        [
            (
                str(determinant),
                int(best.get("passages", 0)),
                float(shares.get(determinant, 0.0)) if isinstance(shares, dict) else 0.0,
                float(best.get("strength", 0.0)),
                str(best.get("chunk", "")),
                first_place,
                doc_id,
            )
            for determinant, best in strongest.items()
            if isinstance(best, dict)
        ],
    )
