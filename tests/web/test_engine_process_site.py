"""The site as `kb serve` runs it: the embedded engine in a process of its own."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from search.store.base import StoreBusyError, active_collection
from search.store.embedded import EmbeddedStore
from search.store.engine_process import ProcessStore
from tests.libraries import copy_library
from tests.processes import has_ended
from web.app import create_app
from web.errors import STORE_PROBLEM

QUERIES = ("damp homes and asthma", "lonely older people in villages", "quantum chromodynamics")


def _answers(client: TestClient) -> list[dict[str, Any]]:
    answers = []
    for query in QUERIES:
        response = client.get("/api/search", params={"q": query})
        assert response.status_code == 200, response.text
        answer = response.json()
        answer.pop("took_ms")  # the one field that differs from run to run
        answers.append(answer)
    return answers


def test_the_site_answers_through_its_engine_process_as_it_would_in_process(
    five_notes: Path, tmp_path: Path, encoder: Encoder
) -> None:
    settings = Settings(data_dir=copy_library(five_notes, tmp_path / "data"))
    assert settings.qdrant.engine_process  # what `kb serve` does unless told otherwise
    site = create_app(settings)
    with TestClient(site) as client:
        store = site.state.library.store
        assert isinstance(store, ProcessStore)
        child = store.pid
        assert child is not None and child != os.getpid()
        through_child = _answers(client)
    assert has_ended(child), "the engine's process outlived the site"

    in_process = Library.open(settings, encoder=encoder)
    try:
        assert not isinstance(in_process.store, ProcessStore)
        with TestClient(create_app(settings, library=in_process)) as client:
            assert _answers(client) == through_child
    finally:
        in_process.close()
    assert through_child[0]["strong_total"] >= 1
    assert through_child[0]["documents"][0]["passages"]
    assert through_child[2]["strong_total"] == 0


def _take_the_folder(folder: Path, timeout_s: float = 20.0) -> EmbeddedStore:
    """Open the index folder in this process once its last owner has let it go."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            return EmbeddedStore(folder)
        except StoreBusyError:
            if time.monotonic() >= deadline:
                raise
            time.sleep(0.05)


def test_a_search_the_index_cannot_answer_gets_a_plain_503_and_the_site_recovers(
    five_notes: Path, tmp_path: Path
) -> None:
    settings = Settings(data_dir=copy_library(five_notes, tmp_path / "data"))
    site = create_app(settings)
    with TestClient(site) as client:
        child = site.state.library.store.pid
        os.kill(child, signal.SIGKILL)
        assert has_ended(child)
        # Another process (a `kb` command) takes the folder before the site starts a new engine.
        holder = _take_the_folder(settings.store_dir / active_collection(settings))
        try:
            api = client.get("/api/search", params={"q": "damp homes"})
            page = client.get("/search", params={"q": "damp homes"})
        finally:
            holder.close()
        assert api.status_code == 503
        assert api.json() == {"detail": STORE_PROBLEM}
        assert api.headers["retry-after"] == "5"
        assert "default-src" in api.headers["content-security-policy"]  # as on every answer
        assert page.status_code == 503
        assert STORE_PROBLEM in page.text
        assert str(settings.data_dir) not in page.text + api.text  # no server folder shown
        again = client.get("/api/search", params={"q": "damp homes"})
        assert again.status_code == 200
        assert again.json()["documents"]
