"""A query pasted from a PDF (ligatures, full-width letters, soft hyphens) is folded as the
index's text was, so it finds what the same words typed plainly find: real model, real store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.pdf import clean_text
from search.folding import fold_characters
from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.searcher import SearchResults
from search.schema import Filters
from search.settings import Settings
from tests.libraries import FIVE_NOTES, build_notes

TEXTS = [
    *FIVE_NOTES,
    "Families in financial difficulties can ask the council for help with debts and rent.",
    "Official figures show more children missing school after the pandemic.",
]

# (as pasted from a PDF, as typed): U+FB01 'ﬁ', U+FB03 'ﬃ', U+FB00 'ﬀ', full-width, soft hyphen.
PASTED = [
    ("\ufb01nancial di\ufb03culties", "financial difficulties"),
    ("o\ufb03cial figures", "official figures"),
    ("di\ufb00icult debts", "difficult debts"),
    ("\uff44\uff41\uff4d\uff50 homes", "damp homes"),
    ("lone\u00adly villages", "lonely villages"),
]


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Library]:
    data = build_notes(tmp_path_factory.mktemp("folding"), TEXTS, encoder)
    opened = Library.open(Settings(data_dir=data), encoder=encoder)
    yield opened
    opened.close()


def _shown(results: SearchResults) -> list[tuple[str, str, float | None]]:
    return [(d.doc_id, d.strength, d.best_cosine) for d in results.documents]


def test_fold_spells_out_ligatures_and_drops_invisible_marks() -> None:
    assert fold_characters("\ufb01nancial di\ufb03culties") == "financial difficulties"
    assert fold_characters("\uff2e\uff28\uff33 lone\u00adly") == "NHS lonely"
    plain = "cold homes"
    assert fold_characters(plain) is plain


def test_the_index_cleans_page_text_with_the_same_fold() -> None:
    for pasted, typed in PASTED:
        assert clean_text(pasted) == fold_characters(pasted) == typed


@pytest.mark.parametrize(("pasted", "typed"), PASTED)
def test_pasted_and_typed_words_find_the_same_documents_as_strongly(
    library: Library, pasted: str, typed: str
) -> None:
    plain = library.searcher.search(typed)
    folded = library.searcher.search(pasted)
    assert plain.documents, typed
    assert _shown(folded) == _shown(plain)
    assert (folded.total, folded.strong_total) == (plain.total, plain.strong_total)
    # The results still say what the person searched for.
    assert folded.query == pasted


def test_the_financial_note_is_a_strong_match_for_the_pasted_words(library: Library) -> None:
    results = library.searcher.search("\ufb01nancial di\ufb03culties")
    first = results.documents[0]
    assert "financial difficulties" in first.passages[0].text
    assert first.strength == "strong"


def test_both_legs_and_the_vector_cache_see_the_folded_words(library: Library) -> None:
    searcher = library.searcher
    typed = searcher.vector_query("official figures", Filters(), 10)
    before = len(searcher.query_vectors)
    pasted = searcher.vector_query("o\ufb03cial figures", Filters(), 10)
    assert pasted.words == typed.words == (("official",), ("figures",))
    assert pasted.sparse == typed.sparse and pasted.dense == typed.dense
    assert len(searcher.query_vectors) == before  # the typed words' vector was reused
    ranked = [h.id for h in searcher.hits("o\ufb03cial figures", limit=5)]
    assert ranked == [h.id for h in searcher.hits("official figures", limit=5)]


@pytest.mark.parametrize("marked", ['"lonely villages"', "((lonely villages", "lonely villages)"])
def test_quotes_and_brackets_leave_closeness_and_strength_as_they_were(
    library: Library, marked: str
) -> None:
    """The model reads the words, not the marks around them: a quoted phrase may match fewer
    passages by its words, but each document it shows is as close and as strong."""
    plain = {
        d.doc_id: (d.strength, d.best_cosine)
        for d in library.searcher.search("lonely villages").documents
    }
    shown = library.searcher.search(marked).documents
    assert shown and shown[0].strength == "strong"
    for document in shown:
        assert (document.strength, document.best_cosine) == plain[document.doc_id]
