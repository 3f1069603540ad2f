"""Crawl every route as visitor, partner, staff and admin over a library with a document at
each level: no title, organisation, passage word, id or count of a document above the
reader's level shows anywhere (pages, API, facets, feeds, exports, files)."""

from __future__ import annotations

import re
from collections import deque
from urllib.parse import unquote_plus, urljoin, urlsplit

import pytest

from search.access import ScopedStore, levels_for
from search.library import Library
from search.schema import Filters
from tests.accounts.conftest import SECRETS, VISIBLE, WITHDRAWN_FILE, doc_id_of
from web import deps

HREF = re.compile(r'href="([^"#]+)')
MAX_PAGES = 260
ROLES = ("visitor", "partner", "staff", "admin")


def _seeds(library: Library) -> list[str]:
    """Routes a crawler would not find by links: the API, exports, feeds and direct ids."""
    seeds = [
        "/",
        "/search?q=damp+homes",
        "/search?q=damp+homes&sort=newest",
        "/search/by-determinant?q=damp+homes",
        "/determinants",
        "/api/search?q=damp+homes",
        "/api/search?q=damp+homes&page=2",
        "/api/determinants",
        "/healthz",
        "/search/export.csv?q=damp+homes",
        "/search/export.ris?q=damp+homes",
        "/search/export.bib?q=damp+homes",
        "/search/feed.atom",
        "/search/feed.atom?q=damp+homes",
    ]
    for secret in SECRETS:
        seeds.append(f"/search?q={secret.word}")
        seeds.append(f"/api/search?q={secret.word}")
        seeds.append(f"/search?q=damp&organisation={secret.organisation.replace(' ', '+')}")
        doc_id = doc_id_of(library, secret.file)
        for path in (
            "/documents/{}",
            "/documents/{}/pages/1",
            "/documents/{}/file",
            "/documents/{}/related",
            "/documents/{}/cite.ris",
            "/documents/{}/cite.bib",
            "/api/documents/{}",
            "/api/documents/{}/pages/1",
            "/api/documents/{}/related",
        ):
            seeds.append(path.format(doc_id))
    return seeds


def _is_crawlable(url: str) -> bool:
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != "testserver":
        return False
    return not parts.path.startswith(("/assets", "/static", "/docs", "/sign-out", "/openapi"))


def _forbidden(library: Library, role: str) -> list[str]:
    words: list[str] = []
    for secret in SECRETS:
        if secret.file not in VISIBLE[role]:
            doc_id = doc_id_of(library, secret.file)
            words += [secret.word, secret.title, secret.organisation, doc_id]
    return [w.lower() for w in words]


def crawl(client, library: Library, role: str) -> dict[str, tuple[int, str]]:  # type: ignore[no-untyped-def]
    """Every page reached from the seeds by links, up to MAX_PAGES: url -> (status, body)."""
    seen: dict[str, tuple[int, str]] = {}
    queue = deque(_seeds(library))
    while queue and len(seen) < MAX_PAGES:
        url = queue.popleft()
        if url in seen or not _is_crawlable(url):
            continue
        response = client.get(url, follow_redirects=False)
        body = response.content.decode("utf-8", "replace")
        seen[url] = (response.status_code, body)
        if "html" in response.headers.get("content-type", ""):
            for link in HREF.findall(body):
                target = urljoin(url, link.replace("&amp;", "&"))
                parts = urlsplit(target)
                queue.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@pytest.mark.parametrize("role", ROLES)
def test_no_text_above_the_readers_level_anywhere(role, clients, access_library) -> None:  # type: ignore[no-untyped-def]
    pages = crawl(clients[role], access_library, role)
    assert len(pages) > 60, "the crawl reached too few pages to prove anything"
    assert not [u for u, (code, _) in pages.items() if code >= 500]
    forbidden = _forbidden(access_library, role)
    # A word the reader typed into the address is echoed back; every other one is a leak.
    leaks = [
        (url, word)
        for url, (_, body) in pages.items()
        for word in forbidden
        if word in body.lower() and word not in unquote_plus(url).lower()
    ]
    if role == "admin":
        withdrawn = doc_id_of(access_library, WITHDRAWN_FILE)
        leaks = [(url, word) for url, word in leaks if not _is_own_page(url, withdrawn)]
    assert not leaks, leaks[:10]
    # What the reader may see really is there: the crawl is not passing by seeing nothing.
    visible_words = [s.word for s in SECRETS if s.file in VISIBLE[role]]
    for word in visible_words:
        assert word in pages[f"/api/search?q={word}"][1]


