"""Admin work through the site (TestClient): upload PDFs with checks, correct a document's
details, change who can see it, withdraw and restore it; every step in the audit log, and
corrections kept when the same file is ingested again."""

from __future__ import annotations

import re
import time
from pathlib import Path

from ingest.pipeline import Ingester
from search.library import Library
from tests.accounts.conftest import csrf_of, doc_id_of
from tests.pdfs import write_pdf
from web.users import UserStore


def _upload(client, files, access: str = "partner"):  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/admin/upload")
    return client.post(
        "/admin/upload",
        data={"csrf": token, "access": access},
        files=[("files", f) for f in files],
        follow_redirects=False,
    )


def _wait_for(client, location: str) -> str:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        page = client.get(location).text
        if "Finished" in page or "Stopped" in page:
            return str(page)
        time.sleep(0.5)
    raise AssertionError("the upload did not finish")


def _ingest_one(library: Library, folder: Path, name: str, text: str) -> str:
    write_pdf(folder / name, [text])
    Ingester(library.index, library.settings.chunks, parse_workers=1).run([folder])
    return doc_id_of(library, name)


def _edit(admin, doc_id: str, redirects: bool = True, **fields: str):  # type: ignore[no-untyped-def]
    """Posts the document's edit form as the admin's browser does, with its token."""
    data = {"csrf": csrf_of(admin), **fields}
    return admin.post(f"/admin/documents/{doc_id}", data=data, follow_redirects=redirects)


def test_upload_checks_every_file_and_ingests_the_good_ones(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    good = write_pdf(
        tmp_path / "tenants.pdf",
        ["Private tenants in Hinckley report hornblatter mould in cold rented homes."],
        title="Tenants and mould survey",
    )
    existing = next(r for r in access_library.catalogue.documents() if r.file_name == "open.pdf")
    response = _upload(
        admin,
        [
            ("tenants.pdf", good.read_bytes(), "application/pdf"),
            ("../../etc/passwd.pdf", b"root:x:0:0\n", "application/pdf"),
            ("big.pdf", b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10), "application/pdf"),
            ("again.pdf", Path(existing.path).read_bytes(), "application/pdf"),
            ("twice.pdf", good.read_bytes(), "application/pdf"),
        ],
    )
    assert response.status_code == 303, response.text
    page = _wait_for(admin, response.headers["location"])
    assert "It is not a PDF file." in page
    assert "It is bigger than 1 MB." in page
    assert "It is already in the library" in page
    assert f'href="/documents/{existing.doc_id}"' in page  # a link to the copy already in
    assert "the same as tenants.pdf in this upload" in page
    assert "passwd" in page and "/etc/" not in page.replace("../../etc/passwd.pdf", "")
    record = next(r for r in access_library.catalogue.documents() if r.file_name == "tenants.pdf")
    assert record.meta.access == "partner"
    assert record.meta.title == "Tenants and mould survey"  # read from the PDF, to be checked
    assert f"/admin/documents/{record.doc_id}" in page
    # Only what was uploaded reached the uploads folder: no path from the browser was used.
    uploaded = sorted(p.name for p in Path(record.path).parent.iterdir())
    assert uploaded == ["manifest.csv", "tenants.pdf"]

    def titles(role: str) -> list[str]:
        found = clients[role].get("/api/search", params={"q": "hornblatter mould"}).json()
        return [d["title"] for d in found["documents"]]

    assert "Tenants and mould survey" not in titles("visitor")
    assert titles("partner")[0] == "Tenants and mould survey"
    assert "upload" in admin.get("/admin/audit").text


def test_uploads_refuse_forms_without_token_or_files(clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    forged = admin.post(
        "/admin/upload",
        data={"csrf": "nope", "access": "public"},
        files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))],
        follow_redirects=False,
    )
    assert forged.status_code == 403
    empty = _upload(admin, [], access="public")
    assert empty.status_code == 400 and "Choose at least one file to upload" in empty.text
    assert '<p id="files-error" class="govuk-error-message">' in empty.text  # beside the box
    odd_level = _upload(admin, [("a.pdf", b"%PDF-1.4", "application/pdf")], access="everyone")
    assert odd_level.status_code == 400
    assert 'href="#access-public"' in odd_level.text and 'id="files-error"' not in odd_level.text
    partner = clients["partner"]
    refused = partner.post(
        "/admin/upload",
        data={"csrf": csrf_of(partner), "access": "public"},
        files=[("files", ("a.pdf", b"%PDF-1.4", "application/pdf"))],
        follow_redirects=False,
    )
    assert refused.status_code == 403


