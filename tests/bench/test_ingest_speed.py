"""Benchmark (make bench): ingest end to end against the encoder alone on every chunk text
the ingest encoded, in one run, with where the time goes, the peak memory, and a second run over
the unchanged folder."""

from __future__ import annotations

import json
import os
import random
import resource
import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import OnnxTuning, load_onnx_encoder
from search.schema import Filters
from search.settings import ModelSettings, Settings

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
# Bounded: the first files by name (all 100 take most of an hour on a shared 2-core machine).
FILES = int(os.environ.get("KB_BENCH_INGEST_FILES", "15"))
SWEEP_TEXTS = int(os.environ.get("KB_BENCH_SWEEP_TEXTS", "160"))
# (batch size, threads, sorted by length over the whole call, session options)
CONFIGS: list[tuple[int, int, bool, OnnxTuning]] = [
    (1, 2, True, OnnxTuning()),  # the default: the same vector for a text in any company
    (1, 2, True, OnnxTuning(side_by_side=False)),  # until 1 December: threads split each passage
    (8, 2, True, OnnxTuning()),  # fastest on a quiet machine, SciFact 0.003 lower
    (32, 2, False, OnnxTuning()),  # the old default, one call per document
    (32, 2, True, OnnxTuning()),
    (4, 2, True, OnnxTuning()),
    (8, 1, True, OnnxTuning()),
    (8, 2, True, OnnxTuning(optimisation="extended")),
    (8, 2, True, OnnxTuning(spinning=False)),
]


# Batch sizes whose vectors keep SciFact's nDCG@10 within 0.002 of the reference (0.7417), which
# the issue asks of the configuration the ratio is taken against (bench/RESULTS.md, "Batch size
# against SciFact": 1 -> 0.7410, 32 -> 0.7407; 4 -> 0.7375 and 8 -> 0.7386 are outside it).
WITHIN_QUALITY_BATCHES = (1, 32)


def _name(batch: int, threads: int, is_sorted: bool, tuning: OnnxTuning) -> str:
    order = "sorted by length" if is_sorted else "per document, file order"
    extra = ("" if tuning.spinning else ", no spinning") + (", parallel" if tuning.parallel else "")
    if batch == 1 and threads > 1:
        extra += ", a passage a thread" if tuning.side_by_side else ", threads split a passage"
    return f"batch {batch}, {threads} thread(s), {order}, {tuning.optimisation}{extra}"


def _encoder_speed(groups: list[list[str]], config: tuple[int, int, bool, OnnxTuning]) -> float:
    batch, threads, is_sorted, tuning = config
    encoder = load_onnx_encoder(ModelSettings(batch_size=batch, threads=threads), tuning)
    texts = [t for group in groups for t in group]
    encoder.encode_documents(texts[:4])  # warm
    started = time.perf_counter()
    if is_sorted:
        encoder.encode_documents(texts)
    else:  # as ingest used to: one call per document, in file order
        for group in groups:
            encoder.encode_documents(group)
    return len(texts) / (time.perf_counter() - started)


class _TreeMemory:
    """The ingest's memory summed over all its processes (the job, the fork server, the parse
    workers and their Tesseract), sampled twice a second: its peak, and the largest one process
    reached. Summed as PSS, so pages the fork server's children share are counted once."""

    def __init__(self) -> None:
        self.peak_mb = 0.0
        self.largest_process_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> _TreeMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while not self._stop.wait(0.5):
            sizes = [_pss_mb(pid) for pid in _process_tree(os.getpid())]
            self.peak_mb = max(self.peak_mb, sum(sizes))
            self.largest_process_mb = max(self.largest_process_mb, *sizes)


