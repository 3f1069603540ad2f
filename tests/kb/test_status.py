"""`kb status` and /admin/status read one status: the same counts and files, each in its shape;
and the command lists files a page at a time, as the site does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import kb.cli
from ingest.pipeline import Ingester
from kb.ingesting import status_report
from search.catalogue import FileOutcome
from search.library import STATUS_FILES, Library, LibraryStatus
from search.schema import Filters
from search.settings import Settings
from tests.doubles import HashingEncoder
from tests.pdfs import write_corrupt_pdf, write_pdf


def test_the_command_and_the_admin_page_report_the_same_status(tmp_path: Path) -> None:
    # Plumbing only (what is reported, not what is found): the encoder double will do.
    settings = Settings(data_dir=tmp_path / "data", qdrant={"mode": "memory"})  # type: ignore[arg-type]
    folder = tmp_path / "pdfs"
    write_pdf(folder / "buses.pdf", ["Rural bus routes link villages to doctors and jobs."])
    write_corrupt_pdf(folder / "broken.pdf")
    library = Library.open(settings, encoder=HashingEncoder())
    try:
        Ingester(library.index, settings.chunks).run([folder])
        admin = library.status_view().status()
        command = status_report(library.status_view())
    finally:
        library.close()
    assert command["documents"] == admin["documents"] == 1
    assert command["chunks"] == admin["chunks"] > 0
    assert command["model"] == admin["model"] == "hashing-test-double"
    assert {f["file"]: f["outcome"] for f in command["files"]} == {
        f["file_name"]: f["outcome"] for f in admin["files"]
    }
    assert {f["outcome"] for f in command["files"]} == {"indexed", "failed"}
    assert command["last_run"]["finished"].endswith("UTC")
    assert "finished" not in admin["last_run"]


FAILED, INDEXED, DUPLICATES = 7, STATUS_FILES + 5, 4


@pytest.fixture
def many_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """`kb status` over a library with more files than one page (plumbing: the encoder double
    stands in for the model, which the command does not use to report)."""
    # The files are in the catalogue, on disk; the store, which holds no chunks here, in memory.
    settings = Settings(data_dir=tmp_path / "data", qdrant={"mode": "memory"})  # type: ignore[arg-type]
    library = Library.open(settings, encoder=HashingEncoder())
    try:
        for n in range(INDEXED):
            library.catalogue.record_outcome(
                FileOutcome(f"/in/r{n:03}.pdf", f"r{n:03}.pdf", "indexed")
            )
        for n in range(FAILED):
            library.catalogue.record_outcome(
                FileOutcome(f"/in/f{n:03}.pdf", f"f{n:03}.pdf", "failed", "It is not a PDF.")
            )
        for n in range(DUPLICATES):
            library.catalogue.record_outcome(
                FileOutcome(f"/in/d{n:03}.pdf", f"d{n:03}.pdf", "duplicate", "Same as r000.pdf.")
            )
    finally:
        library.close()
    monkeypatch.setattr(kb.cli, "load_settings", lambda: settings)
    monkeypatch.setattr(
        kb.cli, "_open_library", lambda s: Library.open(s, encoder=HashingEncoder())
    )
    return CliRunner()


def test_status_json_gives_counts_and_one_page_of_files(many_files: CliRunner) -> None:
    result = many_files.invoke(kb.cli.app, ["status", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["file_counts"] == {"duplicate": DUPLICATES, "failed": FAILED, "indexed": INDEXED}
    assert len(data["files"]) == STATUS_FILES and data["next_offset"] == STATUS_FILES
    rest = json.loads(
        many_files.invoke(kb.cli.app, ["status", "--json", "--offset", str(STATUS_FILES)]).stdout
    )
    assert len(rest["files"]) == ALL - STATUS_FILES and rest["next_offset"] is None
    every = json.loads(many_files.invoke(kb.cli.app, ["status", "--json", "--all"]).stdout)
    assert len(every["files"]) == ALL and every["next_offset"] is None


ALL = FAILED + INDEXED + DUPLICATES


def test_status_lists_what_needs_attention_a_page_at_a_time(
    many_files: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each outcome that needs attention lists a page of its files, all from the one summary:
    the summary (counts, the store's model, the last run) is read once, not once per outcome."""
    summaries: list[object] = []
    read_summary = LibraryStatus.summary
    monkeypatch.setattr(
        LibraryStatus, "summary", lambda view: summaries.append(view) or read_summary(view)
    )
    result = many_files.invoke(kb.cli.app, ["status", "--limit", "3"])
    assert result.exit_code == 0, result.output
    assert len(summaries) == 1
    counts = f"duplicate {DUPLICATES}, failed {FAILED}, indexed {INDEXED}"
    assert f"Files: {ALL} ({counts})" in result.stdout
    lines = result.stdout.splitlines()
    listed = [line.split()[:2] for line in lines if line.startswith(("  failed", "  duplicate"))]
    assert listed == [
        ["duplicate", "d000.pdf:"], ["duplicate", "d001.pdf:"], ["duplicate", "d002.pdf:"],
        ["failed", "f000.pdf:"], ["failed", "f001.pdf:"], ["failed", "f002.pdf:"],
    ]  # fmt: skip
    assert "  duplicate              d000.pdf: Same as r000.pdf." in lines
    assert f"and {FAILED - 3} more failed: kb status --outcome failed --offset 3" in result.stdout
    assert (
        f"and {DUPLICATES - 3} more duplicate: kb status --outcome duplicate --offset 3"
        in result.stdout
    )
    assert "r000.pdf:" not in result.stdout  # indexed files need no attention
    whole = many_files.invoke(kb.cli.app, ["status", "--all"]).stdout
    assert "more failed" not in whole and "f006.pdf" in whole and "d003.pdf" in whole
    indexed = many_files.invoke(kb.cli.app, ["status", "--outcome", "indexed", "--offset", "2"])
    assert "r002.pdf" in indexed.stdout and "r001.pdf" not in indexed.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--outcome", "exploded"], "No file has the outcome 'exploded'"),
        (["--limit", "0"], "--limit"),
        (["--offset", "-1"], "--offset"),
        (["--offset", str(10**30)], "--offset"),
        (["--limit", "many"], "--limit"),
    ],
)
def test_status_refuses_bad_paging_plainly(
    many_files: CliRunner, args: list[str], says: str
) -> None:
    result = many_files.invoke(kb.cli.app, ["status", *args])
    assert result.exit_code == 2
    assert says in result.output and "Traceback" not in result.output


def test_status_answers_while_another_process_owns_the_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A running site owns the embedded store; what `kb status` shows is all in the catalogue,
    so the command reads it beside the site and reports what the site's admin page does."""
    settings = Settings(data_dir=tmp_path / "data")
    folder = tmp_path / "pdfs"
    write_pdf(folder / "buses.pdf", ["Rural bus routes link villages to doctors and jobs."])
    write_corrupt_pdf(folder / "broken.pdf")
    site = Library.open(settings, encoder=HashingEncoder())
    try:
        Ingester(site.index, settings.chunks).run([folder])
        admin = site.status_view().status()
        monkeypatch.setattr(kb.cli, "load_settings", lambda: settings)
        result = CliRunner().invoke(kb.cli.app, ["status", "--json"])
        assert result.exit_code == 0, result.output
        # The site still owns the store, and still answers.
        assert site.searcher.search("bus routes", Filters()).documents
    finally:
        site.close()
    command = json.loads(result.stdout)
    for key in ("documents", "pages", "chunks", "model", "file_counts", "total_files"):
        assert command[key] == admin[key], key
    assert command["model"] == "hashing-test-double"
    assert {f["file"] for f in command["files"]} == {f["file_name"] for f in admin["files"]}
