"""Pages of results partition one ranking: turning the page never shows a document twice or
skips one that the total counts. Real model, real engine, a small library built here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from search.library import Library
from search.models.encoder import Encoder
from search.settings import SearchSettings
from tests.libraries import build_notes, opened_copy

# Every note holds the search word, in different company, so every note matches and the
# fused ranking orders them by more than the one shared word.
TEXTS = [
    "Families in cold damp homes need help with heating bills and mould.",
    "Older people in villages feel lonely; lunch clubs help families.",
    "Free school meals and breakfast clubs help families on low incomes.",
    "Rural bus routes link families in villages to doctors and shops.",
    "Families with young children use the family hub for health visits.",
    "Carers and their families need short breaks and respite care.",
    "Food banks report more working families asking for parcels.",
    "Families in temporary accommodation wait longer for a settled home.",
    "Air pollution near schools worries families in the town centre.",
    "Parks and green spaces are used by families at the weekend.",
    "Debt advice helps families behind on rent and council tax.",
    "Families of armed forces veterans ask for mental health support.",
    "Smoking in pregnancy is falling, but not for all families.",
    "Families moving between districts lose touch with their GP.",
    "Young carers miss school; their families need support at home.",
    "Fuel poverty hits families in older, poorly insulated houses.",
    "Families of children with special needs wait for assessments.",
    "Libraries run homework clubs that families value.",
    "Domestic abuse services support families to stay safe.",
    "Families on the coast face seasonal work and low pay.",
    "Health visitors see families before and after birth.",
    "Families share cars in villages where buses are rare.",
]
QUERY = "families"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    return build_notes(tmp_path_factory.mktemp("paging"), TEXTS, encoder)


@pytest.fixture
def library(built: Path, tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    # Few candidates and small pages, so that later pages lie past the fused ranking's reach.
    search = SearchSettings(candidates=10, page_size=3)
    yield from opened_copy(built, tmp_path / "data", encoder, search=search)


@pytest.mark.parametrize("sort", ["relevance", "newest"])
def test_the_pages_show_every_counted_document_once(library: Library, sort: str) -> None:
    first = library.searcher.search(QUERY, sort=sort)  # type: ignore[arg-type]
    assert first.total == len(TEXTS)
    shown: list[str] = []
    for page in range(1, first.total // first.page_size + 2):
        results = library.searcher.search(QUERY, page=page, sort=sort)  # type: ignore[arg-type]
        assert results.total == first.total
        shown += [d.document.doc_id for d in results.documents]
        assert [d.rank for d in results.documents] == list(
            range(len(shown) - len(results.documents) + 1, len(shown) + 1)
        )
    assert len(shown) == len(set(shown)) == first.total
