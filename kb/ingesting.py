"""Runs an ingest for the command line: progress bar on stderr, summary, per-file report."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ingest.pipeline import FAILED, STAGE_UNITS, WARNINGS, Ingester
from ingest.worker import limits_for
from kb.reporting import outcome_line, summary_text
from search.catalogue import FileOutcome
from search.index import Index
from search.library import STATUS_FILES, Library, LibraryStatus
from search.schema import RunChoices
from search.settings import Settings

__all__ = ["build_ingester", "progress_line", "run_ingest", "status_report"]


def _when(ts: float | None) -> str:
    if not ts:
        return "never"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def build_ingester(index: Index, settings: Settings, choices: RunChoices) -> Ingester:
    """An ingester with every setting that shapes a run: the one `kb ingest` runs here and the
    one the site runs for a hand-off or an upload, so the two cannot drift apart."""
    return Ingester(
        index,
        settings.chunks,
        limits=limits_for(settings.ocr),
        parse_workers=settings.ingest.parse_workers,
        retry_failed=choices.retry_failed,
        access=settings.access,
        prefetch_chunks=settings.ingest.prefetch_chunks,
        reread=choices.reread,
    )


def progress_line(path: Path, stage: str, done: int, total: int) -> dict[str, Any]:
    """Where a file being read has got, as the site's jobs take it: a line of its own kind,
    never an outcome line (it has no "outcome"), so whatever takes the lines tells them apart."""
    return {
        "progress": {
            "file": path.name,
            "path": str(path),
            "stage": stage,
            "done": done,
            "total": total,
            "unit": STAGE_UNITS.get(stage, ""),
        }
    }


def run_ingest(
    library: Library,
    paths: list[Path],
    choices: RunChoices,
    report: Path | None,
) -> int:
    console = Console(stderr=True)
    settings = library.settings
    report = (
        report or settings.data_dir / "reports" / f"ingest-{time.strftime('%Y%m%d-%H%M%S')}.jsonl"
    )
    report.parent.mkdir(parents=True, exist_ok=True)
    ingester = build_ingester(library.index, settings, choices)
    with (
        report.open("w", encoding="utf-8") as lines,
        Progress(
            TextColumn("[bold]Ingesting"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            console=console,
            transient=False,
        ) as progress,
    ):
        task = progress.add_task("", total=None)

        def on_start(total: int) -> None:
            progress.update(task, total=total)

        def on_file(path: Path, outcome: FileOutcome) -> None:
            name = escape(outcome.file_name)  # a file name is not rich markup
            lines.write(json.dumps(outcome_line(outcome)) + "\n")
            lines.flush()
            if outcome.outcome == FAILED:
                progress.console.print(f"[red]failed[/red] {name}: {outcome.reason}")
            elif outcome.outcome == WARNINGS:
                progress.console.print(f"[yellow]warning[/yellow] {name}: {outcome.reason}")
            if outcome.outcome != "removed":
                progress.advance(task)
            progress.update(task, description=name[:50])

        def on_progress(path: Path, stage: str, done: int, total: int) -> None:
            # The file being read, and how far: a long scan is seen to move, not to hang.
            counted = f" {done}/{total}" if total else ""
            progress.update(task, description=f"{escape(path.name)[:40]}: {stage}{counted}")

        summary = ingester.run(
            paths,
            prune=choices.prune,
            on_file=on_file,
            on_start=on_start,
            on_progress=on_progress,
        )
        progress.update(task, description="done")
    console.print(summary_text(summary.as_dict(), report))
    return 0


def status_report(
    library: LibraryStatus,
    outcome: str | None = None,
    offset: int = 0,
    limit: int | None = STATUS_FILES,
) -> dict[str, Any]:
    """The library's status as `kb status` shows it: the counts, one page of report lines (of
    one outcome, or all; `limit=None` for every file), and when the last run ended."""
    data = library.status(outcome, offset, limit, file_line=outcome_line)
    last = data["last_run"]
    if last is not None:
        data["last_run"] = {**last, "finished": _when(last.get("finished_at"))}
    return data
