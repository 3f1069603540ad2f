"""The metrics match hand-computed values, and BEIR folders are read as BEIR defines them."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from kb.eval.beir import (
    BeirCollection,
    BeirFormatError,
    collection_weighting,
    ndcg_at,
    read_beir,
    recall_at,
    run_stage,
    score_run,
)
from kb.evaluating import run_eval
from search.settings import Settings


def test_ndcg_matches_hand_computed_example() -> None:
    judged = {"a": 2, "b": 1, "c": 0}
    ranked = ["x", "b", "a"]
    dcg = 0 / math.log2(2) + 1 / math.log2(3) + 2 / math.log2(4)
    idcg = 2 / math.log2(2) + 1 / math.log2(3)
    assert ndcg_at(ranked, judged, 10) == pytest.approx(dcg / idcg)
    assert ndcg_at(["a", "b"], judged, 10) == pytest.approx(1.0)
    assert ndcg_at(["x", "y"], judged, 1) == 0.0


def test_ndcg_cut_ignores_hits_below_k() -> None:
    assert ndcg_at(["x", "a"], {"a": 1}, 1) == 0.0
    assert ndcg_at(["x", "a"], {"a": 1}, 2) == pytest.approx(1 / math.log2(3))


def test_recall_counts_relevant_found_in_top_100() -> None:
    judged = {"a": 1, "b": 1, "c": 0}
    assert recall_at(["a", "c"], judged, 100) == 0.5
    assert recall_at(["z"] * 100 + ["a"], judged, 100) == 0.0


def test_queries_without_results_score_zero() -> None:
    qrels = {"q1": {"a": 1}, "q2": {"b": 1}}
    scores = score_run({"q1": ["a"]}, qrels)
    assert scores["ndcg@10"] == pytest.approx(0.5)
    assert scores["queries"] == 2


def test_self_hits_are_dropped_when_asked() -> None:
    result = run_stage("t", {"q": "text"}, lambda _t: ["q", "a"], {"q": {"a": 1}}, drop_self=True)
    assert result.metrics["ndcg@10"] == pytest.approx(1.0)
    kept = run_stage("t", {"q": "text"}, lambda _t: ["q", "a"], {"q": {"a": 1}}, drop_self=False)
    assert kept.metrics["ndcg@10"] < 1.0


def test_read_beir_keeps_only_judged_queries(tmp_path: Path) -> None:
    (tmp_path / "qrels").mkdir()
    (tmp_path / "corpus.jsonl").write_text(
        json.dumps({"_id": "d1", "title": "T", "text": "body"}) + "\n"
    )
    (tmp_path / "queries.jsonl").write_text(
        json.dumps({"_id": "1", "text": "judged"})
        + "\n"
        + json.dumps({"_id": "2", "text": "not"})
        + "\n"
    )
    (tmp_path / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t2\n")
    collection = read_beir(tmp_path)
    assert collection.queries == {"1": "judged"}
    assert collection.qrels == {"1": {"d1": 2}}
    assert collection.corpus["d1"] == ("T", "body")


def test_read_beir_names_missing_files(tmp_path: Path) -> None:
    with pytest.raises(BeirFormatError, match=r"corpus\.jsonl"):
        read_beir(tmp_path)


def test_bm25_length_norm_uses_the_collections_mean_length() -> None:
    corpus = {
        "a": ("Damp homes", "mould in rented housing"),  # damp, home, mould, rent, hous
        "b": ("", "children"),  # child
        "c": ("The", "and of"),  # nothing but stop words
    }
    collection = BeirCollection(name="t", corpus=corpus, queries={}, qrels={})
    assert collection_weighting(collection).average_terms == pytest.approx(2.0)


def test_an_eval_searches_its_collection_as_the_site_does_after_optimising_it(
    tmp_path: Path, optimised: list[Path]
) -> None:
    """An ingest ends with the engine's optimisation (the graph and the vectors' one-byte
    copies, past its thresholds), so the eval's collection gets it too: a collection left
    unoptimised is compared with every vector, which no large library of the site's is."""
    folder = tmp_path / "tiny"
    (folder / "qrels").mkdir(parents=True)
    docs = {"d1": "damp and mould in rented homes", "d2": "bus routes to village surgeries"}
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": d, "title": "", "text": t}) + "\n" for d, t in docs.items())
    )
    (folder / "queries.jsonl").write_text(json.dumps({"_id": "1", "text": "mouldy homes"}) + "\n")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n1\td1\t1\n")
    rows = run_eval(Settings(data_dir=tmp_path / "data"), folder, stages=["dense"])
    assert len(optimised) == 1 and optimised[0].name.startswith("eval-tiny-")
    assert rows[0]["ndcg@10"] == 1.0  # the mouldy homes are found first
