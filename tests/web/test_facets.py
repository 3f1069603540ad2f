"""Filter options and their counts, checked against a brute-force count over the test library's
documents: counts are of documents, each group ignores its own choices, and filters combine
with AND across groups and OR within one."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from fastapi.testclient import TestClient

from search.catalogue import DocumentRecord
from search.library import Library
from search.retrieval.chunk_table import COUNTED_FIELDS, ChunkTable
from search.retrieval.matching import ChunkMatch, Matches
from search.schema import Hit
from tests.matching import brute_force_matches
from web.facets import GROUPS as FACET_GROUPS
from web.facets import facet_options
from web.search_form import YEAR_BANDS, SearchForm, year_band
from web.searching import newest_documents, run_search
from web.vocabulary import default_vocabulary

# Every document in the test library is close in meaning to this (every passage at least 0.54;
# the web tests match from 0.5), so the search finds them all and the filters alone decide what
# is shown.
QUERY = "people homes families villages"
GROUPS = ("determinant", "lens", "place", "organisation", "kind", "years")


@dataclass(frozen=True)
class Doc:
    title: str
    chunks: list[dict[str, frozenset[str]]]  # for each passage matching QUERY: group -> values

    @property
    def values(self) -> dict[str, frozenset[str]]:
        return {g: frozenset().union(*(c[g] for c in self.chunks)) for g in GROUPS}


@pytest.fixture(scope="module")
def documents(library: Library) -> list[Doc]:
    """Each document's matching passages, with their values per group."""
    per_doc: dict[str, list[Hit]] = {}
    for hit in brute_force_matches(library, QUERY):
        per_doc.setdefault(hit.doc_id, []).append(hit)
    out = []
    for record in library.catalogue.documents():
        band = year_band(record.meta.year)
        fixed = {
            "organisation": frozenset({record.meta.organisation} - {""}),
            "kind": frozenset({record.meta.kind} - {""}),
            "years": frozenset({band.id} if band else set()),
        }
        chunks = [
            {
                "determinant": frozenset(h.payload.get("determinants") or []),
                "lens": frozenset(h.payload.get("lenses") or []),
                "place": frozenset(h.payload.get("places") or []),
                **fixed,
            }
            for h in per_doc.get(record.doc_id, [])
        ]
        if chunks:
            out.append(Doc(record.meta.title, chunks))
    return out


def _chunk_passes(
    chunk: dict[str, frozenset[str]], chosen: dict[str, list[str]], skip: str | None
) -> bool:
    return all(
        not values or bool(chunk[group] & set(values))
        for group, values in chosen.items()
        if group != skip
    )


def _passes(doc: Doc, chosen: dict[str, list[str]], skip: str | None = None) -> bool:
    """A document passes when one of its matching passages passes every group but `skip`
    (AND across groups, OR within one), as the store filters passages."""
    return any(_chunk_passes(c, chosen, skip) for c in doc.chunks)


def _expected_counts(docs: list[Doc], chosen: dict[str, list[str]], group: str) -> dict[str, int]:
    counts: dict[str, int] = dict.fromkeys(chosen.get(group, []), 0)
    for doc in docs:
        values: set[str] = set()
        for chunk in doc.chunks:
            if _chunk_passes(chunk, chosen, group):
                values |= chunk[group]
        for value in values:
            counts[value] = counts.get(value, 0) + 1
    return counts


def _search(client: TestClient, chosen: dict[str, list[str]]) -> dict[str, Any]:
    response = client.get("/api/search", params={"q": QUERY, **chosen})
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


CASES = {
    "no filters": {},
    "one determinant": {"determinant": ["transport"]},
    "two determinants (OR)": {"determinant": ["transport", "food"]},
    "determinant and place (AND)": {"determinant": ["income"], "place": ["leicestershire"]},
    "places and year bands": {"place": ["melton", "kent"], "years": ["2015-2019", "2020-2022"]},
    "three groups": {
        "organisation": ["Leicestershire County Council"],
        "determinant": ["housing", "food"],
        "years": ["2023-onwards", "before-2015"],
    },
    "nothing matches": {"place": ["kent"], "years": ["2023-onwards"]},
    "a lens and a determinant": {"lens": ["life_stage:older_people"], "determinant": ["transport"]},
}


