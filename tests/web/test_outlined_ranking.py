"""A search ranks its candidates as ids and scores, outlined from the chunk table, and reads
whole only the passages it shows (`Searcher.search`, `read_whole`). Real model, real engine,
the five notes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.searcher import read_whole
from search.schema import Hit
from search.settings import SearchSettings
from search.store.base import VectorQuery
from tests.libraries import opened_copy
from web.search_form import SearchForm
from web.searching import run_search
from web.vocabulary import vocabulary_of


class _Watched:
    """Notes, on the library's own store (the searcher's and the by-determinant reads' alike),
    which payload fields each query asked for and which ids were read with their text."""

    def __init__(self, store: Any, monkeypatch: pytest.MonkeyPatch) -> None:
        self.query_fields: list[tuple[str, ...] | None] = []
        self.read_with_text: list[str] = []
        query, retrieve = store.query, store.retrieve

        def watched_query(request: VectorQuery) -> list[Hit]:
            self.query_fields.append(request.payload_fields)
            return query(request)  # type: ignore[no-any-return]

        def watched_retrieve(ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
            if fields is None or "text" in fields:
                self.read_with_text.extend(ids)
            return retrieve(ids, fields)  # type: ignore[no-any-return]

        monkeypatch.setattr(store, "query", watched_query)
        monkeypatch.setattr(store, "retrieve", watched_retrieve)


@pytest.fixture
def one_a_page(five_notes: Path, tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    """The five notes' library, showing one document a page."""
    yield from opened_copy(
        five_notes, tmp_path / "data", encoder, search=SearchSettings(page_size=1)
    )


def test_a_search_reads_whole_only_the_passages_it_shows(
    one_a_page: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = one_a_page
    assert library.searcher.store is library.store  # one store to watch
    watched = _Watched(library.store, monkeypatch)
    form = SearchForm(q="families on low incomes and cold damp homes")
    outcome = run_search(library, form, vocabulary_of(library))
    results = outcome.results
    assert results.total >= 2 and len(results.documents) == 1  # more matched than shown
    # No query read a candidate's text: the ranking asked for ids and scores alone.
    assert all(fields is not None and "text" not in fields for fields in watched.query_fields)
    shown = [p.chunk_id for d in results.documents for p in d.passages]
    best = [item.hit.id for item in outcome.by_determinant]
    assert shown and best
    # Only the candidates the page shows come back whole.
    whole = [hit for hit in results.hits if "text" in hit.payload]
    assert whole and {hit.id for hit in whole} <= set(shown)
    assert set(best) - set(shown)  # some winners are read for the by-determinant list alone
    assert set(best) & set(shown)  # and some are passages the page shows
    assert set(watched.read_with_text) == set(shown) | set(best)
    # None is read twice: a winner the page shows is not read again for the list.
    assert len(watched.read_with_text) == len(set(watched.read_with_text))
    # What is shown is each chunk's own text and pages, with the ranking's score.
    stored = {h.id: h for h in library.store.retrieve(shown)}
    scores = {h.id: h.score for h in results.hits}
    for document in results.documents:
        for passage in document.passages:
            chunk = stored[passage.chunk_id]
            assert (passage.text, passage.page_start) == (chunk.text, chunk.page_start)
            assert passage.score == scores[passage.chunk_id]
            assert chunk.doc_id == document.doc_id


def test_reading_whole_keeps_order_and_scores_and_drops_what_is_gone(
    five_notes_library: Library,
) -> None:
    library = five_notes_library
    ranked = library.searcher.search("lonely older people in villages").hits
    assert len(ranked) >= 3
    outlined = [ranked[2], Hit("999999999", 0.5, {"doc_id": "gone"}), ranked[0]]
    whole = read_whole(library.store, [*outlined, ranked[1]])
    assert [h.id for h in whole] == [ranked[2].id, ranked[0].id, ranked[1].id]
    assert [h.score for h in whole] == [ranked[2].score, ranked[0].score, ranked[1].score]
    stored = {h.id: h.payload for h in library.store.retrieve([h.id for h in ranked[:3]])}
    assert all(h.text and h.text == stored[h.id]["text"] for h in whole)
