"""A taxonomy's edits come apart into units that each revert on their own, all of them together
give back the earlier taxonomy, and the paired bootstrap over documents is centred and seeded."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np

from kb.eval.taxonomy_ablation import _cached_windows, list_edits, paired_bootstrap, revert
from search.evidence.datafile import load_yaml_file
from search.evidence.determinants import DEFAULT_TAXONOMY, TaxonomyError, parse_taxonomy
from search.models.encoder import Vectors
from tests.doubles import HashingEncoder


def _current() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml_file(
        DEFAULT_TAXONOMY, "taxonomy file", lambda d: d, TaxonomyError
    )
    return data


def _earlier(current: dict[str, Any]) -> dict[str, Any]:
    """The current taxonomy with one edit of each kind undone by hand."""
    data = copy.deepcopy(current)
    income = next(e for e in data["determinants"] if e["id"] == "income")
    income["definition"] = "Money."
    income["examples"] = income["examples"][:-2]
    income["seeds"] = [s for s in income["seeds"] if s != "personal debt"] + ["debt", "cash"]
    return data


def test_each_edit_is_its_own_unit_and_a_narrowed_seed_is_one_edit() -> None:
    current = _current()
    names = [e.name for e in list_edits(_earlier(current), current)]
    assert names == [
        "income: definition",
        "income: examples (+2, -0)",
        "income: seed debt -> personal debt",
        "income: seed -cash",
    ]


def test_reverting_every_edit_gives_back_the_earlier_taxonomy() -> None:
    current = _current()
    earlier = _earlier(current)
    undone = revert(current, list_edits(earlier, current))
    for old, new in zip(earlier["determinants"], undone["determinants"], strict=True):
        assert (old["definition"], old["examples"]) == (new["definition"], new["examples"])
        assert sorted(old["seeds"]) == sorted(new["seeds"])
    parse_taxonomy(undone)
    assert revert(current, []) == current


def test_reverting_one_edit_leaves_the_others() -> None:
    current = _current()
    edits = list_edits(_earlier(current), current)
    undone = revert(current, [edits[2]])
    income = next(e for e in undone["determinants"] if e["id"] == "income")
    assert "debt" in income["seeds"] and "personal debt" not in income["seeds"]
    assert (
        income["definition"]
        == next(e for e in current["determinants"] if e["id"] == "income")["definition"]
    )


def test_paired_bootstrap_of_a_tagger_against_itself_is_zero() -> None:
    rng = np.random.default_rng(1)
    truth = rng.random((40, 3)) < 0.3
    guess = rng.random((40, 3)) < 0.3
    files = [f"doc{i // 4}.pdf" for i in range(40)]
    same = paired_bootstrap(files, truth, guess, guess)
    assert (same.difference, same.low, same.high) == (0.0, 0.0, 0.0)


def test_paired_bootstrap_puts_a_clear_gain_above_zero_and_repeats_with_its_seed() -> None:
    rng = np.random.default_rng(2)
    truth = rng.random((60, 3)) < 0.3
    noisy = truth ^ (rng.random((60, 3)) < 0.3)
    files = [f"doc{i // 3}.pdf" for i in range(60)]
    gain = paired_bootstrap(files, truth, noisy, truth)
    assert gain.difference > 0 and gain.low > 0
    assert paired_bootstrap(files, truth, noisy, truth) == gain


def test_a_dropped_and_an_added_seed_are_also_scored_as_one_swap() -> None:
    current = _current()
    earlier = copy.deepcopy(current)
    transport = next(e for e in earlier["determinants"] if e["id"] == "transport")
    transport["seeds"] = [s if s != "bus passes" else "driving" for s in transport["seeds"]]
    edits = list_edits(earlier, current)
    assert [e.name for e in edits] == [
        "transport: seed -driving",
        "transport: seed +bus passes",
        "transport: seed driving <-> bus passes",
    ]
    swapped = next(e for e in revert(current, [edits[2]])["determinants"] if e["id"] == "transport")
    assert sorted(swapped["seeds"]) == sorted(transport["seeds"])


class CountingEncoder(HashingEncoder):
    def __init__(self, dimension: int, model_id: str) -> None:
        super().__init__(dimension, model_id)
        self.texts: list[str] = []

    def _encode(self, texts: list[str]) -> Vectors:
        self.texts.extend(texts)
        return super()._encode(texts)


def test_cached_vectors_are_reused_for_the_same_model_and_chunks_only(tmp_path: Path) -> None:
    """The vector cache is read back only for the same chunks embedded by the same model: a
    run with another model embeds again rather than scoring that model on the old vectors."""
    chunks = {("a.pdf", 1): ["housing and rent"], ("a.pdf", 2): ["bus routes", "housing and rent"]}
    cache = tmp_path / "vectors.npz"
    first = CountingEncoder(16, "model-a")
    made = _cached_windows(chunks, first, cache)
    assert first.texts == ["housing and rent", "bus routes"]
    again = CountingEncoder(16, "model-a")
    read = _cached_windows(chunks, again, cache)
    assert again.texts == [] and (read.keys, read.texts) == (made.keys, made.texts)
    assert np.array_equal(np.asarray(read.vectors), np.asarray(made.vectors))
    other = CountingEncoder(8, "model-b")
    redone = _cached_windows(chunks, other, cache)
    assert other.texts == ["housing and rent", "bus routes"]
    assert np.asarray(redone.vectors).shape == (3, 8)
    moved = {**chunks, ("a.pdf", 3): ["green space"]}
    assert np.asarray(
        _cached_windows(moved, CountingEncoder(8, "model-b"), cache).vectors
    ).shape == (4, 8)