@pytest.mark.parametrize("case", list(CASES))
def test_results_and_counts_match_a_brute_force_count(
    client: TestClient, documents: list[Doc], case: str
) -> None:
    chosen = CASES[case]
    data = _search(client, chosen)
    assert len(documents) == 4  # every document matches, as QUERY is chosen for
    expected = sorted(d.title for d in documents if _passes(d, chosen))
    if expected:
        assert sorted(d["title"] for d in data["documents"]) == expected
    else:
        # Nothing matches under these filters: at most the closest few are shown, all weak and
        # said to be only the closest, and none is counted.
        assert data["closest_only"] or not data["documents"]
        assert all(d["strength"] == "weak" for d in data["documents"])
    assert data["total"] == len(expected)
    for group in GROUPS:
        shown = {o["value"]: o["count"] for o in data["facets"][group]}
        assert shown == _expected_counts(documents, chosen, group), group
        selected = {o["value"] for o in data["facets"][group] if o["selected"]}
        assert selected == set(chosen.get(group, []))


def test_single_valued_groups_add_up_to_the_total(client: TestClient) -> None:
    data = _search(client, {"determinant": ["income", "transport"]})
    assert data["total"] >= 3
    for group in ("organisation", "kind", "years"):
        assert sum(o["count"] for o in data["facets"][group]) == data["total"], group


def test_a_document_with_several_determinants_counts_once_in_each(
    client: TestClient, documents: list[Doc]
) -> None:
    data = _search(client, {})
    counts = {o["value"]: o["count"] for o in data["facets"]["determinant"]}
    assert all(count <= data["total"] for count in counts.values())
    assert sum(counts.values()) == sum(len(d.values["determinant"]) for d in documents)
    assert any(len(d.values["determinant"]) >= 2 for d in documents)


def test_local_places_come_first_in_their_own_order(client: TestClient) -> None:
    places = [o["value"] for o in _search(client, {})["facets"]["place"]]
    local = ["leicestershire", "charnwood", "melton", "leicester", "east_midlands"]
    assert places[: len(local)] == local
    assert set(places[len(local) :]) == {"kent", "south_east"}


def test_facet_labels_are_plain_words(client: TestClient) -> None:
    facets = _search(client, {})["facets"]
    labels = {g: {o["value"]: o["label"] for o in facets[g]} for g in ("determinant", "place")}
    assert labels["determinant"]["social_connection"] == "Social connection and community life"
    assert labels["place"]["east_midlands"] == "East Midlands"
    years = {o["value"]: o["label"] for o in facets["years"]}
    assert years == {b.id: b.label for b in YEAR_BANDS if b.id in years}
    assert years["2015-2019"] == "2015 to 2019"


def test_filter_form_has_checkboxes_with_counts_and_removable_tags(client: TestClient) -> None:
    params = {"q": QUERY, "determinant": "transport", "place": "melton", "years": "2020-2022"}
    html = unescape(client.get("/search", params=params).text)
    for name, value in (("determinant", "transport"), ("place", "melton"), ("years", "2020-2022")):
        assert re.search(rf'name="{name}" type="checkbox" value="{value}"\s+checked', html), name
    # Counted with the place and years chosen, but not the determinant: the others stay.
    assert "Transport and getting around (1)" in html
    assert "Social connection and community life (1)" in html
    tags = re.findall(r"Remove this filter: </span>([^<]+?) <span", html)
    assert tags == [
        "Determinant: Transport and getting around",
        "Place: Melton",
        "Published: 2020 to 2022",
    ]
    clear = f'href="/search?q={QUERY.replace(" ", "+")}">Clear filters'
    assert clear in html