def test_forms_offer_every_level_with_the_current_one_chosen(
    clients, access_library: Library
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    checked = re.compile(r'id="access-(\w+)"[^>]*value="\1" checked')
    levels = re.compile(r'name="access" type="radio" value="(\w+)"')
    upload = admin.get("/admin/upload").text
    assert levels.findall(upload) == ["public", "partner", "internal"]
    assert checked.findall(upload) == [access_library.settings.access.default]
    doc_id = doc_id_of(access_library, "partner.pdf")
    edit = admin.get(f"/admin/documents/{doc_id}").text
    assert levels.findall(edit) == ["public", "partner", "internal"]
    assert checked.findall(edit) == ["partner"]


def test_correct_withdraw_restore_and_keep_corrections_on_reingest(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin, partner, visitor = clients["admin"], clients["partner"], clients["visitor"]
    folder = tmp_path / "fix"
    text = "Wintle draft: cold homes and damp in Coalville, with grants for loft insulation."
    doc_id = _ingest_one(access_library, folder, "draft.pdf", text)
    record = access_library.catalogue.document(doc_id)
    assert record is not None
    form = admin.get(f"/admin/documents/{doc_id}").text
    assert record.meta.title in form  # pre-filled from the PDF
    # '²⁰²⁴' is digits to str.isdigit but not to int(): refused in words, not a 500.
    for year in ("20x4", "\u00b2\u2070\u00b2\u2074"):
        bad = _edit(admin, doc_id, title="x", year=year, access="public")
        assert bad.status_code == 400 and "four numbers" in bad.text, year
    saved = _edit(
        admin,
        doc_id,
        title="Cold homes in Coalville",
        organisation="North West Leicestershire",
        year="2022",
        kind="evaluation",
        access="partner",
    )
    assert saved.status_code == 200
    found = partner.get("/api/search", params={"q": "Coalville loft insulation"}).json()
    assert found["documents"][0]["title"] == "Cold homes in Coalville"
    assert doc_id not in visitor.get("/api/search", params={"q": "Coalville loft"}).text

    page = admin.get(f"/documents/{doc_id}").text
    assert "Withdraw this document" in page
    admin.post(f"/admin/documents/{doc_id}/withdraw", data={"csrf": csrf_of(admin)})
    assert partner.get(f"/documents/{doc_id}").status_code == 404
    assert "Bring back this document" in admin.get(f"/documents/{doc_id}").text
    admin.post(f"/admin/documents/{doc_id}/restore", data={"csrf": csrf_of(admin)})
    assert partner.get(f"/documents/{doc_id}").status_code == 200
    assert visitor.get(f"/documents/{doc_id}").status_code == 404

    log = admin.get("/admin/audit").text
    for action in ("access change", "withdraw", "restore"):
        assert action in log

    # Ingest the same file again from scratch: the corrections come back with it.
    access_library.index.remove_document(doc_id)
    access_library.catalogue.forget_file(record.path)
    Ingester(access_library.index, access_library.settings.chunks, parse_workers=1).run([folder])
    again = access_library.catalogue.document(doc_id)
    assert again is not None
    assert (again.meta.title, again.meta.year, again.meta.access) == (
        "Cold homes in Coalville",
        2022,
        "partner",
    )
    assert re.search("Cold homes in Coalville", partner.get(f"/documents/{doc_id}").text)


def test_pasted_control_characters_never_reach_a_documents_details(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    doc_id = _ingest_one(access_library, tmp_path, "pasted.pdf", "Flats with damp and mould.")
    # A NUL and an escape code, as a paste can carry: neither may reach pages or feeds.
    saved = _edit(
        admin,
        doc_id,
        redirects=False,
        title="Damp\x00 flats\x1b survey",
        organisation="Vexmoor\x07 Office",
        access="public",
    )
    assert saved.status_code == 303
    record = access_library.catalogue.document(doc_id)
    assert record is not None
    assert (record.meta.title, record.meta.organisation) == ("Damp flats survey", "Vexmoor Office")


def test_editing_a_withdrawn_document_keeps_it_withdrawn_and_logs_it_so(
    clients, access_library: Library, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    doc_id = _ingest_one(access_library, tmp_path, "old.pdf", "Vexmoor housing survey 2009.")
    admin.post(f"/admin/documents/{doc_id}/withdraw", data={"csrf": csrf_of(admin)})
    saved = _edit(admin, doc_id, redirects=False, title="Vexmoor survey", access="public")
    assert saved.status_code == 303
    record = access_library.catalogue.document(doc_id)
    assert record is not None and record.meta.access == "withdrawn"
    users = UserStore(access_library.settings.users_path)
    try:
        latest = users.audit_log(1)[0]
    finally:
        users.close()
    # The level chosen waits for the document to be brought back: not an access change yet.
    assert latest.action == "edit"
    assert "level when brought back 'public'" in latest.detail
    assert "'withdrawn' to" not in latest.detail
    # Its form offers the level it will come back at, and bringing it back gives it that level.
    form = admin.get(f"/admin/documents/{doc_id}").text
    assert re.findall(r'id="access-(\w+)"[^>]*checked', form) == ["public"]
    admin.post(f"/admin/documents/{doc_id}/restore", data={"csrf": csrf_of(admin)})
    restored = access_library.catalogue.document(doc_id)
    assert restored is not None and restored.meta.access == "public"
