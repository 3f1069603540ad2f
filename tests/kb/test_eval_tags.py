"""Tag scoring is exact on hand-made cases; kb eval-tags/retag work on a store; the real set passes.

Run as a script to print the full per-determinant tables for both halves of the
project's labelled set (reads the PDFs from ../shared/data):

    .venv/bin/python -m tests.search.test_tagging_eval
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest
from pypdf import PdfReader

from corpus.tooling.briefs import render_briefs
from ingest.pdf import clean_text, read_pdf
from ingest.pipeline import Ingester
from kb.eval.tags import (
    ChunkSpan,
    LabelError,
    LabelRow,
    PageKey,
    TagReport,
    page_predictions,
    page_windows,
    predict_pages,
    read_labels,
    score_tags,
)
from kb.tagging import evaluate_tags, evaluate_tags_from_pdfs
from search.evidence.determinants import REQUIRED_DETERMINANTS, Tagger
from search.library import Library
from search.models.encoder import Encoder, load_encoder
from search.settings import ModelSettings, Settings
from tests.search.test_determinants import shared_tagger

ROOT = Path(__file__).resolve().parents[2]
LABELS = ROOT / "corpus" / "labels" / "determinants.jsonl"
# Pages labelled later, from the determinant definitions, on documents split into a half
# used to tune the tagger ("dev") and a half scored only once, at the end ("holdout").
FRESH_LABELS = [
    ROOT / "corpus" / "labels" / "determinants-fresh-dev.jsonl",
    ROOT / "corpus" / "labels" / "determinants-fresh-holdout.jsonl",
]
BRIEFS = ROOT / "corpus" / "briefs"
# Real PDFs on which windowing each page alone tags a page differently from ingest's chunker.
CUT_DIFFERS = ("kcc__agenda-frontsheet-30th-jan-2025-10-00-cabinet.pdf", "kcc__24-00115-eqia.pdf")


def _row(file: str, page: int, *dets: str) -> LabelRow:
    return LabelRow(file, page, frozenset(dets))


# reading labels ---------------------------------------------------------------


def test_labelled_set_is_well_formed_and_covers_every_determinant() -> None:
    rows = read_labels(LABELS, known_ids=REQUIRED_DETERMINANTS)
    assert len(rows) >= 150
    for d in REQUIRED_DETERMINANTS:
        assert sum(d in r.determinants for r in rows) >= 8, d
    assert {r.split for r in rows} == {"tune", "holdout"}
    # The split is by document, so no document's pages sit on both sides.
    tune = {r.file for r in rows if r.split == "tune"}
    assert not tune & {r.file for r in rows if r.split == "holdout"}


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 1: not valid JSON"),
        ('{"file": "a.pdf", "page": 0, "determinants": []}', "line 1: 'page' must be"),
        ('{"file": "", "page": 1, "determinants": []}', "line 1: 'file' must be"),
        ('{"file": "a.pdf", "page": 1, "determinants": "housing"}', "line 1: 'determinants' must"),
        ('{"file": "a.pdf", "page": 1, "determinants": ["housin"]}', "unknown determinant id"),
    ],
)
def test_bad_label_lines_are_refused_with_their_line_number(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "labels.jsonl"
    path.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(LabelError, match=message):
        read_labels(path, known_ids=REQUIRED_DETERMINANTS)


def test_a_page_labelled_twice_is_refused(tmp_path: Path) -> None:
    line = json.dumps({"file": "a.pdf", "page": 1, "determinants": []})
    path = tmp_path / "labels.jsonl"
    path.write_text(f"{line}\n\n{line}\n", encoding="utf-8")
    with pytest.raises(LabelError, match=r"line 3: a\.pdf page 1 is labelled twice"):
        read_labels(path)


# scoring ------------------------------------------------------------------------


def test_score_tags_counts_per_determinant_and_micro_macro() -> None:
    labels = [
        _row("a.pdf", 1, "housing", "income"),
        _row("a.pdf", 2, "housing"),
        _row("b.pdf", 1),
        _row("b.pdf", 2, "food"),
    ]
    predicted: dict[PageKey, set[str]] = {
        ("a.pdf", 1): {"housing"},
        ("a.pdf", 2): {"housing", "income"},
        ("b.pdf", 1): {"income"},
        ("b.pdf", 2): {"food"},
    }
    report = score_tags(labels, predicted, ["housing", "income", "food", "transport"])
    housing, income, food = (report.per_determinant[d] for d in ("housing", "income", "food"))
    assert (housing.precision, housing.recall, housing.support) == (1.0, 1.0, 2)
    assert (income.true_positives, income.false_positives, income.false_negatives) == (0, 2, 1)
    assert (income.precision, income.recall, income.f1) == (0.0, 0.0, 0.0)
    assert food.f1 == 1.0
    micro = report.micro  # tp 3, fp 2, fn 1
    assert micro.precision == pytest.approx(3 / 5)
    assert micro.recall == pytest.approx(3 / 4)
    assert micro.f1 == pytest.approx(2 * 3 / (2 * 3 + 2 + 1))
    # Transport never occurs in labels or predictions, so it does not dilute the macro mean.
    assert report.macro_f1 == pytest.approx((1.0 + 0.0 + 1.0) / 3)
    assert report.as_dict()["micro"]["f1"] == pytest.approx(round(6 / 9, 4))


def test_pages_missing_from_the_index_are_reported_not_dropped() -> None:
    labels = [_row("a.pdf", 1, "housing"), _row("gone.pdf", 3, "food")]
    report = score_tags(labels, {("a.pdf", 1): {"housing"}})
    assert report.missing == [("gone.pdf", 3)]
    assert report.pages_scored == 1
    assert report.micro.f1 == 1.0
    assert "not found in the index: 1" in report.format_text()
    strict = score_tags(labels, {("a.pdf", 1): {"housing"}}, missing_as_empty=True)
    assert strict.pages_scored == 2
    assert strict.per_determinant["food"].false_negatives == 1


def test_a_page_takes_the_union_of_every_chunk_that_covers_it() -> None:
    labels = [_row("a.pdf", 2), _row("a.pdf", 3), _row("a.pdf", 9)]
    chunks = [
        ChunkSpan("a.pdf", 1, 2, ["housing"]),
        ChunkSpan("a.pdf", 2, 2, ["income"]),
        ChunkSpan("a.pdf", 3, 4, []),
        ChunkSpan("b.pdf", 2, 2, ["food"]),
    ]
    predicted = page_predictions(labels, chunks)
    assert predicted == {("a.pdf", 2): {"housing", "income"}, ("a.pdf", 3): set()}


def test_page_windows_overlap_like_the_indexer() -> None:
    words = [f"w{i}" for i in range(400)]
    windows = page_windows(" ".join(words), max_words=180, overlap_words=30)
    assert [w.split()[0] for w in windows] == ["w0", "w150", "w300"]
    assert windows[-1].split()[-1] == "w399"
    assert page_windows("  ") == []


# kb eval-tags and kb retag over a store ---------------------------------------


# the project's labelled set, end to end ------------------------------------------


def _pdf_path(name: str, real: Path, briefs: Path) -> Path:
    for folder in (real, briefs):
        if (folder / name).is_file():
            return folder / name
    raise FileNotFoundError(name)


def _page_texts(rows: Sequence[LabelRow], real: Path, briefs: Path) -> dict[PageKey, str]:
    """Each labelled page's text, cleaned as ingest.pdf.read_pdf cleans a page.

    Only the labelled pages are extracted: reading every page of the long reports
    would take minutes. read_pdf also drops running headers found across the whole
    document; test_labelled_pages_read_like_read_pdf checks that is the only difference.
    """
    out: dict[PageKey, str] = {}
    by_file: dict[str, list[int]] = {}
    for row in rows:
        by_file.setdefault(row.file, []).append(row.page)
    for name, pages in by_file.items():
        reader = PdfReader(_pdf_path(name, real, briefs))
        for page in pages:
            out[(name, page)] = clean_text(reader.pages[page - 1].extract_text() or "")
    return out


@pytest.fixture(scope="module")
def brief_pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if all(md.with_suffix(".pdf").is_file() for md in BRIEFS.glob("*.md")):
        return BRIEFS
    folder = tmp_path_factory.mktemp("briefs")
    for src in [*BRIEFS.glob("*.md"), BRIEFS / "manifest.csv"]:
        shutil.copy2(src, folder / src.name)
    render_briefs(folder)
    return folder


def measure(split: str, encoder: Encoder, tagger: Tagger, real: Path, briefs: Path) -> TagReport:
    rows = [r for r in read_labels(LABELS, known_ids=REQUIRED_DETERMINANTS) if r.split == split]
    predicted = predict_pages(_page_texts(rows, real, briefs), tagger, encoder)
    return score_tags(rows, predicted, list(REQUIRED_DETERMINANTS))


def test_labelled_pages_read_like_read_pdf(shared_pdfs: Path, brief_pdfs: Path) -> None:
    name = "wsjsna__2025-07-summary-of-benefit-claims.pdf"
    brief = "housing-cold-damp-homes.pdf"
    rows = [_row(name, 3), _row(name, 6), _row(brief, 2)]
    texts = _page_texts(rows, shared_pdfs / "real", brief_pdfs)
    full = {
        name: read_pdf(shared_pdfs / "real" / name).pages,
        brief: read_pdf(brief_pdfs / brief).pages,
    }
    for (file, page), text in texts.items():
        ours, theirs = text.split("\n"), full[file][page - 1].split("\n")
        assert set(theirs) <= set(ours)
        assert len(ours) - len(theirs) <= 4  # at most a running header and footer


def test_tagger_meets_the_targets_on_the_holdout_split_it_was_tuned_on(
    shared_pdfs: Path, brief_pdfs: Path, encoder: Encoder, model_cache: Path
) -> None:
    # The "holdout" rows of determinants.jsonl are among the 431 pages TaggerSettings were
    # chosen on (grouped CV, bench/RESULTS.md), so this is a floor against regressions, not a
    # held-out estimate; on labels nobody tuned on (holdout2) micro-F1 is about 0.62.
    # ~250 page windows to embed: a second copy of the same model on two threads halves
    # the wait; the prototypes stay those of the session encoder (same model, same vectors).
    two_threads = load_encoder(ModelSettings(threads=2), model_cache)
    tagger = shared_tagger(encoder)
    report = measure("holdout", two_threads, tagger, shared_pdfs / "real", brief_pdfs)
    assert not report.missing
    assert report.micro.f1 >= 0.75, report.format_text()
    weak = {
        d: round(s.recall, 2)
        for d, s in report.per_determinant.items()
        if s.support and s.recall < 0.5
    }
    assert not weak, report.format_text()


def test_fresh_labels_cover_every_determinant_and_never_share_a_document() -> None:
    dev, holdout = (read_labels(path, known_ids=REQUIRED_DETERMINANTS) for path in FRESH_LABELS)
    assert len(dev) + len(holdout) >= 150
    assert not {r.file for r in dev} & {r.file for r in holdout}
    old = {r.key for r in read_labels(LABELS)}
    assert not old & {r.key for r in [*dev, *holdout]}
    for rows in (dev, holdout):
        assert {d for r in rows for d in r.determinants} == set(REQUIRED_DETERMINANTS)


def test_tagger_meets_a_recall_floor_on_the_fresh_labels(
    shared_pdfs: Path, encoder: Encoder, model_cache: Path
) -> None:
    # Measured when this test was written: micro recall 0.71, micro F1 0.74, every
    # determinant's recall at least 0.54 (income); the tagger before it scored 0.57 recall.
    # Both fresh files have since been used to choose TaggerSettings: a regression floor on
    # tuning data, not a held-out score (that is holdout2, bench/RESULTS.md).
    rows = [r for path in FRESH_LABELS for r in read_labels(path, known_ids=REQUIRED_DETERMINANTS)]
    texts = _page_texts(rows, shared_pdfs / "real", shared_pdfs / "real")
    two_threads = load_encoder(ModelSettings(threads=2), model_cache)
    predicted = predict_pages(texts, shared_tagger(encoder), two_threads)
    report = score_tags(rows, predicted, list(REQUIRED_DETERMINANTS))
    assert not report.missing
    assert report.micro.recall >= 0.68, report.format_text()
    assert report.micro.f1 >= 0.7, report.format_text()
    weak = {d: round(s.recall, 2) for d, s in report.per_determinant.items() if s.recall < 0.5}
    assert not weak, report.format_text()


@pytest.mark.slow  # ingests two real PDFs: kept out of the inner loop
def test_eval_tags_from_pdfs_scores_what_an_index_of_the_same_pdfs_holds(
    shared_pdfs: Path, encoder: Encoder, tmp_path: Path
) -> None:
    """`kb eval-tags --pdfs` cuts documents as ingest does, so its score equals the score of
    the tags an index of the same PDFs stores. It windowed each page on its own until now,
    which tags one page of each of these two real PDFs differently from their index."""
    folder = tmp_path / "docs"
    folder.mkdir()
    rows: list[dict[str, object]] = []
    for name in CUT_DIFFERS:
        shutil.copy2(shared_pdfs / "real" / name, folder / name)
        pages = len(PdfReader(folder / name).pages)
        # The labels only choose the pages: both readings are scored against the same ones.
        rows += [
            {"file": name, "page": n, "determinants": ["housing"]} for n in range(1, pages + 1)
        ]
    labels = tmp_path / "labels.jsonl"
    labels.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    settings = Settings(data_dir=tmp_path / "data")
    library = Library.open(settings, encoder=encoder)
    try:
        summary = Ingester(library.index, settings.chunks, parse_workers=1).run([folder])
        assert summary.indexed == len(CUT_DIFFERS)
        from_index = evaluate_tags(library, labels)
    finally:
        library.close()
    from_pdfs = evaluate_tags_from_pdfs(settings, labels, [folder], encoder=encoder)
    assert not from_index.missing and not from_pdfs.missing
    assert from_index.micro.true_positives + from_index.micro.false_positives > 0
    assert from_pdfs.as_dict() == from_index.as_dict()


if __name__ == "__main__":
    from tests.conftest import SHARED_DATA

    model = load_encoder(ModelSettings(), ROOT / "data" / "models")
    for half in ("tune", "holdout"):
        result = measure(half, model, shared_tagger(model), SHARED_DATA / "pdfs" / "real", BRIEFS)
        sys.stdout.write(f"\n== {half} ==\n{result.format_text()}\n")
