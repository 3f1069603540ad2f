"""Word files, web pages and scans go through the whole ingest like PDFs: outcomes, metadata
read from the document, chunks, search and citations that name a section or mark OCR."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.formats import UNSUPPORTED
from ingest.ocr import is_ocr_available
from ingest.pipeline import FAILED, INDEXED, NO_PASSAGES, WARNINGS, Ingester
from ingest.webpage import HTML_EMPTY
from ingest.wordfile import NOT_WORD, WORD_BOMB
from search.curation import correct_document, restore_document, withdraw_document
from search.library import Library
from search.models.encoder import Encoder
from search.schema import Filters
from search.settings import Settings
from tests.documents import write_docx, write_docx_bomb, write_scanned_pdf
from tests.pdfs import write_pdf
from tests.web.conftest import TestClient
from web.app import create_app


@pytest.fixture
def library(encoder: Encoder, tmp_path: Path) -> Iterator[Library]:
    settings = Settings(data_dir=tmp_path / "data", qdrant={"mode": "memory"})
    opened = Library.open(settings, encoder=encoder)
    yield opened
    opened.close()


def _ingest(library: Library, folder: Path) -> dict[str, tuple[str, str]]:
    summary = Ingester(library.index, library.settings.chunks, parse_workers=1).run([folder])
    return {Path(o.path).name: (o.outcome, o.reason) for o in summary.outcomes}


def _write_folder(folder: Path) -> None:
    write_docx(
        folder / "damp.docx",
        [
            ("Title", "Damp and mould in rented homes"),
            ("", "Published by Kent County Council, March 2023."),
            ("Heading1", "What tenants told us"),
            ("", "Tenants in houses in multiple occupation reported black mould on bedroom walls."),
        ],
    )
    (folder / "fuel.html").write_text(
        "<html><head><title>Fuel poverty</title><script>steal()</script></head><body>"
        "<h1>Fuel poverty in the county</h1><p>Produced by Leicestershire County Council.</p>"
        "<h2>Cold homes</h2><p>Families who cannot heat their homes ration the heating.</p>"
        "</body></html>",
        encoding="utf-8",
    )
    # Marks but no words, and a script that is never text: nothing to index.
    (folder / "nothing.html").write_text(
        "<html>%PDF-1.4 <script>alert(1)</script></html>", encoding="utf-8"
    )
    (folder / "slides.pptx").write_bytes(b"PK\x03\x04 slides")
    (folder / "broken.docx").write_bytes(b"not a zip" * 100)
    write_docx_bomb(folder / "bomb.docx", megabytes=80)
    (folder / "manifest.csv").write_text("file,title\n", encoding="utf-8")


def test_word_and_web_files_are_indexed_searchable_and_cited_by_section(
    library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    _write_folder(folder)
    outcomes = _ingest(library, folder)
    # In the ingest's own words: a Word file and a web page have sections, not pages.
    assert outcomes["damp.docx"] == (INDEXED, "All 2 sections were read.")
    assert outcomes["fuel.html"] == (INDEXED, "All 2 sections were read.")
    assert outcomes["nothing.html"] == (FAILED, HTML_EMPTY)
    assert outcomes["slides.pptx"] == (FAILED, UNSUPPORTED)
    # Bad files fail with their own reason; nothing else in the run is lost.
    assert outcomes["broken.docx"] == (FAILED, NOT_WORD)
    assert outcomes["bomb.docx"] == (FAILED, WORD_BOMB)
    assert "manifest.csv" not in outcomes

    top = library.searcher.search("black mould on bedroom walls").documents[0]
    meta = top.document.meta
    assert top.document.file_name == "damp.docx"
    assert meta.title == "Damp and mould in rented homes"
    assert meta.organisation == "Kent County Council"
    assert meta.kind == "council report"
    assert meta.year == 2023
    assert top.passages[0].page_end == 2  # the section that holds the words

    client = TestClient(create_app(library.settings, library=library))
    page = client.get(f"/documents/{top.doc_id}/pages/2").text
    assert "Section 2 of 2: What tenants told us" in page
    assert "section 2)" in page
    assert "Section 1" in page and "Page 1" not in page  # the link to the section before
    # Everywhere a passage is cited, a Word file's place is its section and heading, not a page.
    found = client.get("/search", params={"q": "black mould on bedroom walls"}).text
    assert "From section 2: What tenants told us" in found
    assert "read section 2 as text" in found
    assert "of the PDF" not in found and "read page" not in found
    breakdown = client.get("/search/by-determinant", params={"q": "black mould"}).text
    assert "From section 2: What tenants told us of" in breakdown
    assert "of the PDF" not in breakdown
    housing = client.get("/determinants/housing").text
    assert "section 2: What tenants told us" in housing
    assert "of the PDF" not in housing
    document = client.get(f"/documents/{top.doc_id}").text
    assert "Section 2: What tenants told us" in document
    assert "Download the original file (Word document)" in document
    assert "Download the PDF" not in document and "PDFs are not" not in document
    assert '<dt class="govuk-summary-list__key">\n      Sections\n' in document
    assert ">Pages<" not in document and 'id="pages">Sections</h2>' in document
    passage = client.get("/api/search", params={"q": "black mould on bedroom walls"}).json()
    cited = passage["documents"][0]["passages"][0]
    assert cited["unit"] == "section"
    assert [2, "What tenants told us"] in cited["headings"]
    assert "#page=" not in cited["file_url"]
    download = client.get(f"/documents/{top.doc_id}/file")
    assert download.headers["content-disposition"].startswith("attachment")

    web = library.searcher.search("families ration the heating").documents[0]
    assert web.document.meta.title == "Fuel poverty in the county"
    assert "steal" not in (library.catalogue.page_text(web.doc_id, 1) or "")
    assert "Download the original file (web page)" in client.get(f"/documents/{web.doc_id}").text
    served = client.get(f"/documents/{web.doc_id}/file")
    assert "text/html" not in served.headers["content-type"]


def test_admin_correction_survives_reingest(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    path = write_pdf(folder / "report.pdf", ["Loneliness in rural villages is rising."] * 2)
    library.catalogue.set_correction(str(path), {"title": "Rural loneliness", "year": 2019})
    _ingest(library, folder)
    write_pdf(path, ["Loneliness in rural villages is rising fast."] * 2)  # changed: re-read
    assert _ingest(library, folder)["report.pdf"][0] == INDEXED
    document = library.searcher.search("loneliness in villages").documents[0].document
    assert document.meta.title == "Rural loneliness"
    assert document.meta.year == 2019


def test_a_file_whose_every_line_repeats_on_every_page_fails_with_a_reason(
    library: Library, tmp_path: Path
) -> None:
    """Lines repeated on most pages go as running headers; when that is every line, nothing
    is left to search, and the file must say so rather than be indexed and never found. A
    repeated line of prose is read once, where it first appears."""
    folder = tmp_path / "docs"
    header = "Rutland bus review, draft"
    write_pdf(folder / "form.pdf", [header] * 8)
    same = "Rutland bus services cut rural access to GP surgeries in every market town."
    places = ["Oakham", "Uppingham", "Cottesmore", "Ketton", "Empingham", "Langham"]
    write_pdf(folder / "report.pdf", [f"{same}\n{p} lost its Sunday bus." for p in places])
    write_pdf(folder / "notice.pdf", [same] * 8)
    outcomes = _ingest(library, folder)
    assert outcomes["form.pdf"] == (FAILED, NO_PASSAGES)
    assert outcomes["report.pdf"][0] == INDEXED
    assert outcomes["notice.pdf"][0] == INDEXED
    documents = {r.file_name: r.doc_id for r in library.catalogue.documents()}
    assert set(documents) == {"report.pdf", "notice.pdf"}
    text = " ".join(
        h.text for h in library.store.chunks(Filters(doc_ids=(documents["notice.pdf"],)))
    )
    assert text.count("market town") == 1


def test_a_correction_on_the_page_follows_the_file_through_every_new_version(
    library: Library, tmp_path: Path
) -> None:
    """What an admin changes on a document's page is kept for the next version of its file,
    and for the one after that (it used to last one version), withdrawn or not."""
    folder = tmp_path / "docs"
    path = write_pdf(folder / "pantry.pdf", ["Melton food pantry review, version 1."] * 2)
    _ingest(library, folder)
    (first,) = library.catalogue.documents()
    fields = {"title": "Melton food pantry review (corrected)", "year": 2021, "kind": "evaluation"}
    correct_document(library.store, library.catalogue, first.doc_id, {**fields, "access": "public"})
    for version in (2, 3, 4):
        if version == 3:
            (current,) = library.catalogue.documents()
            withdraw_document(library.store, library.catalogue, current.doc_id)
        write_pdf(path, [f"Melton food pantry review, version {version}."] * 2)
        assert _ingest(library, folder)["pantry.pdf"][0] == INDEXED
        (record,) = library.catalogue.documents()
        assert record.doc_id != first.doc_id
        meta = record.meta
        assert (meta.title, meta.year, meta.kind) == tuple(fields.values()), version
        assert meta.access == ("public" if version == 2 else "withdrawn")
    restored = restore_document(library.store, library.catalogue, record.doc_id)
    assert restored.meta.access == "public" and restored.meta.title == fields["title"]


def test_links_to_an_earlier_version_of_a_file_lead_to_its_newest_version(
    library: Library, tmp_path: Path
) -> None:
    """A document's id is its content's hash, so a new version of the file is a new document;
    the addresses people saved or cited for an earlier one send them on to the newest."""
    folder = tmp_path / "docs"
    path = write_pdf(folder / "pantry.pdf", ["Melton food pantry review, version 1."] * 2)
    _ingest(library, folder)
    ids = [library.catalogue.documents()[0].doc_id]
    first_chunk = library.store.chunks(Filters(doc_ids=(ids[0],)))[0].id
    for version in (2, 3):
        write_pdf(path, [f"Melton food pantry review, version {version}."] * 2)
        _ingest(library, folder)
        ids.append(library.catalogue.documents()[0].doc_id)
    first, second, newest = ids
    # The first version's passage went, through the second, to the newest's same words.
    moved = library.catalogue.moved_passage(first_chunk)
    newest_chunks = {h.id for h in library.store.chunks(Filters(doc_ids=(newest,)))}
    assert moved in newest_chunks
    client = TestClient(create_app(library.settings, library=library), follow_redirects=False)
    for old in (first, second):
        for asked, sent in (
            (f"/documents/{old}", f"/documents/{newest}"),
            (f"/documents/{old}?page=1", f"/documents/{newest}?page=1"),
            (f"/documents/{old}/pages/2", f"/documents/{newest}/pages/2"),
            (f"/documents/{old}/file", f"/documents/{newest}/file"),
            (f"/documents/{old}/cite.ris", f"/documents/{newest}/cite.ris"),
            (f"/api/documents/{old}", f"/api/documents/{newest}"),
            (
                f"/documents/{old}/related?chunk={first_chunk}",
                f"/documents/{newest}/related?chunk={moved}",
            ),
            (f"/documents/{old}/related?chunk=12345", f"/documents/{newest}/related"),
        ):
            response = client.get(asked)
            assert (response.status_code, response.headers.get("location")) == (302, sent), asked
    assert client.get(f"/documents/{newest}").status_code == 200
    assert client.get("/documents/0123456789abcdef0123").status_code == 404  # never seen
    # The first version back again: it is current, and the others lead to it.
    write_pdf(path, ["Melton food pantry review, version 1."] * 2)
    _ingest(library, folder)
    assert library.catalogue.documents()[0].doc_id == first
    assert client.get(f"/documents/{first}").status_code == 200
    assert client.get(f"/documents/{newest}").headers["location"] == f"/documents/{first}"
    assert client.get(f"/documents/{second}").headers["location"] == f"/documents/{first}"
    # Withdrawn, the current version is no longer anywhere a visitor can be sent.
    withdraw_document(library.store, library.catalogue, first)
    assert client.get(f"/documents/{second}").status_code == 404


@pytest.mark.skipif(not is_ocr_available(), reason="Tesseract is not installed (make ocr-deps)")
def test_scanned_pdf_is_searchable_and_its_page_says_it_was_read_by_ocr(
    library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    write_scanned_pdf(
        folder / "scan.pdf",
        [["Older people in rural villages feel lonely", "when the bus service stops running."]],
    )
    outcome, reason = _ingest(library, folder)["scan.pdf"]
    assert outcome == WARNINGS and "OCR" in reason
    top = library.searcher.search("lonely older people when buses stop").documents[0]
    assert top.document.file_name == "scan.pdf"
    client = TestClient(create_app(library.settings, library=library))
    assert (
        "words from a picture of it with a computer (OCR)"
        in client.get(f"/documents/{top.doc_id}/pages/1").text
    )
