"""`make bench-scale`: build libraries of several sizes from the real one and time them.

    python -m tests.bench.scale --source DATA_DIR [--sizes 10000,100000,300000]

Results go to bench/results/scale.json and a table in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from search.models.encoder import LazyEncoder
from search.settings import ModelSettings
from search.store.core import DENSE_BEAM
from search.store.embedded import EmbeddedStore
from tests.bench.scale.engines import (
    HELD_OUT_QUESTIONS,
    compare_engines,
    copy_into_local_client,
    dense_recall_at_10,
    hybrid_queries,
    sample_chunk_vectors,
)
from tests.bench.scale.replicate import build_library, read_source
from tests.bench.scale.report import write_report
from tests.bench.scale.serving import (
    QUERIES,
    measure_new_questions,
    measure_pages,
    new_questions,
    serve,
    wait_for_read_ahead,
)
from tests.live_site import free_port

ROOT = Path(__file__).resolve().parents[3]
log = logging.getLogger("bench.scale")


def _disk_mb(path: Path) -> float:
    out = subprocess.run(["du", "-sm", str(path)], capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _sample_doc_ids(data_dir: Path, count: int = 40) -> list[str]:
    import sqlite3

    db = sqlite3.connect(data_dir / "catalogue.sqlite")
    try:
        rows = db.execute("SELECT doc_id FROM documents ORDER BY doc_id LIMIT ?", (count,))
        return [str(r[0]) for r in rows]
    finally:
        db.close()


def _chunk_count(data_dir: Path) -> int:
    import sqlite3

    db = sqlite3.connect(data_dir / "catalogue.sqlite")
    try:
        return int(db.execute("SELECT sum(chunk_count) FROM documents").fetchone()[0])
    finally:
        db.close()


def measure_size(
    source: Any,
    size: int,
    work: Path,
    query_vectors: list[list[float]],
    held_out_vectors: list[list[float]],
    compare: bool,
    reuse: bool = False,
) -> dict[str, Any]:
    data_dir = work / f"lib-{size}"
    result: dict[str, Any] = {"chunks_wanted": size, "load_before": _load()}
    started = time.monotonic()
    if reuse and (data_dir / "catalogue.sqlite").is_file():
        result["chunks"] = _chunk_count(data_dir)
        result["build_s"] = None  # built by an earlier run
    else:
        result["chunks"] = build_library(source, data_dir, size)
        result["build_s"] = round(time.monotonic() - started, 1)
    store_path = data_dir / "qdrant" / "evidence"
    store = EmbeddedStore(store_path)
    try:
        info = store.shard.info()
        result["segments"] = info.segments_count
        result["indexed_vectors"] = info.indexed_vectors_count
        chunk_queries = sample_chunk_vectors(store, 30)
        # As the store searches (its beam and second scoring), not at the engine's defaults.
        result["recall_at_10"] = {
            "hnsw_ef": DENSE_BEAM,
            "queries": dense_recall_at_10(store, query_vectors),
            "held_out_questions": dense_recall_at_10(store, held_out_vectors),
            "chunk_vectors": dense_recall_at_10(store, chunk_queries),
        }
    finally:
        store.close()
    if compare:
        client_path = work / f"client-{size}"
        if not (reuse and client_path.is_dir()):
            source_store = EmbeddedStore(store_path)
            try:
                copy_into_local_client(source_store, client_path)
            finally:
                source_store.close()
        queries = hybrid_queries(list(QUERIES), query_vectors[: len(QUERIES)])
        result["qdrant_client_local"] = compare_engines(store_path, client_path, queries)
    result["disk_mb"] = _disk_mb(data_dir)
    with serve(data_dir, free_port()) as server:
        result["start_to_first_answer_s"] = round(server.started_s, 2)
        result["first_query_ms"] = round(server.first_query_ms, 1)
        # Pages are timed once the site has read every passage's filter values ahead
        # (search.retrieval.read_ahead): how long that took after start is reported too.
        result["read_ahead_s"] = wait_for_read_ahead(server)
        result["pages"] = measure_pages(server, _sample_doc_ids(data_dir))
        result["new_questions"] = measure_new_questions(server, new_questions())
        result["site_memory"] = server.rss_mb()
    result["load_after"] = _load()
    return result


DEFAULT_OUT = ROOT / "bench" / "results" / "scale.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, required=True, help="a data dir with a real index")
    parser.add_argument("--sizes", default="10000,100000,300000")
    parser.add_argument("--compare-at", type=int, default=100_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/kb-bench-scale"))
    parser.add_argument(
        "--reuse", action="store_true", help="measure libraries already built in --work again"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    if not (args.source / "catalogue.sqlite").is_file():
        log.error("No library at %s: ingest ../shared/data/pdfs/real into it first.", args.source)
        raise SystemExit(2)
    source = read_source(args.source)
    log.info("source: %d documents, %d chunks", len(source.documents), source.chunk_count)
    encoder = LazyEncoder(ModelSettings(), args.source / "models")
    query_vectors = [v.tolist() for v in encoder.encode_queries(list(QUERIES))]
    held_out_vectors = [v.tolist() for v in encoder.encode_queries(list(HELD_OUT_QUESTIONS))]
    results: dict[str, Any] = {"source_chunks": source.chunk_count, "cores": os.cpu_count(),
                               "sizes": {}}  # fmt: skip
    if args.out.exists():
        results["sizes"] = json.loads(args.out.read_text()).get("sizes", {})
    for size in (int(s) for s in args.sizes.split(",")):
        log.info("size %d: building and measuring", size)
        results["sizes"][str(size)] = measure_size(
            source,
            size,
            args.work,
            query_vectors,
            held_out_vectors,
            size == args.compare_at,
            args.reuse,
        )
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2) + "\n")
        # The table in RESULTS.md is drawn from the default results file, which keeps every
        # size measured; a run into another file would replace it with that run's sizes alone.
        if args.out.resolve() == DEFAULT_OUT.resolve():
            write_report(results, ROOT / "bench" / "RESULTS.md")
        else:
            log.info("bench/RESULTS.md left as it is: results went to %s", args.out)
        log.info("size %d done", size)


if __name__ == "__main__":
    main()
