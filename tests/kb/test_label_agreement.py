"""Agreement between two labellers: kappa and micro F1 on hand-made rows, pages matched by key,
and a second labeller's page that no first file holds is refused rather than scored."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.eval.label_agreement import (
    bootstrap_f1,
    cohen_kappa,
    compare_labels,
    main,
    match_pages,
    score_against_both,
)
from kb.eval.tags import LabelError, LabelRow

IDS = ["housing", "income", "transport"]


def _row(page: int, *dets: str, file: str = "a.pdf") -> LabelRow:
    return LabelRow(file, page, frozenset(dets))


def test_kappa_matches_a_worked_example() -> None:
    # 50 pages: observed agreement 0.7, chance agreement 0.5*0.6 + 0.5*0.4 = 0.5.
    kappa = cohen_kappa(both=20, first_only=5, second_only=10, neither=15)
    assert kappa == pytest.approx(0.4)


def test_kappa_is_one_for_full_agreement_and_negative_below_chance() -> None:
    assert cohen_kappa(7, 0, 0, 13) == pytest.approx(1.0)
    assert cohen_kappa(0, 5, 5, 0) == pytest.approx(-1.0)


def test_kappa_is_undefined_when_nobody_ever_says_yes() -> None:
    assert cohen_kappa(0, 0, 0, 10) is None
    assert cohen_kappa(0, 0, 0, 0) is None


def test_compare_counts_overlap_exact_sets_and_kappa() -> None:
    first = [_row(1, "housing"), _row(2, "housing", "income"), _row(3), _row(4, "transport")]
    second = [_row(2, "housing"), _row(1, "housing"), _row(3), _row(4, "income")]
    result = compare_labels(first, second, IDS)
    micro = result.report.micro
    assert (micro.true_positives, micro.false_positives, micro.false_negatives) == (2, 1, 2)
    assert micro.precision == pytest.approx(2 / 3)
    assert micro.recall == pytest.approx(2 / 4)
    assert result.exact == 2 and result.exact_share == pytest.approx(0.5)
    assert result.first_counts == {"housing": 2, "income": 1, "transport": 1}
    assert result.second_counts == {"housing": 2, "income": 1, "transport": 0}
    assert result.kappa("housing") == pytest.approx(1.0)
    # income: first says page 2, second says page 4; two "no" pages agree.
    assert result.kappa("income") == pytest.approx(cohen_kappa(0, 1, 1, 2))


def test_f1_is_the_same_whichever_labeller_comes_first() -> None:
    first = [_row(1, "housing", "income"), _row(2, "transport"), _row(3, "income")]
    second = [_row(1, "housing"), _row(2, "transport", "income"), _row(3)]
    one = compare_labels(first, second, IDS).report.micro
    other = compare_labels(second, first, IDS).report.micro
    assert one.f1 == pytest.approx(other.f1)
    assert one.precision == pytest.approx(other.recall)


def test_a_page_without_a_first_label_is_refused() -> None:
    with pytest.raises(LabelError, match="1 page"):
        match_pages([_row(1, "housing")], [_row(1), _row(2, file="b.pdf")])


def test_a_page_in_two_first_files_is_refused() -> None:
    with pytest.raises(LabelError, match="more than one"):
        match_pages([_row(1, "housing"), _row(1)], [_row(1)])


def test_the_command_reports_each_first_file_and_a_plain_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = tmp_path / "first.jsonl"
    first.write_text(
        '{"file": "a.pdf", "page": 1, "determinants": ["housing"]}\n'
        '{"file": "a.pdf", "page": 2, "determinants": []}\n'
    )
    second = tmp_path / "second.jsonl"
    second.write_text('{"file": "a.pdf", "page": 1, "determinants": ["housing", "income"]}\n')
    assert main([str(second), "--first", str(first)]) == 0
    out = capsys.readouterr().out
    assert "== against first.jsonl" in out
    assert "micro precision 0.500 recall 1.000 F1 0.667" in out
    assert "exactly equal sets 0/1" in out
    stray = tmp_path / "stray.jsonl"
    stray.write_text('{"file": "b.pdf", "page": 9, "determinants": []}\n')
    assert main([str(stray), "--first", str(first)]) == 2
    assert "have no first label: b.pdf page 9" in capsys.readouterr().err


def test_bootstrap_interval_brackets_the_score_and_is_reproducible() -> None:
    first = [_row(p, "housing" if p % 2 else "income") for p in range(1, 21)]
    second = [_row(p, "housing" if p % 3 else "income") for p in range(1, 21)]
    f1 = compare_labels(first, second, IDS).report.micro.f1
    low, high = bootstrap_f1(first, second, IDS, draws=500)
    assert low < f1 < high
    assert bootstrap_f1(first, second, IDS, draws=500) == (low, high)


def test_bootstrap_of_identical_labels_is_a_point_and_ignores_unknown_ids() -> None:
    rows = [_row(1, "housing"), _row(2, "income", "transport"), _row(3)]
    assert bootstrap_f1(rows, rows, IDS, draws=200) == (1.0, 1.0)
    extra = [_row(1, "housing", "unlisted"), _row(2, "income", "transport"), _row(3)]
    assert bootstrap_f1(rows, extra, IDS, draws=200) == (1.0, 1.0)


def test_the_tagger_is_scored_against_each_labeller_on_the_same_pages() -> None:
    first = [_row(1, "housing"), _row(2, "income"), _row(3)]
    second = [_row(3, "transport"), _row(1, "housing"), _row(2, "income")]
    predicted = {("a.pdf", 1): {"housing"}, ("a.pdf", 2): set(), ("a.pdf", 3): {"transport"}}
    by_first, by_second = score_against_both(first, second, predicted, IDS)
    assert (by_first.micro.true_positives, by_first.micro.false_positives) == (1, 1)
    assert by_first.micro.false_negatives == 1
    assert (by_second.micro.true_positives, by_second.micro.false_positives) == (2, 0)
    assert by_second.micro.false_negatives == 1
    assert by_first.pages_scored == by_second.pages_scored == 3
