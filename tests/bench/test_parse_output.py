"""Benchmark check (make bench): what ingest reads from every real PDF is the same as what a
recorded commit read (`tests/bench/parse_output.py`), so a change meant only to make parsing
cheaper cannot change page texts, chunks, matter or metadata unnoticed.

    PYTHONPATH=<commit to compare with> .venv/bin/python tests/bench/parse_output.py \
        ../shared/data/pdfs/real /tmp/parse-before.json
    KB_BENCH_PARSE_BEFORE=/tmp/parse-before.json .venv/bin/python -m pytest -m bench \
        tests/bench/test_parse_output.py
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.bench.parse_output import read_folder

PARTS = (
    "pages",
    "info",
    "warnings",
    "ocr_pages",
    "sections",
    "first_lines",
    "chunks",
    "preview_lines",
    "metadata",
)


@pytest.mark.bench
def test_every_real_pdf_reads_as_the_recorded_commit_read_it(real_pdfs: Path) -> None:
    recorded = os.environ.get("KB_BENCH_PARSE_BEFORE", "")
    if not recorded or not Path(recorded).is_file():
        pytest.skip(
            "set KB_BENCH_PARSE_BEFORE to a recording made by tests/bench/parse_output.py "
            "with the commit to compare with"
        )
    before = json.loads(Path(recorded).read_text())
    now = read_folder(real_pdfs)
    assert sorted(now) == sorted(before)
    differences = {
        name: [part for part in (*PARTS, "failed") if now[name].get(part) != was.get(part)]
        for name, was in before.items()
    }
    differences = {name: parts for name, parts in differences.items() if parts}
    assert differences == {}, json.dumps(differences, indent=1)
