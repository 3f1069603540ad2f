"""Benchmark (make bench): ingest end to end against the encoder alone on the same chunk texts,
in one run, with where the time goes (parse, clean, chunk, encode, tag, sparse, write)."""

from __future__ import annotations

import contextlib
import cProfile
import json
import os
import pstats
import random
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from ingest.pdf import read_pdf
from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import load_encoder
from search.schema import Filters
from search.settings import ModelSettings, Settings
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
# Bounded: the first files by name (about 15 minutes for all 100 on a shared 2-core machine).
FILES = int(os.environ.get("KB_BENCH_INGEST_FILES", "15"))
SWEEP_TEXTS = 240
CONFIGS = [  # (batch size, threads, one call over all texts = sorted by length throughout)
    (32, 2, False),
    (32, 2, True),
    (16, 2, True),
    (8, 2, True),
    (4, 2, True),
    (8, 1, True),
]
# Where each stage's time is found in a profile: (stage, functions whose cumulative time counts).
STAGES = {
    "encode": ("_encode",),
    "tag": ("chunk_fields",),
    "sparse": ("document_vector",),
    "chunk": ("chunk_pages",),
    "write": ("add_document",),
    "parse wait": ("result",),
}


def _cumulative(stats: pstats.Stats, names: tuple[str, ...], module: str = "") -> float:
    total = 0.0
    for (file, _, name), row in stats.stats.items():  # type: ignore[attr-defined]
        if name in names and module in file:
            total += row[3]
    return round(total, 2)


def _encoder_speed(texts: list[str], batch: int, threads: int, sorted_all: bool,
                   groups: list[list[str]], cache: Path) -> float:  # fmt: skip
    settings = ModelSettings(batch_size=batch, threads=threads)
    encoder = load_encoder(settings, cache)
    encoder.encode_documents(texts[:8])  # warm
    started = time.perf_counter()
    if sorted_all:
        encoder.encode_documents(texts)
    else:  # as ingest used to: one call per document, in file order
        for group in groups:
            encoder.encode_documents(group)
    return len(texts) / (time.perf_counter() - started)


@pytest.mark.bench
def test_ingest_runs_near_the_encoders_own_speed(tmp_path: Path) -> None:
    real = SHARED_DATA / "pdfs" / "real"
    if not real.is_dir():
        pytest.skip(f"real PDFs not found at {real}")
    folder = tmp_path / "pdfs"
    folder.mkdir()
    for pdf in sorted(real.glob("*.pdf"))[:FILES]:
        shutil.copy(pdf, folder / pdf.name)
    if (real / "manifest.csv").is_file():
        shutil.copy(real / "manifest.csv", folder / "manifest.csv")
    load_before = os.getloadavg()[0]
    settings = Settings(data_dir=tmp_path / "data")
    library = Library.open(settings.model_copy(update={"model": settings.model.model_copy(
        update={"threads": settings.model.ingest_threads})}))  # fmt: skip
    library.encoder.encode_documents(["warm up"])  # model load is not ingest
    profile = cProfile.Profile()
    started = time.perf_counter()
    profile.enable()
    summary = Ingester(library.index, settings.chunks).run([folder])
    profile.disable()
    elapsed = time.perf_counter() - started
    texts_by_doc: dict[str, list[str]] = {}
    for record in library.catalogue.documents():
        chunks = library.store.chunks(Filters(doc_ids=(record.doc_id,)), limit=record.chunk_count)
        chunks.sort(key=lambda h: int(h.payload["chunk_index"]))
        texts_by_doc[record.doc_id] = [h.text for h in chunks]
    library.close()
    texts = [t for group in texts_by_doc.values() for t in group]
    stats = pstats.Stats(profile)
    stages = {name: _cumulative(stats, fns) for name, fns in STAGES.items()}
    # Parsing and cleaning run in child processes: time them here, serially, on the same files.
    parse_profile = cProfile.Profile()
    parse_started = time.perf_counter()
    parse_profile.enable()
    for pdf in sorted(folder.glob("*.pdf")):
        with contextlib.suppress(Exception):  # a failing file still costs its time
            read_pdf(pdf)
    parse_profile.disable()
    parse_s = time.perf_counter() - parse_started
    parse_stats = pstats.Stats(parse_profile)
    clean_s = _cumulative(parse_stats, ("clean_text", "strip_repeated_lines"), "ingest")
    stages["parse (serial, in children during ingest)"] = round(parse_s - clean_s, 2)
    stages["clean (serial, in children during ingest)"] = clean_s
    # The encoder alone on the same texts.
    rng = random.Random(5)
    sample_docs = list(texts_by_doc.values())
    rng.shuffle(sample_docs)
    groups: list[list[str]] = []
    for group in sample_docs:
        if sum(len(g) for g in groups) >= SWEEP_TEXTS:
            break
        groups.append(group)
    sweep = [t for g in groups for t in g]
    cache = tmp_path / "models"
    speeds = {
        f"batch {b}, {t} thread(s), {'sorted by length' if s else 'per document, file order'}":
            round(_encoder_speed(sweep, b, t, s, groups, cache), 1)
        for b, t, s in CONFIGS
    }  # fmt: skip
    best_name = max(speeds, key=lambda k: speeds[k])
    end_to_end = len(texts) / elapsed
    result: dict[str, Any] = {
        "files": FILES,
        "chunks": len(texts),
        "pages": summary.pages,
        "ingest_seconds": round(elapsed, 1),
        "end_to_end_chunks_per_s": round(end_to_end, 2),
        "encoder_chunks_per_s": speeds,
        "fastest_encoder": best_name,
        "ratio_to_fastest_encoder": round(end_to_end / speeds[best_name], 2),
        "stages_s": stages,
        "summary": summary.as_dict(),
        "load_average": [round(load_before, 2), round(os.getloadavg()[0], 2)],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ingest-speed.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n" + json.dumps(result, indent=2))
    assert len(texts) > 0
