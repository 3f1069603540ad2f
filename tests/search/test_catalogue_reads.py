"""Catalogue reads that pages use: bounded by what is asked for, never the whole table."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import pytest

from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.schema import DocumentMeta


def _record(doc_id: str, added_at: float, extra: dict[str, object] | None = None) -> DocumentRecord:
    return DocumentRecord(
        doc_id, DocumentMeta(title=doc_id), f"{doc_id}.pdf", f"/x/{doc_id}.pdf", 3, 1, added_at,
        extra or {},
    )  # fmt: skip


@pytest.fixture
def catalogue(tmp_path: Path) -> Iterator[Catalogue]:
    opened = Catalogue(tmp_path / "catalogue.sqlite")
    for n, doc_id in enumerate(["a", "b", "c", "d"]):
        record = _record(doc_id, float(n))
        opened.add_document(record, ["one", "two", "three"], FileOutcome(record.path, "f", "ok"))
    yield opened
    opened.close()


def test_newest_yields_most_recently_added_first(catalogue: Catalogue) -> None:
    assert [r.doc_id for r in islice(catalogue.newest(), 2)] == ["d", "c"]


def test_visible_among_keeps_only_committed_documents(catalogue: Catalogue) -> None:
    many = {f"missing-{n}" for n in range(1200)} | {"a", "c"}  # more than one IN batch
    assert catalogue.visible_among(many) == {"a", "c"}
    catalogue.remove_document("a")
    assert catalogue.visible_among(many) == {"c"}


def test_page_texts_reads_a_range_of_pages(catalogue: Catalogue) -> None:
    assert catalogue.page_texts("b", 2, 5) == {2: "two", 3: "three"}
    assert catalogue.page_texts("b", 1, 0) == {}


def test_evidence_rows_follow_the_documents_extra(catalogue: Catalogue) -> None:
    strongest = {"housing": {"chunk": "c1", "strength": 0.8, "passages": 3}}
    extra = {"determinants": {"housing": 0.5}, "places": ["leicester"], "strongest": strongest}
    catalogue.update_extra("a", extra)
    assert catalogue.determinant_totals() == {"housing": (1, 3)}
    [found] = catalogue.strongest_passages("housing", ["leicester"], 10)
    assert (found.document.doc_id, found.chunk_id, found.is_local) == ("a", "c1", True)
    assert catalogue.newest_about("housing", 5)[0].doc_id == "a"
    assert "a" not in catalogue.lacking_evidence()
    catalogue.remove_document("a")  # its evidence rows go with it
    assert catalogue.determinant_totals() == {}
    assert catalogue.strongest_passages("housing", [], 10) == []
