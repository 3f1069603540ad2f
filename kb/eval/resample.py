"""The bootstrap the eval tools share: whole units (pages, documents) drawn with replacement,
seeded, and what each unit counts summed per draw.

Units, not single labels, are drawn because one unit's labels are chosen together; two
scores computed from the same draws (two taggers on the same documents) are paired.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["Counts", "micro_f1", "resample_sums"]

# (units, columns) of whole numbers: what each unit counts, e.g. true positives and errors.
Counts = np.ndarray[Any, np.dtype[np.int64]]


def resample_sums(counts: Counts, draws: int = 2000, seed: int = 7) -> Counts:
    """(draws, columns): each column summed over one seeded draw of as many units as there
    are, with replacement. Every column is summed over the same units in a draw."""
    units = np.asarray(counts, dtype=np.int64)
    if len(units) == 0:
        raise ValueError("no units to resample")
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(units), size=(draws, len(units)))
    return np.asarray(units[picks].sum(axis=1), dtype=np.int64)


def micro_f1(true_positives: npt.ArrayLike, errors: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """2·TP / (2·TP + FP + FN), element by element; `errors` is FP + FN. Nothing right gives 0,
    including nothing said at all (a caller for whom that is agreement says so itself)."""
    tp = np.asarray(true_positives, np.float64)
    wrong = np.asarray(errors, np.float64)
    return np.asarray(2 * tp / np.maximum(2 * tp + wrong, 1.0), np.float64)
