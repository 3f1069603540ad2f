"""Grouped cross-validation never lets a document's pages sit on both sides, and labelled pages
are read from PDFs as ingest reads them; bad names and missing files are left out, not guessed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kb.eval.tag_pages import find_pdf, read_labelled_chunks, read_labelled_pages
from kb.eval.tag_tuning import (
    PREVIOUS,
    Windows,
    candidate_settings,
    cross_validate,
    document_folds,
    embed_windows,
    main,
    predict_with,
    refuse_held_out,
    score_settings,
)
from kb.eval.tags import LabelError, LabelRow, embed_chunks
from search.evidence.determinants import Tagger, TaggerSettings, load_taxonomy
from search.models.encoder import Vectors
from tests.doubles import HashingEncoder
from tests.pdfs import write_pdf

HOUSING = (
    "Private tenants live in cold damp homes with mould; families wait on the housing register "
    "and many are placed in temporary accommodation while the council looks for a tenancy."
)
TRANSPORT = (
    "Rural bus services were cut, so villagers without a car cannot reach the town; the council "
    "is funding community transport, safer cycle routes and better walking paths to the station."
)


def _rows() -> list[LabelRow]:
    rows = []
    for doc in range(10):
        for page in (1, 2):
            dets = frozenset({"housing"} if doc % 2 else {"transport"})
            rows.append(LabelRow(f"doc{doc}.pdf", page, dets))
    return rows


def _windows(rows: list[LabelRow], encoder: HashingEncoder) -> Windows:
    pages = {r.key: HOUSING if "housing" in r.determinants else TRANSPORT for r in rows}
    return embed_windows(pages, encoder)


def test_document_folds_keep_each_document_whole_and_are_reproducible() -> None:
    files = [f"doc{i % 7}.pdf" for i in range(40)]
    folds = document_folds(files, 3)
    assert set(folds) == set(files)
    assert sorted(folds.values()).count(0) in (2, 3)
    assert document_folds(list(reversed(files)), 3) == folds


def test_a_higher_threshold_never_adds_a_tag() -> None:
    encoder = HashingEncoder()
    tagger = Tagger(load_taxonomy(), encoder)
    rows = _rows()
    base = TaggerSettings()
    low, high = (
        TaggerSettings(threshold=base.threshold - 1),
        TaggerSettings(threshold=base.threshold + 1),
    )
    loose, strict = predict_with(tagger, _windows(rows, encoder), rows, [low, high])
    assert loose.shape == (len(rows), len(tagger.ids))
    assert not (strict & ~loose).any()


def test_cross_validation_scores_every_page_once_with_a_choice_per_fold() -> None:
    encoder = HashingEncoder()
    tagger = Tagger(load_taxonomy(), encoder)
    rows = _rows()
    candidates = candidate_settings(tagger.settings)[:6]
    result = cross_validate(tagger, _windows(rows, encoder), rows, candidates, folds=5)
    assert result.report.pages_scored == len(rows)
    assert len(result.chosen) == 5
    assert all(c in candidates for c in result.chosen)
    micro = result.report.micro
    assert micro.true_positives + micro.false_negatives == len(rows)
    # The labels travel with the tags, so a caller compares taggers page by page without them.
    labels = [[d in r.determinants for d in tagger.ids] for r in rows]
    assert result.truth.tolist() == labels
    assert int((result.predicted & result.truth).sum()) == micro.true_positives


def test_labelled_pages_are_read_like_ingest_and_bad_names_are_left_out(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    write_pdf(first / "one.pdf", [HOUSING, TRANSPORT])
    write_pdf(second / "one.pdf", ["A different file with the same name, later in the list."])
    write_pdf(second / "two.pdf", [TRANSPORT])
    rows = [
        LabelRow("one.pdf", 2, frozenset({"transport"})),
        LabelRow("two.pdf", 1, frozenset({"transport"})),
        LabelRow("two.pdf", 5, frozenset()),  # no such page
        LabelRow("../a/one.pdf", 1, frozenset()),  # a path, not a file name
        LabelRow("absent.pdf", 1, frozenset()),
    ]
    pages = read_labelled_pages(rows, [first, second])
    assert set(pages) == {("one.pdf", 2), ("two.pdf", 1)}
    assert "Rural bus services" in pages[("one.pdf", 2)]
    assert find_pdf("../a/one.pdf", [second]) is None
    assert find_pdf("one.pdf", [first, second]) == first / "one.pdf"


def test_labelled_chunks_are_cut_from_the_whole_document_as_ingest_cuts_them(
    tmp_path: Path,
) -> None:
    # Page 1 has 190 words: one full chunk, then a 40-word tail too short to stand alone,
    # which ingest's chunker carries onto page 2. Cutting page 2 on its own would miss it.
    first = " ".join(f"first{i}" for i in range(190))
    second = " ".join(f"second{i}" for i in range(100))
    write_pdf(tmp_path / "doc.pdf", [first, second])
    rows = [LabelRow("doc.pdf", 1, frozenset()), LabelRow("doc.pdf", 2, frozenset())]
    rows.append(LabelRow("doc.pdf", 3, frozenset()))  # no such page: left out
    chunks = read_labelled_chunks(rows, [tmp_path], max_words=180, overlap_words=30)
    assert set(chunks) == {("doc.pdf", 1), ("doc.pdf", 2)}
    (carried,) = chunks[("doc.pdf", 2)]
    assert carried.split()[0] == "first150" and carried.split()[-1] == "second99"
    assert chunks[("doc.pdf", 1)][-1] == carried
    assert len(chunks[("doc.pdf", 1)][0].split()) == 180


class CountingEncoder(HashingEncoder):
    def __init__(self) -> None:
        super().__init__(dimension=16)
        self.texts: list[str] = []

    def _encode(self, texts: list[str]) -> Vectors:
        self.texts.extend(texts)
        return super()._encode(texts)


def test_a_chunk_over_two_labelled_pages_is_embedded_once_and_scored_for_both() -> None:
    encoder = CountingEncoder()
    shared, own = "tail of one page and the start of the next", "the rest of the next page"
    windows = embed_chunks({("x.pdf", 1): [shared], ("x.pdf", 2): [shared, own]}, encoder)
    assert windows.keys == [("x.pdf", 1), ("x.pdf", 2), ("x.pdf", 2)]
    assert windows.texts == [shared, shared, own]
    assert encoder.texts == [shared, own]
    vectors = np.asarray(windows.vectors)
    assert np.array_equal(vectors[0], vectors[1]) and not np.array_equal(vectors[1], vectors[2])
    assert embed_chunks({("x.pdf", 3): []}, encoder).keys == []


def test_windows_keep_their_page_and_the_encoder_dimension() -> None:
    encoder = HashingEncoder(dimension=16)
    windows = embed_windows({("x.pdf", 1): " ".join(["word"] * 400), ("x.pdf", 2): ""}, encoder)
    assert windows.keys == [("x.pdf", 1)] * 3
    assert np.asarray(windows.vectors).shape == (3, 16)


def test_one_candidate_scores_the_same_with_or_without_cross_validation() -> None:
    encoder = HashingEncoder()
    tagger = Tagger(load_taxonomy(), encoder)
    rows = _rows()
    windows = _windows(rows, encoder)
    plain = score_settings(tagger, windows, rows, PREVIOUS)
    nested = cross_validate(tagger, windows, rows, [PREVIOUS], folds=4).report
    assert plain.as_dict() == nested.as_dict()


def test_held_out_rows_are_refused_for_tuning_but_may_be_scored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tune = LabelRow("a.pdf", 1, frozenset({"housing"}), split="tune")
    refuse_held_out([tune, LabelRow("a.pdf", 2, frozenset())])
    for split in ("holdout2", "second"):
        with pytest.raises(LabelError, match=split):
            refuse_held_out([tune, LabelRow("b.pdf", 1, frozenset(), split=split)])
    # The real holdout2 file, named to the harness without --score-only, stops before any
    # model or PDF is read.
    holdout2 = (
        Path(__file__).resolve().parents[2] / "corpus/labels/determinants-fresh2-holdout.jsonl"
    )
    assert main([str(holdout2), "--pdfs", str(tmp_path)]) == 2
    assert "'holdout2' may only be scored" in capsys.readouterr().err
