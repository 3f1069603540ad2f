"""Test libraries built once and copied: copying a closed data folder costs a fraction of
parsing, encoding and indexing again, so tests that change a library can each have their own."""

from __future__ import annotations

import shutil
from pathlib import Path

from search.store.embedded import LOCK_FILE
from search.store.files import copy_tree_sparse


def copy_library(built: Path, target: Path) -> Path:
    """Copy a closed library's data folder (catalogue and embedded store) to `target`."""
    copy_tree_sparse(built, target, ignore=shutil.ignore_patterns(LOCK_FILE))
    return target
