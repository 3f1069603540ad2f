"""A file uploaded under a name used before is a new edition of that file, as a changed file at
the same path is for `kb ingest`: it replaces the old document, keeps the corrections saved for
it, and the progress page says plainly what it replaced."""

from __future__ import annotations

import re
from pathlib import Path

from search.library import Library
from tests.accounts.conftest import csrf_of
from tests.accounts.test_admin_browser_flows import _upload, _wait_for
from tests.pdfs import write_pdf
from web.ingest_lock import Holder, IngestLock
from web.uploads import MAX_NAME, safe_file_name
from web.users import UserStore

PDF = "application/pdf"


def _documents_named(library: Library, name: str) -> list[str]:
    return [r.doc_id for r in library.catalogue.documents() if r.file_name == name]


def test_a_new_edition_replaces_the_old_and_keeps_its_correction(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    first = write_pdf(
        tmp_path / "one" / "melton-cycling.pdf",
        ["Cycling to school in Melton Mowbray: brindleford routes, 2021 counts."],
        title="Cycle counts",
    )
    response = _upload(admin, [("melton-cycling.pdf", first.read_bytes(), PDF)])
    page = _wait_for(admin, response.headers["location"])
    assert "replaces the earlier upload" not in page
    [old_id] = _documents_named(access_library, "melton-cycling.pdf")
    fixed = admin.post(
        f"/admin/documents/{old_id}",
        data={
            "csrf": csrf_of(admin),
            "title": "Cycling to school in Melton",
            "organisation": "Melton Borough Council",
            "year": "2021",
            "kind": "council report",
            "access": "partner",
        },
        follow_redirects=False,
    )
    assert fixed.status_code == 303

    second = write_pdf(
        tmp_path / "two" / "melton-cycling.pdf",
        ["Cycling to school in Melton Mowbray: brindleford routes, 2023 counts, revised."],
        title="Cycle counts",
    )
    response = _upload(admin, [("melton-cycling.pdf", second.read_bytes(), PDF)])
    page = _wait_for(admin, response.headers["location"])
    assert (
        "melton-cycling.pdf replaces the earlier upload of melton-cycling.pdf "
        "(title “Cycling to school in Melton”)"
    ) in page
    users = UserStore(access_library.settings.users_path)
    try:
        logged = users.audit_log(1)[0].detail
    finally:
        users.close()
    assert logged == (
        "1 file(s) as partner: melton-cycling.pdf (accepted, replacing "
        "“Cycling to school in Melton”)"
    )
    [new_id] = _documents_named(access_library, "melton-cycling.pdf")
    assert new_id != old_id
    assert access_library.catalogue.document(old_id) is None
    record = access_library.catalogue.document(new_id)
    assert record is not None
    assert (record.meta.title, record.meta.organisation, record.meta.year) == (
        "Cycling to school in Melton",
        "Melton Borough Council",
        2021,
    )
    assert Path(record.path).read_bytes() == second.read_bytes()  # one home, the new edition
    assert sorted(p.name for p in Path(record.path).parent.iterdir()) == [
        "manifest.csv",
        "melton-cycling.pdf",
    ]
    found = clients["partner"].get("/api/search", params={"q": "brindleford routes"}).json()
    assert [d["doc_id"] for d in found["documents"]] == [new_id]


def test_two_uploads_waiting_with_one_name_say_which_replaced_the_other(
    clients, app, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """Two admins' different reports called report.pdf, both waiting for the ingest: the one
    ingested second says it replaced the first, by its title."""
    admin = clients["admin"]
    titles = {"a": "Quarnby allotments review", "b": "Quarnby bus pass survey"}
    files = {
        key: write_pdf(tmp_path / key / "report.pdf", [f"{title}, quarnby villages."], title=title)
        for key, title in titles.items()
    }
    lock: IngestLock = app.state.ingest_lock
    with lock.hold(Holder.INGEST):  # an ingest is running: both uploads wait for it
        waiting = [
            _upload(admin, [("report.pdf", files[key].read_bytes(), PDF)]) for key in ("a", "b")
        ]
        first_pages = [admin.get(r.headers["location"]).text for r in waiting]
    assert not any("replaces the earlier upload" in p for p in first_pages)
    pages = [_wait_for(admin, r.headers["location"]) for r in waiting]
    notes = [p for p in pages if "report.pdf replaces the earlier upload of report.pdf" in p]
    assert len(notes) == 1
    [kept] = _documents_named(access_library, "report.pdf")
    record = access_library.catalogue.document(kept)
    assert record is not None
    replaced = next(t for t in titles.values() if t != record.meta.title)
    assert f"(title “{replaced}”)" in notes[0]


def test_the_audit_log_lists_every_uploaded_file_with_what_happened_to_it(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    good = [
        write_pdf(tmp_path / f"survey-{n}.pdf", [f"Survey {n} of wrenmoor damp in Blaby homes."])
        for n in range(3)
    ]
    response = _upload(
        admin,
        [
            *[(p.name, p.read_bytes(), PDF) for p in good],
            ("notes.pdf", b"plain words, not a PDF", PDF),
        ],
        access="internal",
    )
    assert response.status_code == 303
    users = UserStore(access_library.settings.users_path)
    try:
        latest = users.audit_log(1)[0]
    finally:
        users.close()
    assert latest.action == "upload"
    assert latest.detail == (
        "4 file(s) as internal: survey-0.pdf (accepted); survey-1.pdf (accepted); "
        "survey-2.pdf (accepted); notes.pdf (refused)"
    )
    _wait_for(admin, response.headers["location"])


def test_a_new_edition_that_cannot_be_read_leaves_the_earlier_one_whole(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    first = write_pdf(
        tmp_path / "bus-survey.pdf", ["Rural bus survey: trelawnick villages lost services."]
    )
    page = _wait_for(
        admin, _upload(admin, [("bus-survey.pdf", first.read_bytes(), PDF)]).headers["location"]
    )
    [doc_id] = _documents_named(access_library, "bus-survey.pdf")
    broken = b"%PDF-1.4\n" + b"\x00\xff not really a PDF " * 200
    response = _upload(admin, [("bus-survey.pdf", broken, PDF)])
    page = _wait_for(admin, response.headers["location"])
    # The page says once what happened: the earlier version stays, and nothing says the
    # new file replaced it.
    assert "The earlier version stays in the index." in page
    assert "replaces the earlier upload" not in page
    assert _documents_named(access_library, "bus-survey.pdf") == [doc_id]
    # The document still in the index still has its own file to download.
    download = clients["partner"].get(f"/documents/{doc_id}/file")
    assert download.status_code == 200 and download.content == first.read_bytes()
    record = access_library.catalogue.document(doc_id)
    assert record is not None
    assert sorted(p.name for p in Path(record.path).parent.iterdir()) == [
        "bus-survey.pdf",
        "manifest.csv",
    ]


def test_the_same_file_as_a_withdrawn_document_says_it_is_withdrawn(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """A duplicate nobody can see must not read as 'it is in the library': the admin is told
    it was withdrawn and where to bring it back."""
    admin = clients["admin"]
    pdf = write_pdf(tmp_path / "walks.pdf", ["Guided walks in Rutland for older people."])
    page = _wait_for(
        admin, _upload(admin, [("walks.pdf", pdf.read_bytes(), PDF)]).headers["location"]
    )
    [doc_id] = _documents_named(access_library, "walks.pdf")
    withdrawn = admin.post(
        f"/admin/documents/{doc_id}/withdraw",
        data={"csrf": csrf_of(admin)},
        follow_redirects=False,
    )
    assert withdrawn.status_code == 303
    again = _upload(admin, [("walks-copy.pdf", pdf.read_bytes(), PDF)])
    page = _wait_for(admin, again.headers["location"])
    assert "withdrawn: bring it back from its page" in page


def test_files_whose_names_lose_their_letters_are_not_editions_of_each_other(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Names in another script, or long names alike in their first 100 characters, once all
    # came to one stored name, so a second, different file replaced the first.
    admin = clients["admin"]
    long_start = "Cabinet 2025 appendix " + "x" * 100
    uploads = [
        ("健康报告.pdf", "Smoking cessation in quillmoor villages, 2024."),
        ("住房.pdf", "Temporary accommodation in brambleford, 2024."),
        (f"{long_start} A.pdf", "Appendix A: snorvel bus routes in Blaby."),
        (f"{long_start} B.pdf", "Appendix B: plimwick play areas in Melton."),
    ]
    for n, (name, text) in enumerate(uploads):
        pdf = write_pdf(tmp_path / f"{n}.pdf", [text], title=text[:20])
        response = _upload(admin, [(name, pdf.read_bytes(), PDF)])
        page = _wait_for(admin, response.headers["location"])
        assert "replaces the earlier upload" not in page
    found = clients["partner"].get("/api/search", params={"q": "quillmoor smoking"}).json()
    assert found["documents"][0]["title"].startswith("Smoking cessation")
    found = clients["partner"].get("/api/search", params={"q": "snorvel bus"}).json()
    assert found["documents"][0]["title"].startswith("Appendix A")
    # The same name again is still a new edition of its own file.
    again = write_pdf(tmp_path / "again.pdf", ["Smoking cessation in quillmoor, 2025."])
    response = _upload(admin, [("健康报告.pdf", again.read_bytes(), PDF)])
    assert "replaces the earlier upload" in _wait_for(admin, response.headers["location"])


def test_accented_names_keep_their_letters_as_plain_ones() -> None:
    # 'Évaluation – café.pdf' was stored as 'valuation - caf- -…': letters were dropped.
    stored = safe_file_name("Évaluation – café.pdf")
    assert stored.startswith("Evaluation - cafe-") and stored.endswith(".pdf")
    assert safe_file_name("Gwasanaethau’r ŵyl — Straße.docx", ".docx").startswith(
        "Gwasanaethau-r wyl - Strasse-"
    )
    # Still a name that lost characters: 'café' and 'cafe' stay two files, each with its own.
    assert safe_file_name("cafe.pdf") == "cafe.pdf"
    assert safe_file_name("café.pdf") not in ("cafe.pdf", safe_file_name("cafè.pdf"))
    assert re.fullmatch(r"cafe-[0-9a-f]{8}\.pdf", safe_file_name("café.pdf"))  # a code of its own
    # Letters that only look like separators or dots in another form stay plain characters.
    for odd in ("．．／．．／etc／passwd.pdf", "..\\..\\Ｃ：＼boot.pdf", "ＡＢＣ／．．.pdf"):
        name = safe_file_name(odd)
        assert "/" not in name and "\\" not in name and not name.startswith(".")
        assert Path(name).name == name and re.search(r"-[0-9a-f]{8}\.pdf$", name)
        assert safe_file_name(name) == name  # a record's name reads back as the same file
    long = safe_file_name("é" * 300 + ".pdf")
    assert len(long) <= MAX_NAME and long.startswith("e" * 50)
