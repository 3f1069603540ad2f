"""`kb ingest` handing its job to a running site reads the site's lines as it always has: each
file's outcome line is printed and reported, and a line that is not one (a progress line from
a site that passed one on) is passed over, never read as a file."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from kb.handoff import hand_over
from search.schema import RunChoices
from search.settings import Settings

OUTCOME = {
    "file": "a.pdf",
    "path": "/docs/a.pdf",
    "outcome": "indexed",
    "reason": "All 3 pages were read.",
    "doc_id": "ab12",
    "pages": 3,
    "chunks": 4,
    "seconds": 1.5,
}
PROGRESS = {
    "progress": {
        "file": "b.pdf",
        "path": "/docs/b.pdf",
        "stage": "encoding passages",
        "done": 120,
        "total": 480,
        "unit": "passages",
    }
}
SUMMARY = {
    "summary": {
        "indexed": 1,
        "with_warnings": 0,
        "skipped": 0,
        "duplicates": 0,
        "failed": 0,
        "removed": 0,
        "pages": 3,
        "chunks": 4,
        "seconds": 1.5,
    }
}


def test_the_hand_off_prints_and_reports_outcome_lines_and_passes_over_progress(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    body = "".join(json.dumps(line) + "\n" for line in (PROGRESS, OUTCOME, PROGRESS, SUMMARY))

    class Site(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Content-Length", str(len(body.encode())))
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    report = tmp_path / "report.jsonl"
    try:
        settings = Settings(data_dir=tmp_path, web={"admin_token": "t"})  # type: ignore[arg-type]
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code = hand_over(settings, url, [tmp_path], RunChoices(), report)
    finally:
        server.shutdown()
        server.server_close()
    assert code == 0
    assert [json.loads(line) for line in report.read_text().splitlines()] == [OUTCOME]
    printed = " ".join(capsys.readouterr().err.split())
    assert "1 a.pdf: indexed All 3 pages were read." in printed
    assert "b.pdf" not in printed and "Indexed 1" in printed