def _process_tree(root: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int(
                    (entry / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError, ValueError):
                continue  # gone meanwhile
    tree = {root}
    grown = True
    while grown:
        children = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= children
        grown = bool(children)
    return tree


def _pss_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0.0
    kib = next((int(line.split()[1]) for line in text.splitlines() if line.startswith("Pss:")), 0)
    return kib / 1024


def _peak_rss_mb() -> dict[str, float]:
    # ru_maxrss is in KiB on Linux. Only the job itself: the parse workers are the fork server's
    # children, not the job's, so RUSAGE_CHILDREN never sees them (the sampler above does).
    return {"job": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}


def _copy_pdfs(real: Path, folder: Path) -> None:
    folder.mkdir()
    for pdf in sorted(real.glob("*.pdf"))[:FILES]:
        shutil.copy(pdf, folder / pdf.name)
    if (real / "manifest.csv").is_file():
        shutil.copy(real / "manifest.csv", folder / "manifest.csv")


def _sample(texts_by_doc: dict[str, list[str]]) -> list[list[str]]:
    """Whole documents, drawn at random, until about SWEEP_TEXTS chunk texts."""
    documents = list(texts_by_doc.values())
    random.Random(5).shuffle(documents)
    groups: list[list[str]] = []
    for group in documents:
        if sum(len(g) for g in groups) >= SWEEP_TEXTS:
            break
        groups.append(group)
    return groups


@pytest.mark.bench
def test_ingest_runs_near_the_encoders_own_speed(tmp_path: Path, real_pdfs: Path) -> None:
    folder = tmp_path / "pdfs"
    _copy_pdfs(real_pdfs, folder)
    load_before = os.getloadavg()[0]
    settings = Settings(data_dir=tmp_path / "data")
    threads = settings.model.ingest_threads  # as `kb ingest` runs the model
    library = Library.open(settings.model_copy(update={"model": settings.model.model_copy(
        update={"threads": threads})}))  # fmt: skip
    library.encoder.encode_documents(["warm up"])  # model load is not ingest
    ingester = Ingester(
        library.index,
        settings.chunks,
        parse_workers=settings.ingest.parse_workers,
        prefetch_chunks=settings.ingest.prefetch_chunks,
    )
    with _TreeMemory() as memory:
        started = time.perf_counter()
        summary = ingester.run([folder])
        elapsed = time.perf_counter() - started
    peak = _peak_rss_mb()
    started = time.perf_counter()
    again = Ingester(library.index, settings.chunks).run([folder])
    unchanged_s = time.perf_counter() - started
    texts_by_doc: dict[str, list[str]] = {}
    for record in library.catalogue.documents():
        chunks = library.store.chunks(Filters(doc_ids=(record.doc_id,)), limit=record.chunk_count)
        chunks.sort(key=lambda h: int(h.payload["chunk_index"]))
        texts_by_doc[record.doc_id] = [h.text for h in chunks]
    library.close()
    texts = [t for group in texts_by_doc.values() for t in group]
    groups = _sample(texts_by_doc)
    speeds = {_name(*config): round(_encoder_speed(groups, config), 2) for config in CONFIGS}
    best_name = max(speeds, key=lambda k: speeds[k])
    # The ratio is taken against the encoder on every chunk text the ingest encoded, not on the
    # sample: a few whole documents are not the corpus's mix of lengths (on all 100 real PDFs
    # the sample averaged 194 tokens against 216, and the model ran 8-12% faster on it).
    every = {
        _name(*c): round(_encoder_speed([texts], c), 2)
        for c in CONFIGS
        if c[0] in WITHIN_QUALITY_BATCHES and c[2] and c[3] == OnnxTuning()
    }
    best_allowed = max(every, key=lambda k: every[k])
    end_to_end = len(texts) / elapsed
    result: dict[str, Any] = {
        "files": FILES,
        "chunks": len(texts),
        "pages": summary.pages,
        "ingest_seconds": round(elapsed, 1),
        "end_to_end_chunks_per_s": round(end_to_end, 2),
        "encoder_sample_chunks": sum(len(g) for g in groups),
        "encoder_chunks_per_s_on_sample": speeds,
        "fastest_encoder_on_sample": best_name,
        "encoder_chunks_per_s_on_every_chunk": every,
        "fastest_encoder_within_quality": best_allowed,
        "ratio_to_fastest_within_quality": round(end_to_end / every[best_allowed], 2),
        "stages_s": {name: round(s, 1) for name, s in ingester.stage_seconds.items()},
        "peak_rss_mb": peak,
        "ingest_memory_mb": {
            "peak, all its processes summed (PSS)": round(memory.peak_mb, 1),
            "largest one process (PSS)": round(memory.largest_process_mb, 1),
        },
        "unchanged_folder_seconds": round(unchanged_s, 2),
        "summary": summary.as_dict(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest-speed.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + json.dumps(result, indent=2))
    assert len(texts) == summary.chunks > 0
    assert again.indexed == 0 and again.skipped >= summary.indexed
