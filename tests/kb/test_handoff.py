"""With the site running, `kb ingest` hands the job to it and searches keep answering."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.pdfs import write_pdf
from tests.processes import descendants, has_ended

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _kb(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _start_site(env: dict[str, str], log_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """Start `kb serve` and wait until it answers a search (the model is loaded by then)."""
    port = _free_port()
    log = log_path.open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "kb", "serve", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    log.close()  # the child keeps its own handle
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/search", params={"q": "damp"}, timeout=120).status_code == 200:
                return server, url
        except httpx.HTTPError:
            time.sleep(0.5)
    server.kill()
    server.wait(timeout=30)
    pytest.fail("the site did not start: " + log_path.read_text()[-2000:])


@pytest.fixture
def site(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {
        **os.environ,
        "KB_DATA_DIR": str(tmp_path / "data"),
        "HF_HUB_OFFLINE": "1",
        # The site ingests only from folders it is told about.
        "KB_INGEST__ROOTS": json.dumps([str(tmp_path / "second")]),
    }
    first = tmp_path / "first"
    write_pdf(first / "housing.pdf", ["Damp and mould in private rented homes harm children."])
    _kb(env, "ingest", str(first))
    server, url = _start_site(env, tmp_path / "serve.log")
    yield url, env, tmp_path
    server.terminate()
    server.wait(timeout=30)


def _ingest_while_searching(
    url: str, env: dict[str, str], *args: str
) -> tuple[subprocess.CompletedProcess[str], list[str], int]:
    """Run `kb ingest ARGS` while a thread keeps searching the site; the command's result, the
    searches that failed and how many were answered."""
    errors: list[str] = []
    answered = 0
    stop = threading.Event()

    def keep_searching() -> None:
        nonlocal answered
        while not stop.is_set():
            response = httpx.get(f"{url}/api/search", params={"q": "damp homes"}, timeout=60)
            if response.status_code != 200:
                errors.append(f"{response.status_code} {response.text[:200]}")
            answered += 1

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "kb", "ingest", *args],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        stop.set()
        searcher.join()
    return result, errors, answered


def test_ingest_is_handed_to_the_running_site(site) -> None:  # type: ignore[no-untyped-def]
    url, env, tmp_path = site
    second = tmp_path / "second"
    for n in range(4):
        write_pdf(
            second / f"lonely-{n}.pdf", [f"Older people in village {n} feel lonely and isolated."]
        )
    result, errors, answered = _ingest_while_searching(
        url, env, str(second), "--report", str(tmp_path / "r.jsonl")
    )
    assert result.returncode == 0, result.stderr
    assert "handing the ingest to it" in result.stderr
    assert "Indexed 4" in result.stderr
    lines = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text().splitlines()]
    assert sorted(x["outcome"] for x in lines) == ["indexed"] * 4
    assert errors == [] and answered > 0
    found = httpx.get(
        f"{url}/api/search", params={"q": "lonely older villagers"}, timeout=30
    ).json()
    assert found["documents"][0]["file_name"].startswith("lonely-")

    # --reread goes to the site too: each file is stored again under a new id while people
    # search, and the old id's page leads to the new one.
    before = {d["doc_id"] for d in found["documents"] if d["file_name"].startswith("lonely-")}
    reread, errors, answered = _ingest_while_searching(url, env, str(second), "--reread")
    assert reread.returncode == 0, reread.stderr
    assert "Indexed 4" in reread.stderr
    assert errors == [] and answered > 0
    after = httpx.get(f"{url}/api/search", params={"q": "lonely older villagers"}, timeout=30)
    now = {d["doc_id"] for d in after.json()["documents"] if d["file_name"].startswith("lonely-")}
    assert len(now) == len(before) and not now & before
    old = sorted(before)[0]
    moved = httpx.get(f"{url}/documents/{old}", timeout=30, follow_redirects=False)
    assert moved.status_code == 302 and moved.headers["location"].split("/")[-1] in now


def test_remove_while_the_site_runs_asks_the_site(site) -> None:  # type: ignore[no-untyped-def]
    url, env, tmp_path = site

    def shown() -> set[str]:
        found = httpx.get(f"{url}/api/search", params={"q": "damp mould"}, timeout=30).json()
        return {d["doc_id"] for d in found["documents"]}

    (doc_id,) = shown()
    # The machine token reaches the document API without a session: withdraw, then restore.
    token = (tmp_path / "data" / ".admin-token").read_text()
    bearer = {"Authorization": f"Bearer {token}"}
    path = f"{url}/api/admin/documents/{doc_id}"
    withdrawn = httpx.post(f"{path}/withdraw", headers=bearer, timeout=30)
    assert withdrawn.status_code == 200 and withdrawn.json()["access"] == "withdrawn"
    assert shown() == set()
    restored = httpx.post(f"{path}/restore", headers=bearer, timeout=30)
    assert restored.status_code == 200 and shown() == {doc_id}

    unknown = subprocess.run(
        [sys.executable, "-m", "kb", "remove", "0" * 20],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert unknown.returncode == 1 and "No document with id" in unknown.stderr
    removed = _kb(env, "remove", doc_id)
    assert "asking it to remove" in removed.stderr and f"Removed {doc_id}." in removed.stdout
    assert shown() == set()
    assert httpx.get(f"{url}/documents/{doc_id}", timeout=30).status_code == 404


def test_admin_needs_the_machine_token_or_an_admin(site) -> None:  # type: ignore[no-untyped-def]
    url, _env, tmp_path = site
    assert httpx.get(f"{url}/api/admin/status", timeout=10).status_code == 401
    # Being on loopback is not enough, and the browser page sends people to sign in.
    page = httpx.get(f"{url}/admin/status", timeout=10)
    assert page.status_code == 303 and page.headers["location"].startswith("/sign-in")
    token = (tmp_path / "data" / ".admin-token").read_text()
    bearer = {"Authorization": f"Bearer {token}"}
    status = httpx.get(f"{url}/api/admin/status", headers=bearer, timeout=10)
    assert status.status_code == 200 and "housing.pdf" in status.text
    wrong = httpx.post(
        f"{url}/admin/ingest",
        json={"paths": ["/x"]},
        headers={"Authorization": "Bearer wrong"},
        timeout=10,
    )
    assert wrong.status_code == 401


def test_hand_off_refuses_foreign_origins_and_outside_paths(site) -> None:  # type: ignore[no-untyped-def]
    url, _env, tmp_path = site
    token = (tmp_path / "data" / ".admin-token").read_text()
    bearer = {"Authorization": f"Bearer {token}"}
    inside = str(tmp_path / "second")
    foreign = httpx.post(
        f"{url}/admin/ingest",
        json={"paths": [inside]},
        headers={**bearer, "Origin": "https://evil.example"},
        timeout=10,
    )
    assert foreign.status_code == 403
    for outside in ("/etc", str(tmp_path / "second" / ".." / "first")):
        refused = httpx.post(
            f"{url}/admin/ingest",
            json={"paths": [outside]},
            headers={**bearer, "Accept": "application/json"},
            timeout=10,
        )
        assert refused.status_code == 403
        assert "KB_INGEST__ROOTS" in refused.json()["detail"]


@pytest.mark.parametrize("secret", ["café", "£5", "\u00ff\u00fe"])
def test_non_ascii_tokens_are_refused_not_crashed(site, secret: str) -> None:  # type: ignore[no-untyped-def]
    url, _env, _tmp = site
    raw = secret.encode("utf-8")
    basic = b"Basic " + base64.b64encode(b"admin:" + raw)
    for header in (b"Bearer " + raw, basic):
        response = httpx.get(
            f"{url}/api/admin/status", headers=[(b"Authorization", header)], timeout=10
        )
        assert response.status_code == 401, response.text


TOPICS = [
    [
        "Damp and mould in private rented homes in Melton harm children's health. Families in "
        "temporary accommodation after eviction face overcrowding, and landlords must fix "
        "disrepair. Fuel poverty and the cost of living leave people on low incomes in cold homes.",
        "Older people living alone in rural villages of Harborough feel lonely and isolated. "
        "Befriending schemes, lunch clubs and volunteers help; buses are rare, so getting to the "
        "GP surgery or the pharmacy is hard without a car.",
    ],
    [
        "Leicestershire schools report lower attainment and more exclusions for pupils eligible "
        "for free school meals. Children with special educational needs (SEND) wait for support, "
        "and apprenticeships help young people into work.",
        "Domestic abuse, antisocial behaviour and county lines exploitation in Charnwood. "
        "Alcohol and drug misuse, smoking and gambling are higher in deprived neighbourhoods, "
        "where fast food takeaways cluster near schools.",
    ],
]


def _stored_tags(data_dir: Path, leave_out: str = "") -> dict[str, Any]:
    """Every chunk's tag fields and every document's tag roll-up, keyed by their ids."""
    from search.library import Library
    from search.schema import Filters
    from search.settings import Settings

    library = Library.open(Settings(data_dir=data_dir))
    try:
        hits = library.store.chunks(Filters(), limit=library.store.count())
        chunks = {
            h.id: {
                "determinants": h.payload.get("determinants"),
                "lenses": h.payload.get("lenses"),
                "places": h.payload.get("places"),
                "scores": {
                    k: round(float(v), 2)
                    for k, v in (h.payload.get("determinant_scores") or {}).items()
                },
            }
            for h in hits
            if h.payload.get("file_name") != leave_out
        }
        documents = {
            r.doc_id: {
                "determinants": r.extra.get("determinants"),
                "places": r.extra.get("places"),
            }
            for r in library.catalogue.documents()
            if r.file_name != leave_out
        }
        return {"chunks": chunks, "documents": documents}
    finally:
        library.close()


def test_documents_handed_to_the_site_get_the_same_tags_as_a_direct_ingest(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "pdfs"
    for n, pages in enumerate(TOPICS):
        write_pdf(folder / f"topic-{n}.pdf", pages)
    base = {**os.environ, "HF_HUB_OFFLINE": "1"}
    direct = {**base, "KB_DATA_DIR": str(tmp_path / "direct")}
    _kb(direct, "ingest", str(folder))

    handed = {
        **base,
        "KB_DATA_DIR": str(tmp_path / "handed"),
        "KB_INGEST__ROOTS": json.dumps([str(folder)]),
    }
    write_pdf(tmp_path / "seed" / "seed.pdf", ["A first document so the site has an index."])
    _kb(handed, "ingest", str(tmp_path / "seed"))
    server, _url = _start_site(handed, tmp_path / "serve.log")
    try:
        result = _kb(handed, "ingest", str(folder), "--report", str(tmp_path / "r.jsonl"))
        assert "handing the ingest to it" in result.stderr
    finally:
        server.terminate()
        server.wait(timeout=30)

    want = _stored_tags(tmp_path / "direct")
    got = _stored_tags(tmp_path / "handed", leave_out="seed.pdf")
    assert want["chunks"] and want["documents"]
    tagged = [c for c in want["chunks"].values() if c["determinants"]]
    assert tagged and any(c["lenses"] for c in tagged) and any(c["places"] for c in tagged)
    assert got == want


@pytest.mark.parametrize(
    ("content_type", "body"),
    [("application/json", b'["not", "an", "object"]'), ("text/html", b"<h1>Bad gateway</h1>")],
)
def test_a_refusal_that_is_not_the_sites_json_is_reported_not_crashed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content_type: str, body: bytes
) -> None:
    """A proxy's page (or any odd answer) in front of the site still gets a plain line."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from kb.handoff import hand_over
    from search.schema import RunChoices
    from search.settings import Settings

    class Refuse(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(502)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Refuse)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        settings = Settings(data_dir=tmp_path, web={"admin_token": "t"})  # type: ignore[arg-type]
        url = f"http://127.0.0.1:{server.server_address[1]}"
        code = hand_over(settings, url, [tmp_path], RunChoices(), tmp_path / "report.jsonl")
    finally:
        server.shutdown()
        server.server_close()
    assert code == 1
    printed = " ".join(capsys.readouterr().err.split())
    assert "The site refused the job (502)" in printed
    assert body.decode()[:10] in printed


def test_a_site_stopped_as_docker_stops_it_closes_its_library_and_withdraws(
    tmp_path: Path,
) -> None:
    """SIGTERM (docker stop, systemd): uvicorn stops gracefully, then the site closes the
    library (the engine's child process with it) and withdraws its announcement."""
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path / "data"), "HF_HUB_OFFLINE": "1"}
    write_pdf(tmp_path / "docs" / "housing.pdf", ["Damp and mould in rented homes."])
    _kb(env, "ingest", str(tmp_path / "docs"))
    server, _ = _start_site(env, tmp_path / "serve.log")
    announced = tmp_path / "data" / "site.json"
    assert announced.is_file()
    children = descendants(server.pid)
    assert children, "the site runs its engine in a child process"
    server.terminate()
    assert server.wait(timeout=60) == 0, (tmp_path / "serve.log").read_text()[-2000:]
    assert not announced.exists()
    assert all(has_ended(child) for child in children)
    log = (tmp_path / "serve.log").read_text()
    assert "the site's process is gone" not in log  # closed by the site, not left to the child
