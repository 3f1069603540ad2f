"""One file failing mid-run (the model, the tagger, the store or SQLite breaking on it) is recorded
as failed with a plain reason; the other files are indexed and the run's record is finished."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import FAILED, INDEXED, UNEXPECTED, Ingester, content_hash
from search.catalogue import DocumentRecord, FileOutcome
from search.index import CATALOGUE_FAILED, MODEL_FAILED, STORE_FAILED, TAGGING_FAILED
from search.library import Library
from search.models.encoder import Encoder, Vectors
from search.schema import Filters, IndexedChunk
from search.settings import Settings
from tests.doubles import HashingEncoder, WrappedEncoder
from tests.pdfs import write_pdf

TOPICS = {
    "housing": "Cold and damp homes in the private rented sector cause mould and asthma.",
    "lonely": "Older people in rural villages feel lonely when the bus service stops running.",
    "meals": "Free school meals improve attendance and concentration in primary schools.",
    "poison": "Air pollution near busy roads raises hospital admissions for breathing problems.",
}
MARKER = "pollution"  # only the 'poison' file's text carries it


class FailingEncoder(WrappedEncoder):
    """An encoder that breaks on any batch holding the marker word."""

    def encode_documents(self, texts: list[str]) -> Vectors:
        if any(MARKER in t for t in texts):
            raise RuntimeError("onnxruntime: simulated failure")
        return self.real.encode_documents(texts)


@pytest.fixture
def encoder() -> Encoder:
    """What fails and what goes on is plumbing: the deterministic double stands in for the
    model here (it shadows the suite's real `encoder`)."""
    return HashingEncoder()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name, sentence in TOPICS.items():
        write_pdf(tmp_path / "pdfs" / f"{name}.pdf", [f"{sentence} " * 4], title=name.title())
    return tmp_path / "pdfs"


@pytest.fixture
def library(embedded_settings: Settings, encoder: Encoder) -> Iterator[Library]:
    opened = Library.open(embedded_settings, encoder=encoder)
    yield opened
    opened.close()


def _run(library: Library, folder: Path) -> dict[str, FileOutcome]:
    summary = Ingester(library.index, library.settings.chunks, parse_workers=1).run([folder])
    return {Path(o.path).stem: o for o in summary.outcomes}


def _assert_others_indexed_and_run_finished(
    library: Library, outcomes: dict[str, FileOutcome], reason: str
) -> None:
    assert outcomes["poison"].outcome == FAILED
    assert outcomes["poison"].reason.startswith(reason)
    assert "Traceback" not in outcomes["poison"].reason
    for name in ("housing", "lonely", "meals"):
        assert outcomes[name].outcome == INDEXED, outcomes[name]
        doc_id = outcomes[name].doc_id
        assert doc_id is not None and library.catalogue.document(doc_id) is not None
        assert library.store.count(Filters(doc_ids=(doc_id,))) > 0
    recorded = library.catalogue.file(outcomes["poison"].path)
    assert recorded is not None and recorded.outcome == FAILED
    run = library.catalogue.last_run()
    assert run is not None and run["finished_at"] is not None
    assert (run["indexed"], run["failed"]) == (3, 1)
    # Nothing half-written of the failed file is visible.
    assert len(library.catalogue.doc_ids()) == 3
    assert set(library.store.facet("doc_id")) == library.catalogue.doc_ids()


def test_encoder_error_on_one_file_fails_only_that_file(
    library: Library, folder: Path, encoder: Encoder
) -> None:
    library.index.encoder = FailingEncoder(encoder)
    outcomes = _run(library, folder)
    _assert_others_indexed_and_run_finished(library, outcomes, MODEL_FAILED)


def test_tagger_error_on_one_file_fails_only_that_file(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tagging = library.index.tagging
    assert tagging is not None
    real = tagging.chunk_fields

    def chunk_fields(title: str, texts: list[str], dense: Any) -> Any:
        if title == "Poison":
            raise ValueError("simulated tagger failure")
        return real(title, texts, dense)

    monkeypatch.setattr(tagging, "chunk_fields", chunk_fields)
    outcomes = _run(library, folder)
    _assert_others_indexed_and_run_finished(library, outcomes, TAGGING_FAILED)


def test_store_error_on_one_file_fails_only_that_file(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = library.store.upsert

    def upsert(chunks: Sequence[IndexedChunk]) -> None:
        real(chunks[:1])  # half the write lands, then the engine breaks
        if any(MARKER in str(c.payload.get("text", "")) for c in chunks):
            raise OSError("No space left on device")
        real(chunks)

    monkeypatch.setattr(library.store, "upsert", upsert)
    outcomes = _run(library, folder)
    _assert_others_indexed_and_run_finished(library, outcomes, STORE_FAILED)


def test_sqlite_error_on_one_file_fails_only_that_file(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = library.catalogue.add_document

    def add_document(record: DocumentRecord, *args: Any, **kwargs: Any) -> None:
        if record.meta.title == "Poison":
            raise sqlite3.OperationalError("database or disk is full")
        real(record, *args, **kwargs)

    monkeypatch.setattr(library.catalogue, "add_document", add_document)
    outcomes = _run(library, folder)
    _assert_others_indexed_and_run_finished(library, outcomes, CATALOGUE_FAILED)


def test_catalogue_read_error_while_preparing_one_file_fails_only_that_file(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    poison = content_hash(folder / "poison.pdf")[:20]
    real = library.catalogue.document

    def document(doc_id: str) -> DocumentRecord | None:
        if doc_id == poison:
            raise sqlite3.OperationalError("disk I/O error")
        return real(doc_id)

    monkeypatch.setattr(library.catalogue, "document", document)
    outcomes = _run(library, folder)
    _assert_others_indexed_and_run_finished(library, outcomes, UNEXPECTED)


def test_failed_file_is_tried_again_and_indexed_on_the_next_run(
    library: Library, folder: Path, encoder: Encoder
) -> None:
    library.index.encoder = FailingEncoder(encoder)
    assert _run(library, folder)["poison"].outcome == FAILED
    library.index.encoder = encoder
    again = _run(library, folder)
    assert again["poison"].outcome == INDEXED
    assert again["housing"].outcome == "skipped"


def test_run_that_cannot_start_still_finishes_its_record(
    library: Library, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> int:
        raise OSError("the disk went away")

    monkeypatch.setattr(library.index, "prepare", broken)
    with pytest.raises(OSError):
        _run(library, folder)
    run = library.catalogue.last_run()
    assert run is not None and run["finished_at"] is not None
