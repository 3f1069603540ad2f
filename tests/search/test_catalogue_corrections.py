"""Admins' corrections live in one table; catalogues that kept two move every row across."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from search.catalogue import Catalogue

# The two tables a catalogue had before they were folded into one.
OLD_TABLES = """
CREATE TABLE corrections (
    path TEXT PRIMARY KEY, fields TEXT NOT NULL DEFAULT '{}', updated_at REAL NOT NULL
);
CREATE TABLE document_corrections (
    doc_id TEXT PRIMARY KEY, fields TEXT NOT NULL DEFAULT '{}', updated_at REAL NOT NULL
);
"""

FILE_ROWS = {
    "/corpus/loneliness.pdf": {"title": "Rural loneliness", "year": 2019},
    "/corpus/meals.pdf": {"organisation": "Kent County Council"},
}
DOCUMENT_ROWS = {
    "doc-a": {"title": "Damp homes", "access": "partner"},
    "doc-b": {"access": "withdrawn", "restore_access": "public"},
}


def _write_old_catalogue(path: Path) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(OLD_TABLES)
        db.executemany(
            "INSERT INTO corrections VALUES (?, ?, 1.0)",
            [(p, json.dumps(f)) for p, f in FILE_ROWS.items()],
        )
        db.executemany(
            "INSERT INTO document_corrections VALUES (?, ?, 2.0)",
            [(d, json.dumps(f)) for d, f in DOCUMENT_ROWS.items()],
        )
        db.commit()
    finally:
        db.close()


def _tables(path: Path) -> set[str]:
    db = sqlite3.connect(path)
    try:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    finally:
        db.close()


def test_an_old_catalogue_with_both_tables_keeps_every_correction(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.sqlite"
    _write_old_catalogue(path)
    for _ in range(2):  # the second open finds nothing left to move
        catalogue = Catalogue(path)
        try:
            for file, fields in FILE_ROWS.items():
                assert catalogue.correction(file) == fields
            for doc_id, fields in DOCUMENT_ROWS.items():
                assert catalogue.document_correction(doc_id) == fields
        finally:
            catalogue.close()
    assert "document_corrections" not in _tables(path)
    assert "corrections_by_path" not in _tables(path)


def test_file_and_document_corrections_stay_apart_and_merge(tmp_path: Path) -> None:
    catalogue = Catalogue(tmp_path / "catalogue.sqlite")
    try:
        assert catalogue.correction("same") is None
        assert catalogue.document_correction("same") == {}
        catalogue.set_correction("same", {"title": "A file's title", "year": 2020})
        catalogue.save_correction("same", {"access": "internal"})
        catalogue.set_correction("same", {"year": None})  # None clears a file's field
        catalogue.save_correction("same", {"restore_access": "public"})
        assert catalogue.correction("same") == {"title": "A file's title"}
        assert catalogue.document_correction("same") == {
            "access": "internal",
            "restore_access": "public",
        }
    finally:
        catalogue.close()
