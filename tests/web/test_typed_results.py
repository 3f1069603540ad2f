"""One set of typed results: the OpenAPI schema describes the shapes the views build, and the
JSON API answers with exactly those fields (the pages' own extras left out)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from web import models

# Each API route and the typed result it answers with.
ROUTES: dict[str, Any] = {
    "/api/search": models.SearchOut,
    "/api/documents/{doc_id}": models.DocumentOut,
    "/api/documents/{doc_id}/pages/{number}": models.PageOut,
    "/api/documents/{doc_id}/related": models.RelatedOut,
    "/api/determinants": models.DeterminantsOut,
    "/api/determinants/{determinant_id}": models.DeterminantOut,
    "/healthz": models.HealthOut,
}


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    data: dict[str, Any] = client.get("/openapi.json").json()
    return data


@pytest.mark.parametrize("path", sorted(ROUTES))
def test_the_schema_describes_every_field_of_the_typed_result(
    spec: dict[str, Any], path: str
) -> None:
    shape = ROUTES[path]
    answer = spec["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    name = answer["schema"]["$ref"].rsplit("/", 1)[-1]
    assert name == shape.__name__
    described = spec["components"]["schemas"][name]
    assert set(described["properties"]) == set(shape.__annotations__)
    assert set(described["required"]) == set(shape.__required_keys__)


def test_field_descriptions_reach_the_schema(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    assert "cite this one" in schemas["PassageOut"]["properties"]["page"]["description"]
    assert "0 to 1" in schemas["DeterminantShareOut"]["properties"]["share"]["description"]


def test_the_api_leaves_out_what_only_the_pages_use(
    client: TestClient, doc_ids: dict[str, str]
) -> None:
    data = client.get("/api/search", params={"q": "damp homes"}).json()
    passage = data["documents"][0]["passages"][0]
    assert set(passage) == set(models.PassageOut.__annotations__)  # no doc_id
    assert set(data) == set(models.SearchOut.__annotations__)
    doc_id = doc_ids["housing-damp.pdf"]
    page = client.get(f"/api/documents/{doc_id}/pages/1").json()
    assert set(page) == set(models.PageOut.__annotations__)  # no unit_label
    html = client.get(f"/documents/{doc_id}/pages/1").text
    assert "<title>Page 1 of" in html  # the page view still has its unit's word
