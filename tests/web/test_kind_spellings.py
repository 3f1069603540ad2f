"""Two spellings of one kind of document ("gov report" from a manifest, "government report"
from the ingest's own reading) are one filter option, and ticking it finds both: real model,
real store."""

from __future__ import annotations

import pytest

from search.curation import correct_document
from search.library import Library
from web.kinds import canonical_kind, same_kinds
from web.search_form import SearchForm
from web.searching import run_search


@pytest.fixture
def library(five_notes_library: Library) -> Library:
    return five_notes_library


def _spell(library: Library, kinds: dict[int, str]) -> dict[int, str]:
    ids = {}
    for record in library.catalogue.documents():
        n = int(record.meta.title.split()[-1])
        ids[n] = record.doc_id
        if n in kinds:
            correct_document(library.store, library.catalogue, record.doc_id, {"kind": kinds[n]})
    return ids


def test_spellings_of_a_known_kind_are_one() -> None:
    assert canonical_kind("gov report") == canonical_kind("gov_report") == "government report"
    assert canonical_kind("Government report") == "government report"
    # A kind no list knows: its spellings are one too, abbreviations kept.
    assert canonical_kind("Policy_Paper") == canonical_kind("policy paper") == "policy paper"
    assert canonical_kind("NHS  bulletin") == canonical_kind("NHS_Bulletin") == "NHS bulletin"
    held = ["policy paper", "Policy_Paper", "briefing"]
    assert same_kinds(("policy paper",), held) == ("policy paper", "Policy_Paper")
    held = ["briefing", "gov report", "government report", "report"]
    assert same_kinds(("government report",), held) == ("government report", "gov report")
    assert same_kinds(("report",), held) == ("report",)  # "report" is not "government report"


def test_one_option_counts_both_spellings_and_ticking_it_finds_both(library: Library) -> None:
    # Notes 0 and 4 are both about damp homes; 0 from a manifest, 4 as the ingest names it.
    ids = _spell(library, {0: "gov report", 4: "government report", 2: "briefing"})
    # Every spelling held, each once, read by walking the kind index (not every document).
    held = {r.meta.kind for r in library.catalogue.documents() if r.meta.kind}
    assert library.catalogue.kind_spellings() == sorted(held)
    assert {"gov report", "government report", "briefing"} <= held
    plain = run_search(library, SearchForm(q="damp mould homes"))
    kinds = {o.value: o.count for o in plain.facets["kind"]}
    assert kinds.get("government report") == 2 and "gov report" not in kinds
    for chosen in ("government report", "gov report"):  # an old link names the stored spelling
        ticked = run_search(library, SearchForm(q="damp mould homes", kinds=(chosen,)))
        shown = {d.doc_id for d in ticked.results.documents}
        assert shown == {ids[0], ids[4]}, chosen
        assert ticked.results.total == kinds["government report"]
        options = {o.value: o for o in ticked.facets["kind"]}
        assert options["government report"].is_selected


def test_two_spellings_of_a_kind_no_list_knows_are_one_option(library: Library) -> None:
    # An admin typed one new kind two ways on the two damp-homes notes.
    ids = _spell(library, {0: "Policy_Paper", 4: "policy paper"})
    plain = run_search(library, SearchForm(q="damp mould homes"))
    kinds = {o.value: o for o in plain.facets["kind"]}
    assert kinds["policy paper"].count == 2 and "Policy_Paper" not in kinds
    ticked = run_search(library, SearchForm(q="damp mould homes", kinds=("policy paper",)))
    assert {d.doc_id for d in ticked.results.documents} == {ids[0], ids[4]}
    assert ticked.results.total == 2
