"""Test libraries built once and copied: copying a closed data folder costs a fraction of
parsing, encoding and indexing again, so tests that change a library can each have their own."""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from ingest.pipeline import Ingester
from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from search.store.files import copy_tree_sparse
from search.store.folder import LOCK_FILE
from tests.pdfs import write_pdf

# Five one-line notes on a few determinants (two about damp homes), for tests that need a small
# real library whose matches are easy to predict.
FIVE_NOTES = (
    "Families in cold damp homes need help with heating bills and mould.",
    "Older people in villages feel lonely; lunch clubs and volunteers help them.",
    "Free school meals and breakfast clubs help families on low incomes.",
    "Rural bus routes link villages to doctors, shops and jobs.",
    "Damp and mould in rented homes make asthma worse in children.",
)


# A note on pharmacies' opening hours in West Sussex that never speaks of Christmas, and one on
# rural buses: a near miss ("… open on Christmas Day") and its answerable neighbours (the word
# pull's tests, in tests/search and tests/web).
PHARMACIES = (
    "Community pharmacies in West Sussex open at different hours through the week. Most open"
    " from nine until six on weekdays, and a few stay open until ten at night or open on"
    " Sundays.",
    "Bus services in rural villages run twice a day, and the county council pays for some"
    " routes that would otherwise close.",
)


def files_holding(folder: Path, word: bytes) -> list[str]:
    """The files under `folder` whose bytes hold `word` (any capitals): what a person with the
    server's disk could still read of a deleted document."""
    return sorted(
        str(path.relative_to(folder))
        for path in folder.rglob("*")
        if path.is_file() and word.lower() in path.read_bytes().lower()
    )


def opened_copy(built: Path, target: Path, encoder: Encoder, **settings: Any) -> Iterator[Library]:
    """A copy of a built library in `target`, opened with `settings` for one test and closed
    after it (a fixture's body: `yield from opened_copy(...)`)."""
    opened = Library.open(
        Settings(data_dir=copy_library(built, target), **settings), encoder=encoder
    )
    try:
        yield opened
    finally:
        opened.close()


def copy_library(built: Path, target: Path) -> Path:
    """Copy a closed library's data folder (catalogue and embedded store) to `target`."""
    copy_tree_sparse(built, target, ignore=shutil.ignore_patterns(LOCK_FILE))
    return target


def build_notes(root: Path, texts: Sequence[str], encoder: Encoder) -> Path:
    """A library of one-page notes ("Note n. <text>"), ingested with the real model into
    `root/data`; returns the data folder, for tests to copy with `copy_library`."""
    for n, text in enumerate(texts):
        write_pdf(root / "docs" / f"note-{n}.pdf", [f"Note {n}. {text}"], title=f"Note {n}")
    settings = Settings(data_dir=root / "data")
    opened = Library.open(settings, encoder=encoder)
    try:
        summary = Ingester(opened.index, settings.chunks, parse_workers=1).run([root / "docs"])
        assert summary.indexed == len(texts), summary.outcomes
    finally:
        opened.close()
    return settings.data_dir


def note_id(library: Library, n: int) -> str:
    """The document id of note `n` in a library `build_notes` made."""
    (record,) = [r for r in library.catalogue.documents() if r.meta.title == f"Note {n}"]
    return record.doc_id
