"""Every hand-label file in corpus/labels is well formed, and the holdout2 set stays apart.

These checks read only the label files (and, when the shared data is there, the PDFs'
page counts). They never run the tagger, so the holdout2 set is not scored here.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from kb.eval.tags import LabelRow, read_labels
from search.evidence.determinants import REQUIRED_DETERMINANTS
from tests.conftest import SHARED_DATA

LABELS = Path(__file__).resolve().parents[2] / "corpus" / "labels"
LABEL_FILES = sorted(LABELS.glob("*.jsonl"))
HOLDOUT2 = LABELS / "determinants-fresh2-holdout.jsonl"
# A second labeller's labels for pages the other files already hold, kept only to measure how
# far two labellers agree (kb.eval.label_agreement). It adds no document of its own.
SECOND = LABELS / "agreement-second-labeller.jsonl"
REAL_PDFS = SHARED_DATA / "pdfs" / "real"


def _rows(path: Path) -> list[LabelRow]:
    return read_labels(path, known_ids=REQUIRED_DETERMINANTS)


def test_the_label_folder_holds_the_expected_files() -> None:
    names = {path.name for path in LABEL_FILES}
    assert {"determinants.jsonl", HOLDOUT2.name} <= names
    assert (LABELS / "README.md").is_file()


@pytest.mark.parametrize("path", LABEL_FILES, ids=lambda path: path.name)
def test_every_label_file_reads_with_known_ids_and_no_repeated_page(path: Path) -> None:
    rows = _rows(path)
    assert rows, f"{path.name} is empty"
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        listed = json.loads(line)["determinants"]
        assert len(listed) == len(set(listed)), f"{path.name} line {number} repeats an id"


def test_holdout2_rows_all_carry_their_split_and_cover_the_taxonomy() -> None:
    rows = _rows(HOLDOUT2)
    assert {r.split for r in rows} == {"holdout2"}
    assert len(rows) >= 80
    assert len({r.file for r in rows}) >= 15
    seen = {d for r in rows for d in r.determinants}
    assert seen == set(REQUIRED_DETERMINANTS)
    # Pages with no determinant are there so that wrong tags are counted too.
    empty = sum(not r.determinants for r in rows)
    assert 0.05 <= empty / len(rows) <= 0.3


def test_holdout2_shares_no_document_with_any_other_label_file() -> None:
    holdout2 = {r.file for r in _rows(HOLDOUT2)}
    for path in LABEL_FILES:
        if path in (HOLDOUT2, SECOND):
            continue
        shared = holdout2 & {r.file for r in _rows(path)}
        assert not shared, f"{path.name} also labels {sorted(shared)}"


def test_the_second_labeller_only_relabels_pages_the_other_files_hold() -> None:
    second = _rows(SECOND)
    assert {r.split for r in second} == {"second"}
    first = {r.key for path in LABEL_FILES if path != SECOND for r in _rows(path)}
    assert {r.key for r in second} <= first
    assert len(second) == 60


def test_holdout2_pages_exist_in_the_real_pdfs() -> None:
    if not REAL_PDFS.is_dir():
        pytest.skip(f"shared test data not found at {REAL_PDFS}")
    counts: dict[str, int] = {}
    for row in _rows(HOLDOUT2):
        pdf = REAL_PDFS / row.file
        assert pdf.is_file(), f"{row.file} is not in {REAL_PDFS}"
        if row.file not in counts:
            counts[row.file] = len(PdfReader(pdf).pages)
        assert row.page <= counts[row.file], f"{row.file} has no page {row.page}"
