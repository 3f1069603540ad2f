"""Tags are written at ingest, can be rebuilt by `kb retag` without re-embedding, and scored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.pipeline import Ingester
from kb.tagging import run_eval_tags, run_retag
from search.library import Library
from search.models.encoder import Encoder
from search.schema import Filters
from search.settings import Settings
from tests.pdfs import write_pdf

HOUSING = (
    "Damp and mould in private rented homes in Loughborough. Landlords must fix disrepair; "
    "tenants in houses in multiple occupation face overcrowding and high rents, and some "
    "families end up in temporary accommodation after eviction. Housing standards officers "
    "inspect cold homes and enforce repairs under the housing health and safety rating system."
)
LONELY = (
    "Older people in rural villages in Melton often feel lonely and isolated. Befriending "
    "schemes, lunch clubs and volunteers help people make friends and stay connected with "
    "their community; social isolation is linked to poorer health in later life."
)


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Iterator[Library]:
    root = tmp_path_factory.mktemp("tags")
    write_pdf(root / "docs" / "housing.pdf", [HOUSING, HOUSING])
    write_pdf(root / "docs" / "lonely.pdf", [LONELY])
    settings = Settings(data_dir=root / "data", qdrant={"mode": "memory"})  # type: ignore[arg-type]
    opened = Library.open(settings, encoder=encoder)
    Ingester(opened.index, settings.chunks, parse_workers=1).run([root / "docs"])
    yield opened
    opened.close()


def _payloads(library: Library) -> dict[str, dict[str, object]]:
    return {h.id: h.payload for h in library.store.chunks(Filters())}


def _doc(library: Library, file_name: str) -> str:
    return next(d.doc_id for d in library.catalogue.documents() if d.file_name == file_name)


def test_ingest_tags_chunks_with_determinants_and_places(library: Library) -> None:
    housing = library.store.chunks(Filters(doc_ids=(_doc(library, "housing.pdf"),)))
    assert all("housing" in h.payload["determinants"] for h in housing)
    assert "charnwood" in housing[0].payload["places"]
    assert "leicestershire" in housing[0].payload["places"]
    assert library.store.count(Filters(determinants=("social_connection",))) >= 1
    record = library.catalogue.document(_doc(library, "lonely.pdf"))
    assert record is not None and record.extra["determinants"]["social_connection"] == 1.0
    assert "melton" in record.extra["places"]


def test_retag_rebuilds_the_same_tags_without_reembedding(library: Library) -> None:
    before = _payloads(library)
    library.store.set_payload({i: {"determinants": [], "places": []} for i in before})
    assert library.store.count(Filters(determinants=("housing",))) == 0
    records = {r.doc_id: r.extra for r in library.catalogue.documents()}
    for doc_id, extra in records.items():
        library.catalogue.update_extra(
            doc_id, {**extra, "place_counts": {}, "lenses": [], "lens_passages": {}}
        )
    assert library.catalogue.lens_totals() == {}
    assert run_retag(library) == len(before)
    assert json.dumps(_payloads(library), sort_keys=True) == json.dumps(before, sort_keys=True)
    # The document's stored place counts and lenses come back as ingest wrote them.
    after = {r.doc_id: r.extra for r in library.catalogue.documents()}
    for doc_id, extra in records.items():
        assert after[doc_id]["place_counts"] == extra["place_counts"]
        assert after[doc_id]["lenses"] == extra["lenses"]
        assert after[doc_id]["lens_passages"] == extra["lens_passages"]
    assert library.catalogue.lens_totals() == library.store.facet("lenses", None, 100) != {}
    assert after[_doc(library, "lonely.pdf")]["place_counts"]["melton"] >= 2


def test_eval_tags_scores_the_indexed_pages(library: Library, tmp_path: Path) -> None:
    labels = tmp_path / "labels.jsonl"
    rows = [
        {"file": "housing.pdf", "page": 1, "determinants": ["housing"]},
        {"file": "lonely.pdf", "page": 1, "determinants": ["social_connection"]},
        {"file": "missing.pdf", "page": 3, "determinants": ["food"]},
    ]
    labels.write_text("".join(json.dumps(r) + "\n" for r in rows))
    report = run_eval_tags(library, labels)
    assert report["pages_missing"] == 1
    assert report["determinants"]["housing"]["recall"] == 1.0
    assert report["determinants"]["social_connection"]["recall"] == 1.0
