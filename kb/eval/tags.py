"""Measures determinant tagging against a labelled set of pages: precision, recall and F1.

A labelled set is JSON lines, one page each:
    {"file": "<pdf file name>", "page": N, "determinants": ["housing", ...]}
(an optional "split" field, e.g. "tune" or "holdout", is kept but not needed).
A page's predicted determinants are the union of the tags of every chunk that
covers it (page_start <= N <= page_end), which is how search shows evidence.
Pages with no chunk at all are reported as missing, never silently dropped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from search.evidence.determinants import Tagger
from search.models.encoder import Encoder

__all__ = [
    "ChunkSpan",
    "DeterminantScore",
    "LabelError",
    "LabelRow",
    "PageKey",
    "TagReport",
    "Windows",
    "embed_chunks",
    "embed_windows",
    "flatten_chunks",
    "page_predictions",
    "page_windows",
    "parse_label_line",
    "predict_chunks",
    "predict_pages",
    "read_labels",
    "score_tags",
]

PageKey = tuple[str, int]


class LabelError(ValueError):
    """A line of the labelled set cannot be used; the message gives the line number."""


@dataclass(frozen=True)
class LabelRow:
    file: str
    page: int
    determinants: frozenset[str]
    split: str | None = None

    @property
    def key(self) -> PageKey:
        return (self.file, self.page)


def parse_label_line(line: str, number: int, known_ids: Iterable[str] | None = None) -> LabelRow:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as error:
        raise LabelError(f"line {number}: not valid JSON ({error.msg})") from None
    if not isinstance(data, dict):
        raise LabelError(f"line {number}: expected an object with file, page and determinants")
    file, page, dets = data.get("file"), data.get("page"), data.get("determinants")
    if not isinstance(file, str) or not file:
        raise LabelError(f"line {number}: 'file' must be the PDF's file name")
    if not isinstance(page, int) or isinstance(page, bool) or page < 1:
        raise LabelError(f"line {number}: 'page' must be a page number from 1")
    if not isinstance(dets, list) or not all(isinstance(d, str) for d in dets):
        raise LabelError(f"line {number}: 'determinants' must be a list of determinant ids")
    if known_ids is not None:
        unknown = sorted(set(dets) - set(known_ids))
        if unknown:
            raise LabelError(f"line {number}: unknown determinant id(s): {', '.join(unknown)}")
    split = data.get("split")
    return LabelRow(file, page, frozenset(dets), split if isinstance(split, str) else None)


def read_labels(path: Path, known_ids: Iterable[str] | None = None) -> list[LabelRow]:
    """Read a labelled set; the same page twice is an error, as it would be counted twice."""
    known = list(known_ids) if known_ids is not None else None
    rows: list[LabelRow] = []
    seen: set[PageKey] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = parse_label_line(line, number, known)
        if row.key in seen:
            raise LabelError(f"line {number}: {row.file} page {row.page} is labelled twice")
        seen.add(row.key)
        rows.append(row)
    return rows


# predictions ----------------------------------------------------------------


@dataclass(frozen=True)
class ChunkSpan:
    """What scoring needs from an indexed chunk."""

    file: str
    page_start: int
    page_end: int
    determinants: Sequence[str]


def page_predictions(
    labels: Iterable[LabelRow], chunks: Iterable[ChunkSpan]
) -> dict[PageKey, set[str]]:
    """Union of chunk tags for each labelled page that at least one chunk covers."""
    wanted: dict[str, set[int]] = {}
    for row in labels:
        wanted.setdefault(row.file, set()).add(row.page)
    out: dict[PageKey, set[str]] = {}
    for chunk in chunks:
        for page in wanted.get(chunk.file, ()):
            if chunk.page_start <= page <= chunk.page_end:
                out.setdefault((chunk.file, page), set()).update(chunk.determinants)
    return out


def page_windows(text: str, max_words: int = 180, overlap_words: int = 30) -> list[str]:
    """Cut one page's text into overlapping word windows, as the indexer cuts chunks."""
    words = text.split()
    if not words:
        return []
    step = max(1, max_words - overlap_words)
    windows = []
    for start in range(0, len(words), step):
        windows.append(" ".join(words[start : start + max_words]))
        if start + max_words >= len(words):
            break
    return windows


@dataclass(frozen=True)
class Windows:
    """Labelled pages cut into windows as the indexer cuts chunks, embedded once."""

    keys: list[PageKey]
    texts: list[str]
    vectors: npt.NDArray[np.float32]


def embed_windows(
    pages: Mapping[PageKey, str], encoder: Encoder, max_words: int = 180, overlap_words: int = 30
) -> Windows:
    keys: list[PageKey] = []
    texts: list[str] = []
    for key, text in pages.items():
        for window in page_windows(text, max_words, overlap_words):
            keys.append(key)
            texts.append(window)
    vectors = encoder.encode_documents(texts) if texts else np.zeros((0, 1), np.float32)
    return Windows(keys, texts, vectors)


def flatten_chunks(chunks: Mapping[PageKey, Sequence[str]]) -> tuple[list[PageKey], list[str]]:
    """Every page's chunk texts in one list, beside the page each is listed for: the order of
    the Windows `embed_chunks` makes, and so of any vectors saved from them."""
    keys = [key for key, texts in chunks.items() for _ in texts]
    texts = [text for texts in chunks.values() for text in texts]
    return keys, texts


