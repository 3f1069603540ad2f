"""Totals, pages and filter counts are exact on a library larger than the ranking's candidates:
checked against a brute-force run of the match rule, with the real model and engine."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

import search.retrieval.searcher as searcher_module
from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.passages import Passage
from search.schema import Hit
from search.settings import SearchSettings, Settings
from search.store.base import VectorQuery
from tests.matching import brute_force_matches
from tests.pdfs import write_pdf
from web.evidence_views import by_determinant_json
from web.search_form import SearchForm
from web.searching import run_search

TOPICS = [
    "Families in cold damp homes need help with heating bills and mould.",
    "Rural bus routes link villages to doctors, shops and jobs for families.",
    "Free school meals and breakfast clubs help children from low income homes.",
    "Older people in villages feel lonely; lunch clubs and volunteers help.",
    "Knife crime and domestic abuse fell after youth workers joined the police team.",
]
DOCUMENTS = 30
QUERY = "help for families"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("counts")
    for n in range(DOCUMENTS):
        pages = [
            f"Report {n}. {TOPICS[n % len(TOPICS)]} Page one of a note on place {n}.",
            f"{TOPICS[(n + 2) % len(TOPICS)]} This second page closes note {n}.",
        ]
        write_pdf(root / "docs" / f"note-{n:02d}.pdf", pages, title=f"Note {n}")
    # The fewest candidates the settings allow, so the ranking sees only part of the matches.
    search = SearchSettings(candidates=10, page_size=4)
    settings = Settings(data_dir=root / "data", search=search)
    opened = Library.open(settings, encoder=encoder)
    summary = Ingester(opened.index, settings.chunks, parse_workers=1).run([root / "docs"])
    assert summary.indexed == DOCUMENTS
    yield opened
    opened.close()


def test_total_and_pages_list_every_matching_document_once(library: Library) -> None:
    expected = {h.doc_id for h in brute_force_matches(library, QUERY)}
    assert len(expected) > library.searcher.settings.candidates  # the cut-off is in play
    first = library.searcher.search(QUERY)
    assert first.total == len(expected)
    shown: list[str] = []
    for page in range(1, first.page_count + 1):
        results = library.searcher.search(QUERY, page=page)
        assert results.total == len(expected)
        shown += [d.doc_id for d in results.documents]
    assert sorted(shown) == sorted(expected)  # each once, none missing


def test_every_filter_count_is_the_total_once_ticked(library: Library) -> None:
    outcome = run_search(library, SearchForm(q=QUERY))
    determinants = outcome.facets["determinant"]
    assert len(determinants) >= 3
    for option in determinants:
        ticked = run_search(library, SearchForm(q=QUERY, determinants=(option.value,)))
        assert option.count == ticked.results.total, option.value
        assert option.count < outcome.results.total or len(determinants) == 1
    lenses = outcome.facets["lens"]
    for option in lenses:
        ticked = run_search(library, SearchForm(q=QUERY, lenses=(option.value,)))
        assert option.count == ticked.results.total, option.value


def test_best_passage_per_determinant_covers_every_counted_determinant(library: Library) -> None:
    outcome = run_search(library, SearchForm(q=QUERY))
    counted = {o.value: o.count for o in outcome.facets["determinant"]}
    items = {item.determinant.id: item for item in outcome.by_determinant}
    assert items.keys() == counted.keys()
    matched = {h.id for h in brute_force_matches(library, QUERY)}
    hit_ids = {h.id for h in outcome.results.hits}
    for determinant, item in items.items():
        assert item.documents == counted[determinant]
        assert item.hit.id in matched  # a passage that matches, not just a fused candidate
        assert determinant in item.hit.payload.get("determinants", [])
        assert item.hit.is_body
    # Some determinant's matching passages all lie beyond the ranking's ten candidates.
    assert any(item.hit.id not in hit_ids for item in items.values())


def test_one_wide_page_lists_the_documents_in_the_pages_order(library: Library) -> None:
    """A spreadsheet or feed of the results is one wide page: same documents, same order."""
    first = library.searcher.search(QUERY)
    paged: list[str] = []
    for page in range(1, first.page_count + 1):
        paged += [d.doc_id for d in library.searcher.search(QUERY, page=page).documents]
    wide = library.searcher.search(QUERY, page_size=first.total)
    assert [d.doc_id for d in wide.documents] == paged
    assert [d.rank for d in wide.documents] == list(range(1, len(paged) + 1))


def test_best_passages_count_within_the_results_when_a_determinant_is_ticked(
    library: Library,
) -> None:
    unfiltered = run_search(library, SearchForm(q=QUERY))
    # A determinant whose matching passages are about another one as well.
    for option in unfiltered.facets["determinant"]:
        form = SearchForm(q=QUERY, determinants=(option.value,))
        outcome = run_search(library, form)
        items = {i["id"]: i for i in by_determinant_json(outcome.by_determinant, form)}
        if len(items) > 1:
            break
    assert len(items) > 1, "no passage carries two determinants"
    total = outcome.results.total
    assert items[option.value]["documents"] == total  # every result has a passage about it
    assert items[option.value]["search_url"] == form.url()
    matched = {h.id: h for h in brute_force_matches(library, QUERY)}
    for determinant, item in items.items():
        if determinant == option.value:
            continue
        both = {
            h.doc_id
            for h in matched.values()
            if {option.value, determinant} <= set(h.payload.get("determinants", []))
        }
        assert item["documents"] == len(both) <= total
        # Ticking it as well would widen the search (OR within a group): no link narrows to both.
        assert item["search_url"] is None


def test_the_ranking_order_is_kept_for_the_documents_it_reaches(library: Library) -> None:
    expected = {h.doc_id for h in brute_force_matches(library, QUERY)}
    results = library.searcher.search(QUERY)  # every page asks the store for its candidates
    candidates = library.searcher.settings.candidates
    ranked = list(dict.fromkeys(h.doc_id for h in library.searcher.hits(QUERY, limit=candidates)))
    ranked = [d for d in ranked if d in expected]
    assert [d.doc_id for d in results.documents] == ranked[: len(results.documents)]


def test_documents_the_ranking_missed_read_their_passages_in_one_request(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = library.store
    query, retrieve = store.query, store.retrieve
    reads: list[list[str]] = []

    def short_ranking(request: VectorQuery) -> list[Hit]:
        # The ranking reaches one passage and the query narrowed to the documents it missed
        # finds nothing, so each of those must show its matched chunks, read by id.
        if request.filters.doc_ids:
            return []
        return query(request)[:1] if request.mode == "hybrid" else query(request)

    def counting(ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        reads.append(list(ids))
        return retrieve(ids, fields)

    library.searcher.search(QUERY)  # the chunk table reads what it needs first
    monkeypatch.setattr(store, "query", short_ranking)
    monkeypatch.setattr(store, "retrieve", counting)
    results = library.searcher.search(QUERY)
    ranked = {h.doc_id for h in results.hits}
    missed = [d for d in results.documents if d.doc_id not in ranked]
    assert len(missed) == len(results.documents) - 1 >= 2
    assert all(d.passages for d in results.documents)
    # One read for every missed document, not one each (the ranked one's passages are read
    # whole in a read of their own, before).
    theirs = {p.chunk_id for d in missed for p in d.passages}
    assert len([ids for ids in reads if theirs & set(ids)]) == 1
    assert theirs <= set(reads[-1])


def test_passages_are_cut_for_the_shown_documents_only(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    cut: list[str] = []
    original = searcher_module.document_passages

    def counting(hits: Sequence[Hit]) -> list[Passage]:
        cut.extend(h.doc_id for h in hits[:1])
        return original(hits)

    monkeypatch.setattr(searcher_module, "document_passages", counting)
    results = library.searcher.search(QUERY)
    assert len({h.doc_id for h in results.hits}) > len(results.documents)  # more were ranked
    assert sorted(cut) == sorted(d.doc_id for d in results.documents)
    assert all(d.passages for d in results.documents)


def test_passages_of_equal_score_are_cut_in_the_same_order_every_time(library: Library) -> None:
    """The notes repeat five texts, so passages tie; the engine meets ties in no fixed order."""
    orders = {
        tuple(h.id for h in library.searcher.search(QUERY, page_size=24).hits) for _ in range(8)
    }
    assert len(orders) == 1
