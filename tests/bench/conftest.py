"""What the benchmarks share: the folder of real PDFs, skipped with a message when missing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA


@pytest.fixture
def real_pdfs() -> Path:
    real = SHARED_DATA / "pdfs" / "real"
    if not real.is_dir():
        pytest.skip(f"real PDFs not found at {real}")
    return real
