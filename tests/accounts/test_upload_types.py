"""Browser uploads take the file types `kb ingest` reads, each checked for what it claims to be,
and keep each file's own ending; the ingest's readers do the deeper checks."""

from __future__ import annotations

from pathlib import Path

from ingest.formats import READABLE
from ingest.formats import UNSUPPORTED as INGEST_UNSUPPORTED
from search.library import Library
from tests.accounts.test_admin_browser_flows import _upload, _wait_for
from tests.documents import write_docx, write_docx_bomb
from tests.pdfs import write_encrypted_pdf, write_pdf
from web.uploads import UNSUPPORTED, UPLOAD_TYPES

WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_upload_takes_the_types_kb_ingest_reads_and_says_so() -> None:
    assert set(UPLOAD_TYPES) == READABLE
    assert UNSUPPORTED == INGEST_UNSUPPORTED


def test_upload_form_offers_word_files_and_web_pages(clients) -> None:  # type: ignore[no-untyped-def]
    form = clients["admin"].get("/admin/upload").text
    assert 'accept=".pdf,.docx,.html,.htm,application/pdf,' in form
    assert "Word files (.docx) and saved web pages (.html)" in form
    assert "Upload documents" in form


def test_word_files_and_web_pages_are_checked_and_ingested(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    word = write_docx(
        tmp_path / "Play streets.docx",
        [("Title", "Play streets in Wigston"), ("", "Closing roads for plumtrevan play helps.")],
    )
    page = (
        "<html><head><title>Warm spaces in Melton</title></head><body><h1>Warm spaces in Melton"
        "</h1><p>Libraries opened as warm spaces for gorsewick residents.</p></body></html>"
    )
    bomb = write_docx_bomb(tmp_path / "bomb.docx")
    response = _upload(
        admin,
        [
            ("Play streets.docx", word.read_bytes(), WORD),
            ("warm.HTML", page.encode(), "text/html"),
            ("fake.docx", b"%PDF-1.4\nnot a zip at all", WORD),
            ("binary.html", b"<html>\x00\x01\x02</html>", "text/html"),
            ("saved.html", b"%PDF-1.7\n6 0 obj <</ExtGState>> endobj stream", "text/html"),
            ("old.doc", b"\xd0\xcf\x11\xe0 an old Word file", "application/msword"),
            ("bomb.docx", bomb.read_bytes(), WORD),
        ],
    )
    assert response.status_code == 303, response.text
    shown = _wait_for(admin, response.headers["location"])
    assert "It is not a Word file (.docx)." in shown
    assert "It is not a saved web page: it is a binary file" in shown
    assert "It is not a saved web page: it is a PDF file" in shown
    assert "This file type is not supported." in shown
    assert "zip bomb" in shown  # the Word reader's own limit, met in the isolated ingest
    by_name = {r.file_name: r for r in access_library.catalogue.documents()}
    assert "It is not a PDF file." not in shown
    word_record, page_record = by_name["Play streets.docx"], by_name["warm.html"]
    assert Path(word_record.path).suffix == ".docx"
    assert word_record.meta.title == "Play streets in Wigston"
    assert page_record.meta.title == "Warm spaces in Melton"
    assert not {"fake.docx", "binary.html", "saved.html", "old.doc", "bomb.docx"} & set(by_name)
    found = clients["partner"].get("/api/search", params={"q": "gorsewick warm spaces"}).json()
    assert found["documents"][0]["title"] == "Warm spaces in Melton"


def test_a_pdf_with_a_very_long_name_is_read_not_refused(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # Names of up to 255 bytes are common from committee systems; the type is in the ending.
    long_name = "cabinet-report-" + "x" * 230 + ".pdf"
    pdf = write_pdf(tmp_path / "long.pdf", ["Quorbleton allotments help older people in Blaby."])
    admin = clients["admin"]
    response = _upload(admin, [(long_name, pdf.read_bytes(), "application/pdf")])
    assert response.status_code == 303, response.text
    shown = _wait_for(admin, response.headers["location"])
    assert "This file type is not supported." not in shown
    assert "Check details" in shown
    names = [r.file_name for r in access_library.catalogue.documents()]
    assert any(n.startswith("cabinet-report-x") and n.endswith(".pdf") for n in names)


def test_a_file_that_cannot_be_read_says_what_to_do_next(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    locked = write_encrypted_pdf(tmp_path / "locked.pdf", "Damp homes in Blaby, 2024.")
    admin = clients["admin"]
    response = _upload(
        admin,
        [
            ("locked.pdf", locked.read_bytes(), "application/pdf"),
            ("slides.pptx", b"PK\x03\x04 slides", "application/octet-stream"),
        ],
    )
    shown = _wait_for(admin, response.headers["location"])
    assert "This file is locked with a password. Save a copy without the password and" in shown
    assert "saved web pages (.html). Save it as one of these and upload that." in shown