def _is_own_page(url: str, doc_id: str) -> bool:
    """Where an admin still sees a withdrawn document: the admin pages, and its own
    addresses (to check it and bring it back), as pages and in the API."""
    path = urlsplit(url).path.removeprefix("/api")
    return path.startswith("/admin") or path.split("/")[:3] == ["", "documents", doc_id]


def test_an_admin_finds_a_withdrawn_document_only_on_its_own_pages(clients, access_library) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    withdrawn = next(s for s in SECRETS if s.file == WITHDRAWN_FILE)
    doc_id = doc_id_of(access_library, WITHDRAWN_FILE)
    found = admin.get("/api/search", params={"q": withdrawn.word}).json()
    assert doc_id not in {d["doc_id"] for d in found["documents"]}
    organisations = admin.get("/api/search", params={"q": "damp homes"}).json()["facets"]
    assert withdrawn.organisation not in str(organisations)
    assert admin.get(f"/api/documents/{doc_id}").json()["withdrawn"] is True
    assert "Bring back this document" in admin.get(f"/documents/{doc_id}").text
    assert admin.get(f"/documents/{doc_id}/pages/1").status_code == 200
    assert admin.get(f"/documents/{doc_id}/file").status_code == 200
    assert withdrawn.file in admin.get("/admin/status").text
    # The status counts it among the documents, and says how many of those are withdrawn.
    status = admin.get("/api/admin/status").json()
    assert status["withdrawn"] == 1
    assert status["documents"] == len(access_library.catalogue.documents())
    assert "(1 withdrawn, which only admins see)" in admin.get("/admin/status").text


@pytest.mark.parametrize("role", ROLES)
def test_counts_match_the_readers_level(role, clients, access_library) -> None:  # type: ignore[no-untyped-def]
    client = clients[role]
    health = client.get("/healthz").json()
    assert health["documents"] == len(VISIBLE[role])
    # The stored counts /healthz reads agree with the store's own count at the reader's level.
    assert health["chunks"] == ScopedStore(access_library.store, levels_for(role)).count() > 0
    found = client.get("/api/search", params={"q": "damp homes"}).json()
    assert found["total"] == len(VISIBLE[role])
    files = {SECRETS_BY_TITLE[d["title"]] for d in found["documents"]}
    assert files == VISIBLE[role]


SECRETS_BY_TITLE = {s.title: s.file for s in SECRETS}


@pytest.mark.parametrize("role", ("visitor", "partner", "staff"))
def test_files_above_the_level_are_not_found(role, clients, access_library) -> None:  # type: ignore[no-untyped-def]
    for secret in SECRETS:
        doc_id = doc_id_of(access_library, secret.file)
        expected = 200 if secret.file in VISIBLE[role] else 404
        assert clients[role].get(f"/documents/{doc_id}/file").status_code == expected
        assert clients[role].get(f"/api/documents/{doc_id}").status_code == expected


def test_healthz_never_counts_chunks_in_the_store_by_level(  # type: ignore[no-untyped-def]
    clients, access_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Anyone may ask /healthz, often: its counts must not visit every chunk of a level."""
    asked: list[object] = []
    real_count = access_library.store.count

    def count(filters: Filters | None = None) -> int:
        asked.append(filters)
        return real_count(filters)

    monkeypatch.setattr(access_library.store, "count", count)
    for role in ROLES:
        assert clients[role].get("/healthz").status_code == 200
    assert asked and all(filters is None for filters in asked)


def test_only_a_session_to_read_sends_the_reader_to_a_worker_thread(  # type: ignore[no-untyped-def]
    clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`get_library` works a visitor's level out on the event loop (nothing to read) and reads
    a signed-in reader's session in a worker thread; each still sees just their own level."""
    read: list[str] = []
    real = deps.run_in_threadpool

    async def counting(func, *args):  # type: ignore[no-untyped-def]
        read.append(func.__name__)
        return await real(func, *args)

    monkeypatch.setattr(deps, "run_in_threadpool", counting)
    partner = next(s for s in SECRETS if s.file == "partner.pdf")

    def titles(role: str) -> list[str]:
        found = clients[role].get("/api/search", params={"q": partner.word})
        assert found.status_code == 200
        return [d["title"] for d in found.json()["documents"]]

    assert partner.title not in titles("visitor")
    assert read == []
    assert partner.title in titles("partner")
    assert read == ["current_viewer"]
