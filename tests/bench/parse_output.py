"""What ingest reads from a file, as plain JSON: page texts, the first page's layout lines, the
file's info and warnings, the chunks with their pages and matter, the page previews' lines and
the resolved metadata (with the manifest row and without it).

Run as a script with the code of one commit on PYTHONPATH to record that commit's reading of a
folder, so a change meant only to make parsing cheaper can be compared with it file by file
(`tests/bench/test_parse_output.py`). Only public functions that have long existed are used,
so an older commit can record too:

    PYTHONPATH=/work/main .venv/bin/python tests/bench/parse_output.py PDF_FOLDER OUT.json
"""

from __future__ import annotations

import hashlib
import json
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ingest.chunking import chunk_pages
from ingest.formats import read_document
from ingest.metadata import metadata_of, read_manifest
from ingest.ocr import OcrOptions, is_ocr_available, read_pages_by_ocr
from ingest.pdf import ScanReader, UnreadablePdf
from search.pagetext import drop_running_lines
from search.settings import ChunkSettings

__all__ = ["read_folder", "read_output"]


def _scan_reader(path: Path) -> ScanReader | None:
    # As the parse worker reads scans, with the default options.
    if not is_ocr_available():
        return None

    def read_scans(numbers: list[int]) -> dict[int, tuple[str, float]]:
        return read_pages_by_ocr(path, numbers[:100], OcrOptions())

    return read_scans


def _digest(value: object) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]


def read_output(path: Path) -> dict[str, Any]:
    """Everything ingest takes from one file, or the reason it refuses the file."""
    try:
        parsed = read_document(path, read_scans=_scan_reader(path))
    except UnreadablePdf as error:
        return {"failed": str(error), "detail": error.detail}
    chunking = ChunkSettings()
    chunks = chunk_pages("doc", parsed.pages, chunking.max_words, chunking.overlap_words)
    manifest_row = read_manifest(path.parent).get(path.name)
    metadata = {
        label: asdict(metadata_of(path, parsed, row))
        for label, row in (("with manifest", manifest_row), ("without manifest", None))
    }
    out: dict[str, Any] = {
        "pages": parsed.pages,
        "info": [parsed.title, parsed.author, parsed.year],
        "warnings": parsed.warnings,
        "ocr_pages": parsed.ocr_pages,
        "sections": parsed.sections,
        "first_lines": [[x.text, x.size, x.top] for x in parsed.first_lines],
        "chunks": [
            [c.text, c.page_start, c.page_end, [list(s) for s in c.page_starts], c.matter]
            for c in chunks
        ],
        "preview_lines": drop_running_lines(parsed.pages),
        "metadata": metadata,
    }
    # A short digest per part, so a difference names what differs.
    return {key: _digest(value) for key, value in out.items()} | {"full": out}


def _read_one(path: str) -> tuple[str, dict[str, Any]]:
    return Path(path).name, read_output(Path(path))


def read_folder(folder: Path, workers: int = 2) -> dict[str, dict[str, Any]]:
    """`read_output` for every PDF in the folder, by file name."""
    paths = [str(p) for p in sorted(folder.glob("*.pdf"))]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        return dict(pool.map(_read_one, paths))


if __name__ == "__main__":
    folder, target = Path(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps(read_folder(folder), sort_keys=True))
    print(f"recorded {folder} into {target}", file=sys.stderr)
