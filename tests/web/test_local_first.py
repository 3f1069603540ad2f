"""Local work first, decided by the place counts stored at ingest, over every match."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from search.library import Library

QUERY = "people homes families villages"


def test_ingest_stores_how_often_each_place_is_named(library: Library) -> None:
    records = {r.file_name: r for r in library.catalogue.documents()}
    counts = records["rural-loneliness.pdf"].extra["place_counts"]
    assert counts["melton"] >= 2
    assert list(counts.values()) == sorted(counts.values(), reverse=True)
    assert "kent" in records["bus-routes.pdf"].extra["place_counts"]


def test_local_first_reorders_without_changing_the_set(client: TestClient) -> None:
    plain = client.get("/api/search", params={"q": QUERY}).json()
    local = client.get("/api/search", params={"q": QUERY, "local": "1"}).json()
    assert local["total"] == plain["total"]
    assert sorted(d["doc_id"] for d in local["documents"]) == sorted(
        d["doc_id"] for d in plain["documents"]
    )
    flags = [d["is_local"] for d in local["documents"]]
    assert True in flags and False in flags
    assert [d["rank"] for d in local["documents"]] == list(range(1, len(flags) + 1))
    # The same documents as without the box, local ones (by the tag each shows) moved up
    # within the strong matches and within the weak ones, each group in its order before.
    assert [d["doc_id"] for d in local["documents"]] == _local_first(plain["documents"])


def test_local_first_moves_a_local_document_above_one_ranked_before_it(
    client: TestClient,
) -> None:
    """A search whose first document is not local: ticking the box reorders the page."""
    params = {"q": "families and transport"}
    plain = client.get("/api/search", params=params).json()["documents"]
    local = client.get("/api/search", params={**params, "local": "1"}).json()["documents"]
    flags = [d["is_local"] for d in plain]
    assert flags != sorted(flags, reverse=True)  # a local document is ranked below another
    moved = _local_first(plain)
    assert [d["doc_id"] for d in local] == moved != [d["doc_id"] for d in plain]


def _local_first(documents: list[dict[str, Any]]) -> list[str]:
    """Document ids as local first orders a search by relevance: strong, then weak, local
    first within each, each group in the order without it."""
    ordered = sorted(documents, key=lambda d: (d["strength"] != "strong", not d["is_local"]))
    return [d["doc_id"] for d in ordered]
