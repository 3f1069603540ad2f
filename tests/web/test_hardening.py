"""Hostile requests: security headers, hosts, base URL, capped and range-checked parameters."""

from __future__ import annotations

import re
import warnings
from html import unescape

import pytest
from pydantic import AnyHttpUrl

from search.library import Library
from search.settings import Settings
from web.app import create_app
from web.headers import hash_inline_scripts
from web.hosts import is_allowed, read_host_name
from web.limits import MAX_CHOSEN
from web.search_form import MAX_QUERY_CHARS

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


@pytest.mark.parametrize("path", ["/", "/search?q=damp", "/api/search?q=damp", "/nowhere"])
def test_every_response_carries_the_security_headers(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    policy = headers["content-security-policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-frame-options"] == "DENY"
    assert headers["referrer-policy"] == "same-origin"
    assert "server" not in headers


@pytest.mark.parametrize("path", ["/", "/search?q=damp", "/docs"])
def test_every_inline_script_is_allowed_by_its_hash(client: TestClient, path: str) -> None:
    response = client.get(path)
    policy = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]+)", policy)
    assert script_src is not None
    for source in hash_inline_scripts(response.text):
        assert source in script_src.group(1), f"{path}: an inline script the policy refuses"
    assert not re.search(r"\son[a-z]+=", response.text), f"{path}: an inline event handler"


def test_admin_and_signed_in_responses_are_never_cached(client: TestClient) -> None:
    assert client.get("/admin/status").headers["cache-control"] == "no-store"
    signed_in = client.get("/search?q=damp", headers={"Authorization": "Basic eDp5"})
    assert signed_in.headers["cache-control"] == "no-store"
    assert "Cookie" in signed_in.headers["vary"]  # a shared cache keeps each sign-in apart
    with_cookie = client.get("/search?q=damp", headers={"Cookie": "ef_session=x"})
    assert with_cookie.headers["cache-control"] == "no-store"
    assert "Cookie" in with_cookie.headers["vary"]
    visitor = client.get("/search?q=damp")
    assert "no-store" not in visitor.headers.get("cache-control", "")
    assert "Cookie" not in visitor.headers.get("vary", "")


def test_a_foreign_host_is_refused_with_a_plain_400(client: TestClient) -> None:
    page = client.get("/search?q=damp", headers={"Host": "evil.example"})
    assert page.status_code == 400
    assert "does not answer to that web address" in page.text
    assert "evil.example" not in page.text
    api = client.get("/search/feed.atom?q=damp", headers={"Host": "evil.example:8000"})
    assert api.status_code == 400 and "evil.example" not in api.text
    assert client.get("/", headers={"Host": "localhost:8000"}).status_code == 200
    assert client.get("/", headers={"Host": "[::1]:8000"}).status_code == 200


def test_absolute_links_use_the_base_url_not_the_host_asked_for(
    settings: Settings, library: Library, doc_ids: dict[str, str]
) -> None:
    public = settings.model_copy(
        update={
            "web": settings.web.model_copy(
                update={"base_url": AnyHttpUrl("https://evidence.example.org/finder")}
            )
        }
    )
    site = TestClient(create_app(public, library=library))
    doc_id = doc_ids["housing-damp.pdf"]
    ris = site.get(f"/documents/{doc_id}/cite.ris").text
    assert f"https://evidence.example.org/finder/documents/{doc_id}" in ris
    assert "testserver" not in ris
    feed = site.get("/search/feed.atom?q=damp").text
    assert "https://evidence.example.org/finder/" in feed and "testserver" not in feed
    # A document with no source address of its own is cited at this site.
    no_url = doc_ids["rural-loneliness.pdf"]
    document = site.get(f"/documents/{no_url}").text
    assert f"Available at: https://evidence.example.org/finder/documents/{no_url}" in document
    # The public address's host is allowed without being listed.
    assert site.get("/", headers={"Host": "evidence.example.org"}).status_code == 200


@pytest.mark.parametrize("number", ["9223372036854775808", "99999999999999999999", "-1"])
def test_huge_page_numbers_are_a_404_not_a_crash(
    client: TestClient, doc_ids: dict[str, str], number: str
) -> None:
    doc_id = doc_ids["housing-damp.pdf"]
    assert client.get(f"/documents/{doc_id}/pages/{number}").status_code == 404
    api = client.get(f"/api/documents/{doc_id}/pages/{number}")
    assert api.status_code == 404 and api.json()["detail"]


def test_a_huge_list_page_is_a_plain_400(client: TestClient, doc_ids: dict[str, str]) -> None:
    response = client.get(f"/documents/{doc_ids['housing-damp.pdf']}?page=99999999999999999999")
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/search", "/api/search", "/search/export.csv"])
@pytest.mark.parametrize("name", ["organisation", "lens"])
def test_too_many_repeated_filters_are_refused_plainly(
    client: TestClient, path: str, name: str
) -> None:
    # Each chosen value is drawn as a link holding all the others: 2,000 lenses once made a
    # 150 MB results page.
    many = "&".join(f"{name}=Org{n}" for n in range(2_000))
    response = client.get(f"{path}?q=damp&{many}")
    assert response.status_code == 400
    assert f"up to {MAX_CHOSEN} of each filter" in response.text
    at_limit = "&".join(f"{name}=Org{n}" for n in range(MAX_CHOSEN))
    allowed = client.get(f"{path}?q=damp&{at_limit}")
    assert allowed.status_code == 200
    if path == "/api/search" and name == "lens":  # not too many, but no such lens
        assert allowed.json()["problem"].startswith("There is no lens 'Org0'")


@pytest.mark.parametrize("name", ["kind", "lens"])
def test_a_very_long_filter_value_is_refused(client: TestClient, name: str) -> None:
    response = client.get(f"/api/search?q=damp&{name}=" + "x" * 5_000)
    assert response.status_code == 400
    assert "Choose one from the list" in response.json()["detail"]


