"""Scores a taxonomy's edits one at a time: every edit between an earlier taxonomy and the
current one is reverted on its own, and the tagger re-scored by kb.eval.tag_tuning's nested
grouped cross-validation, with a paired bootstrap over documents against the current taxonomy.

    .venv/bin/python -m kb.eval.taxonomy_ablation corpus/labels/determinants.jsonl \\
        corpus/labels/determinants-fresh-dev.jsonl corpus/labels/determinants-fresh-holdout.jsonl \\
        --earlier EARLIER.yaml --pdfs ../shared/data/pdfs/real --pdfs <rendered briefs> \\
        --vectors data/tag-vectors.npz

An edit is one determinant's definition, the example sentences one determinant gained or lost
(one group; `--split-examples ID` scores that determinant's sentences one by one too), or one
seed change (a seed narrowed, as `debt` to `personal debt`, is one edit). The chunk vectors
are cached in `--vectors` (keyed by the model and the chunk texts), so only the first run embeds.
Like tag_tuning, it refuses holdout2 and second-labeller rows: nothing here may tune on them.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import logging
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb.eval.resample import Counts, micro_f1, resample_sums
from kb.eval.tag_tuning import (
    CrossValidation,
    Flags,
    candidate_settings,
    cross_validate,
    refuse_held_out,
)
from kb.eval.tags import (
    LabelError,
    LabelRow,
    TagReport,
    Windows,
    embed_chunks,
    flatten_chunks,
    read_labels,
)
from search.evidence.datafile import load_yaml_file
from search.evidence.determinants import (
    DEFAULT_TAXONOMY,
    Tagger,
    TaxonomyError,
    parse_taxonomy,
)
from search.models.encoder import Encoder

__all__ = [
    "Edit",
    "Interval",
    "list_edits",
    "main",
    "paired_bootstrap",
    "revert",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Edit:
    """One separable change to a determinant, and what reverting it puts back or takes away."""

    name: str
    determinant: str
    field: str  # "definition", "examples" or "seeds"
    restore: tuple[str, ...]  # the earlier values put back (the earlier definition, if one)
    remove: tuple[str, ...]  # the current values taken out


def _by_id(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {entry["id"]: entry for entry in data["determinants"]}


def _seed_edits(det: str, old: Sequence[str], new: Sequence[str]) -> list[Edit]:
    """A seed added that contains a dropped one (`debt` -> `personal debt`) is one narrowing."""
    dropped = [s for s in old if s not in new]
    added = [s for s in new if s not in old]
    edits = []
    for seed in list(added):
        wider = next((d for d in dropped if d.lower() in seed.lower()), None)
        if wider is not None:
            edits.append(Edit(f"{det}: seed {wider} -> {seed}", det, "seeds", (wider,), (seed,)))
            dropped.remove(wider)
            added.remove(seed)
    edits += [Edit(f"{det}: seed -{s}", det, "seeds", (s,), ()) for s in dropped]
    edits += [Edit(f"{det}: seed +{s}", det, "seeds", (), (s,)) for s in added]
    # A list at its limit cannot take a dropped seed back alone, so a drop and an add of one
    # determinant are also scored as one swap.
    edits += [
        Edit(f"{det}: seed {old} <-> {new}", det, "seeds", (old,), (new,))
        for old, new in zip(dropped, added, strict=False)
    ]
    return edits


def list_edits(
    earlier: dict[str, Any], current: dict[str, Any], split_examples: Sequence[str] = ()
) -> list[Edit]:
    """The current taxonomy's edits to the earlier one, each of them separable."""
    before, edits = _by_id(earlier), []
    for det, entry in _by_id(current).items():
        old = before.get(det)
        if old is None:
            continue
        if old["definition"] != entry["definition"]:
            edits.append(Edit(f"{det}: definition", det, "definition", (old["definition"],), ()))
        added = tuple(e for e in entry.get("examples", []) if e not in old.get("examples", []))
        lost = tuple(e for e in old.get("examples", []) if e not in entry.get("examples", []))
        if added or lost:
            name = f"{det}: examples (+{len(added)}, -{len(lost)})"
            edits.append(Edit(name, det, "examples", lost, added))
            if det in split_examples and len(added) > 1:
                edits += [
                    Edit(f"{det}: example {e[:48]}", det, "examples", (), (e,)) for e in added
                ]
        edits += _seed_edits(det, old["seeds"], entry["seeds"])
    return edits


