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
    assert canonical_kind("policy paper") == "policy paper"  # not a known kind: as stored
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