@pytest.mark.parametrize("bad", ["damp\x00homes", "damp\x1b[31m", "\x7f"])
def test_control_characters_in_the_words_are_refused(client: TestClient, bad: str) -> None:
    api = client.get("/api/search", params={"q": bad})
    assert api.status_code == 400
    assert "cannot be searched for" in api.json()["detail"]
    page = client.get("/search", params={"q": bad})
    assert page.status_code == 400
    assert "govuk-error-summary" in page.text
    assert "\x00" not in page.text and "\x1b" not in page.text


def test_control_characters_in_filters_are_refused(client: TestClient) -> None:
    assert client.get("/api/search", params={"q": "damp", "place": "a\x00b"}).status_code == 400


def test_pasted_line_breaks_still_search(client: TestClient) -> None:
    response = client.get("/api/search", params={"q": "cold\ndamp\thomes"})
    assert response.status_code == 200
    assert response.json()["documents"]


def test_a_too_long_search_comes_back_in_the_box(client: TestClient) -> None:
    words = "damp " * (MAX_QUERY_CHARS // 5 + 20)
    response = client.get("/search", params={"q": words})
    assert response.status_code == 400
    summary = re.search(r'class="govuk-error-summary".*?</div>\s*</div>', response.text, re.S)
    assert summary is not None and "too long" in summary.group()
    box = re.search(r'<input[^>]*id="q"[^>]*value="([^"]*)"', response.text)
    assert box is not None and unescape(box.group(1)).strip() == words.strip()
    assert "web address" not in response.text


def test_the_api_schema_says_q_is_required_and_it_is(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    parameters = schema["paths"]["/api/search"]["get"]["parameters"]
    q = next(p for p in parameters if p["name"] == "q")
    assert q["required"] is True
    missing = client.get("/api/search")
    assert missing.status_code == 400
    assert missing.json()["detail"] == "Enter some words to search for"
    assert client.get("/api/search?q=%20%20").status_code == 400


def test_a_parameter_the_api_does_not_take_is_named_not_ignored(client: TestClient) -> None:
    response = client.get("/api/search?q=damp&page_size=50")
    assert response.status_code == 400
    assert "page_size" in response.json()["detail"]
    # The HTML pages ignore extras such as tracking tags, as links from elsewhere carry them.
    assert client.get("/search?q=damp&utm_source=mail").status_code == 200


def test_error_pages_say_what_to_change(client: TestClient) -> None:
    response = client.get("/search?q=damp&year_from=20x1")
    assert response.status_code == 400
    assert "Enter a year as 4 numbers" in response.text
    assert "Check the web address" not in response.text


def test_a_year_typo_comes_back_beside_its_box_with_the_results(client: TestClient) -> None:
    # As a form that needs changing: the results without the year, an error summary that
    # leads to the box, and the box holding what was typed.
    page = client.get("/search", params={"q": "damp", "year_to": "2O19"})
    assert page.status_code == 400
    html = page.text
    assert "<title>Error: damp" in html
    summary = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary is not None and 'href="#year_to"' in summary.group(0)
    assert re.search(
        r'class="govuk-input govuk-input--width-4 govuk-input--error" id="year_to"'
        r' name="year_to" type="text" inputmode="numeric" value="2O19"',
        html,
    )
    assert 'id="year_to-error"' in html and 'id="year_from-error"' not in html
    plain = client.get("/search", params={"q": "damp"}).text
    titles = re.findall(r'app-result__title"><a[^>]*>([^<]+)</a>', html)
    assert titles and titles == re.findall(r'app-result__title"><a[^>]*>([^<]+)</a>', plain)
    # A control character is refused before it could be shown back in the box.
    control = client.get("/search", params={"q": "damp", "year_to": "20\x001"})
    assert control.status_code == 400 and "\x00" not in control.text
    # Scripts and downloads are refused plainly, as before.
    for path in ("/api/search", "/search/export.csv", "/search/feed.atom"):
        response = client.get(path, params={"q": "damp", "year_to": "2O19"})
        assert response.status_code == 400, path
        assert "Enter a year as 4 numbers" in response.text, path


def test_both_year_typos_are_listed_in_the_summary_each_leading_to_its_box(
    client: TestClient,
) -> None:
    # GOV.UK's error summary lists every field in error, each linked to its box, in the same
    # words the box shows beside it; a second bad box must not be left out of the summary.
    html = client.get("/search", params={"q": "damp", "year_from": "2O15", "year_to": "20x"}).text
    summary = re.search(r'class="govuk-error-summary".*?</ul>', html, re.S)
    assert summary is not None
    links = re.findall(r'<a href="#(year_from|year_to)">([^<]+)</a>', summary.group(0))
    assert [field for field, _ in links] == ["year_from", "year_to"]
    assert links[0][1] != links[1][1], "each message should say which box to change"
    for field, message in links:
        beside = re.search(rf'id="{field}-error"[^>]*>.*?</span>\s*([^<]+)</p>', html, re.S)
        assert beside is not None and beside.group(1).strip() == message.strip(), field


@pytest.mark.parametrize(
    ("header", "name"),
    [("Example.org:8000", "example.org"), ("[::1]:8000", "::1"), ("::1", "::1"), ("", "")],
)
def test_host_names_are_read_without_port_or_case(header: str, name: str) -> None:
    assert read_host_name(header) == name


def test_wildcards_allow_sub_domains_only() -> None:
    assert is_allowed("a.council.gov.uk", ["*.council.gov.uk"])
    assert not is_allowed("evilcouncil.gov.uk", ["*.council.gov.uk"])
    assert is_allowed("anything", ["*"])
