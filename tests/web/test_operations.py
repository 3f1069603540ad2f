"""Operations: one log line per request without the query text, Prometheus /metrics only when
enabled and only for allowed clients or the token, /healthz and plain pages when loading failed."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from pydantic import SecretStr
from typer.testing import CliRunner

import kb.cli
from ingest.pipeline import Ingester
from search.analysis import SparseVector
from search.library import Library
from search.models.encoder import LazyEncoder
from search.schema import IndexedChunk, point_id
from search.settings import ModelSettings, OpsSettings, Settings
from tests.doubles import HashingEncoder
from tests.pdfs import write_pdf
from tests.web.conftest import TestClient
from web.app import create_app

PRIVATE = "my neighbour's debt"


def _app_client(
    settings: Settings, library: Library | None, ops: OpsSettings, host: str = "127.0.0.1"
) -> TestClient:
    tuned = settings.model_copy(update={"ops": ops})
    return TestClient(create_app(tuned, library=library), client=(host, 50000))


def _request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "web.requests"]


def test_each_request_logs_one_line_with_route_template_and_no_query_text(
    settings: Settings, library: Library, doc_ids: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    client = _app_client(settings, library, OpsSettings())
    doc_id = next(iter(doc_ids.values()))
    with caplog.at_level(logging.INFO, logger="web.requests"):
        assert client.get("/search", params={"q": PRIVATE}).status_code == 200
        assert client.get(f"/documents/{doc_id}").status_code == 200
        assert client.get("/no/such/page").status_code == 404
    lines = _request_lines(caplog)
    assert [(line["method"], line["route"], line["status"]) for line in lines] == [
        ("GET", "/search", 200),
        ("GET", "/documents/{doc_id}", 200),
        ("GET", "(no route)", 404),
    ]
    assert all(isinstance(line["duration_ms"], float) for line in lines)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "neighbour" not in logged and doc_id not in logged


def test_query_text_is_logged_only_when_a_setting_turns_it_on(
    settings: Settings, library: Library, caplog: pytest.LogCaptureFixture
) -> None:
    client = _app_client(settings, library, OpsSettings(log_query_text=True))
    with caplog.at_level(logging.INFO, logger="web.requests"):
        client.get("/api/search", params={"q": "damp"})
    assert _request_lines(caplog)[-1]["query"] == "q=damp"


def test_metrics_are_off_unless_enabled(settings: Settings, library: Library) -> None:
    assert _app_client(settings, library, OpsSettings()).get("/metrics").status_code == 404


def test_metrics_count_requests_per_route_and_show_the_library(
    settings: Settings, library: Library
) -> None:
    client = _app_client(settings, library, OpsSettings(metrics_enabled=True))
    for _ in range(3):
        assert client.get("/api/search", params={"q": "damp homes"}).status_code == 200
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    text = response.text
    assert 'kb_http_requests_total{method="GET",route="/api/search",status="200"} 3' in text
    assert 'kb_http_request_duration_seconds_count{route="/api/search"} 3' in text
    inf = re.search(r'_bucket\{route="/api/search",le="\+Inf"\} (\d+)', text)
    assert inf is not None and int(inf.group(1)) == 3
    documents = re.search(r"^kb_documents (\d+)$", text, re.M)
    assert documents is not None
    assert int(documents.group(1)) == library.catalogue.stats()["documents"]
    chunks = re.search(r"^kb_chunks (\d+)$", text, re.M)
    assert chunks is not None and int(chunks.group(1)) == library.catalogue.stats()["chunks"]
    assert re.search(r"^kb_last_ingest_finished_timestamp_seconds \d", text, re.M)
    failed = re.search(r"^kb_failed_files (\d+)$", text, re.M)
    assert failed is not None
    assert int(failed.group(1)) == library.catalogue.file_counts().get("failed", 0)


def test_made_up_methods_are_counted_as_one(settings: Settings, library: Library) -> None:
    """A stranger inventing methods must not grow the counters, and this page, without end."""
    client = _app_client(settings, library, OpsSettings(metrics_enabled=True))
    for n in range(5):
        assert client.request(f"MADEUP{n}", "/api/search").status_code == 405
    text = client.get("/metrics").text
    assert "MADEUP" not in text
    assert 'kb_http_requests_total{method="OTHER",route="/api/search",status="405"} 5' in text


def test_metrics_from_elsewhere_need_the_token(settings: Settings, library: Library) -> None:
    ops = OpsSettings(metrics_enabled=True, metrics_token=SecretStr("s3cret-£"))
    client = _app_client(settings, library, ops, host="203.0.113.9")
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    good = {"Authorization": "Bearer s3cret-£".encode()}
    assert client.get("/metrics", headers=good).status_code == 200


def test_healthz_is_ok_on_a_working_site(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["store"] == "ok" and body["problems"] == []


def test_healthz_and_pages_say_so_when_the_store_failed_to_load(tmp_path: Path) -> None:
    broken = Settings(data_dir=tmp_path / "data")
    layout = broken.store_dir / broken.qdrant.collection / "collection.json"
    layout.parent.mkdir(parents=True)
    layout.write_text('{"model_id": "another-model", "dimension": 3}')
    with TestClient(create_app(broken)) as client:
        health = client.get("/healthz")
        page = client.get("/search", params={"q": "damp"})
    assert health.status_code == 503
    assert health.json()["store"] == "failed" and health.json()["problems"]
    assert page.status_code == 503
    assert "not working at the moment" in page.text and "Traceback" not in page.text


def test_healthz_says_when_the_model_failed_to_load(
    settings: Settings, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken_load(*_args: object) -> object:
        raise OSError("model file is missing")

    monkeypatch.setattr("search.models.encoder.load_encoder", broken_load)
    lazy = LazyEncoder(ModelSettings(), tmp_path)
    with pytest.raises(OSError):
        lazy.encode_queries(["damp"])
    monkeypatch.setattr(library, "encoder", lazy)
    response = _app_client(settings, library, OpsSettings()).get("/healthz")
    assert response.status_code == 503
    assert response.json()["model"] == "failed"


def test_an_empty_metrics_token_lets_nobody_in(settings: Settings, library: Library) -> None:
    # `KB_OPS__METRICS_TOKEN=` left empty in a .env: an empty bearer must not match it.
    ops = OpsSettings(metrics_enabled=True, metrics_token=SecretStr(""))
    client = _app_client(settings, library, ops, host="203.0.113.9")
    for header in ("Bearer", "Bearer ", "bearer  "):
        assert client.get("/metrics", headers={"Authorization": header}).status_code == 403


def test_healthz_metrics_and_kb_status_count_the_same_chunks_while_an_ingest_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Mid-ingest the store already holds a document's chunks that the catalogue has not
    committed: /healthz, /metrics and `kb status` all count the committed documents' chunks
    (the catalogue's running total), so they agree with each other and with the documents they
    count. Plumbing (what is counted, not what is found): the encoder double will do."""
    settings = Settings(data_dir=tmp_path / "data", qdrant={"mode": "memory"})  # type: ignore[arg-type]
    folder = tmp_path / "pdfs"
    write_pdf(
        folder / "buses.pdf",
        [
            "Rural bus routes link villages to doctors and jobs.",
            "Fares rose faster than wages for young people in market towns.",
        ],
    )
    encoder = HashingEncoder()
    library = Library.open(settings, encoder=encoder)
    Ingester(library.index, settings.chunks).run([folder])
    committed = library.catalogue.stats()["chunks"]
    # The points of a document whose catalogue row is not written yet, as an ingest leaves
    # them between its two writes (Index.add_document writes the store first).
    texts = ["A half-written report on damp homes.", "Its second passage."]
    dense = encoder.encode_documents(texts)
    library.store.upsert(
        [
            IndexedChunk(point_id("half-written", n), vector.tolist(), SparseVector(),
                         {"doc_id": "half-written", "chunk_index": n, "text": text})
            for n, (text, vector) in enumerate(zip(texts, dense, strict=True))
        ]
    )  # fmt: skip
    assert committed > 0 and library.store.count() == committed + 2
    client = _app_client(settings, library, OpsSettings(metrics_enabled=True))
    health = client.get("/healthz").json()
    metrics = re.search(r"^kb_chunks (\d+)$", client.get("/metrics").text, re.M)
    assert metrics is not None
    monkeypatch.setattr(kb.cli, "load_settings", lambda: settings)
    monkeypatch.setattr(kb.cli, "_open_library", lambda s: library)  # the command closes it
    command = CliRunner().invoke(kb.cli.app, ["status", "--json"])
    assert command.exit_code == 0, command.output
    status = json.loads(command.stdout)
    assert health["chunks"] == int(metrics.group(1)) == status["chunks"] == committed
    assert health["documents"] == status["documents"] == 1
