"""Test libraries built once and copied: copying a closed data folder costs a fraction of
parsing, encoding and indexing again, so tests that change a library can each have their own."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from search.store.embedded import LOCK_FILE

_BLOCK = 1 << 20


def copy_sparse(source: str | Path, target: str | Path) -> None:
    """Copy a file's data and leave its holes as holes. The engine preallocates 32 MB files it
    has barely written; a plain copy writes every zero (a quarter of a gigabyte a library)."""
    with open(source, "rb") as reader, open(target, "wb") as writer:
        size = os.fstat(reader.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(reader.fileno(), offset, os.SEEK_DATA)
            except OSError:  # no data after `offset`: the rest is a hole
                break
            end = os.lseek(reader.fileno(), start, os.SEEK_HOLE)
            reader.seek(start)
            writer.seek(start)
            while start < end:
                block = reader.read(min(_BLOCK, end - start))
                writer.write(block)
                start += len(block)
            offset = end
        writer.truncate(size)
    shutil.copystat(source, target)


def copy_library(built: Path, target: Path) -> Path:
    """Copy a closed library's data folder (catalogue and embedded store) to `target`."""
    shutil.copytree(
        built, target, ignore=shutil.ignore_patterns(LOCK_FILE), copy_function=copy_sparse
    )
    return target