def revert(current: dict[str, Any], edits: Sequence[Edit]) -> dict[str, Any]:
    """A copy of the current taxonomy with the given edits undone."""
    data = copy.deepcopy(current)
    entries = _by_id(data)
    for edit in edits:
        entry = entries[edit.determinant]
        if edit.field == "definition":
            entry["definition"] = edit.restore[0]
        else:
            kept = [v for v in entry.get(edit.field, []) if v not in edit.remove]
            entry[edit.field] = kept + [v for v in edit.restore if v not in kept]
    return data


@dataclass(frozen=True)
class Interval:
    difference: float
    low: float
    high: float


def _document_counts(files: Sequence[str], truth: Flags, predicted: Flags) -> Counts:
    """(documents, 2): true positives and errors (false positives plus misses) per document."""
    names = sorted(set(files))
    doc = np.array([names.index(f) for f in files])
    tp = (predicted & truth).sum(axis=1)
    wrong = (predicted ^ truth).sum(axis=1)
    return np.stack(
        [np.bincount(doc, tp, len(names)), np.bincount(doc, wrong, len(names))], axis=1
    ).astype(np.int64)


def paired_bootstrap(
    files: Sequence[str],
    truth: Flags,
    base: Flags,
    other: Flags,
    draws: int = 2000,
    seed: int = 7,
    level: float = 0.90,
) -> Interval:
    """micro-F1(other) - micro-F1(base), with an interval from resampling whole documents
    (the same draws for both, so the difference is paired)."""
    counts = np.hstack(
        [_document_counts(files, truth, base), _document_counts(files, truth, other)]
    )
    point = float(micro_f1(*counts[:, 2:].sum(0)) - micro_f1(*counts[:, :2].sum(0)))
    sums = resample_sums(counts, draws, seed)
    diffs = micro_f1(sums[:, 2], sums[:, 3]) - micro_f1(sums[:, 0], sums[:, 1])
    tail = (1 - level) / 2
    return Interval(point, float(np.quantile(diffs, tail)), float(np.quantile(diffs, 1 - tail)))


def _cached_windows(
    chunks: dict[tuple[str, int], list[str]], encoder: Encoder, path: Path | None
) -> Windows:
    """Embed the chunks, or read their vectors from `path` when it holds these very texts
    embedded by this very model (another model's vectors would score the wrong tagger)."""
    keys, texts = flatten_chunks(chunks)
    listed = "\x00".join(f"{k[0]}\x01{k[1]}\x01{t}" for k, t in zip(keys, texts, strict=True))
    digest = hashlib.sha256(f"{encoder.model_id}\x02{listed}".encode()).hexdigest()
    if path is not None and path.is_file():
        with np.load(path) as saved:
            if str(saved["digest"]) == digest:
                return Windows(keys, texts, saved["vectors"])
        log.info("%s holds other chunks; embedding again", path)
    windows = embed_chunks(chunks, encoder)
    if path is not None:
        np.savez(path, digest=np.array(digest), vectors=windows.vectors)
    return windows


def _pr(report: TagReport, det: str) -> str:
    s = report.per_determinant[det]
    return f"{s.precision:.2f} / {s.recall:.2f} / {s.f1:.2f}"


