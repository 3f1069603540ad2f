"""The test helper that copies built libraries keeps every byte and leaves holes unwritten."""

from __future__ import annotations

import os
from pathlib import Path

from tests.libraries import copy_sparse


def test_a_sparse_copy_has_the_same_bytes_and_no_written_holes(tmp_path: Path) -> None:
    source = tmp_path / "preallocated.dat"
    with source.open("wb") as handle:
        handle.write(b"head")
        handle.seek(8 << 20)
        handle.write(b"middle")
        handle.truncate(32 << 20)  # a hole to the end, as the engine leaves its files
    target = tmp_path / "copy.dat"
    copy_sparse(source, target)
    assert target.read_bytes() == source.read_bytes()
    assert os.stat(target).st_blocks * 512 < (1 << 20)  # the 32 MB of zeros were not written
