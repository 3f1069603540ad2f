"""How ingest results read on the command line and in report files: one shape everywhere."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from search.catalogue import FileOutcome

__all__ = ["outcome_line", "summary_text"]


def outcome_line(o: FileOutcome) -> dict[str, Any]:
    """One report line per file: what happened to it and why."""
    return {
        "file": o.file_name,
        "path": o.path,
        "outcome": o.outcome,
        "reason": o.reason,
        "doc_id": o.doc_id,
        "pages": o.pages,
        "chunks": o.chunks,
        "seconds": o.seconds,
    }


def summary_text(s: Mapping[str, Any], report: Path) -> str:
    """The last line of an ingest run; failures repeated from an earlier run without reading
    the file again say so, and how to read them again."""
    before = int(s.get("failed_before", 0))
    them = "it" if before == 1 else "them"
    again = (
        f" ({before} unchanged since an earlier run failed on {them}: --retry-failed reads"
        f" {them} again)"
        if before
        else ""
    )
    return (
        f"Indexed {s['indexed']}, skipped {s['skipped']} unchanged, "
        f"{s['duplicates']} duplicate(s), {s['failed']} failed{again}, {s['removed']} removed; "
        f"{s['pages']} pages, {s['chunks']} chunks in {float(s['seconds']):.1f} s. Report: {report}"
    )