def test_removing_a_tag_keeps_the_other_filters(client: TestClient) -> None:
    params = {"q": "damp", "determinant": ["housing", "food"], "place": "leicester", "local": "1"}
    html = unescape(client.get("/search", params=params).text)
    assert (
        'href="/search?q=damp&determinant=food&place=leicester&local=1">'
        '<span class="govuk-visually-hidden">Remove this filter: </span>Determinant: Housing'
    ) in html
    assert 'href="/search?q=damp&local=1">Clear filters' in html


def test_an_unknown_year_band_is_a_plain_400(client: TestClient) -> None:
    response = client.get("/search", params={"q": "damp", "years": "1066"})
    assert response.status_code == 400
    assert "Choose the years from the list" in response.text
    assert client.get("/api/search", params={"q": "damp", "years": "1066"}).status_code == 400


def test_year_bands_and_a_year_range_both_apply(client: TestClient) -> None:
    params = {"q": QUERY, "years": ["2015-2019", "2020-2022"], "year_from": "2017"}
    titles = [d["title"] for d in client.get("/api/search", params=params).json()["documents"]]
    assert sorted(titles) == [
        "Free school meals and child food poverty",
        "Loneliness among older people in rural villages",
    ]


class _PayloadStore:
    """Reads payloads by id, as a store does (the only call the chunk table makes)."""

    def __init__(self, payloads: dict[str, dict[str, Any]]) -> None:
        self.payloads = payloads
        self.reads = 0
        self.fields: set[str | None] = set()

    def retrieve(self, ids: list[str], fields: Sequence[str] | None = None) -> list[Hit]:
        self.reads += len(ids)
        self.fields.update(fields or [None])
        found = {i: self.payloads[i] for i in ids if i in self.payloads}
        return [
            Hit(i, 0.0, {k: v for k, v in p.items() if fields is None or k in fields})
            for i, p in found.items()
        ]


def test_each_group_is_counted_over_the_passages_matching_the_other_groups() -> None:
    payloads = {
        "a1": {"doc_id": "a", "determinants": ["income"], "places": ["x"], "year": 2016},
        "a2": {"doc_id": "a", "determinants": ["income", "food"], "places": ["x"]},
        "b1": {"doc_id": "b", "determinants": ["income", "food"], "places": ["x"], "year": 2021},
        "c1": {"doc_id": "c", "determinants": ["housing"], "places": ["y"], "year": 2021},
    }
    store = _PayloadStore(payloads)
    table = ChunkTable()

    def pool(*ids: str) -> Matches:
        rows = table.rows(store, list(ids), version=0)  # type: ignore[arg-type]
        matched = [
            ChunkMatch(i, d, 0.7, False) for i, d in zip(rows.ids, rows.doc_ids, strict=True)
        ]
        return Matches(matched, False, rows)

    form = SearchForm(q="money", determinants=("income",), places=("x",))
    # What the store answers: under places=x only, and under income only; all filters: a1, a2, b1.
    pools = dict.fromkeys(("lens", "organisation", "kind", "years"), pool("a1", "a2", "b1"))
    pools["determinant"] = pool("a1", "a2", "b1")
    pools["place"] = pool("a1", "a2", "b1")
    facets = facet_options(form, pools, default_vocabulary(), {"a", "b", "c"})
    counts = {o.value: (o.count, o.is_selected) for o in facets["determinant"]}
    assert counts == {"income": (2, True), "food": (2, False)}  # a counts once for food
    assert {o.value: o.count for o in facets["years"]} == {"2015-2019": 1, "2020-2022": 1}
    pools["determinant"] = pool("a1", "b1", "c1")  # had the store answered more
    facets = facet_options(form, pools, default_vocabulary(), {"a", "b"})  # c not visible
    counts = {o.value: (o.count, o.is_selected) for o in facets["determinant"]}
    assert counts == {"income": (2, True), "food": (1, False)}
    assert store.reads == 4  # each chunk's payload read once, however often it is counted
    assert store.fields == {"doc_id", "matter", *COUNTED_FIELDS}  # never the text or the rest


