"""A site that stops (a restart, a crash, a power cut) while an upload or a reading again waits
or runs loses nothing: at the next start each job's page answers again, an unfinished job
carries on and says so, every earlier edition set aside is settled by what the catalogue holds,
and a job record someone has edited on disk is passed over rather than trusted."""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

import ingest.pipeline
from ingest.pipeline import Ingester
from kb.handoff import make_ingest_runner
from search.evidence.strength import STRONGEST_RULES
from search.library import Library
from search.models.encoder import Encoder
from search.schema import READING_RULES, RunChoices, document_id
from search.settings import Settings
from tests.accounts.conftest import add_accounts, csrf_of, sign_in, signed_in_clients
from tests.accounts.test_admin_browser_flows import _upload, _wait_for
from tests.pdfs import write_pdf
from web.app import create_app
from web.ingest_lock import Holder, IngestLock
from web.jobs import MAX_JOBS_KEPT, RESUMED, Job, JobShelf
from web.uploads import LOST, UploadJob

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "slate harbour willow 1988"
PDF = "application/pdf"
INDEXED_CELL = '<td class="govuk-table__cell">indexed</td>'


@pytest.fixture
def library(tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    settings = Settings(data_dir=tmp_path / "data", qdrant={"mode": "memory"})  # type: ignore[arg-type]
    opened = Library.open(settings, encoder=encoder)
    add_accounts(settings.users_path, ("admin",), PASSWORD)
    try:
        yield opened
    finally:
        opened.close()


def _site(library: Library) -> Any:
    return create_app(library.settings, library=library, ingest_runner=make_ingest_runner(library))


def _admin(app: Any) -> TestClient:
    return signed_in_clients(app, ("admin",), PASSWORD)["admin"]


@contextmanager
def _started_again(library: Library) -> Iterator[TestClient]:
    """A new site on the same data folder, started as `kb serve` starts it (its lifespan runs),
    with an admin signed in: what comes up after a stop."""
    with TestClient(_site(library)) as client:
        assert sign_in(client, "admin-user", PASSWORD) == 303
        yield client


def _stopped_while_waiting(app: Any) -> IngestLock:
    """Another ingest holds the lock, and the site stops before it lets go: the jobs queued
    behind it never get their turn. (The lock is never released: a released one would let this
    dead site's worker run after the new site has carried on with its job.)"""
    lock: IngestLock = app.state.ingest_lock
    lock.take(Holder.INGEST)
    return lock


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _only_document(library: Library, name: str) -> str:
    [doc_id] = [r.doc_id for r in library.catalogue.documents() if r.file_name == name]
    return doc_id


def _pdf(tmp_path: Path, folder: str, name: str, text: str) -> bytes:
    return write_pdf(tmp_path / folder / name, [text]).read_bytes()


def test_an_upload_left_waiting_by_a_stop_is_ingested_when_the_site_starts_again(
    library: Library, tmp_path: Path
) -> None:
    first = _site(library)
    admin = _admin(first)
    _stopped_while_waiting(first)
    text = "Thornbury allotment survey: growing vegetables lifts the mood of older residents."
    response = _upload(
        admin, [("allotments.pdf", _pdf(tmp_path, "a", "allotments.pdf", text), PDF)]
    )
    location = response.headers["location"]
    assert "Waiting for another ingest to finish" in admin.get(location).text
    assert library.catalogue.documents() == []

    with _started_again(library) as again:
        page = _wait_for(again, location)
        assert "Finished" in page and RESUMED in page
        assert page.count(INDEXED_CELL) == 1 and "allotments.pdf" in page
        doc_id = _only_document(library, "allotments.pdf")
        found = again.get("/api/search", params={"q": "allotment vegetables mood"}).json()
        assert found["documents"][0]["doc_id"] == doc_id
    home = Path(library.settings.uploads_dir / "files" / "allotments.pdf" / "allotments.pdf")
    assert home.is_file() and doc_id == document_id(_sha256(home))
    assert not list((library.settings.uploads_dir / "incoming").iterdir())


@pytest.mark.parametrize("before_the_stop", ["indexed", "not read", "unreadable"])
def test_a_stop_after_the_files_moved_home_leaves_the_library_consistent(
    library: Library, tmp_path: Path, before_the_stop: str
) -> None:
    """The site stopped with the new edition at its home and the earlier one set aside: either
    the ingest had read the new one, or it had not, or the new one cannot be read. At the next
    start, the file the document points at holds the bytes that were indexed, whichever."""
    first = _site(library)
    admin = _admin(first)
    old_text = "Harlow cycle counts 2021: fernbrook lanes carried four hundred riders a day."
    old = _pdf(tmp_path, "old", "cycling.pdf", old_text)
    _wait_for(admin, _upload(admin, [("cycling.pdf", old, PDF)]).headers["location"])
    old_id = _only_document(library, "cycling.pdf")

    new_text = "Harlow cycle counts 2023: fernbrook lanes now carry nine hundred riders daily."
    new = (
        b"%PDF-1.4\n" + b"\x00\xff not really a PDF " * 200
        if before_the_stop == "unreadable"
        else _pdf(tmp_path, "new", "cycling.pdf", new_text)
    )
    _stopped_while_waiting(first)
    location = _upload(admin, [("cycling.pdf", new, PDF)]).headers["location"]
    # What the worker did before the site stopped: the note, the move, maybe the ingest.
    job = first.state.upload_jobs.get(location.rsplit("/", 1)[1])
    job.note_replacements(library.catalogue)
    job.set_state("running")
    paths = job.move_home(library.catalogue)
    home = Path(paths[0])
    set_aside = home.parent / ".earlier" / "cycling.pdf"
    assert home.read_bytes() == new and set_aside.read_bytes() == old
    if before_the_stop == "indexed":
        make_ingest_runner(library)(paths, RunChoices(), lambda line: None)
        assert _only_document(library, "cycling.pdf") != old_id

    with _started_again(library) as again:
        page = _wait_for(again, location)
        assert "Finished" in page and RESUMED in page
        replaced = "cycling.pdf replaces the earlier upload of cycling.pdf" in page
        assert replaced == (before_the_stop != "unreadable")
    doc_id = _only_document(library, "cycling.pdf")
    record = library.catalogue.document(doc_id)
    assert record is not None and Path(record.path) == home
    assert doc_id == document_id(_sha256(home))  # the file holds the bytes that were indexed
    if before_the_stop == "unreadable":
        assert doc_id == old_id and home.read_bytes() == old
        assert "The earlier version stays in the index." in page
    else:
        assert doc_id != old_id and home.read_bytes() == new
        assert page.count(INDEXED_CELL) == 1  # read before the stop: not "skipped"
    indexed = library.catalogue.page_text(doc_id, 1) or ""
    wanted, other = ("2021", "2023") if before_the_stop == "unreadable" else ("2023", "2021")
    assert "fernbrook" in indexed and wanted in indexed and other not in indexed
    assert not set_aside.exists() and not set_aside.parent.exists()
    assert sorted(p.name for p in home.parent.iterdir()) == ["cycling.pdf", "manifest.csv"]


def test_settling_goes_by_what_the_catalogue_holds_not_by_the_runs_lines(
    library: Library, tmp_path: Path
) -> None:
    """A run carried on after a restart reports a file read before the stop as skipped (or
    reports nothing, if it stopped again): its earlier edition must go, not come back."""
    uploads = library.settings.uploads_dir
    home = uploads / "files" / "report.pdf" / "report.pdf"
    write_pdf(home, ["Earlier edition on quenmoor bus routes."])
    earlier = home.read_bytes()
    write_pdf(home, ["New edition on quenmoor bus routes and village halls."])
    Ingester(library.index, library.settings.chunks, parse_workers=1).run([home])
    set_aside = home.parent / ".earlier" / "report.pdf"
    set_aside.parent.mkdir()
    set_aside.write_bytes(earlier)
    job = UploadJob(
        id="0" * 16,
        folder=uploads / "incoming" / ("0" * 16),
        homes=uploads / "files",
        access="public",
        names=["report.pdf"],
        lines=[{"file": "report.pdf", "path": str(home), "outcome": "skipped", "doc_id": None}],
    )
    job.settle(library.catalogue)
    assert not set_aside.exists()
    assert _only_document(library, "report.pdf") == document_id(_sha256(home.resolve()))


def test_editions_set_aside_whose_upload_record_is_gone_are_settled_at_start(
    library: Library, tmp_path: Path
) -> None:
    """Only the newest job records are kept, and one may be deleted by hand: an edition set
    aside by a job with no record is settled at the next start, by what the catalogue holds."""
    uploads = library.settings.uploads_dir
    # The library took in the new edition: the one set aside goes.
    taken = uploads / "files" / "taken.pdf" / "taken.pdf"
    write_pdf(taken, ["Earlier survey of vellmarsh footpaths."])
    taken_before = taken.read_bytes()
    write_pdf(taken, ["New survey of vellmarsh footpaths and stiles."])
    Ingester(library.index, library.settings.chunks, parse_workers=1).run([taken])
    # The new edition was never read (the site stopped first): the earlier one comes back.
    unread = uploads / "files" / "unread.pdf" / "unread.pdf"
    write_pdf(unread, ["Earlier count of orvale bus stops."])
    Ingester(library.index, library.settings.chunks, parse_workers=1).run([unread])
    unread_before = unread.read_bytes()
    write_pdf(unread, ["A new count of orvale bus stops, never read."])
    for home, before in ((taken, taken_before), (unread, unread_before)):
        aside = home.parent / ".earlier" / home.name
        aside.parent.mkdir()
        aside.write_bytes(before)
    # A set-aside folder that is a link to elsewhere is never followed.
    elsewhere = tmp_path / "elsewhere"
    write_pdf(elsewhere / "linked.pdf", ["Not an upload."])
    linked_home = uploads / "files" / "linked.pdf"
    linked_home.mkdir()
    (linked_home / ".earlier").symlink_to(elsewhere)

    with _started_again(library):
        deadline = time.monotonic() + 60
        while (taken.parent / ".earlier").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        while (unread.parent / ".earlier").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
    assert not (taken.parent / ".earlier").exists() and not (unread.parent / ".earlier").exists()
    assert _only_document(library, "taken.pdf") == document_id(_sha256(taken))
    assert unread.read_bytes() == unread_before
    assert _only_document(library, "unread.pdf") == document_id(_sha256(unread))
    assert (elsewhere / "linked.pdf").is_file() and not (linked_home / "linked.pdf").exists()


def test_a_site_chooses_strongest_passages_an_older_rule_chose_again_after_it_starts(
    library: Library, tmp_path: Path
) -> None:
    text = (
        "Damp and mould in private rented homes harm children's health. Families in temporary"
        " accommodation after eviction face overcrowding, and landlords must fix disrepair."
    )
    write_pdf(tmp_path / "docs" / "damp.pdf", [text, "Fuel poverty leaves tenants in cold homes."])
    Ingester(library.index, library.settings.chunks, parse_workers=1).run([tmp_path / "docs"])
    [record] = library.catalogue.documents()
    right = record.extra["strongest"]
    assert right and library.catalogue.mark("strongest_rules") == STRONGEST_RULES
    # As a library an older version wrote: other picks, and no note of the rule.
    stale = {name: {**e, "chunk": "stale"} for name, e in right.items()}
    library.catalogue.update_extra(record.doc_id, {**record.extra, "strongest": stale})
    library.catalogue.set_mark("strongest_rules", 1)
    with _started_again(library):
        deadline = time.monotonic() + 60
        while library.catalogue.mark("strongest_rules") == 1 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert library.catalogue.mark("strongest_rules") == STRONGEST_RULES
    assert library.catalogue.documents()[0].extra["strongest"] == right


def test_finished_jobs_pages_answer_after_a_restart(library: Library, tmp_path: Path) -> None:
    first = _site(library)
    admin = _admin(first)
    text = "Wexcombe warm spaces: libraries opened their doors to residents in winter."
    location = _upload(admin, [("warm.pdf", _pdf(tmp_path, "w", "warm.pdf", text), PDF)]).headers[
        "location"
    ]
    before = _wait_for(admin, location)
    assert "Finished" in before and before.count(INDEXED_CELL) == 1

    with _started_again(library) as again:
        after = again.get(location)
        assert after.status_code == 200
        assert "Finished" in after.text and after.text.count(INDEXED_CELL) == 1
        assert "warm.pdf" in after.text and RESUMED not in after.text
        assert again.get("/admin/uploads/0123456789abcdef").status_code == 404


def test_reading_again_left_waiting_by_a_stop_carries_on(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("damp", "buses"):
        write_pdf(tmp_path / "docs" / f"{name}.pdf", [f"Notes on {name} in Leicestershire homes."])
    monkeypatch.setattr(ingest.pipeline, "READING_RULES", READING_RULES - 1)
    Ingester(library.index, library.settings.chunks, parse_workers=1).run([tmp_path / "docs"])
    monkeypatch.undo()
    first = _site(library)
    admin = _admin(first)
    _stopped_while_waiting(first)
    pressed = admin.post(
        "/admin/reread", data={"csrf": csrf_of(admin, "/admin/status")}, follow_redirects=False
    )
    location = pressed.headers["location"]
    assert "Waiting for another ingest to finish" in admin.get(location).text

    with _started_again(library) as again:
        page = _wait_for(again, location)
        assert "Finished" in page and RESUMED in page and page.count(INDEXED_CELL) == 2
    assert library.catalogue.read_by_older_rules_totals(READING_RULES)[0] == 0


def _write(folder: Path, name: str, record: dict[str, Any] | str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    text = record if isinstance(record, str) else json.dumps(record)
    (folder / name).write_text(text, encoding="utf-8")


def _upload_record(job_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "format": 1,
        "kind": "upload",
        "id": job_id,
        "created_at": time.time(),
        "state": "waiting",
        "error": "",
        "resumed": False,
        "lines": [],
        "access": "public",
        "names": ["notes.pdf"],
        "checked": [],
        "replaces": {},
        **changes,
    }


def test_edited_or_broken_job_records_are_passed_over_and_the_site_starts(
    library: Library, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    uploads = library.settings.uploads_dir
    records = library.settings.jobs_dir / "uploads"
    outside = write_pdf(tmp_path / "outside" / "secret.pdf", ["Private zeltmoor payroll notes."])
    bad = {
        "a" * 16: "{not json",
        "b" * 16: "[" * 100_000 + "]" * 100_000,
        "c" * 16: _upload_record("c" * 16, names=["../../../outside/secret.pdf"]),
        "d" * 16: _upload_record(
            "d" * 16, lines=[{"file": "x", "outcome": "indexed", "pages": -5}]
        ),
        "e" * 16: _upload_record("e" * 16, created_at=float("inf")),
        "f" * 16: _upload_record("0" * 16),  # not its own file's id
        "1" * 16: _upload_record("1" * 16, access="everyone"),
        "2" * 16: _upload_record("2" * 16, state="done"),
        "3" * 16: _upload_record(
            "3" * 16, lines=[{"file": "x", "outcome": "indexed", "doc_id": "../../admin/users"}]
        ),
        "4" * 16: _upload_record("4" * 16, names=["x" * 10_000 + ".pdf"]),
        "5" * 16: '"just a string"',
    }
    for job_id, record in bad.items():
        _write(records, f"{job_id}.json", record)
    huge = records / ("6" * 16 + ".json")
    with huge.open("wb") as handle:  # sparse: too big to be a record, no disk spent on it
        handle.truncate(1 << 30)
    # A link among the records, and a waiting file that links out of the uploads folder.
    _write(tmp_path / "elsewhere", "x.json", _upload_record("7" * 16))
    (records / ("7" * 16 + ".json")).symlink_to(tmp_path / "elsewhere" / "x.json")
    _write(records, "8" * 16 + ".json", _upload_record("8" * 16))
    (uploads / "incoming" / ("8" * 16)).mkdir(parents=True)
    (uploads / "incoming" / ("8" * 16) / "notes.pdf").symlink_to(outside)
    # Reading again a path the catalogue never listed: a record's paths are not trusted.
    reread = {
        **{k: v for k, v in _upload_record("9" * 16).items() if k in ("format", "id")},
        "kind": "reread",
        "created_at": time.time(),
        "state": "waiting",
        "error": "",
        "resumed": False,
        "lines": [],
        "paths": [str(outside)],
        "missing": 0,
    }
    _write(library.settings.jobs_dir / "reread", "9" * 16 + ".json", reread)

    with caplog.at_level(logging.WARNING, logger="web.jobs"), _started_again(library) as again:
        assert again.get("/healthz").status_code == 200
        assert again.get("/admin/upload").status_code == 200
        for job_id in [*bad, "6" * 16, "7" * 16]:
            assert again.get(f"/admin/uploads/{job_id}").status_code == 404
        linked = _wait_for(again, f"/admin/uploads/{'8' * 16}")
        assert "Finished" in linked and LOST in linked
        read = _wait_for(again, f"/admin/reread/{'9' * 16}")
        assert "Finished" in read and INDEXED_CELL not in read
    passed = [r.getMessage() for r in caplog.records if "passed over" in r.getMessage()]
    assert len(passed) == len(bad) + 2  # the huge one and the link too
    assert any("6" * 16 in m and "too big" in m for m in passed)  # not read into memory
    assert library.catalogue.documents() == []
    assert library.catalogue.file(str(outside)) is None
    assert not (uploads / "files" / "notes.pdf" / "notes.pdf").exists()
    assert outside.is_file()
    for job_id in bad:  # left for a person to look at, not deleted or rewritten
        assert (records / f"{job_id}.json").exists()


class _Note(Job):
    kind = "note"


def test_only_the_newest_jobs_are_kept_on_disk_too(tmp_path: Path) -> None:
    shelf: JobShelf[_Note] = JobShelf(tmp_path / "jobs")
    jobs = [_Note(id=f"{n:016x}", created_at=float(n), state="finished") for n in range(60)]
    for job in jobs:
        shelf.keep(job)
    kept = sorted(p.stem for p in (tmp_path / "jobs").glob("*.json"))
    assert kept == [j.id for j in jobs[-MAX_JOBS_KEPT:]]
    assert shelf.get(jobs[0].id) is None and shelf.get(jobs[-1].id) is jobs[-1]
    assert not [p for p in os.listdir(tmp_path / "jobs") if p.endswith(".tmp")]
