"""Kill -9 a real `kb ingest` at several points, run it again, and the index ends exactly as a
clean run leaves it: the same points with the same payloads, the same catalogue."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Ingester
from search.catalogue import Catalogue
from search.library import Library
from search.models.encoder import Encoder
from search.schema import Filters
from search.settings import Settings
from search.store.embedded import EmbeddedStore
from tests.pdfs import write_pdf

ROOT = Path(__file__).resolve().parents[2]

TOPICS = [
    ("housing", "Cold and damp homes in the private rented sector cause mould and asthma."),
    ("lonely", "Older people in rural villages feel lonely when the bus service stops running."),
    ("meals", "Free school meals improve attendance and concentration in primary schools."),
    ("air", "Air pollution near busy roads raises hospital admissions for breathing problems."),
    ("debt", "Households in problem debt report anxiety, poor sleep and missed appointments."),
    ("parks", "Green space within walking distance is linked to more physical activity."),
]


def _write_library(folder: Path) -> None:
    for name, sentence in TOPICS:
        # Two short pages make one chunk: the model, slow on two cores, is not under test.
        pages = [f"{sentence} Page {n} of the {name} report adds detail. " * 3 for n in (1, 2)]
        write_pdf(folder / f"{name}.pdf", pages, title=f"{name.title()} review")
    shutil.copy(folder / "housing.pdf", folder / "housing-copy.pdf")  # a duplicate


def _start(folder: Path, data: Path, report: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "KB_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "kb", "ingest", str(folder), "--report", str(report)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _lines(report: Path) -> int:
    try:
        return report.read_text(encoding="utf-8").count("\n")
    except FileNotFoundError:
        return 0


def _kill_after(folder: Path, data: Path, files_done: int, timeout_s: float = 120) -> None:
    """Run an ingest and kill -9 it once `files_done` files are in its report."""
    report = data.parent / f"report-{files_done}.jsonl"
    process = _start(folder, data, report)
    deadline = time.monotonic() + timeout_s
    while _lines(report) < files_done and process.poll() is None:
        assert time.monotonic() < deadline, "the ingest made no progress"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def _run_to_end(folder: Path, data: Path) -> None:
    process = _start(folder, data, data.parent / "report-final.jsonl")
    assert process.wait(timeout=180) == 0


def _ingest_in_process(folder: Path, data: Path, encoder: Encoder) -> None:
    library = Library.open(Settings(data_dir=data), encoder=encoder)
    try:
        Ingester(library.index, library.settings.chunks).run([folder])
    finally:
        library.close()


def _snapshot(data: Path) -> dict[str, Any]:
    """Everything a reader can see, minus clocks."""
    store = EmbeddedStore(data / "qdrant" / "evidence")
    try:
        points = {hit.id: hit.payload for hit in store.chunks(Filters())}
    finally:
        store.close()
    catalogue = Catalogue(data / "catalogue.sqlite")
    try:
        documents = {
            d.doc_id: (d.meta, d.file_name, d.path, d.page_count, d.chunk_count, d.extra)
            for d in catalogue.documents()
        }
        pages = {
            (doc_id, n): catalogue.page_text(doc_id, n)
            for doc_id, doc in documents.items()
            for n in range(1, doc[3] + 1)
        }
        files = {
            f.path: (f.outcome, f.reason, f.content_hash, f.doc_id, f.pages, f.chunks)
            for f in catalogue.files()
        }
    finally:
        catalogue.close()
    return {"points": points, "documents": documents, "pages": pages, "files": files}


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    made = tmp_path_factory.mktemp("crash") / "inbox"
    _write_library(made)
    return made


def test_killed_ingest_rerun_matches_a_clean_run(
    folder: Path, tmp_path: Path, encoder: Encoder
) -> None:
    _ingest_in_process(folder, tmp_path / "clean", encoder)
    clean = _snapshot(tmp_path / "clean")
    assert len(clean["documents"]) == 6 and len(clean["files"]) == 7

    data = tmp_path / "killed"
    for files_done in (1, 4):  # after the first file; then mid-way, around the duplicate
        _kill_after(folder, data, files_done)
    _run_to_end(folder, data)
    assert _snapshot(data) == clean


def test_changed_file_replaces_its_old_version_even_when_killed(
    folder: Path, tmp_path: Path, encoder: Encoder
) -> None:
    changed = tmp_path / "inbox"
    shutil.copytree(folder, changed)
    data = tmp_path / "killed"
    _ingest_in_process(changed, data, encoder)
    before = _snapshot(data)

    write_pdf(changed / "lonely.pdf", ["Bus routes were restored and visits to GPs went up."])
    write_pdf(changed / "parks.pdf", ["New allotments opened on the old railway land."])
    _kill_after(changed, data, 6)  # five unchanged, then the first changed file; not the second
    _ingest_in_process(changed, data, encoder)  # rerun in process: saves a model load
    after = _snapshot(data)

    _ingest_in_process(changed, tmp_path / "clean", encoder)
    assert after == _snapshot(tmp_path / "clean")
    old = {doc_id for doc_id in before["documents"] if doc_id not in after["documents"]}
    assert len(old) == 2
    assert not [p for p in after["points"].values() if p["doc_id"] in old]
    texts = " ".join(p["text"] for p in after["points"].values())
    assert "allotments" in texts and "feel lonely" not in texts
