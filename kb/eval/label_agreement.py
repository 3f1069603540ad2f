"""How far two labellers agree on the same pages: the ceiling any tagger can be measured at.

The second labeller's file names pages that the first labels already cover. Each first
file is scored on its own and all of them together: micro precision, recall and F1 of the
second labels against the first (F1 is symmetric, so it is the agreement; precision and
recall swap if the roles swap), Cohen's kappa for each determinant, and the share of pages
whose two sets are exactly equal. With --pdfs, the configured tagger tags the same pages
(documents cut by ingest's chunker, as `kb.eval.tag_tuning --score-only` does) and is scored
against each labeller, so its score sits beside the labellers' agreement.

    .venv/bin/python -m kb.eval.label_agreement corpus/labels/agreement-second-labeller.jsonl \\
        --first corpus/labels/determinants.jsonl \\
        --first corpus/labels/determinants-fresh-dev.jsonl \\
        --first corpus/labels/determinants-fresh-holdout.jsonl \\
        --first corpus/labels/determinants-fresh2-holdout.jsonl \\
        --pdfs ../shared/data/pdfs/real --pdfs <rendered briefs> --models data/models
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kb.eval.resample import micro_f1, resample_sums
from kb.eval.tags import LabelError, LabelRow, PageKey, TagReport, read_labels, score_tags

__all__ = [
    "MIN_KAPPA_PAGES",
    "Agreement",
    "bootstrap_f1",
    "cohen_kappa",
    "compare_labels",
    "match_pages",
    "score_against_both",
]

# Kappa is shown only for determinants that either labeller put on at least this many pages;
# below it, one page more or less swings kappa by tenths.
MIN_KAPPA_PAGES = 5


def cohen_kappa(both: int, first_only: int, second_only: int, neither: int) -> float | None:
    """Cohen's kappa for one yes/no label; None when chance alone already agrees on every page."""
    n = both + first_only + second_only + neither
    if n == 0:
        return None
    observed = (both + neither) / n
    first_yes, second_yes = (both + first_only) / n, (both + second_only) / n
    chance = first_yes * second_yes + (1 - first_yes) * (1 - second_yes)
    if chance >= 1.0:
        return None
    return (observed - chance) / (1 - chance)


@dataclass(frozen=True)
class Agreement:
    """The second labeller's labels scored against the first on the same pages."""

    report: TagReport
    exact: int
    first_counts: dict[str, int]
    second_counts: dict[str, int]

    @property
    def pages(self) -> int:
        return self.report.pages_scored

    @property
    def exact_share(self) -> float:
        return self.exact / self.pages if self.pages else 0.0

    def kappa(self, determinant: str) -> float | None:
        s = self.report.per_determinant[determinant]
        neither = self.pages - s.true_positives - s.false_positives - s.false_negatives
        return cohen_kappa(s.true_positives, s.false_negatives, s.false_positives, neither)

    def format_text(self) -> str:
        m = self.report.micro
        lines = [
            f"pages {self.pages}; micro precision {m.precision:.3f} recall {m.recall:.3f} "
            f"F1 {m.f1:.3f}; exactly equal sets {self.exact}/{self.pages} "
            f"({self.exact_share:.2f})",
            "{:<20} {:>6} {:>7} {:>5} {:>6}".format(
                "determinant", "first", "second", "both", "kappa"
            ),
        ]
        for d, s in self.report.per_determinant.items():
            first, second = self.first_counts[d], self.second_counts[d]
            if not first and not second:
                continue
            kappa = self.kappa(d)
            shown = (
                f"{kappa:.2f}"
                if kappa is not None and max(first, second) >= MIN_KAPPA_PAGES
                else "-"
            )
            lines.append(f"{d:<20} {first:>6} {second:>7} {s.true_positives:>5} {shown:>6}")
        return "\n".join(lines)


def match_pages(first: Sequence[LabelRow], second: Sequence[LabelRow]) -> list[LabelRow]:
    """The first labeller's rows for the pages the second labelled, in the second's order.

    A page the second labelled that no first file covers is an error: agreement is only
    measured on pages both labelled.
    """
    by_key: dict[PageKey, LabelRow] = {}
    for row in first:
        if row.key in by_key:
            raise LabelError(f"{row.file} page {row.page} is in more than one first label file")
        by_key[row.key] = row
    unmatched = [row.key for row in second if row.key not in by_key]
    if unmatched:
        shown = ", ".join(f"{f} page {p}" for f, p in unmatched[:5])
        raise LabelError(f"{len(unmatched)} page(s) have no first label: {shown}")
    return [by_key[row.key] for row in second]


