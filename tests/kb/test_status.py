"""`kb status` and /admin/status read one status: the same counts and files, each in its shape."""

from __future__ import annotations

from pathlib import Path

from ingest.pipeline import Ingester
from kb.ingesting import status_report
from search.library import Library
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
        admin = library.status()
        command = status_report(library)
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
