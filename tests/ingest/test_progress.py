"""While a file is read the ingest says what it is doing to it and how far it has got, so a
long file that is still moving can be told from a stuck one: reading (scanned pages counted as
OCR reads them), encoding its passages a step at a time, then writing."""

from __future__ import annotations

from pathlib import Path

import pytest

import ingest.pipeline
from ingest.ocr import is_ocr_available
from ingest.pipeline import (
    ENCODING,
    INDEXED,
    READING,
    READING_SCANS,
    WARNINGS,
    WRITING,
    Ingester,
)
from search.library import Library
from tests.documents import write_scanned_pdf
from tests.pdfs import write_pdf

Event = tuple[Path, str, int, int]
# Three pages of text: five passages.
PAGES = [
    " ".join(f"Families in ward {n} wait {n % 9 + 2} weeks for repairs to damp homes." for n in r)
    for r in (range(0, 45), range(45, 90), range(90, 135))
]


def _run(library: Library, folder: Path) -> tuple[list[Event], int]:
    """Ingest the folder's one file; every progress event, and the file's passage count."""
    events: list[Event] = []
    summary = Ingester(library.index, library.settings.chunks, parse_workers=1).run(
        [folder], on_progress=lambda *event: events.append(event)
    )
    [outcome] = summary.outcomes
    assert outcome.outcome in (INDEXED, WARNINGS), outcome.reason
    return events, outcome.chunks


def _stages(events: list[Event]) -> list[str]:
    """The stages in the order they came, each run of one stage once."""
    stages = [stage for _, stage, _, _ in events]
    return [s for n, s in enumerate(stages) if n == 0 or stages[n - 1] != s]


def test_a_file_goes_through_its_stages_and_its_passages_are_counted_a_step_at_a_time(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = write_pdf(tmp_path / "docs" / "repairs.pdf", PAGES)
    library.index.encode_step = 2
    monkeypatch.setattr(ingest.pipeline, "PROGRESS_EVERY_S", 0.0)  # every step passed on
    events, chunks = _run(library, tmp_path / "docs")
    assert chunks > 4
    assert {event[0] for event in events} == {path.resolve()}
    assert _stages(events) == [READING, ENCODING, WRITING]
    encoded = [(done, total) for _, stage, done, total in events if stage == ENCODING]
    assert all(total == chunks and 0 <= done <= total for done, total in encoded)
    steps = [done for done, _ in encoded]
    assert steps == [0, *range(2, chunks, 2), chunks]  # one event per model call, in order


def test_steps_within_a_stage_are_passed_on_at_most_so_often_but_the_last_always(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pdf(tmp_path / "docs" / "repairs.pdf", PAGES)
    library.index.encode_step = 1
    monkeypatch.setattr(ingest.pipeline, "PROGRESS_EVERY_S", 3600.0)
    events, chunks = _run(library, tmp_path / "docs")
    encoded = [done for _, stage, done, _ in events if stage == ENCODING]
    assert encoded == [0, chunks]
    assert _stages(events) == [READING, ENCODING, WRITING]


def test_a_watcher_that_fails_does_not_fail_the_file(library: Library, tmp_path: Path) -> None:
    write_pdf(tmp_path / "docs" / "repairs.pdf", PAGES)

    def broken(*_: object) -> None:
        raise RuntimeError("the page went away")

    summary = Ingester(library.index, library.settings.chunks, parse_workers=1).run(
        [tmp_path / "docs"], on_progress=broken
    )
    assert [o.outcome for o in summary.outcomes] == ["indexed"]


@pytest.mark.skipif(not is_ocr_available(), reason="Tesseract or pdftoppm is not installed")
def test_scanned_pages_are_counted_as_ocr_reads_them(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [
        ["Damp and mould in rented homes", "make young children cough at night."],
        ["Older people in rural villages feel lonely", "when the bus service stops running."],
    ]
    write_scanned_pdf(tmp_path / "docs" / "scan.pdf", lines)
    monkeypatch.setattr(ingest.pipeline, "PROGRESS_EVERY_S", 0.0)
    events, _ = _run(library, tmp_path / "docs")
    assert _stages(events) == [READING, READING_SCANS, ENCODING, WRITING]
    scanned = [(done, total) for _, stage, done, total in events if stage == READING_SCANS]
    assert scanned == [(0, 2), (1, 2), (2, 2)]
