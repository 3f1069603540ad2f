"""Kinds of document read in one style, and the jargon among them is explained where it shows."""

from __future__ import annotations

import warnings

import pytest

from web.kinds import KINDS, explain_kind, kind_choices, label_kind

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("council_report", "Council report"),
        ("gov_report", "Government report"),
        ("academic_paper", "Academic paper"),
        ("report", "Report"),
        ("JSNA chapter", "JSNA chapter"),
        ("committee paper", "Committee paper"),
        ("  Briefing ", "Briefing"),
        ("", ""),
    ],
)
def test_kinds_read_in_one_style(kind: str, label: str) -> None:
    assert label_kind(kind) == label


def test_jargon_is_explained_and_plain_words_are_not() -> None:
    assert "Joint Strategic Needs Assessment" in explain_kind("JSNA chapter")
    assert "Joint Strategic Needs Assessment" in explain_kind("jsna_chapter")
    assert explain_kind("report") == ""


def test_results_and_filters_show_kinds_in_one_style(client: TestClient) -> None:
    # Words from a JSNA chapter (meals) and a report (damp homes), so both kinds are listed.
    html = client.get("/search?q=free+school+meals+and+damp+homes").text
    assert "JSNA chapter" in html and "Report" in html
    assert ">report<" not in html
    filters = html[html.index("Filter results") :]
    assert "Joint Strategic Needs Assessment" in filters


def test_the_document_page_explains_its_kind(client: TestClient, doc_ids: dict[str, str]) -> None:
    html = client.get(f"/documents/{doc_ids['school-meals.pdf']}").text
    assert "JSNA chapter" in html and "Joint Strategic Needs Assessment" in html


def test_a_chosen_kind_is_named_in_the_same_style(client: TestClient) -> None:
    html = client.get("/search?q=damp&kind=report").text
    assert "Type: Report" in html


def test_a_kind_chosen_by_an_admin_files_with_the_librarys_own_spelling() -> None:
    """A manifest wrote "gov report"; the list offers that, not a second "Government report"
    that would split the filter in two."""
    choices = kind_choices("council report", ["gov report", "council report"])
    labels = [label for _, label in choices]
    assert labels.count("Government report") == 1
    assert ("gov report", "Government report") in choices
    assert ("government report", "Government report") not in choices
    # A document keeps its own spelling, and every known kind is still offered.
    assert ("government report", "Government report") in kind_choices("government report", [])
    assert {label_kind(k) for k in KINDS} <= set(labels)
