"""Chooses the tagger's mixing settings by cross-validation grouped by document, and measures
how well that choice tags documents it never saw: the honest estimate for new documents.

Labelled pages are grouped by their file; each fold leaves whole documents out,
so the pages of one report never sit on both sides. For each fold the settings
with the best micro-F1 on the other folds are chosen, then used to tag the
left-out documents; the tags of every fold together are scored as one set.

    .venv/bin/python -m kb.eval.tag_tuning corpus/labels/determinants.jsonl \\
        corpus/labels/determinants-fresh-dev.jsonl corpus/labels/determinants-fresh-holdout.jsonl \\
        --pdfs ../shared/data/pdfs/real --pdfs corpus/briefs

Name the tuning files one by one: corpus/labels also holds the holdout2 set and a second
labeller's copy of some of its pages, and neither may be tuned on. The harness refuses their
rows (split `holdout2` or `second`) unless `--score-only` is given.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from kb.eval.resample import micro_f1
from kb.eval.tags import (
    LabelError,
    LabelRow,
    TagReport,
    Windows,
    embed_chunks,
    embed_windows,
    read_labels,
    score_tags,
)
from search.analysis import terms
from search.evidence.determinants import Tagger, TaggerSettings

__all__ = [
    "DEFINITION_WEIGHTS",
    "EXAMPLE_WEIGHTS",
    "HELD_OUT_SPLITS",
    "KEYWORD_WEIGHTS",
    "PREVIOUS",
    "THRESHOLDS",
    "CrossValidation",
    "Flags",
    "Windows",
    "candidate_settings",
    "cross_validate",
    "document_folds",
    "embed_windows",
    "main",
    "predict_with",
    "refuse_held_out",
    "score_settings",
]

log = logging.getLogger(__name__)

Flags = npt.NDArray[np.bool_]

# The grid is small on purpose: a few hundred labelled pages cannot support more choices.
DEFINITION_WEIGHTS = (0.3, 0.5, 0.7)
EXAMPLE_WEIGHTS = (0.5, 0.7)
KEYWORD_WEIGHTS = (1.0, 1.5, 2.0)
THRESHOLDS = tuple(round(2.4 + 0.2 * i, 1) for i in range(11))  # 2.4 .. 4.4


# Splits nobody may tune on (corpus/labels/README.md): holdout2, and the second labeller's
# file, which re-labels some holdout2 pages.
HELD_OUT_SPLITS = frozenset({"holdout2", "second"})


def refuse_held_out(rows: Sequence[LabelRow]) -> None:
    """Raise LabelError if any row belongs to a split that must never choose settings."""
    held = sorted({r.split for r in rows if r.split is not None and r.split in HELD_OUT_SPLITS})
    if held:
        raise LabelError(
            f"rows of split {', '.join(repr(s) for s in held)} may only be scored "
            "(--score-only), never tuned on (corpus/labels/README.md)"
        )


def document_folds(files: Sequence[str], folds: int) -> dict[str, int]:
    """A fold per document, spread evenly in an order fixed by each name's hash (reproducible)."""
    names = sorted(set(files), key=lambda n: hashlib.sha256(n.encode("utf-8")).hexdigest())
    return {name: i % folds for i, name in enumerate(names)}


def candidate_settings(base: TaggerSettings) -> list[TaggerSettings]:
    return [
        replace(base, definition_weight=d, example_weight=e, keyword_weight=k, threshold=t)
        for d, e, k, t in itertools.product(
            DEFINITION_WEIGHTS, EXAMPLE_WEIGHTS, KEYWORD_WEIGHTS, THRESHOLDS
        )
    ]


def predict_with(
    tagger: Tagger, windows: Windows, rows: Sequence[LabelRow], candidates: Sequence[TaggerSettings]
) -> list[Flags]:
    """For each candidate, a (pages, determinants) grid of page tags: any window at or over
    the threshold tags its page, as chunk tags are joined per page in search."""
    page_of = {row.key: i for i, row in enumerate(rows)}
    stems = [terms(t) for t in windows.texts]
    taggable = [tagger.is_taggable(t, s) for t, s in zip(windows.texts, stems, strict=True)]
    index = np.array([page_of[k] for k in windows.keys], dtype=np.int64)
    out: list[Flags] = []
    raw_by_mix: dict[tuple[float, float, float], npt.NDArray[np.float64]] = {}
    for settings in candidates:
        mix = (settings.definition_weight, settings.example_weight, settings.keyword_weight)
        if mix not in raw_by_mix:
            raw = tagger.with_settings(settings).raw_scores(windows.texts, windows.vectors, stems)
            best = np.full((len(rows), len(tagger.ids)), -np.inf)
            for row_index, page in enumerate(index):
                if taggable[row_index]:
                    best[page] = np.maximum(best[page], raw[row_index])
            raw_by_mix[mix] = best
        out.append(raw_by_mix[mix] >= settings.threshold)
    return out


def _micro_f1(predicted: Flags, truth: Flags) -> float:
    """Micro-F1 of a (pages, determinants) grid of tags against the grid of labels."""
    return float(micro_f1((predicted & truth).sum(), (predicted ^ truth).sum()))


