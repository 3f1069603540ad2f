"""The live site for browser tests: a real library (twelve PDFs, the real model, Qdrant in
memory) served by uvicorn on 127.0.0.1, and Debian's headless Chromium driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from tests.browser.corpus import PAPERS, write_corpus
from tests.live_site import serve_app
from web.app import create_app

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1100, "height": 900}


@dataclass(frozen=True)
class LiveSite:
    base_url: str
    library: Library
    doc_ids: dict[str, str]  # file name -> document id


@pytest.fixture(scope="session")
def live_library(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("browser-data"),
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
        chunks={"max_words": 40, "overlap_words": 6},  # type: ignore[arg-type]
        # The papers are a few sentences each, closer to one another in meaning than a real
        # library's: a lower bar than the default lets a broad question match most of them
        # (the keyboard walk needs a second page of results; 11 of 12 match at 0.5).
        match={"min_cosine": 0.5},  # type: ignore[arg-type]
    )
    library = Library.open(settings, encoder=encoder)
    try:
        corpus = write_corpus(tmp_path_factory.mktemp("browser-corpus"))
        summary = Ingester(library.index, settings.chunks).run([corpus])
        assert summary.indexed == len(PAPERS), summary.outcomes
        yield library
    finally:
        library.close()


@pytest.fixture(scope="session")
def site(live_library: Library) -> Iterator[LiveSite]:
    with serve_app(create_app(live_library.settings, library=live_library)) as base_url:
        doc_ids = {r.file_name: r.doc_id for r in live_library.catalogue.documents()}
        yield LiveSite(base_url, live_library, doc_ids)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install Debian's chromium "
            "(`make browser-deps`) to run the browser tests"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, site: LiveSite) -> Iterator[Page]:
    """A fresh tab on the live site that may not reach any other host, and must not need to."""
    context = browser.new_context(viewport=VIEWPORT, base_url=site.base_url)  # type: ignore[arg-type]
    outside: list[str] = []
    script_errors: list[str] = []

    def keep_local(route: Route) -> None:
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", keep_local)
    tab = context.new_page()
    tab.on("pageerror", lambda error: script_errors.append(str(error)))
    yield tab
    context.close()
    assert not outside, f"pages asked for files from other hosts: {outside}"
    assert not script_errors, f"JavaScript errors: {script_errors}"