def main(argv: Sequence[str] | None = None) -> int:
    from kb.eval.tag_pages import configured_tagging, read_labelled_chunks

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("labels", nargs="+", type=Path)
    parser.add_argument("--earlier", type=Path, required=True, help="the earlier taxonomy YAML")
    parser.add_argument("--pdfs", action="append", type=Path, required=True)
    parser.add_argument("--folds", type=int, default=8)
    parser.add_argument("--models", type=Path, help="model cache (default: KB_DATA_DIR/models)")
    parser.add_argument("--vectors", type=Path, help="cache file for the chunk vectors (.npz)")
    parser.add_argument("--split-examples", action="append", default=[], metavar="ID")
    parser.add_argument(
        "--determinant",
        action="append",
        default=[],
        metavar="ID",
        help="score only this determinant's edits (repeatable; default: all)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    try:
        refuse_held_out([r for path in args.labels for r in read_labels(path)])
        earlier = load_yaml_file(args.earlier, "taxonomy file", lambda d: d, TaxonomyError)
    except (LabelError, TaxonomyError, OSError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    config, encoder, tagging = configured_tagging(args.models)
    path = config.taxonomy_path or DEFAULT_TAXONOMY
    current = load_yaml_file(path, "taxonomy file", lambda d: d, TaxonomyError)
    base = tagging.tagger
    rows: list[LabelRow] = [r for p in args.labels for r in read_labels(p, known_ids=base.ids)]
    chunks = read_labelled_chunks(
        rows, args.pdfs, config.chunks.max_words, config.chunks.overlap_words
    )
    windows = _cached_windows(chunks, encoder, args.vectors)
    rows = [r for r in rows if r.key in chunks]
    files = [r.file for r in rows]
    candidates = candidate_settings(base.settings)

    def run(data: dict[str, Any]) -> tuple[CrossValidation, int]:
        tagger = Tagger(parse_taxonomy(data), encoder, base.settings)
        result = cross_validate(tagger, windows, rows, candidates, args.folds)
        return result, sum(c == base.settings for c in result.chosen)

    edits = list_edits(earlier, current, args.split_examples)
    current_cv, now_default = run(current)
    now = current_cv.report
    m = now.micro
    sys.stdout.write(f"{len(rows)} pages, {len(set(files))} documents, {len(edits)} edits\n")
    sys.stdout.write(
        "| reverted | micro P / R / F1 | ΔF1 [90% interval] | determinant P / R / F1, "
        "current → reverted | folds on defaults |\n|---|---|---|---|---|\n"
        f"| nothing (current) | {m.precision:.3f} / {m.recall:.3f} / {m.f1:.3f} | | | "
        f"{now_default}/{args.folds} |\n"
    )
    # Whole example groups only: a group's single sentences are in the list too when split.
    whole = [e for e in edits if ": example " not in e.name]
    plans = [
        (e.name, e.determinant, [e])
        for e in edits
        if not args.determinant or e.determinant in args.determinant
    ]
    for det in args.split_examples:
        mine = [e for e in whole if e.determinant == det]
        plans.append((f"{det}: all its edits", det, mine))
    plans.append(("all edits (the earlier taxonomy)", "", whole))
    for name, det, undo in plans:
        try:
            reverted, on_default = run(revert(current, undo))
        except TaxonomyError as error:
            # e.g. a seed put back into a list already at its limit: no taxonomy to score.
            sys.stdout.write(f"| {name} | not a valid taxonomy on its own: {error} | | | |\n")
            continue
        # Reverting edits keeps the determinants and their order, so both share one truth grid.
        gap = paired_bootstrap(files, current_cv.truth, current_cv.predicted, reverted.predicted)
        report = reverted.report
        r = report.micro
        detail = f"{det}: {_pr(now, det)} → {_pr(report, det)}" if det else ""
        sys.stdout.write(
            f"| {name} | {r.precision:.3f} / {r.recall:.3f} / {r.f1:.3f} | "
            f"{gap.difference:+.3f} [{gap.low:+.3f}, {gap.high:+.3f}] | {detail} | "
            f"{on_default}/{args.folds} |\n"
        )
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