def _truth_grid(rows: Sequence[LabelRow], ids: Sequence[str]) -> Flags:
    """The labels as a (pages, determinants) grid, in the order of `rows` and `ids`."""
    return np.array([[d in row.determinants for d in ids] for row in rows], dtype=bool)


def _score(rows: Sequence[LabelRow], flags: Flags, ids: list[str]) -> TagReport:
    """Score a (pages, determinants) grid of tags against the labels."""
    tags = {row.key: {ids[j] for j in np.flatnonzero(flags[i])} for i, row in enumerate(rows)}
    return score_tags(rows, tags, ids)


@dataclass(frozen=True)
class CrossValidation:
    report: TagReport
    chosen: list[TaggerSettings]
    best_overall: TaggerSettings
    # The nested tags themselves and the labels they were scored against, both (pages,
    # determinants), so two taggers can be compared page by page (kb.eval.taxonomy_ablation's
    # paired bootstrap).
    predicted: Flags
    truth: Flags


def cross_validate(
    tagger: Tagger,
    windows: Windows,
    rows: Sequence[LabelRow],
    candidates: Sequence[TaggerSettings],
    folds: int = 8,
) -> CrossValidation:
    """Nested choice: each fold's settings are picked without its documents, then scored on them."""
    ids = tagger.ids
    truth = _truth_grid(rows, ids)
    fold_of = document_folds([row.file for row in rows], folds)
    fold = np.array([fold_of[row.file] for row in rows])
    grids = predict_with(tagger, windows, rows, candidates)
    predicted = np.zeros_like(truth)
    chosen: list[TaggerSettings] = []
    for f in range(folds):
        train, test = fold != f, fold == f
        best = max(range(len(candidates)), key=lambda i: _micro_f1(grids[i][train], truth[train]))
        chosen.append(candidates[best])
        predicted[test] = grids[best][test]
    overall = max(range(len(candidates)), key=lambda i: _micro_f1(grids[i], truth))
    report = _score(rows, predicted, ids)
    return CrossValidation(report, chosen, candidates[overall], predicted, truth)


def score_settings(
    tagger: Tagger, windows: Windows, rows: Sequence[LabelRow], settings: TaggerSettings
) -> TagReport:
    """Plain score of one choice of settings on every page (no cross-validation)."""
    (grid,) = predict_with(tagger, windows, rows, [settings])
    return _score(rows, grid, tagger.ids)


# The settings on main before this choice, kept so the harness can show before and after.
PREVIOUS = TaggerSettings(example_weight=0.7, keyword_weight=1.0, threshold=2.6)


def main(argv: Sequence[str] | None = None) -> int:
    from kb.eval.tag_pages import configured_tagging, read_labelled_chunks, read_labelled_pages

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", nargs="+", type=Path)
    parser.add_argument("--pdfs", action="append", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument(
        "--score-only",
        action="store_true",
        help="score the previous and current settings only (for a held-out set: no tuning)",
    )
    parser.add_argument("--models", type=Path, help="model cache (default: KB_DATA_DIR/models)")
    parser.add_argument(
        "--page-windows",
        action="store_true",
        help="cut each labelled page on its own into windows (the earlier reading) instead of "
        "cutting whole documents with ingest's chunker",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    if not args.score_only:
        # Checked before the model loads, so a wrong file list fails at once.
        try:
            refuse_held_out([r for path in args.labels for r in read_labels(path)])
        except (LabelError, OSError) as error:
            sys.stderr.write(f"error: {error}\n")
            return 2
    # The library's own settings, model and tagger, and documents cut by ingest's chunker: the
    # settings chosen here are for the tagger that ingest runs, on the chunks it would store.
    config, encoder, tagging = configured_tagging(args.models)
    taxonomy, tagger = tagging.taxonomy, tagging.tagger
    rows = [r for path in args.labels for r in read_labels(path, known_ids=taxonomy.ids)]
    max_words, overlap_words = config.chunks.max_words, config.chunks.overlap_words
    if args.page_windows:
        pages = read_labelled_pages(rows, args.pdfs)
        windows = embed_windows(pages, encoder, max_words, overlap_words)
    else:
        chunks = read_labelled_chunks(rows, args.pdfs, max_words, overlap_words)
        windows, pages = embed_chunks(chunks, encoder), dict.fromkeys(chunks, "")
    rows = [r for r in rows if r.key in pages]
    for name, settings in (("previous", PREVIOUS), ("current default", tagger.settings)):
        report = score_settings(tagger, windows, rows, settings)
        sys.stdout.write(f"{name} settings on all pages: {settings}\n{report.format_text()}\n\n")
    if args.score_only:
        return 0
    result = cross_validate(tagger, windows, rows, candidate_settings(tagger.settings), args.folds)
    sys.stdout.write(f"grouped {args.folds}-fold cross-validation, {len(rows)} pages\n")
    sys.stdout.write(result.report.format_text() + "\n")
    for f, settings in enumerate(result.chosen):
        sys.stdout.write(f"fold {f}: {settings}\n")
    sys.stdout.write(f"best on all pages: {result.best_overall}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
