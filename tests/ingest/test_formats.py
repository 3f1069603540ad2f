"""Word files and saved web pages read as sections; other file types refused plainly; hostile
Word and HTML files give a reason, never a crash."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ingest.formats import UNSUPPORTED
from ingest.pdf import PdfText
from ingest.pipeline import find_pdfs
from ingest.webpage import HTML_EMPTY, HTML_NOT_TEXT, read_html
from ingest.wordfile import NOT_WORD, WORD_BOMB, WORD_EMPTY, WORD_ENTITIES
from ingest.worker import ParseFailure, ParseLimits, parse_isolated
from tests.documents import write_docx, write_docx_bomb
from tests.pdfs import write_pdf

LIMITS = ParseLimits(open_timeout_s=20)


def test_word_file_is_read_as_sections_split_at_headings(tmp_path: Path) -> None:
    path = write_docx(
        tmp_path / "review.docx",
        [
            ("Title", "Damp homes and children's health"),
            ("", "Damp homes cause asthma in young children."),
            ("Heading1", "What tenants told us"),
            ("", "Most tenants in the private rented sector reported mould."),
        ],
        title="Housing review",
    )
    result = parse_isolated(path, LIMITS)
    assert isinstance(result, PdfText)
    assert result.sections == ["Damp homes and children's health", "What tenants told us"]
    assert "mould" in result.pages[1]
    assert result.title == "Housing review"
    assert result.year == 2023
    assert result.first_lines[0].size > result.first_lines[1].size


def test_web_page_keeps_visible_text_and_drops_scripts(tmp_path: Path) -> None:
    path = tmp_path / "fuel.html"
    path.write_text(
        "<html><head><title>Fuel poverty | Council</title><script>alert('x')</script>"
        "<style>p {color: red}</style></head><body><nav>Home Menu Search</nav>"
        "<h1>Fuel poverty in the county</h1><p>Cold homes hurt health.</p>"
        "<script>document.write('secret words')</script><noscript>Turn on scripts</noscript>"
        "<h2>What we found</h2><p>One in ten homes is in fuel poverty.</p></body></html>",
        encoding="utf-8",
    )
    result = parse_isolated(path, LIMITS)
    assert isinstance(result, PdfText)
    text = " ".join(result.pages)
    assert "One in ten homes" in text
    for hidden in ("alert", "secret words", "color", "Menu", "Turn on scripts"):
        assert hidden not in text
    assert result.sections == ["Fuel poverty in the county", "What we found"]


def test_unsupported_file_type_gets_a_plain_reason(tmp_path: Path) -> None:
    path = tmp_path / "notes.odt"
    path.write_bytes(b"PK\x03\x04 not really")
    result = parse_isolated(path, LIMITS)
    assert isinstance(result, ParseFailure)
    assert result.reason == UNSUPPORTED


def test_files_with_marks_but_no_words_have_no_text_like_an_empty_pdf(tmp_path: Path) -> None:
    page = tmp_path / "marks.html"
    page.write_text("<html>%PDF-1.4 <script>alert(1)</script></html>", encoding="utf-8")
    word = write_docx(tmp_path / "marks.docx", [("Title", "%PDF-1.4"), ("", "-- 1 2 3 --")])
    for path, reason in ((page, HTML_EMPTY), (word, WORD_EMPTY)):
        result = parse_isolated(path, LIMITS)
        assert isinstance(result, ParseFailure), path.name
        assert result.reason == reason


def test_a_pdf_or_binary_file_named_html_is_refused_with_what_it_is(tmp_path: Path) -> None:
    pdf = write_pdf(tmp_path / "real.pdf", ["Community wardens patrol the market towns."])
    saved = tmp_path / "wardens.html"
    saved.write_bytes(pdf.read_bytes())
    result = parse_isolated(saved, LIMITS)
    assert isinstance(result, ParseFailure)
    assert result.reason == HTML_NOT_TEXT.format(kind="a PDF file")
    blob = tmp_path / "blob.htm"
    blob.write_bytes(bytes(range(256)) * 8)
    result = parse_isolated(blob, LIMITS)
    assert isinstance(result, ParseFailure)
    assert result.reason == HTML_NOT_TEXT.format(kind="a binary file")


def test_a_web_page_saved_as_utf16_is_read(tmp_path: Path) -> None:
    page = tmp_path / "wide.html"
    page.write_bytes(
        "<html><h1>Warm spaces</h1><p>Libraries stay open late.</p></html>".encode("utf-16")
    )
    assert "Libraries stay open late." in " ".join(read_html(page).pages)


def test_corrupt_word_file_is_refused_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "broken.docx"
    path.write_bytes(b"this is not a zip file at all" * 50)
    result = parse_isolated(path, LIMITS)
    assert isinstance(result, ParseFailure)
    assert result.reason == NOT_WORD


def test_zip_bomb_named_docx_is_stopped_before_unpacking(tmp_path: Path) -> None:
    path = write_docx_bomb(tmp_path / "bomb.docx", megabytes=80)
    assert path.stat().st_size < 1024 * 1024
    result = parse_isolated(path, LIMITS)
    assert isinstance(result, ParseFailure)
    assert result.reason == WORD_BOMB


def test_word_file_with_entity_definitions_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "laughs.docx"
    laughs = (
        '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">]><d>&b;</d>'
    )
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("word/document.xml", laughs)
    result = parse_isolated(path, LIMITS)
    assert isinstance(result, ParseFailure)
    assert result.reason == WORD_ENTITIES


def test_a_link_in_a_folder_to_a_file_outside_it_is_left_out(tmp_path: Path) -> None:
    """A folder given to ingest is all it reads: a link to a file elsewhere (a report kept
    in another folder, or /etc/passwd named like a PDF) is not followed out."""
    outside = write_pdf(tmp_path / "elsewhere" / "secret.pdf", ["Kept somewhere else."])
    folder = tmp_path / "inbox"
    inside = write_pdf(folder / "report.pdf", ["In the folder."])
    (folder / "secret.pdf").symlink_to(outside)
    (folder / "passwd.pdf").symlink_to("/etc/passwd")
    (folder / "again.pdf").symlink_to(inside)  # a link within the folder is fine
    assert find_pdfs([folder]) == [inside.resolve()]
    assert find_pdfs([folder / "secret.pdf"]) == [outside.resolve()]  # named on its own: read
