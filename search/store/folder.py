"""A store's folder, apart from the engine's files: who owns it (a lock file), which model
wrote it (the layout file), and which of its two shard folders is live (the pointer file),
settled again after a compaction a crash cut short. Nothing here loads the engine."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from pathlib import Path

from search.store.base import BUSY_MESSAGE, CollectionLayout, StoreBusyError, StoreError

__all__ = [
    "FRESH_DIR",
    "LAYOUT_FILE",
    "LOCK_FILE",
    "OLD_DIR",
    "POINTER_FILE",
    "SHARD_DIRS",
    "is_store_dir_locked",
    "live_name",
    "lock_store_dir",
    "other_name",
    "point_to",
    "read_layout",
    "recover_compaction",
    "sync_folder",
    "unlock_store_dir",
    "write_layout",
]

log = logging.getLogger(__name__)

LAYOUT_FILE = "collection.json"
LOCK_FILE = ".lock"
# The live shard is one of two folders, named in the pointer file (no file: the first).
# Compacting writes a fresh shard in the other folder, then points the file at it with one
# atomic rename, so the fresh shard, already open, goes live without being loaded again.
SHARD_DIRS = ("shard", "shard.b")
POINTER_FILE = "live_shard"
# Where compactions before the pointer file wrote (a store a crash left mid-compaction then).
FRESH_DIR = "shard.compacting"
OLD_DIR = "shard.old"


def lock_store_dir(path: Path) -> int:
    """Take the folder's owner lock (a file descriptor); raise StoreBusyError when it is held."""
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreBusyError(BUSY_MESSAGE.format(path=path)) from None
    return fd


def unlock_store_dir(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def is_store_dir_locked(path: Path) -> bool:
    """Whether a process (a running site, another command) owns the folder now."""
    if not path.is_dir():
        return False
    try:
        unlock_store_dir(lock_store_dir(path))
    except StoreBusyError:
        return True
    return False


def read_layout(path: Path) -> CollectionLayout | None:
    """A store folder's model and dimension, read without opening (or locking) it."""
    file = path / LAYOUT_FILE
    if not file.exists():
        return None
    data = json.loads(file.read_text())
    return CollectionLayout(model_id=data["model_id"], dimension=int(data["dimension"]))


def write_layout(path: Path, layout: CollectionLayout) -> None:
    """Record the folder's model and dimension (a file written, then renamed into place)."""
    tmp = path / (LAYOUT_FILE + ".tmp")
    tmp.write_text(json.dumps({"model_id": layout.model_id, "dimension": layout.dimension}))
    tmp.replace(path / LAYOUT_FILE)


def recover_compaction(path: Path) -> str:
    """Settle a compaction a crash interrupted, and name the live shard's folder. Before the
    pointer file: the live shard back in its place if the crash came between the two renames.
    Since: the folder the pointer does not name is a fresh copy never pointed at, or the old
    shard not yet deleted; either goes (compacting again is safe), as does a pointer written
    but never renamed into place."""
    shard, old, fresh = path / SHARD_DIRS[0], path / OLD_DIR, path / FRESH_DIR
    if not shard.exists() and old.exists() and not (path / POINTER_FILE).exists():
        old.rename(shard)
        log.warning("a compaction of %s was interrupted: the shard as it was is back", path)
    shutil.rmtree(fresh, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    (path / (POINTER_FILE + ".tmp")).unlink(missing_ok=True)
    live = live_name(path)
    other = path / other_name(live)
    if other.exists():
        shutil.rmtree(other)
        log.warning(
            "a compaction of %s was interrupted or not tidied: its spare copy is gone", path
        )
    return live


def live_name(path: Path) -> str:
    """The folder of `path` holding the live shard, as the pointer file names it."""
    pointer = path / POINTER_FILE
    if not pointer.exists():
        return SHARD_DIRS[0]
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        name = ""
    if name not in SHARD_DIRS or not (path / name).is_dir():
        # Written only by an atomic rename, so only a hand can have spoilt it: which copy is
        # live cannot be guessed safely.
        raise StoreError(
            f"The index folder {path} has a damaged '{POINTER_FILE}' file (it should hold"
            f" {' or '.join(SHARD_DIRS)}, a folder beside it): restore a backup."
        )
    return name


def other_name(live: str) -> str:
    return SHARD_DIRS[1] if live == SHARD_DIRS[0] else SHARD_DIRS[0]


def point_to(path: Path, name: str) -> None:
    """Name `name` the live shard's folder, at once (a file written and synced, then renamed
    over the pointer); `sync_folder` then makes the rename itself durable."""
    tmp = path / (POINTER_FILE + ".tmp")
    with tmp.open("w", encoding="utf-8") as out:
        out.write(name)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path / POINTER_FILE)


def sync_folder(path: Path) -> None:
    """Make the names in `path` (a rename into it) durable."""
    folder = os.open(path, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)
