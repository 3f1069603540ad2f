"""Benchmark (make bench): nDCG@10 / recall@100 / latency per stage on the shared BEIR sets."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kb.evaluating import run_eval
from search.settings import Settings
from tests.conftest import SHARED_DATA

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "bench" / "results"
# The product's targets (shared/docs/BENCHMARKS.md) for the default pipeline.
TARGETS = {"scifact": 0.74, "arguana": 0.62}


@pytest.mark.bench
@pytest.mark.parametrize("name", ["scifact", "arguana"])
def test_retrieval_quality(name: str) -> None:
    folder = SHARED_DATA / "beir" / name
    if not folder.is_dir():
        pytest.skip(f"BEIR collection not found at {folder}")
    settings = Settings(data_dir=ROOT / "data")
    rows = run_eval(settings, folder)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"quality-{name}.json").write_text(json.dumps(rows, indent=2) + "\n")
    by_stage = {row["stage"]: row for row in rows}
    default = by_stage["default"]
    print(f"\n{name}: " + ", ".join(f"{r['stage']} {r['ndcg@10']:.4f}" for r in rows))
    assert default["ndcg@10"] >= TARGETS[name], f"{name} below target: {default}"