def test_a_lens_is_a_filter_in_the_form_the_url_and_the_tags(client: TestClient) -> None:
    params = {"q": QUERY, "lens": "life_stage:older_people"}
    html = unescape(client.get("/search", params=params).text)
    assert re.search(r'name="lens" type="checkbox" value="life_stage:older_people"\s+checked', html)
    assert "Lens: Life stage: Older people" in html
    assert "Inequalities and life stage" in html
    data = _search(client, {"lens": ["life_stage:older_people"]})
    assert data["filters"]["lenses"] == ["life_stage:older_people"]
    assert data["total"] >= 1


def test_the_newest_documents_keep_to_each_filter_as_a_search_does(library: Library) -> None:
    records = library.catalogue.documents()

    def values(record: DocumentRecord) -> dict[str, set[str]]:
        meta, extra = record.meta, record.extra
        band = year_band(meta.year)
        return {
            "determinants": set(extra.get("determinants") or {}),
            "places": set(extra.get("places") or []),
            "lenses": set(extra.get("lenses") or []),
            "organisations": {meta.organisation} - {""},
            "kinds": {meta.kind} - {""},
            "year_bands": {band.id} if band else set(),
        }

    checked = 0
    for record in records:
        for name, chosen in values(record).items():
            for value in chosen:
                form = SearchForm(q="", **{name: (value,)})  # type: ignore[arg-type]
                found = newest_documents(library, form, limit=100)
                assert record.doc_id in {r.doc_id for r in found}, (name, value)
                assert all(value in values(r)[name] for r in found), (name, value)
                checked += 1
    assert checked > 2 * len(records)
    year = max(r.meta.year or 0 for r in records)
    assert newest_documents(library, SearchForm(q="", year_from=year + 1), limit=100) == []
    assert len(newest_documents(library, SearchForm(q=""), limit=100)) == len(records)


def test_every_filter_group_counts_a_field_the_chunk_table_keeps() -> None:
    # A group over a field the table does not keep would fail every search that counts it.
    assert {group.field for group in FACET_GROUPS} <= set(COUNTED_FIELDS)


@pytest.mark.parametrize("query", ["free school meals", "rural bus routes", "older people"])
def test_the_years_hint_spans_the_matching_documents(library: Library, query: str) -> None:
    matched = {h.doc_id for h in brute_force_matches(library, query)}
    years = [
        r.meta.year for r in library.catalogue.documents(list(matched)) if r.meta.year is not None
    ]
    assert years, query
    assert run_search(library, SearchForm(q=query)).years == (min(years), max(years))


def test_a_ranking_is_outlined_from_the_table_in_its_own_order() -> None:
    """`ChunkTable.outline`: a ranking read as ids and scores gets each chunk's document,
    matter and determinants from the table, read once, in the ranking's order; a chunk that is
    gone since is left out."""
    payloads = {
        "a1": {"doc_id": "a", "determinants": ["income", "food"], "matter": "front"},
        "a2": {"doc_id": "a", "determinants": [], "matter": "body"},
        "b1": {"doc_id": "b", "determinants": ["food"]},  # written before matter was kept
    }
    store = _PayloadStore(payloads)
    table = ChunkTable()
    ranked = [Hit("b1", 0.9, {}), Hit("gone", 0.8, {}), Hit("a1", 0.7, {}), Hit("a2", 0.6, {})]
    outlined = table.outline(store, ranked, version=0)  # type: ignore[arg-type]
    assert [(h.id, h.score, h.doc_id, h.is_body) for h in outlined] == [
        ("b1", 0.9, "b", True),
        ("a1", 0.7, "a", False),
        ("a2", 0.6, "a", True),
    ]
    assert [sorted(h.payload["determinants"]) for h in outlined] == [
        ["food"],
        ["food", "income"],
        [],
    ]
    assert all("text" not in h.payload for h in outlined)
    assert table.outline(store, ranked[2:], version=0) == outlined[1:]  # type: ignore[arg-type]
    assert store.reads == 4  # each id asked once: the second outline reads nothing
