"""Reads labelled pages straight from their PDFs, so tags can be scored (and the tagger tuned)
without building an index first.

Each labelled file is looked for in the given folders in order (for example the
real PDFs, then the rendered briefs) and read with ingest's own PDF reader, so a
page's text is cleaned exactly as ingest cleans it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from ingest.pdf import UnreadablePdf, read_pdf
from kb.eval.tags import LabelRow, PageKey

__all__ = [
    "find_pdf",
    "read_labelled_pages",
]

log = logging.getLogger(__name__)


def find_pdf(name: str, folders: Sequence[Path]) -> Path | None:
    """The first folder's file with this exact name; names with folder parts are refused."""
    if Path(name).name != name:
        return None
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def read_labelled_pages(rows: Sequence[LabelRow], folders: Sequence[Path]) -> dict[PageKey, str]:
    """Text of every labelled page that could be read; the others are left out (and logged),
    so scoring lists them as missing rather than as pages with no tags."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.file, set()).add(row.page)
    out: dict[PageKey, str] = {}
    for name in sorted(wanted):
        path = find_pdf(name, folders)
        if path is None:
            log.warning("%s is not in %s", name, ", ".join(str(f) for f in folders))
            continue
        try:
            pages = read_pdf(path).pages
        except (UnreadablePdf, OSError) as error:
            log.warning("%s cannot be read: %s", name, error)
            continue
        for page in sorted(wanted[name]):
            if page <= len(pages):
                out[(name, page)] = pages[page - 1]
            else:
                log.warning("%s has no page %d", name, page)
    return out
