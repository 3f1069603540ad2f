"""A search reads the catalogue's version once and each document's record at most once: every
SQLite read lets go of the interpreter lock, and under load each costs about a millisecond
waiting to get it back (bench/RESULTS.md, forty-seventh session)."""

from __future__ import annotations

import re

from search.library import Library
from web.search_form import SearchForm
from web.searching import run_search


def test_a_search_reads_the_version_once_and_no_record_twice(library: Library) -> None:
    statements: list[str] = []
    db = library.catalogue._db  # this thread's connection, which the search uses
    db.set_trace_callback(statements.append)
    try:
        outcome = run_search(library, SearchForm(q="cold damp homes older people"))
    finally:
        db.set_trace_callback(None)
    assert outcome.results.documents and outcome.by_determinant
    assert sum("max(seq)" in s for s in statements) == 1, statements
    read = [
        doc_id
        for s in statements
        if s.startswith("SELECT * FROM documents WHERE doc_id IN")
        for doc_id in re.findall(r"'([^']+)'", s.split(" IN ", 1)[1].split(")", 1)[0])
    ]
    assert len(read) == len(set(read)), read  # none when an earlier search read them
    assert sum("document_totals" in s for s in statements) <= 1
