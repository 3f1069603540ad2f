"""Backups: a consistent copy of everything needed to rebuild the service (store, catalogue, the
files admins uploaded and the accounts) in one folder, and bringing one back in place of the
current library while keeping what it replaces."""

from __future__ import annotations

import json
import logging
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from search.catalogue import Catalogue, copy_database
from search.curation import clear_deleted_traces, has_deleted_traces
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
    "ACCOUNTS_PART",
    "CATALOGUE_PART",
    "KEPT_DIR",
    "MANIFEST",
    "STORE_PART",
    "UPLOADS_PART",
    "BackupError",
    "BackupInfo",
    "CopyableStore",
    "check_backup_target",
    "read_backup",
    "restore_backup",
    "write_backup",
]

log = logging.getLogger(__name__)

MANIFEST = "backup.json"
STORE_PART = "store"
CATALOGUE_PART = "catalogue.sqlite"
UPLOADS_PART = "uploads"
ACCOUNTS_PART = "users.sqlite"
KEPT_DIR = "before-restore"
# 2 adds the uploaded files and the accounts; a backup of format 1 (without them) still restores.
_FORMAT = 2
_FORMATS = (1, 2)


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
    # Where the uploaded files were, so documents pointing there can follow them to wherever
    # the backup is restored; "" in a backup of format 1, which holds no uploads.
    uploads_dir: str = ""
    uploaded_files: int = 0


