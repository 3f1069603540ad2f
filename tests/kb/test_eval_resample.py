"""The shared bootstrap: whole units drawn with their columns together, repeatable by seed, and
a micro-F1 that agrees with the scores the reports print."""

from __future__ import annotations

import numpy as np
import pytest

from kb.eval.resample import micro_f1, resample_sums
from kb.eval.tags import DeterminantScore


def test_each_draw_sums_whole_units_and_repeats_with_its_seed() -> None:
    # Column b is always ten times column a, so it stays so only if a draw takes whole rows.
    counts = np.array([[1, 10], [2, 20], [3, 30], [0, 0], [7, 70]], dtype=np.int64)
    sums = resample_sums(counts, draws=300, seed=5)
    assert sums.shape == (300, 2)
    assert np.array_equal(sums[:, 1], 10 * sums[:, 0])
    assert len(set(sums[:, 0].tolist())) > 5  # the draws differ from each other
    assert np.array_equal(resample_sums(counts, draws=300, seed=5), sums)
    assert not np.array_equal(resample_sums(counts, draws=300, seed=6), sums)


def test_nothing_to_resample_is_an_error() -> None:
    with pytest.raises(ValueError, match="no units"):
        resample_sums(np.zeros((0, 2), dtype=np.int64))


def test_micro_f1_is_the_reports_f1_and_zero_when_nothing_is_right() -> None:
    for tp, fp, fn in [(3, 1, 2), (10, 0, 0), (1, 4, 4), (0, 2, 1), (0, 0, 0)]:
        assert float(micro_f1(tp, fp + fn)) == pytest.approx(DeterminantScore(tp, fp, fn).f1)
    assert micro_f1(np.array([0, 2]), np.array([0, 2])).tolist() == [0.0, 2 / 3]
