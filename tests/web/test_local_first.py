"""Local work first, decided by the place counts stored at ingest, over every match."""

from __future__ import annotations

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
    assert flags == sorted(flags, reverse=True) and True in flags and False in flags
    assert [d["rank"] for d in local["documents"]] == list(range(1, len(flags) + 1))