def write_backup(
    store: Store, catalogue: Catalogue, settings: Settings, target: Path
) -> BackupInfo:
    """Copy store and catalogue into `target` (new or empty). The caller keeps writers out
    meanwhile (the site holds its ingest lock; a command owns the store), so both match.
    What a deletion left in the files and not yet cleared is cleared first."""
    if not isinstance(store, CopyableStore):
        raise BackupError(
            "This site keeps its vectors on a Qdrant server: back them up with the server's own "
            "snapshots, and copy the catalogue file with them."
        )
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} is not an empty folder. Choose a new folder for the backup.")
    if has_deleted_traces(catalogue):
        # A document deleted for good and not yet cleared would live on in the copy.
        log.info("clearing deleted documents from the index files before the backup")
        clear_deleted_traces(store, catalogue)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    try:
        store.copy_to(partial / STORE_PART)
        catalogue.copy_to(partial / CATALOGUE_PART)
        uploaded = _copy_uploads(settings.uploads_dir, partial / UPLOADS_PART)
        if settings.users_path.is_file():
            copy_database(settings.users_path, partial / ACCOUNTS_PART)
        layout = store.layout()
        info = BackupInfo(
            path=str(target),
            created_at=time.time(),
            model_id=layout.model_id if layout else "",
            collection=active_collection(settings),
            documents=catalogue.stats()["documents"],
            chunks=store.count(),
            uploads_dir=str(settings.uploads_dir.resolve()),
            uploaded_files=uploaded,
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


def check_backup_target(settings: Settings, target: Path) -> None:
    """Refuse a backup folder inside the library's own data folder: a backup there is lost
    with the disk it is meant to survive, and a later backup would copy it again."""
    data_dir = settings.data_dir.resolve()
    if target.resolve().is_relative_to(data_dir):
        raise BackupError(
            f"{target} is inside the library's data folder ({data_dir}). "
            "Choose a folder outside it, on another disk if you can."
        )


def _copy_uploads(uploads: Path, target: Path) -> int:
    """Copy the uploaded files (each upload's folder, as it is); how many files there are."""
    if not uploads.is_dir():
        return 0
    shutil.copytree(uploads, target, symlinks=True)
    return sum(1 for item in target.rglob("*") if item.is_file())


def read_backup(source: Path) -> BackupInfo:
    """The manifest of a complete backup; BackupError for anything else."""
    fields = BackupInfo.__dataclass_fields__
    try:
        data = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
        info = BackupInfo(**{k: v for k, v in data.items() if k in fields})
    except (OSError, ValueError, AttributeError, TypeError):
        raise BackupError(f"{source} is not a backup made by 'kb backup'.") from None
    if not isinstance(info.uploads_dir, str):
        raise BackupError(f"{source} is not a backup made by 'kb backup'.")
    if not is_collection_name(info.collection):
        raise BackupError(f"{source} names a collection that is not a plain folder name.")
    if data.get("format") not in _FORMATS or not (source / STORE_PART).is_dir():
        raise BackupError(f"{source} is not a complete backup made by 'kb backup'.")
    if not (source / CATALOGUE_PART).is_file():
        raise BackupError(f"{source} is not a complete backup made by 'kb backup'.")
    return info


def restore_backup(settings: Settings, source: Path) -> tuple[BackupInfo, Path]:
    """Put a backup in place of the current library. Refuses while a site or command owns the
    index; what it replaces is moved aside (returned), never deleted. The uploaded files and
    the accounts are replaced only when the backup holds them (an older one does not), and
    documents uploaded to the backed-up library point at the restored copies."""
    from search.store.folder import lock_store_dir, unlock_store_dir

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
        try:
            for item in (source / STORE_PART).iterdir():
                if item.is_dir():
                    copy_tree_sparse(item, store_dir / item.name)
                else:
                    copy_sparse(item, store_dir / item.name)
            shutil.copy2(source / CATALOGUE_PART, settings.catalogue_path)
            _restore_uploads(settings, source, info, kept)
            _restore_accounts(settings, source, kept)
            switch_collection(settings, info.collection)
        except Exception as error:
            # Half a restore is no library: put back what was moved aside, or say where it is.
            try:
                _put_back(settings, store_dir, kept)
            except OSError as again:
                raise BackupError(
                    f"The restore failed part-way ({error}), and the library it was replacing"
                    f" could not be put back ({again}): it is whole in {kept}."
                ) from error
            raise BackupError(
                f"The restore failed part-way ({error}); the library was put back as it was."
            ) from error
    finally:
        for fd in locks:
            unlock_store_dir(fd)
    log.info("restored %s; the index it replaced is in %s", source, kept)
    return info, kept


def _restore_uploads(settings: Settings, source: Path, info: BackupInfo, kept: Path) -> None:
    if not (source / UPLOADS_PART).is_dir():
        return
    uploads = settings.uploads_dir
    if uploads.exists():
        uploads.rename(kept / UPLOADS_PART)
    shutil.copytree(source / UPLOADS_PART, uploads, symlinks=True)
    if info.uploads_dir:
        catalogue = Catalogue(settings.catalogue_path)
        try:
            moved = catalogue.move_folder(Path(info.uploads_dir), uploads.resolve())
        finally:
            catalogue.close()
        if moved:
            log.info("%d uploaded documents now point at %s", moved, uploads)


def _restore_accounts(settings: Settings, source: Path, kept: Path) -> None:
    if not (source / ACCOUNTS_PART).is_file():
        return
    _move_database(settings.users_path, kept)
    # Everyone signs in again: a session from the backup could revive a sign-in ended since.
    copy_database(source / ACCOUNTS_PART, settings.users_path, emptied=("sessions",))


def _move_database(path: Path, kept: Path) -> None:
    """Move an SQLite file aside with its side files: left behind, they would corrupt the
    file put in its place."""
    for part in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
        if part.exists():
            part.rename(kept / part.name)


def _put_back(settings: Settings, store_dir: Path, kept: Path) -> None:
    """Undo a restore that failed part-way: whatever it copied goes, and what `_move_aside`
    and the restore steps moved to `kept` returns to its place."""
    for item in store_dir.iterdir():
        if item.name == ".lock":
            continue
        if item.is_dir():
            shutil.rmtree(item)
        else:
            item.unlink()
    for item in (kept / STORE_PART).iterdir():
        item.rename(store_dir / item.name)
    for path in (settings.catalogue_path, settings.users_path):
        if (kept / path.name).exists():
            for part in (path, *(path.with_name(path.name + s) for s in ("-wal", "-shm"))):
                part.unlink(missing_ok=True)
                if (kept / part.name).exists():
                    (kept / part.name).rename(part)
    if (kept / UPLOADS_PART).exists():
        if settings.uploads_dir.exists():
            shutil.rmtree(settings.uploads_dir)
        (kept / UPLOADS_PART).rename(settings.uploads_dir)
    if (kept / ACTIVE_FILE).exists():
        shutil.copy2(kept / ACTIVE_FILE, settings.store_dir / ACTIVE_FILE)


def _move_aside(settings: Settings, store_dir: Path, kept: Path) -> None:
    (kept / STORE_PART).mkdir(parents=True, exist_ok=True)
    for item in store_dir.iterdir():
        if item.name != ".lock":
            item.rename(kept / STORE_PART / item.name)
    pointer = settings.store_dir / ACTIVE_FILE
    if pointer.exists():
        shutil.copy2(pointer, kept / ACTIVE_FILE)
    _move_database(settings.catalogue_path, kept)
