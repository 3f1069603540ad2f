"""The admin status page lists files a page at a time, and by outcome: a county's archive is
thousands of files, and the one page listed every file's row on every visit."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from search.catalogue import FileOutcome
from search.library import Library
from search.settings import Settings
from tests.doubles import HashingEncoder
from web.app import create_app
from web.routes_admin import FILES_PER_PAGE

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

TOKEN = "status-test-token"
INDEXED, FAILED = 2 * FILES_PER_PAGE + 7, 12


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
        web={"admin_token": SecretStr(TOKEN)},  # type: ignore[arg-type]
    )
    # What the page lists, not what search finds: the encoder double will do.
    library = Library.open(settings, encoder=HashingEncoder())
    for n in range(INDEXED):
        library.catalogue.record_outcome(FileOutcome(f"/in/r{n:03}.pdf", f"r{n:03}.pdf", "indexed"))
    for n in range(FAILED):
        outcome = FileOutcome(f"/in/f{n:03}.pdf", f"f{n:03}.pdf", "failed", "It is not a PDF.")
        library.catalogue.record_outcome(outcome)
    app = create_app(settings, library=library)
    headers = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(app, client=("127.0.0.1", 50000), headers=headers) as test_client:
        yield test_client
    library.close()


def _rows(html: str) -> list[str]:
    return re.findall(r'<td class="govuk-table__cell">([^<]+\.pdf)</td>', html)


def test_files_come_a_page_at_a_time_in_name_order(client: TestClient) -> None:
    everything = [f"f{n:03}.pdf" for n in range(FAILED)] + [f"r{n:03}.pdf" for n in range(INDEXED)]
    seen: list[str] = []
    page = 1
    while True:
        response = client.get("/admin/status", params={"page": page})
        assert response.status_code == 200
        rows = _rows(response.text)
        assert 0 < len(rows) <= FILES_PER_PAGE
        seen += rows
        if "govuk-pagination__next" not in response.text:
            break
        page += 1
    assert seen == everything
    assert page == -(-len(everything) // FILES_PER_PAGE)
    first = client.get("/admin/status").text
    assert f"Showing 1–{FILES_PER_PAGE} of {len(everything)} files" in first
    # Word files and web pages are read as sections, not pages: the counts say both.
    assert "Pages and sections</dt>" in first and ">Pages or sections</th>" in first


def test_one_outcome_can_be_listed_alone(client: TestClient) -> None:
    html = client.get("/admin/status", params={"outcome": "failed"}).text
    assert _rows(html) == [f"f{n:03}.pdf" for n in range(FAILED)]
    assert f"Failed ({FAILED})" in html and f"Indexed ({INDEXED})" in html
    assert "with the outcome ‘failed’" in html


@pytest.mark.parametrize(
    ("params", "code", "says"),
    [
        ({"outcome": "exploded"}, 400, "no file with that outcome"),
        ({"page": "0"}, 400, ""),
        ({"page": "ten"}, 400, ""),
    ],
)
def test_a_wrong_page_or_outcome_is_a_plain_answer(
    client: TestClient, params: dict[str, str], code: int, says: str
) -> None:
    response = client.get("/admin/status", params=params)
    assert response.status_code == code
    assert says in response.text
    assert "Traceback" not in response.text


def test_an_empty_library_says_how_to_add_files(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path / "data",
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
        web={"admin_token": SecretStr(TOKEN)},  # type: ignore[arg-type]
    )
    library = Library.open(settings, encoder=HashingEncoder())
    try:
        app = create_app(settings, library=library)
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with TestClient(app, client=("127.0.0.1", 50000), headers=headers) as test_client:
            html = test_client.get("/admin/status").text
        assert "No files have been loaded yet" in html
    finally:
        library.close()


# The JSON status: the same counts, and files by offset and limit --------------------------


def test_the_json_status_gives_counts_and_one_page_of_files(client: TestClient) -> None:
    data = client.get("/api/admin/status").json()
    assert data["file_counts"] == {"failed": FAILED, "indexed": INDEXED}
    assert data["total_files"] == data["listed"] == FAILED + INDEXED
    assert (data["offset"], data["limit"], data["outcome"]) == (0, FILES_PER_PAGE, None)
    assert [f["file_name"] for f in data["files"]] == [f"f{n:03}.pdf" for n in range(FAILED)] + [
        f"r{n:03}.pdf" for n in range(FILES_PER_PAGE - FAILED)
    ]
    assert data["next_offset"] == FILES_PER_PAGE


def test_the_json_status_walks_every_file_by_next_offset(client: TestClient) -> None:
    seen: list[str] = []
    offset: int | None = 0
    while offset is not None:
        data = client.get("/api/admin/status", params={"offset": offset, "limit": 40}).json()
        assert len(data["files"]) <= 40
        seen += [f["file_name"] for f in data["files"]]
        offset = data["next_offset"]
    assert seen == [f"f{n:03}.pdf" for n in range(FAILED)] + [
        f"r{n:03}.pdf" for n in range(INDEXED)
    ]


def test_the_json_status_lists_one_outcome(client: TestClient) -> None:
    data = client.get("/api/admin/status", params={"outcome": "failed", "limit": 5}).json()
    assert data["listed"] == FAILED and data["total_files"] == FAILED + INDEXED
    assert [f["file_name"] for f in data["files"]] == [f"f{n:03}.pdf" for n in range(5)]
    assert {f["outcome"] for f in data["files"]} == {"failed"} and data["next_offset"] == 5
    last = client.get("/api/admin/status", params={"outcome": "failed", "offset": 10}).json()
    assert [f["file_name"] for f in last["files"]] == ["f010.pdf", "f011.pdf"]
    assert last["next_offset"] is None


def test_an_offset_past_the_end_is_an_empty_page_with_the_counts(client: TestClient) -> None:
    data = client.get("/api/admin/status", params={"offset": 5000}).json()
    assert data["files"] == [] and data["next_offset"] is None
    assert data["total_files"] == FAILED + INDEXED
    # Said in words, as every paged list says it; never on a page that has files.
    assert (
        data["problem"] == f"There is nothing at offset 5,000: the list has {data['listed']} files."
    )
    inside = client.get("/api/admin/status", params={"offset": data["listed"] - 1}).json()
    assert len(inside["files"]) == 1 and inside["problem"] is None


def test_a_status_page_past_the_last_links_to_the_last(client: TestClient) -> None:
    pages = -(-(FAILED + INDEXED) // FILES_PER_PAGE)
    response = client.get("/admin/status", params={"page": 99, "outcome": "indexed"})
    assert response.status_code == 200
    html = response.text
    indexed_pages = -(-INDEXED // FILES_PER_PAGE)
    assert f"There is no page 99: the list has {indexed_pages} pages." in html
    assert f'href="/admin/status?outcome=indexed&amp;page={indexed_pages}"' in html
    assert not _rows(html)
    everything = client.get("/admin/status", params={"page": pages + 1}).text
    assert f'href="/admin/status?page={pages}"' in everything


@pytest.mark.parametrize(
    ("params", "says"),
    [
        ({"offset": "-1"}, "offset"),
        ({"offset": str(10**30)}, "offset"),
        ({"offset": "ten"}, "offset"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "1e3"}, "limit"),
        ({"outcome": "exploded"}, "no file with that outcome"),
        ({"outcome": "x" * 41}, "outcome"),
        ({"page": "2"}, "does not take: page"),
    ],
)
def test_bad_paging_on_the_json_status_is_a_plain_400(
    client: TestClient, params: dict[str, str], says: str
) -> None:
    response = client.get("/api/admin/status", params=params)
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert says in detail.lower() and "Traceback" not in detail
