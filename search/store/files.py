"""Copying a store's files: the embedded engine preallocates segment files (32 MB each) that it
has barely written, so a plain copy writes every zero. These copies keep the holes as holes."""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

__all__ = ["copy_sparse", "copy_tree_sparse"]

_BLOCK = 1 << 20


def copy_sparse(source: str | Path, target: str | Path) -> None:
    """Copy a file's data, leave its holes as holes, and keep its times and mode. Where the
    file system cannot say where the holes are, every byte is copied."""
    with open(source, "rb") as reader, open(target, "wb") as writer:
        size = os.fstat(reader.fileno()).st_size
        offset = 0
        while offset < size:
            try:
                start = os.lseek(reader.fileno(), offset, os.SEEK_DATA)
            except OSError as error:
                if error.errno != errno.ENXIO:
                    # Not "no data after `offset`" but "cannot tell" (EINVAL where SEEK_DATA
                    # is not supported): taking that for a hole would back up zeros.
                    reader.seek(offset)
                    writer.seek(offset)
                    shutil.copyfileobj(reader, writer, _BLOCK)
                break  # ENXIO: the rest is a hole
            end = os.lseek(reader.fileno(), start, os.SEEK_HOLE)
            reader.seek(start)
            writer.seek(start)
            while start < end:
                block = reader.read(min(_BLOCK, end - start))
                if not block:
                    break
                writer.write(block)
                start += len(block)
            offset = end
        writer.truncate(size)
    shutil.copystat(source, target)


def copy_tree_sparse(
    source: Path, target: Path, ignore: Callable[[str, list[str]], set[str]] | None = None
) -> None:
    """`shutil.copytree` with sparse file copies (see copy_sparse)."""
    shutil.copytree(source, target, ignore=ignore, copy_function=copy_sparse)
