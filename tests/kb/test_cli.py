"""The kb command as a user runs it: real processes, real model, real embedded store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from search.store.embedded import EmbeddedStore
from tests.libraries import files_holding
from tests.pdfs import write_corrupt_pdf, write_pdf
from web.search_form import NO_SEARCH_WORDS, OTHER_SCRIPT

ROOT = Path(__file__).resolve().parents[2]


def _kb(args: list[str], data: Path, timeout_s: int = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KB_DATA_DIR": str(data), "HF_HUB_OFFLINE": "1"}
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=timeout_s,
        check=False,
    )


@pytest.fixture(scope="module")
def indexed(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, Path, subprocess.CompletedProcess[str]]:
    root = tmp_path_factory.mktemp("cli")
    docs = root / "docs"
    write_pdf(
        docs / "housing.pdf",
        ["Damp and mould in private rented homes.", "Landlord duties for repairs."],
        title="Damp homes",
    )
    write_corrupt_pdf(docs / "broken.pdf")
    result = _kb(["ingest", str(docs), "--report", str(root / "report.jsonl")], root / "data")
    return root, docs, result


def test_help_lists_commands_without_loading_heavy_libraries() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kb", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    for command in ("ingest", "serve", "search", "status", "eval", "remove"):
        assert command in result.stdout
    probe = (
        "import sys, kb.cli; print(sorted(m for m in ('torch', 'sentence_transformers', "
        "'qdrant_edge', 'pypdf', 'fastapi') if m in sys.modules))"
    )
    loaded = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert loaded.stdout.strip() == "[]"


def test_second_process_gets_a_clear_busy_message(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _docs, _ = indexed
    holder = EmbeddedStore(root / "data" / "qdrant" / "evidence")
    try:
        result = _kb(["search", "damp homes"], root / "data")
        # What `kb status` shows is all in the catalogue, so it answers beside the owner.
        status = _kb(["status", "--json"], root / "data")
    finally:
        holder.close()
    assert result.returncode == 1
    assert "in use by a running site" in result.stderr and "Traceback" not in result.stderr
    # It says how to do the job through the site, not to stop the public site.
    assert "admin pages" in result.stderr and "Stop it" not in result.stderr
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)
    assert data["documents"] == 1 and data["file_counts"] == {"failed": 1, "indexed": 1}
    assert data["model"] == holder.layout().model_id  # type: ignore[union-attr]


def test_a_site_refused_a_busy_index_ends_with_its_message_while_the_model_loads(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    """`kb serve` gives up on an index another process holds a moment after it starts, while
    its model is still loading in another thread. Ended under that thread, the process aborted
    ("terminate called without an active exception", exit code 134) in 3 of 4 tries, its
    message lost in the noise; it must wait for the thread and end with its own code."""
    root, _docs, _ = indexed
    holder = EmbeddedStore(root / "data" / "qdrant" / "evidence")
    try:
        tries = [_kb(["serve", "--port", "0"], root / "data", timeout_s=120) for _ in range(2)]
    finally:
        holder.close()
    for result in tries:
        assert result.returncode == 1, result.stderr[-500:]
        assert "in use by a running site" in result.stderr
        assert "terminate called" not in result.stderr and "Traceback" not in result.stderr


def test_ingest_reports_each_file_and_carries_on(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _docs, result = indexed
    assert result.returncode == 0, result.stderr
    assert "Indexed 1" in result.stderr and "1 failed" in result.stderr
    assert "broken.pdf" in result.stderr
    lines = [json.loads(line) for line in (root / "report.jsonl").read_text().splitlines()]
    outcomes = {row["file"]: row for row in lines}
    assert outcomes["housing.pdf"]["outcome"] == "indexed"
    assert outcomes["broken.pdf"]["outcome"] == "failed" and outcomes["broken.pdf"]["reason"]


def test_search_json_names_document_file_and_pages(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _docs, _ = indexed
    result = _kb(["search", "mould in rented housing", "--json"], root / "data")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    top = data["documents"][0]
    assert top["file_name"] == "housing.pdf" and top["title"] == "Damp homes" and top["doc_id"]
    assert 1 in top["passages"][0]["pages"]  # two short pages share one chunk
    assert top["passages"][0]["file_url"].endswith("#page=1")
    # Each passage also carries the part a results page shows, around the words searched for.
    assert "mould" in top["passages"][0]["excerpt"]["text"].lower()
    # The text output shows that part, and names the page it is on.
    text = _kb(["search", "mould in rented housing"], root / "data")
    shown = top["passages"][0]["excerpt"]
    assert (shown["page_start"], shown["page_end"]) == (1, 2)  # both short pages are shown
    assert "[pages 1 to 2] " in text.stdout
    assert " ".join(shown["text"].split()) in text.stdout
    # The one document calls it "homes": no document uses the word "housing".
    assert data["unused_words"] == ["housing"]
    typo = _kb(["search", "moudl in rented homes"], root / "data")
    assert typo.returncode == 0, typo.stderr
    assert "No document uses 'moudl': check the spelling" in typo.stdout
    assert "Did you mean: mould in rented homes" in typo.stdout
    assert data["suggested_query"] is None  # "housing" is a word: no typo to mend


def test_search_past_the_last_page_says_so_as_the_site_does(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    # One document matches, so there is one page: page 5 is past it, not a search that found
    # nothing.
    root, _docs, _ = indexed
    result = _kb(["search", "mould in rented homes", "--page", "5"], root / "data")
    assert result.returncode == 0, result.stderr
    assert "There is no page 5: the list has 1 page. Ask for --page 1 or lower." in result.stdout
    assert "No documents match" not in result.stdout


def test_second_ingest_is_a_noop(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    root, docs, _ = indexed
    result = _kb(["ingest", str(docs)], root / "data")
    assert result.returncode == 0
    # Nothing is read again; the broken file, unchanged, is counted as failed again, not as fine.
    summary = " ".join(result.stderr.split())
    assert "Indexed 0, skipped 1 unchanged" in summary and "1 failed" in summary
    assert "failed broken.pdf: The file is damaged" in summary


def test_status_shows_counts_and_failures(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _docs, _ = indexed
    result = _kb(["status", "--json"], root / "data")
    data = json.loads(result.stdout)
    assert data["documents"] == 1 and data["chunks"] >= 1
    assert data["file_counts"] == {"failed": 1, "indexed": 1} and data["next_offset"] is None
    assert {f["file"]: f["outcome"] for f in data["files"]}["broken.pdf"] == "failed"


def test_bad_setting_gives_a_message_not_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "KB_DATA_DIR": str(tmp_path), "KB_QDRANT__MODE": "server"}
    result = subprocess.run(
        [sys.executable, "-m", "kb", "status"],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 2
    assert "KB_QDRANT__URL" in result.stderr and "Traceback" not in result.stderr


def test_missing_path_is_reported(tmp_path: Path) -> None:
    result = _kb(["ingest", str(tmp_path / "nowhere")], tmp_path / "data")
    assert result.returncode == 2 and "Not found" in result.stderr


def test_search_by_determinant_filters_and_checks_the_id(
    indexed: tuple[Path, Path, subprocess.CompletedProcess[str]],
) -> None:
    root, _docs, _ = indexed
    housing = _kb(["search", "repairs", "--determinant", "housing", "--json"], root / "data")
    assert housing.returncode == 0, housing.stderr
    assert json.loads(housing.stdout)["documents"][0]["file_name"] == "housing.pdf"
    food_only = _kb(["search", "repairs", "--determinant", "food", "--json"], root / "data")
    assert json.loads(food_only.stdout)["documents"] == []
    wrong = _kb(["search", "repairs", "--determinant", "weather"], root / "data")
    assert wrong.returncode == 2 and "Unknown determinant" in wrong.stderr


def test_settling_memory_puts_what_is_loaded_out_of_the_collectors_way() -> None:
    import gc

    from kb.cli import YOUNG_COLLECTED_AT, settle_memory

    before = gc.get_freeze_count()
    thresholds = gc.get_threshold()
    try:
        settle_memory()
        assert gc.get_freeze_count() > before
        # A full collection no longer walks the frozen objects.
        assert len(gc.get_objects(generation=2)) < gc.get_freeze_count()
        # A search's own objects no longer set the collector off several times a search.
        assert gc.get_threshold() == (YOUNG_COLLECTED_AT, *thresholds[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_search_with_nothing_to_search_for_says_so_without_opening_the_index(
    tmp_path: Path,
) -> None:
    for query in ("the", "x", "?!"):
        result = _kb(["search", query], tmp_path / "data")
        assert result.returncode == 2, query
        assert NO_SEARCH_WORDS in result.stderr and not result.stdout
    assert not (tmp_path / "data").exists()


def test_search_in_another_script_asks_for_english_without_opening_the_index(
    tmp_path: Path,
) -> None:
    result = _kb(["search", "心理健康"], tmp_path / "data")
    assert result.returncode == 2
    assert OTHER_SCRIPT in result.stderr and not result.stdout
    assert not (tmp_path / "data").exists()


def test_remove_takes_a_document_out_for_good_with_its_uploaded_copy(tmp_path: Path) -> None:
    data = tmp_path / "data"
    uploaded = write_pdf(
        data / "uploads" / "files" / "kettle.pdf" / "kettle.pdf",
        ["Kettlebrook allotments lift the mood of older residents."],
    )
    assert _kb(["ingest", str(uploaded.parent)], data).returncode == 0
    found = json.loads(_kb(["search", "kettlebrook allotments", "--json"], data).stdout)
    doc_id = found["documents"][0]["doc_id"]
    unknown = _kb(["remove", "0" * 20], data)
    assert unknown.returncode == 1 and "No document with id" in unknown.stderr
    removed = _kb(["remove", doc_id], data)
    assert removed.returncode == 0, removed.stderr
    assert f"Removed {doc_id}. Its uploaded copy was deleted." in removed.stdout
    assert "Done: the index files hold only the 0 passages in the library." in removed.stdout
    assert not uploaded.exists()
    # Nothing of it is left to read in the index's files (the reports name the file only).
    assert files_holding(data / "qdrant", b"allotments") == []
    assert files_holding(data, b"allotments") == []
    after = json.loads(_kb(["search", "kettlebrook allotments", "--json"], data).stdout)
    assert doc_id not in {d["doc_id"] for d in after["documents"]}


def test_serve_imports_the_site_beside_the_index_opening_and_leaves_a_failure_to_serve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`kb serve` imports the web modules in a thread while the engine's process opens the
    index; a module that fails to import must not end that thread with a traceback, since the
    import in `serve` itself raises the same error where it can be reported."""
    import kb.cli

    asked: list[str] = []

    def failing(name: str) -> None:
        asked.append(name)
        raise SyntaxError("broken module")

    monkeypatch.setattr(kb.cli.importlib, "import_module", failing)
    kb.cli._import_site()  # no exception
    assert asked == ["web.admin"]

    asked.clear()
    monkeypatch.setattr(kb.cli.importlib, "import_module", asked.append)
    kb.cli._import_site()
    assert asked == ["web.admin", "web.app"]
