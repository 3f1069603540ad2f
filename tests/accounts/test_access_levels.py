"""Access levels below the site: the store filter keeps to the allowed levels (points from
before access levels count as public), the catalogue migrates old libraries to public, and
manifests and folder defaults set the level at ingest."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from ingest.metadata import apply_access_and_corrections, read_manifest
from search.access import ScopedStore, levels_for
from search.catalogue import Catalogue
from search.schema import DocumentMeta, Filters
from search.settings import AccessSettings
from search.store.base import Store, StoreError, VectorQuery
from tests.search.test_store_contract import (  # noqa: F401  (fixtures)
    CHUNKS,
    _chunk,
    embedded_collection,
    store,
)

SECRET = _chunk("secret", 0, "damp and mould in partner homes", [1, 0, 0, 0], access="internal")
SHARED = _chunk("shared", 0, "damp homes for partners", [1, 0, 0, 0], access="partner")


def _docs(hits: list) -> set[str]:  # type: ignore[type-arg]
    return {h.doc_id for h in hits}


def test_store_filter_keeps_to_the_allowed_levels(store: Store) -> None:  # noqa: F811
    store.upsert([SECRET, SHARED])
    old = {c.payload["doc_id"] for c in CHUNKS}  # written before access levels: public
    visitor = Filters(access_levels=levels_for("visitor"))
    partner = Filters(access_levels=levels_for("partner"))
    assert _docs(store.chunks(visitor)) == old
    assert _docs(store.chunks(partner)) == old | {"shared"}
    assert _docs(store.chunks(Filters(access_levels=levels_for("staff")))) == old | {
        "shared",
        "secret",
    }
    assert store.count(visitor) == len(CHUNKS)
    assert "secret" not in store.facet("doc_id", partner)
    query = VectorQuery(dense=[1, 0, 0, 0], sparse=None, mode="dense", limit=20, filters=visitor)
    assert _docs(store.query(query)) == old
    assert "secret" not in _docs(store.recommend([SECRET.id], visitor, 20))


def test_scoped_store_adds_levels_and_never_writes(store: Store) -> None:  # noqa: F811
    store.upsert([SECRET])
    scoped = ScopedStore(store, levels_for("visitor"))
    assert "secret" not in _docs(scoped.chunks(Filters(doc_ids=("secret",))))
    assert scoped.count(Filters(doc_ids=("secret",))) == 0
    with pytest.raises(StoreError):
        scoped.delete_documents(["housing"])
    with pytest.raises(StoreError):
        scoped.upsert([SECRET])
    assert store.count() == len(CHUNKS) + 1


def test_a_library_from_before_access_levels_opens_all_public(tmp_path: Path) -> None:
    path = tmp_path / "catalogue.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        """
        CREATE TABLE documents (doc_id TEXT PRIMARY KEY, title TEXT NOT NULL,
            organisation TEXT NOT NULL DEFAULT '', year INTEGER, kind TEXT NOT NULL DEFAULT '',
            authors TEXT NOT NULL DEFAULT '[]', url TEXT NOT NULL DEFAULT '',
            file_name TEXT NOT NULL, path TEXT NOT NULL, page_count INTEGER NOT NULL,
            chunk_count INTEGER NOT NULL, added_at REAL NOT NULL, extra TEXT NOT NULL DEFAULT '{}');
        INSERT INTO documents VALUES ('d1', 'Old report', '', 2020, '', '[]', '', 'a.pdf',
            '/x/a.pdf', 1, 1, 0, '{}');
        """
    )
    old.commit()
    old.close()
    catalogue = Catalogue(path)
    try:
        record = catalogue.document("d1")
        assert record is not None and record.meta.access == "public"
        visitor = catalogue.scoped(levels_for("visitor"))
        assert visitor.doc_ids() == {"d1"}
        catalogue.update_meta("d1", replace(record.meta, access="internal"))  # as curation does
        assert visitor.doc_ids() == set() and visitor.document("d1") is None
        assert visitor.stats()["documents"] == 0
        assert catalogue.stats()["documents"] == 1
    finally:
        catalogue.close()


def test_manifest_and_folder_defaults_set_the_level(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text(
        "file,title,access\na.pdf,A,Partner\nb.pdf,B,\nc.pdf,C,top secret\n", encoding="utf-8"
    )
    rows = read_manifest(tmp_path)
    assert rows["a.pdf"].access == "partner"
    assert rows["b.pdf"].access == ""  # the folder's default decides
    assert rows["c.pdf"].access == "internal"  # an unknown word never makes a file public
    settings = AccessSettings(default="public", folders={tmp_path / "drafts": "internal"})
    assert settings.level_for(tmp_path / "drafts" / "x" / "y.pdf") == "internal"
    assert settings.level_for(tmp_path / "other.pdf") == "public"
    meta = apply_access_and_corrections(DocumentMeta(title="B", access=""), "partner", {})
    assert meta.access == "partner"
    fixed = apply_access_and_corrections(
        DocumentMeta(title="B", access="public"), "public", {"title": "Better", "path": "/etc"}
    )
    assert (fixed.title, fixed.access) == ("Better", "public")


def test_an_old_embedded_collection_gets_the_access_index_on_open(tmp_path: Path) -> None:
    import qdrant_edge as qe

    from search.store.embedded import EmbeddedStore
    from tests.search.test_store_contract import LAYOUT

    old = EmbeddedStore(tmp_path / "c")
    old.ensure_collection(LAYOUT)
    old.upsert(CHUNKS)
    old.shard.update(qe.UpdateOperation.delete_field_index("access"))
    assert "access" not in set(old.shard.info().payload_schema or {})
    old.close()
    reopened = EmbeddedStore(tmp_path / "c")
    try:
        assert "access" in set(reopened.shard.info().payload_schema or {})
        assert reopened.count(Filters(access_levels=("public",))) == len(CHUNKS)
    finally:
        reopened.close()
