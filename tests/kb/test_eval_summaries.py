"""Summaries worked out again from a library's stored chunks equal those stored at ingest, so a
change to the rules shows as the documents it changes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import search.index
from kb.eval.summaries import changed, main, summaries_again
from search.evidence.summary import SummarySentence
from search.library import Library


def test_the_rules_as_they_are_give_back_every_stored_summary(
    five_notes_library: Library,
) -> None:
    changes = summaries_again(five_notes_library)
    assert len(changes) == 5
    assert all(c.stored for c in changes)  # each note has a summary to compare
    assert changed(changes) == []


def test_a_changed_rule_shows_what_each_summary_loses_and_gains(
    five_notes_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        search.index, "summarise", lambda chunks: [SummarySentence("A new sentence.", 1)]
    )
    changes = changed(summaries_again(five_notes_library))
    assert len(changes) == 5
    for change in changes:
        assert change.gained == ["A new sentence."]
        assert change.lost == [s["text"] for s in change.stored]


def test_the_command_reports_and_writes_every_summary(
    five_notes_library: Library,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(Library, "open", classmethod(lambda cls, settings: five_notes_library))
    monkeypatch.setattr(Library, "close", lambda self: None)
    out = tmp_path / "summaries.json"
    assert main(["--json", str(out)]) == 0
    assert "5 of 5 summaries as stored" in capsys.readouterr().out
    rows = json.loads(out.read_text(encoding="utf-8"))
    assert len(rows) == 5 and all(r["stored"] == r["now"] for r in rows)