def embed_chunks(chunks: Mapping[PageKey, Sequence[str]], encoder: Encoder) -> Windows:
    """Each page's chunk texts as Windows, every distinct chunk embedded once (a chunk over two
    labelled pages is one chunk in the index, with one vector)."""
    keys, texts = flatten_chunks(chunks)
    distinct = list(dict.fromkeys(texts))
    if not distinct:
        return Windows([], [], np.zeros((0, 1), np.float32))
    vectors = np.asarray(encoder.encode_documents(distinct), dtype=np.float32)
    row = {text: i for i, text in enumerate(distinct)}
    return Windows(keys, texts, vectors[[row[t] for t in texts]])


def predict_pages(
    pages: Mapping[PageKey, str],
    tagger: Tagger,
    encoder: Encoder,
    max_words: int = 180,
    overlap_words: int = 30,
) -> dict[PageKey, set[str]]:
    """Tag page texts directly (no index): window each page, embed, tag, take the union."""
    return _page_tags(embed_windows(pages, encoder, max_words, overlap_words), pages, tagger)


def predict_chunks(
    chunks: Mapping[PageKey, Sequence[str]], tagger: Tagger, encoder: Encoder
) -> dict[PageKey, set[str]]:
    """Tag each labelled page's chunks as ingest cut them (`tag_pages.read_labelled_chunks`)
    and take the union per page, as search joins chunk tags: the tags an index would hold."""
    return _page_tags(embed_chunks(chunks, encoder), chunks, tagger)


def _page_tags(
    windows: Windows, pages: Iterable[PageKey], tagger: Tagger
) -> dict[PageKey, set[str]]:
    out: dict[PageKey, set[str]] = {key: set() for key in pages}
    if windows.texts:
        for key, tags in zip(windows.keys, tagger.tag(windows.texts, windows.vectors), strict=True):
            out[key].update(tags.determinants)
    return out


# scoring --------------------------------------------------------------------


@dataclass(frozen=True)
class DeterminantScore:
    true_positives: int
    false_positives: int
    false_negatives: int

    @property
    def support(self) -> int:
        return self.true_positives + self.false_negatives

    @property
    def precision(self) -> float:
        predicted = self.true_positives + self.false_positives
        return self.true_positives / predicted if predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.support if self.support else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "support": self.support,
            "true_positives": self.true_positives,
            "false_positives": self.false_positives,
            "false_negatives": self.false_negatives,
        }


@dataclass(frozen=True)
class TagReport:
    per_determinant: dict[str, DeterminantScore]
    pages_scored: int
    missing: list[PageKey] = field(default_factory=list)

    @property
    def micro(self) -> DeterminantScore:
        scores = self.per_determinant.values()
        return DeterminantScore(
            sum(s.true_positives for s in scores),
            sum(s.false_positives for s in scores),
            sum(s.false_negatives for s in scores),
        )

    @property
    def macro_f1(self) -> float:
        """Mean F1 over determinants that occur in the labels or in the predictions."""
        used = [s for s in self.per_determinant.values() if s.support or s.false_positives]
        return sum(s.f1 for s in used) / len(used) if used else 0.0

    def as_dict(self) -> dict[str, Any]:
        micro = self.micro
        return {
            "pages_scored": self.pages_scored,
            "pages_missing": len(self.missing),
            "missing": [{"file": f, "page": p} for f, p in self.missing],
            "micro": {
                "precision": round(micro.precision, 4),
                "recall": round(micro.recall, 4),
                "f1": round(micro.f1, 4),
            },
            "macro_f1": round(self.macro_f1, 4),
            "determinants": {d: s.as_dict() for d, s in self.per_determinant.items()},
        }

    def format_text(self) -> str:
        row = "{:<20} {:>9} {:>7} {:>6} {:>8}"
        lines = [row.format("determinant", "precision", "recall", "f1", "support")]
        for d, s in self.per_determinant.items():
            lines.append(
                row.format(d, f"{s.precision:.3f}", f"{s.recall:.3f}", f"{s.f1:.3f}", s.support)
            )
        m = self.micro
        lines.append(
            row.format("micro", f"{m.precision:.3f}", f"{m.recall:.3f}", f"{m.f1:.3f}", "")
        )
        lines.append(row.format("macro F1", "", "", f"{self.macro_f1:.3f}", ""))
        lines.append(
            f"pages scored: {self.pages_scored}; not found in the index: {len(self.missing)}"
        )
        lines.extend(f"  missing: {f} page {p}" for f, p in self.missing[:20])
        if len(self.missing) > 20:
            lines.append(f"  … and {len(self.missing) - 20} more")
        return "\n".join(lines)


def score_tags(
    labels: Sequence[LabelRow],
    predicted: Mapping[PageKey, Iterable[str]],
    determinant_ids: Sequence[str] | None = None,
    missing_as_empty: bool = False,
) -> TagReport:
    """Per-determinant and micro/macro scores of predicted page tags against the labels.

    A labelled page absent from `predicted` is listed in `missing`; it is scored as
    having no tags only when missing_as_empty is set.
    """
    ids = (
        list(determinant_ids)
        if determinant_ids is not None
        else sorted(
            {d for row in labels for d in row.determinants}
            | {d for tags in predicted.values() for d in tags}
        )
    )
    tp = dict.fromkeys(ids, 0)
    fp = dict.fromkeys(ids, 0)
    fn = dict.fromkeys(ids, 0)
    missing: list[PageKey] = []
    scored = 0
    for row in labels:
        if row.key not in predicted:
            missing.append(row.key)
            if not missing_as_empty:
                continue
        guess = set(predicted.get(row.key, ()))
        scored += 1
        for d in ids:
            if d in guess and d in row.determinants:
                tp[d] += 1
            elif d in guess:
                fp[d] += 1
            elif d in row.determinants:
                fn[d] += 1
    per = {d: DeterminantScore(tp[d], fp[d], fn[d]) for d in ids}
    return TagReport(per, scored, missing)
