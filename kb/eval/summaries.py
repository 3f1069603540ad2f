"""Each document's summary worked out again from its stored chunks, beside the one stored at
ingest: a change to the summary rules (search.evidence.summary) tried on a whole library
without ingesting it again. On the 100 real PDFs it gives back every stored summary exactly.

    KB_DATA_DIR=<library> .venv/bin/python -m kb.eval.summaries [--json OUT]

It prints the sentences each changed summary loses and gains, and a count of those that did
not change; with --json, every document's stored and new summary.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from search.analysis import SparseVector
from search.index import describe
from search.library import Library
from search.retrieval.passages import chunk_index_of
from search.schema import Filters, IndexedChunk

__all__ = ["SummaryChange", "changed", "summaries_again"]

# More chunks than any one document holds (a 350-page book has about 800).
MAX_CHUNKS = 20_000


@dataclass(frozen=True)
class SummaryChange:
    """A document's summary as stored at ingest and as the rules work it out now."""

    doc_id: str
    title: str
    stored: list[dict[str, Any]]
    now: list[dict[str, Any]]

    @property
    def lost(self) -> list[str]:
        kept = {s["text"] for s in self.now}
        return [s["text"] for s in self.stored if s["text"] not in kept]

    @property
    def gained(self) -> list[str]:
        had = {s["text"] for s in self.stored}
        return [s["text"] for s in self.now if s["text"] not in had]


def summaries_again(library: Library) -> list[SummaryChange]:
    """Every document's summary, stored and worked out now from its chunks and their vectors
    as the store holds them (the sparse vectors play no part in a summary)."""
    out: list[SummaryChange] = []
    for record in library.catalogue.documents():
        hits = library.store.chunks(Filters(doc_ids=(record.doc_id,)), limit=MAX_CHUNKS)
        vectors = library.store.chunk_vectors([h.id for h in hits])
        chunks = [
            IndexedChunk(h.id, vectors[h.id], SparseVector([], []), h.payload)
            for h in hits
            if vectors.get(h.id)
        ]
        chunks.sort(key=lambda c: chunk_index_of(c.payload))
        now = cast(list[dict[str, Any]], describe(chunks)["summary"] if chunks else [])
        stored = list(record.extra.get("summary") or [])
        out.append(SummaryChange(record.doc_id, record.meta.title, stored, now))
    return out


def changed(changes: Sequence[SummaryChange]) -> list[SummaryChange]:
    return [c for c in changes if c.stored != c.now]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, help="write every stored and new summary here")
    args = parser.parse_args(argv)
    from kb.config import load_settings

    library = Library.open(load_settings())
    try:
        changes = summaries_again(library)
    finally:
        library.close()
    differ = changed(changes)
    for change in differ:
        print(f"{change.doc_id}  {change.title}")
        for text in change.lost:
            print(f"  - {text}")
        for text in change.gained:
            print(f"  + {text}")
    print(f"{len(changes) - len(differ)} of {len(changes)} summaries as stored")
    if args.json:
        rows = [{"doc_id": c.doc_id, "stored": c.stored, "now": c.now} for c in changes]
        args.json.write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
