"""The site's spelling suggestions: a search through `run_search` of a small library of five
notes (real model, real engine) finds a typo's word, looks nothing up for a search whose words
are all known, never offers a word only a hidden document holds, finds a word however it is
spelt, and the page bolds the words the suggestion changes. (The speller itself, and the
suggestion made of its candidates: tests/search/test_spelling.py.)"""

from __future__ import annotations

import pytest

import search.retrieval.searcher as searcher_module
from search.analysis import terms
from search.curation import correct_document
from search.library import Library
from search.retrieval.spelling import Speller
from search.retrieval.strong_matches import LibraryWords
from search.schema import Filters
from search.store.core import payload_passes
from tests.libraries import FIVE_NOTES
from web.search_form import SearchForm
from web.searching import run_search
from web.templating import changed_words


@pytest.fixture
def library(five_notes_library: Library) -> Library:
    """The five notes, not tests/web's four PDFs: the tests ask for the notes' words."""
    return five_notes_library


def test_a_search_whose_words_are_all_known_looks_nothing_up_for_a_suggestion(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a word the speller does not know costs a keyword lookup (the word list is read
    once, by the site in the background after its start)."""
    looked_up: list[str] = []
    monkeypatch.setattr(LibraryWords, "uses", lambda self, stem: looked_up.append(stem) or 0)
    found = run_search(library, SearchForm(q="lonely people in villages")).results
    assert found.unused_words == () and found.suggested_query is None and looked_up == []
    run_search(library, SearchForm(q="lonely people in villagez"))
    assert looked_up  # the same search with a word the speller does not know


def test_a_word_list_that_cannot_be_read_costs_the_suggestion_not_the_search(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(names: tuple[str, ...]) -> Speller:
        raise OSError("the word list is gone")

    monkeypatch.setattr(searcher_module, "default_speller", broken)
    found = run_search(library, SearchForm(q="Lonley people in villages")).results
    assert found.unused_words == ("lonley",) and found.suggested_query is None
    assert found.documents  # the search itself answers


def test_a_search_with_a_typo_suggests_the_word_the_library_uses(library: Library) -> None:
    found = run_search(library, SearchForm(q="Lonley people in villages")).results
    assert found.unused_words == ("lonley",)
    assert found.suggested_query == "Lonely people in villages"
    again = run_search(library, SearchForm(q=found.suggested_query)).results
    assert again.unused_words == () and again.suggested_query is None
    assert "lonely" in again.documents[0].passages[0].text


def test_a_long_search_has_its_unknown_words_looked_up_for_a_suggestion(
    library: Library,
) -> None:
    """Past `unused_word_checks` words no word is looked up for strength, but words the speller
    does not know are, for the suggestion alone."""
    long = (
        "what do lonley older people in small rural villages say helps them feel less alone,"
        " like lunch clubs, volunteers and buses"
    )
    checks = library.searcher.matching.unused_word_checks
    assert len(terms(long)) > checks
    found = run_search(library, SearchForm(q=long)).results
    assert found.unused_words == ()  # strength is judged as it was calibrated
    assert found.suggested_query == long.replace("lonley", "lonely")
    off = library.searcher.matching.model_copy(update={"unused_word_checks": 0})
    library.searcher.matching = off
    assert run_search(library, SearchForm(q=long)).results.suggested_query is None


def test_a_word_only_a_hidden_document_holds_is_never_suggested(library: Library) -> None:
    # FIVE_NOTES[1], "Note 1", is the only note that says "lonely".
    (lonely,) = [r for r in library.catalogue.documents() if r.meta.title == "Note 1"]
    visitor = library.scoped(("public",))
    before = run_search(visitor, SearchForm(q="lonley villages")).results
    assert before.suggested_query == "lonely villages"
    correct_document(library.store, library.catalogue, lonely.doc_id, {"access": "internal"})
    after = run_search(visitor, SearchForm(q="lonley villages")).results
    assert after.unused_words == ("lonley",) and after.suggested_query is None
    admin = run_search(library, SearchForm(q="lonley villages")).results
    assert admin.suggested_query == "lonely villages"  # an admin still sees the note


def test_the_page_shows_which_words_the_suggestion_changes() -> None:
    assert str(changed_words("damp hoems & mould", "damp homes & mould")) == (
        "damp <strong>homes</strong> &amp; mould"
    )
    assert str(changed_words("<b>greenspace</b> access", "<b>green space</b> access")) == (
        "<strong>&lt;b&gt;green space&lt;/b&gt;</strong> access"
    )


def test_a_typo_whose_stem_the_library_uses_is_mended_and_strength_unchanged(
    library: Library,
) -> None:
    """ "heatting" stems to "heat", which "heating" gives: no word is unused, yet the library
    never writes "heatting", and the English list does not know it."""
    found = run_search(library, SearchForm(q="help with heatting bills")).results
    assert found.unused_words == ()  # strength judges the search as before
    assert found.suggested_query == "help with heating bills"


def test_a_word_the_library_writes_as_typed_is_not_mended(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A word English lacks but a passage holds as written (here "homes", for a speller
    without it) is meant, though a known word ("holes") is one edit away."""
    speller = Speller({"holes": 900, "homing": 10, "damp": 900})
    monkeypatch.setattr(searcher_module, "default_speller", lambda names: speller)
    assert run_search(library, SearchForm(q="damp homes")).results.suggested_query is None
    words = LibraryWords(library.store, 100)
    assert words.uses("home") > 0
    assert words.written(["homes", "homing", "lunch clubs", "lunch clbs"]) == {
        "homes",
        "lunch clubs",
    }


def test_a_word_is_found_however_the_query_or_the_document_spells_it(library: Library) -> None:
    # The notes write "mould"; the search writes it the American way.
    british = run_search(library, SearchForm(q="damp mould")).results
    american = run_search(library, SearchForm(q="damp mold")).results
    assert american.unused_words == () and american.suggested_query is None
    assert [d.doc_id for d in american.documents] == [d.doc_id for d in british.documents]
    assert american.total == british.total and american.strong_total == british.strong_total
    # Matched by its words, not only by meaning: the every-word rule holds "mould" for "mold".
    words = library.searcher.vector_query("damp mold", Filters(), 10).words
    assert words == (("damp",), ("mold", "mould"))
    texts = [{"text": note} for note in FIVE_NOTES]
    assert sum(payload_passes(t, Filters(all_words=words)) for t in texts) == 2