def compare_labels(
    first: Sequence[LabelRow], second: Sequence[LabelRow], determinant_ids: Sequence[str]
) -> Agreement:
    """Score the second labels against the first on the pages both hold."""
    matched = match_pages(first, second)
    report = score_tags(matched, {row.key: row.determinants for row in second}, determinant_ids)
    exact = sum(a.determinants == b.determinants for a, b in zip(matched, second, strict=True))
    first_counts = {d: sum(d in r.determinants for r in matched) for d in determinant_ids}
    second_counts = {d: sum(d in r.determinants for r in second) for d in determinant_ids}
    return Agreement(report, exact, first_counts, second_counts)


def bootstrap_f1(
    first: Sequence[LabelRow],
    second: Sequence[LabelRow],
    determinant_ids: Sequence[str],
    draws: int = 2000,
    seed: int = 7,
) -> tuple[float, float]:
    """A 95% interval for the micro F1, resampling whole pages with replacement (seeded, by
    `kb.eval.resample`, the draws taxonomy_ablation makes over documents).

    Pages, not single labels, are drawn, because one page's labels are chosen together.
    """
    matched = match_pages(first, second)
    if not matched:
        raise LabelError("no pages to resample")
    ids = set(determinant_ids)
    counts = []
    for a, b in zip(matched, second, strict=True):
        said_first, said_second = a.determinants & ids, b.determinants & ids
        tp = len(said_first & said_second)
        counts.append((tp, len(said_first ^ said_second)))
    sums = resample_sums(np.array(counts, dtype=np.int64), draws, seed)
    # A draw of pages where neither labeller said anything is full agreement.
    scores = np.sort(np.where(sums.any(axis=1), micro_f1(sums[:, 0], sums[:, 1]), 1.0))
    return float(scores[int(0.025 * draws)]), float(scores[min(draws - 1, int(0.975 * draws))])


def score_against_both(
    first: Sequence[LabelRow],
    second: Sequence[LabelRow],
    predicted: Mapping[PageKey, Iterable[str]],
    determinant_ids: Sequence[str],
) -> tuple[TagReport, TagReport]:
    """The tagger's page tags scored against the first labeller and against the second."""
    matched = match_pages(first, second)
    return (
        score_tags(matched, predicted, determinant_ids),
        score_tags(second, predicted, determinant_ids),
    )


def _tagger_predictions(
    rows: Sequence[LabelRow], pdfs: Sequence[Path], models: Path | None
) -> dict[PageKey, set[str]]:
    """Tags of the configured tagger on the labelled pages, read and cut as ingest does (as
    `kb eval-tags --pdfs` tags them)."""
    from kb.eval.tag_pages import configured_tagging, tag_labelled_pages

    config, encoder, tagging = configured_tagging(models)
    return tag_labelled_pages(rows, pdfs, config, tagging.tagger, encoder)


def _tagger_line(name: str, report: TagReport) -> str:
    m = report.micro
    return (
        f"tagger against the {name} labeller: micro precision {m.precision:.3f} "
        f"recall {m.recall:.3f} F1 {m.f1:.3f} ({report.pages_scored} pages, "
        f"{len(report.missing)} not read)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    from search.evidence.determinants import REQUIRED_DETERMINANTS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("second", type=Path, help="the second labeller's file")
    parser.add_argument(
        "--first", action="append", type=Path, required=True, help="a first label file"
    )
    parser.add_argument(
        "--pdfs", action="append", type=Path, help="PDF folder: also score the tagger"
    )
    parser.add_argument("--models", type=Path, help="model cache (default: KB_DATA_DIR/models)")
    args = parser.parse_args(argv)
    ids = list(REQUIRED_DETERMINANTS)
    try:
        second = read_labels(args.second, known_ids=ids)
        firsts = {path: read_labels(path, known_ids=ids) for path in args.first}
        everyone = [r for rows in firsts.values() for r in rows]
        match_pages(everyone, second)
    except (LabelError, OSError) as error:
        sys.stderr.write(f"error: {error}\n")
        return 2
    predicted = _tagger_predictions(second, args.pdfs, args.models) if args.pdfs else None
    parts = [(f"against {path.name}", rows) for path, rows in firsts.items()]
    if len(firsts) > 1:
        parts.append(("all first files together", everyone))
    for title, rows in parts:
        keys = {r.key for r in rows}
        part = [r for r in second if r.key in keys]
        if not part:
            continue
        sys.stdout.write(f"== {title}\n" + compare_labels(rows, part, ids).format_text() + "\n")
        if predicted is not None:
            by_first, by_second = score_against_both(rows, part, predicted, ids)
            sys.stdout.write(_tagger_line("first", by_first) + "\n")
            sys.stdout.write(_tagger_line("second", by_second) + "\n")
        sys.stdout.write("\n")
    low, high = bootstrap_f1(everyone, second, ids)
    sys.stdout.write(f"agreement micro F1 95% interval, pages resampled: {low:.3f} to {high:.3f}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
