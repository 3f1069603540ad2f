"""Tests for corpus.tooling.briefs: the demo corpus briefs render to stable, well-formed PDFs."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from corpus.tooling.briefs import (
    MANIFEST_FIELDS,
    PAGE_MARKER,
    BriefError,
    parse_brief,
    render_briefs,
    split_sections,
)

KINDS = {"briefing", "report", "JSNA chapter", "committee paper", "evaluation"}
BRIEFS = Path(__file__).resolve().parents[2] / "corpus" / "briefs"
MD_FILES = sorted(BRIEFS.glob("*.md"))


def _copy_sources(dest: Path) -> Path:
    """Copy the Markdown briefs and manifest (never the PDFs) into `dest`."""
    dest.mkdir(parents=True, exist_ok=True)
    for src in [*MD_FILES, BRIEFS / "manifest.csv"]:
        shutil.copy2(src, dest / src.name)
    return dest


def _norm(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = _copy_sources(tmp_path_factory.mktemp("briefs"))
    pdfs = render_briefs(folder)
    assert [p.name for p in pdfs] == [m.with_suffix(".pdf").name for m in MD_FILES]
    return folder


def test_corpus_is_present() -> None:
    assert len(MD_FILES) >= 12


def test_manifest_has_one_row_per_brief() -> None:
    with (BRIEFS / "manifest.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        assert tuple(reader.fieldnames or ()) == MANIFEST_FIELDS
        rows = list(reader)
    assert sorted(r["file"] for r in rows) == [m.with_suffix(".pdf").name for m in MD_FILES]
    for row in rows:
        assert 2021 <= int(row["year"]) <= 2026
        assert row["kind"] in KINDS
        assert row["url"] == ""
        md = BRIEFS / row["file"].replace(".pdf", ".md")
        assert parse_brief(md.read_text(encoding="utf-8")).title == row["title"]


@pytest.mark.parametrize("md", MD_FILES, ids=lambda p: p.stem)
def test_pdf_matches_markdown(rendered: Path, md: Path) -> None:
    text = md.read_text(encoding="utf-8")
    sections = split_sections(text)
    title = parse_brief(text).title
    reader = PdfReader(rendered / md.with_suffix(".pdf").name)

    assert len(reader.pages) == len(sections)
    pages = [_norm(page.extract_text()) for page in reader.pages]
    assert _norm(title) in pages[0]
    for number, page in enumerate(pages, start=1):
        assert len(page) > 200, f"page {number} has almost no text"
    assert reader.metadata is not None
    assert reader.metadata.title == title
    assert reader.metadata.author


@pytest.mark.parametrize("md", MD_FILES, ids=lambda p: p.stem)
def test_brief_is_labelled_illustrative(md: Path) -> None:
    first_page = split_sections(md.read_text(encoding="utf-8"))[0]
    assert "illustrative" in first_page
    assert "Evidence Finder demo corpus" in first_page


def test_rendering_is_byte_stable(rendered: Path, tmp_path: Path) -> None:
    again = _copy_sources(tmp_path / "again")
    render_briefs(again)
    forced = render_briefs(rendered, force=True)
    for pdf in forced:
        first = (again / pdf.name).read_bytes()
        assert first == pdf.read_bytes(), pdf.name


def test_up_to_date_pdfs_are_skipped(tmp_path: Path) -> None:
    folder = _copy_sources(tmp_path / "skip")
    [pdf, *_] = render_briefs(folder)
    stamp = pdf.stat().st_mtime_ns
    render_briefs(folder)
    assert pdf.stat().st_mtime_ns == stamp


def test_overlong_section_is_an_error(tmp_path: Path) -> None:
    long_page = "\n\n".join(["word " * 120] * 12)
    (tmp_path / "long.md").write_text(
        f"# Too Long\n\n{long_page}\n{PAGE_MARKER}\nshort page\n", encoding="utf-8"
    )
    with pytest.raises(BriefError, match="section 1 does not fit"):
        render_briefs(tmp_path)
    assert not (tmp_path / "long.pdf").exists()


def test_missing_title_is_an_error() -> None:
    with pytest.raises(BriefError, match="Title"):
        parse_brief("no title here\n")
