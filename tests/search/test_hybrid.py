"""Hybrid retrieval with the real model and engine: exact terms and meaning both land on top."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import Encoder
from search.retrieval.searcher import Searcher
from search.schema import Filters
from search.settings import Settings
from tests.pdfs import write_pdf

DOCS = {
    "codes.pdf": [
        "Form QX-17B must be filed with the licensing team before the annual inspection."
    ],
    "lonely.pdf": [
        "Many elderly residents of small villages spend whole days without speaking to anyone."
    ],
    "bins.pdf": ["Waste collection moves to fortnightly rounds for garden refuse in the spring."],
    "roads.pdf": ["Resurfacing of the A6 corridor will close two lanes overnight for a month."],
    "schools.pdf": [
        "Pupils eligible for free school meals were less likely to reach expected levels."
    ],
}


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("hybrid")
    for name, pages in DOCS.items():
        write_pdf(root / "docs" / name, pages)
    settings = Settings(data_dir=root / "data")
    opened = Library.open(settings, encoder=encoder)
    Ingester(opened.index, settings.chunks, parse_workers=1).run([root / "docs"])
    yield opened
    opened.close()


def _top(library: Library, query: str, mode: str) -> list[str]:
    results = library.searcher.search(query, mode=mode)  # type: ignore[arg-type]
    return [r.document.file_name for r in results.documents[:3]]


def test_exact_code_is_found_by_keywords(library: Library) -> None:
    assert _top(library, "QX-17B", "hybrid")[0] == "codes.pdf"
    assert _top(library, "QX-17B", "sparse") == ["codes.pdf"]


def test_meaning_without_shared_words_is_found_by_the_model(library: Library) -> None:
    query = "isolation among older people in rural areas"
    assert "lonely.pdf" in _top(library, query, "hybrid")
    assert _top(library, query, "sparse") == []  # no shared words: keywords alone miss it
    assert _top(library, query, "dense")[0] == "lonely.pdf"


def test_results_carry_page_numbers_and_metadata(library: Library) -> None:
    result = library.searcher.search("free school meals").documents[0]
    assert result.document.file_name == "schools.pdf"
    assert result.passages[0].page_start == 1
    assert "free school meals" in result.passages[0].text


def test_long_query_rule_is_off_by_default_and_sends_long_queries_to_dense_when_set(
    library: Library,
) -> None:
    searcher = library.searcher
    long_query = "elderly residents small villages whole days without speaking anyone"
    assert searcher.settings.long_query_terms == 0  # the default: every query is fused
    assert searcher.vector_query(long_query, Filters(), 10).mode == "hybrid"
    capped = Searcher(
        searcher.store,
        searcher.catalogue,
        searcher.encoder,
        searcher.settings.model_copy(update={"long_query_terms": 5}),
    )
    request = capped.vector_query(long_query, Filters(), 10)
    assert request.mode == "dense" and request.sparse is None
    assert capped.vector_query("free school meals", Filters(), 10).mode == "hybrid"
