"""Ingest a multi-page PDF and search it: a passage that runs over a page break links to the
page holding most of its words, as read back from the stored page text."""

from __future__ import annotations

import sqlite3
import warnings
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from tests.bench.page_links import DocumentText, Tally, check_passage
from tests.pdfs import write_lined_pdf
from web.app import create_app

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

# Eleven words each, so page one's 44 words leave a short tail the chunker carries over.
PAGE_ONE = [
    "Damp private rented homes in Loughborough make children's asthma much worse.",
    "Landlords were offered grants to fix mould and broken boilers quickly.",
    "Health visitors now refer cold homes straight to the district team.",
    "Most tenants who reported damp waited months before any repairs began.",
]
PAGE_TWO = [
    "Rural bus routes around Melton link villages to doctors and jobs.",
    "Older people without cars rely on community transport to see friends.",
    "Demand responsive minibuses replaced the buses that ran nearly empty.",
    "Volunteer drivers in the villages also take people to hospital appointments.",
    "Bus passes for older people help them reach the market town shops.",
]


def _write(path: Path) -> Path:
    return write_lined_pdf(path, [PAGE_ONE, PAGE_TWO])


@pytest.fixture(scope="module")
def client_and_library(
    encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[TestClient, Library]]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
        chunks={"max_words": 40, "overlap_words": 8},  # type: ignore[arg-type]
    )
    library = Library.open(settings, encoder=encoder)
    try:
        folder = tmp_path_factory.mktemp("pdfs")
        _write(folder / "two-pages.pdf")
        summary = Ingester(library.index, settings.chunks).run([folder])
        assert summary.indexed == 1, summary.outcomes
        yield TestClient(create_app(settings, library=library)), library
    finally:
        library.close()


def test_passage_over_a_page_break_links_to_the_page_with_most_of_its_words(
    client_and_library: tuple[TestClient, Library],
) -> None:
    client, library = client_and_library
    doc_id = next(iter(library.catalogue.doc_ids()))
    with closing(sqlite3.connect(library.settings.catalogue_path)) as db:
        text = DocumentText.read(db, doc_id)
    tally = Tally()
    spanning = 0
    for query in ("tenants waited for repairs and rural bus routes", "damp homes", "bus passes"):
        data = client.get("/api/search", params={"q": query}).json()
        for document in data["documents"]:
            for passage in document["passages"]:
                check_passage(tally, text, passage, query)
                spanning += passage["page_start"] != passage["page_end"]
    assert spanning, "no passage ran over the page break"
    assert tally.passages and tally.on_main_page == tally.passages, tally.misses
