"""Backups: a consistent copy of the index (store and catalogue) in one folder, and bringing one
back in place of the current index while keeping what it replaces."""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from search.catalogue import Catalogue
from search.settings import Settings
from search.store.base import (
    ACTIVE_FILE,
    Store,
    StoreBusyError,
    active_collection,
    is_collection_name,
    switch_collection,
)
from search.store.files import copy_sparse, copy_tree_sparse

__all__ = [
    "CATALOGUE_PART",
    "KEPT_DIR",
    "MANIFEST",
    "STORE_PART",
    "BackupError",
    "BackupInfo",
    "CopyableStore",
    "read_backup",
    "restore_backup",
    "write_backup",
]

log = logging.getLogger(__name__)

MANIFEST = "backup.json"
STORE_PART = "store"
CATALOGUE_PART = "catalogue.sqlite"
KEPT_DIR = "before-restore"
_FORMAT = 1


class BackupError(RuntimeError):
    """A backup or restore that cannot go ahead; the message says what to do."""


@runtime_checkable
class CopyableStore(Protocol):
    """A store whose files can be copied (the embedded engine)."""

    def copy_to(self, target: Path) -> None: ...


@dataclass(frozen=True)
class BackupInfo:
    """What a backup holds, written beside it as backup.json."""

    path: str
    created_at: float
    model_id: str
    collection: str
    documents: int
    chunks: int


def write_backup(
    store: Store, catalogue: Catalogue, settings: Settings, target: Path
) -> BackupInfo:
    """Copy store and catalogue into `target` (new or empty). The caller keeps writers out
    meanwhile (the site holds its ingest lock; a command owns the store), so both match."""
    if not isinstance(store, CopyableStore):
        raise BackupError(
            "This site keeps its vectors on a Qdrant server: back them up with the server's own "
            "snapshots, and copy the catalogue file with them."
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder. Choose a new folder for the backup.")
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        store.copy_to(partial / STORE_PART)
        catalogue.copy_to(partial / CATALOGUE_PART)
        layout = store.layout()
        info = BackupInfo(
            path=str(target),
            created_at=time.time(),
            model_id=layout.model_id if layout else "",
            collection=active_collection(settings),
            documents=catalogue.stats()["documents"],
            chunks=store.count(),
        )
        (partial / MANIFEST).write_text(json.dumps({"format": _FORMAT, **asdict(info)}, indent=2))
        if target.exists():
            target.rmdir()
        # The folder appears under its real name only once complete.
        partial.rename(target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    log.info("backup of %d documents written to %s", info.documents, target)
    return info


def read_backup(source: Path) -> BackupInfo:
    """The manifest of a complete backup; BackupError for anything else."""
    try:
        data = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        info = BackupInfo(**{k: data[k] for k in BackupInfo.__dataclass_fields__})
    except (OSError, ValueError, KeyError, TypeError):
        raise BackupError(f"{source} is not a backup made by 'kb backup'.") from None
    if not is_collection_name(info.collection):
        raise BackupError(f"{source} names a collection that is not a plain folder name.")
    if data.get("format") != _FORMAT or not (source / STORE_PART).is_dir():
        raise BackupError(f"{source} is not a complete backup made by 'kb backup'.")
    if not (source / CATALOGUE_PART).is_file():
        raise BackupError(f"{source} is not a complete backup made by 'kb backup'.")
    return info


def restore_backup(settings: Settings, source: Path) -> tuple[BackupInfo, Path]:
    """Put a backup in place of the current index. Refuses while a site or command owns the
    index; the index it replaces is moved aside (returned), never deleted."""
    from search.store.embedded import lock_store_dir, unlock_store_dir

    info = read_backup(source)
    if settings.qdrant.mode != "embedded":
        raise BackupError("Restore works on the embedded index only (KB_QDRANT__MODE=embedded).")
    store_dir = settings.store_dir / info.collection
    # The collection in use now and the one restored (they differ after a `kb reembed`).
    locks: list[int] = []
    try:
        for name in dict.fromkeys([active_collection(settings), info.collection]):
            locks.append(lock_store_dir(settings.store_dir / name))
    except StoreBusyError:
        for fd in locks:
            unlock_store_dir(fd)
        raise BackupError(
            "The index is in use by a running site or another kb command. "
            "Stop the site first, then restore."
        ) from None
    try:
        kept = settings.data_dir / KEPT_DIR / time.strftime("%Y%m%d-%H%M%S")
        _move_aside(settings, store_dir, kept)
        for item in (source / STORE_PART).iterdir():
            if item.is_dir():
                copy_tree_sparse(item, store_dir / item.name)
            else:
                copy_sparse(item, store_dir / item.name)
        shutil.copy2(source / CATALOGUE_PART, settings.catalogue_path)
        switch_collection(settings, info.collection)
    finally:
        for fd in locks:
            unlock_store_dir(fd)
    log.info("restored %s; the index it replaced is in %s", source, kept)
    return info, kept


def _move_aside(settings: Settings, store_dir: Path, kept: Path) -> None:
    (kept / STORE_PART).mkdir(parents=True, exist_ok=True)
    for item in store_dir.iterdir():
        if item.name != ".lock":
            item.rename(kept / STORE_PART / item.name)
    pointer = settings.store_dir / ACTIVE_FILE
    if pointer.exists():
        shutil.copy2(pointer, kept / ACTIVE_FILE)
    catalogue = settings.catalogue_path
    # SQLite's side files belong to the old catalogue; left behind they would corrupt the new.
    for part in (catalogue, *(catalogue.with_name(catalogue.name + s) for s in ("-wal", "-shm"))):
        if part.exists():
            part.rename(kept / part.name)
