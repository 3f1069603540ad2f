"""A tiny real library for the web tests: four small PDFs, the real model, Qdrant in memory.

The passages are written to be tagged: each names determinants' seed terms and places (two
mentions make a document about a place), so every document has determinants, some have
several, and the places are local (Loughborough, Melton, Leicester) or not (Kent)."""

from __future__ import annotations

import csv
import os
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from tests.pdfs import write_lined_pdf
from web.app import create_app

os.environ["HF_HUB_OFFLINE"] = "1"

# Starlette 1.x warns when its test client runs on httpx rather than httpx2; the
# warning is about Starlette's own choice of client, not about our code.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

# file name -> pages, each a list of paragraphs; an empty page has no paragraphs.
DOCUMENTS: dict[str, list[list[str]]] = {
    "housing-damp.pdf": [
        [
            "Cold and damp homes in Leicestershire",
            "Damp and mould in cold homes harm the lungs of children and older people.",
            "In Loughborough fuel poverty is high: old houses have no insulation and energy "
            "bills are high.",
        ],
        [
            "Private rented homes are the most likely to be cold and damp.",
            "Tenants often cannot afford to heat their homes, so damp gets worse in winter.",
            "Landlords in Loughborough were offered help to fix damp, mould and broken boilers.",
        ],
        ["Home improvement grants and insulation cut damp and hospital visits for asthma."],
    ],
    "rural-loneliness.pdf": [
        [
            "Loneliness among older people in rural villages",
            "Older people in small villages often feel lonely when the bus service stops.",
            "Around Melton Mowbray rural bus services were cut; community transport helps "
            "people get about.",
        ],
        [
            "Lunch clubs, befriending calls and village hall activities reduce isolation.",
            "Volunteers in Melton run a friendship group and a lift scheme to the lunch club.",
        ],
    ],
    "school-meals.pdf": [
        [
            "Free school meals and child food poverty",
            "Many children who are eligible for free school meals do not claim them.",
            "In Leicester child poverty and the cost of living push low income households to "
            "food banks.",
        ],
        [],
        [
            "Automatic enrolment for free school meals helps families on low incomes.",
            "Schools in Leicester now give every hungry child breakfast and a healthy lunch.",
        ],
    ],
    "bus-routes.pdf": [
        [
            "Getting around without a car",
            "Rural bus routes link villages to market towns, doctors and jobs.",
            "In Kent the county council pays for bus routes that rural villages rely on.",
        ],
        [
            "Demand responsive transport can replace buses that run nearly empty.",
            "Bus passes for older people in Kent help them travel to the doctor and the shops.",
        ],
    ],
}

MANIFEST = [
    {
        "file": "housing-damp.pdf",
        "title": "Cold and damp homes in Leicestershire",
        "organisation": "Leicestershire County Council",
        "year": "2023",
        "kind": "report",
        "authors": "Housing Team; Public Health Team",
        "url": "https://example.org/damp",
    },
    {
        "file": "rural-loneliness.pdf",
        "title": "Loneliness among older people in rural villages",
        "organisation": "Rural Community Council",
        "year": "2021",
        "kind": "briefing",
        "authors": "",
        "url": "",
    },
    {
        "file": "school-meals.pdf",
        "title": "Free school meals and child food poverty",
        "organisation": "Leicestershire County Council",
        "year": "2019",
        "kind": "JSNA chapter",
        "authors": "",
        "url": "",
    },
    {
        "file": "bus-routes.pdf",
        "title": "Getting around without a car",
        "organisation": "Kent County Council",
        "year": "2016",
        "kind": "report",
        "authors": "",
        "url": "",
    },
]


def write_pdf(path: Path, pages: list[list[str]]) -> None:
    write_lined_pdf(path, pages, top=780.0, line_gap=40.0, left=60.0)


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, pages in DOCUMENTS.items():
        write_pdf(folder / name, pages)
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(MANIFEST[0]))
        writer.writeheader()
        writer.writerows(MANIFEST)
    return folder


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    # Small chunks, so most passages sit on one page and page links can be checked.
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        qdrant={"mode": "memory"},
        chunks={"max_words": 24, "overlap_words": 4},
        # The test passages are a sentence or two, closer to one another in meaning than a
        # real library's: a lower bar lets every document match the broad QUERY of the facet
        # tests (cosines 0.54-0.70), so the filters alone decide what is shown.
        match={"min_cosine": 0.5},
    )


@pytest.fixture(scope="session")
def library(
    settings: Settings, encoder: Encoder, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Library]:
    # The real model, shared with the rest of the suite through tests/conftest.py.
    opened = Library.open(settings, encoder=encoder)
    try:
        corpus = write_corpus(tmp_path_factory.mktemp("corpus"))
        summary = Ingester(opened.index, settings.chunks).run([corpus])
        assert summary.indexed == len(DOCUMENTS), summary.outcomes
        yield opened
    finally:
        opened.close()


@pytest.fixture(scope="session")
def client(settings: Settings, library: Library) -> TestClient:
    return TestClient(create_app(settings, library=library))


@pytest.fixture(scope="session")
def doc_ids(library: Library) -> dict[str, str]:
    """File name -> document id."""
    return {record.file_name: record.doc_id for record in library.catalogue.documents()}
