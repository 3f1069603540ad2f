"""An admin's changes to a document already in the library: its metadata, its access level,
withdrawing it and bringing it back. Each change is also kept as a correction, so ingesting
the same file again keeps it."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Collection
from contextlib import AbstractContextManager, nullcontext
from dataclasses import replace
from datetime import date
from typing import Any

from search.catalogue import Catalogue, DocumentRecord
from search.schema import ACCESS_LEVELS, WITHDRAWN, DocumentMeta
from search.store.base import Store, document_chunks

__all__ = [
    "EARLIEST_YEAR",
    "MAX_AUTHORS",
    "MAX_TEXT",
    "TRACES_MARK",
    "TRACES_TRIES_MARK",
    "CurationError",
    "clean_authors",
    "clean_fields",
    "clean_year",
    "clear_deleted_traces",
    "clearings_unfinished",
    "correct_document",
    "delete_document",
    "has_deleted_traces",
    "restore_document",
    "restore_level",
    "withdraw_document",
]

MAX_TEXT = 300
# The earliest publication year an admin may give a document.
EARLIEST_YEAR = 1900
# The most authors an admin may give a document.
MAX_AUTHORS = 50
# Not 0 while a document deleted for good may still be read in the library's files: each
# deletion adds one, so a clearing lets it go only if none came while it ran.
TRACES_MARK = "deleted_traces"
# Clearings started since the last one that finished: a clearing that never finishes (the
# server runs out of memory part-way, and the process dies) must not be started again at
# every start, or the site would never stay up.
TRACES_TRIES_MARK = "deleted_traces_tries"

log = logging.getLogger(__name__)
# For a caller that already keeps writers out (`clear_deleted_traces`): nothing more to take.
_NO_WRITERS_TO_KEEP_OUT: AbstractContextManager[object] = nullcontext()


class CurationError(ValueError):
    """A change that cannot be made; the message says why in plain words, and `field` names
    the form field at fault ('' when it is none of them). A form with more than one answer to
    change raises the first, with the others in `also`, so each is said beside its field."""

    def __init__(self, message: str, field: str = "", also: tuple[CurationError, ...] = ()) -> None:
        super().__init__(message)
        self.field = field
        self.also = also

    @property
    def every(self) -> list[CurationError]:
        """This problem and the others found with it, in the form's order."""
        return [self, *self.also]


def _tidy(text: str) -> str:
    """One line of text: control characters (a NUL, an escape code, a line break) and runs of
    spaces made one space, so a pasted title cannot carry them into pages and feeds."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in text).split())


def clean_fields(
    title: str,
    organisation: str,
    year: str,
    kind: str,
    access: str,
    authors: str | None = None,
    kinds: Collection[str] | None = None,
) -> dict[str, Any]:
    """Form values checked and tidied; raise CurationError naming the first problem, with every
    other one in `also`. `authors` holds a name a line (or names between semicolons); None
    leaves the authors as they are. `kinds`, when given, are the types of document to choose
    from."""
    title, organisation, kind = _tidy(title), _tidy(organisation), _tidy(kind)
    problems: list[CurationError] = []
    if not title:
        problems.append(CurationError("Enter a title.", "title"))
    elif len(title) > MAX_TEXT:
        problems.append(CurationError(f"Enter a title of {MAX_TEXT} characters or fewer.", "title"))
    if len(organisation) > MAX_TEXT:
        problems.append(
            CurationError(
                f"Enter an organisation of {MAX_TEXT} characters or fewer.", "organisation"
            )
        )
    names: list[str] = []
    if authors is not None:
        try:
            names = clean_authors(authors)
        except CurationError as problem:
            problems.append(problem)
    number: int | None = None
    try:
        number = clean_year(year)
    except CurationError as problem:
        problems.append(problem)
    if len(kind) > MAX_TEXT or (kinds is not None and kind not in kinds):
        problems.append(CurationError("Choose the type of document from the list.", "kind"))
    if access not in ACCESS_LEVELS:
        problems.append(CurationError("Choose who can see the document.", "access"))
    if problems:
        first = problems[0]
        raise CurationError(str(first), first.field, tuple(problems[1:]))
    fields: dict[str, Any] = {
        "title": title,
        "organisation": organisation,
        "year": number,
        "kind": kind,
        "access": access,
    }
    if authors is not None:
        fields["authors"] = names
    return fields


def clean_year(text: str) -> int | None:
    """A year typed on the form (None when left empty); raise CurationError when it is not
    four figures, or not from 1900 to next year."""
    year = text.strip()
    if not year:
        return None
    # str.isdigit() is also true of '²' and other signs int() refuses: ASCII digits only.
    if not (year.isascii() and year.isdigit() and len(year) == 4):
        raise CurationError("Enter the year as four numbers, like 2024, or leave it empty.", "year")
    latest = date.today().year + 1  # a report may carry next year's date
    if not EARLIEST_YEAR <= int(year) <= latest:
        raise CurationError(
            f"Enter a year from {EARLIEST_YEAR} to {latest}, or leave it empty.", "year"
        )
    return int(year)


def clean_authors(text: str) -> list[str]:
    """The names typed for a document's authors, one a line or between semicolons, tidied and
    each once; raise CurationError when there are too many or one is too long."""
    names = list(dict.fromkeys(n for n in (_tidy(part) for part in re.split(r"[\n;]", text)) if n))
    if len(names) > MAX_AUTHORS:
        raise CurationError(f"Enter {MAX_AUTHORS} authors or fewer.", "authors")
    if any(len(name) > MAX_TEXT for name in names):
        raise CurationError(
            f"Enter each author in {MAX_TEXT} characters or fewer, one a line.", "authors"
        )
    return names


def _write(store: Store, catalogue: Catalogue, record: DocumentRecord, meta: DocumentMeta) -> None:
    """The store first, then the catalogue: the catalogue is the last word on what is shown."""
    hits = document_chunks(store, record.doc_id, record.chunk_count)
    fields: dict[str, Any] = {
        "title": meta.title,
        "organisation": meta.organisation,
        "kind": meta.kind,
        "access": meta.access,
    }
    if meta.year is not None:
        fields["year"] = meta.year
    store.set_payload({hit.id: fields for hit in hits})
    catalogue.update_meta(record.doc_id, meta)


def correct_document(
    store: Store, catalogue: Catalogue, doc_id: str, fields: dict[str, Any]
) -> DocumentRecord:
    """Apply cleaned fields to a document, in the index and as a lasting correction."""
    record = catalogue.document(doc_id)
    if record is None:
        raise CurationError("That document is not in the library.")
    if record.meta.access == WITHDRAWN:
        # Keep it withdrawn; the chosen level applies when it is brought back.
        fields = {**fields, "restore_access": fields["access"], "access": WITHDRAWN}
    meta = replace(
        record.meta, **{k: v for k, v in fields.items() if k in DocumentMeta.__dataclass_fields__}
    )
    _write(store, catalogue, record, meta)
    catalogue.save_correction(doc_id, fields)
    return replace(record, meta=meta)


def withdraw_document(store: Store, catalogue: Catalogue, doc_id: str) -> DocumentRecord:
    """Hide a document from everyone but admins, keeping it so it can be brought back."""
    record = catalogue.document(doc_id)
    if record is None:
        raise CurationError("That document is not in the library.")
    if record.meta.access == WITHDRAWN:
        return record
    meta = replace(record.meta, access=WITHDRAWN)
    _write(store, catalogue, record, meta)
    catalogue.save_correction(doc_id, {"access": WITHDRAWN, "restore_access": record.meta.access})
    return replace(record, meta=meta)


def delete_document(
    store: Store, catalogue: Catalogue, doc_id: str
) -> tuple[DocumentRecord, list[str]]:
    """Take a document out of the library for good (`kb remove`): its row first, so no one
    sees half of it, then its points, then its files' rows, so the next run of its folder reads
    the file again as new. Withdrawing keeps it; this does not. The record and the paths of
    the files it was read from (the caller deletes an uploaded copy)."""
    record = catalogue.document(doc_id)
    if record is None:
        raise CurationError("That document is not in the library.")
    paths = catalogue.paths_for(doc_id)
    chunks = document_chunks(store, doc_id, record.chunk_count, fields=())
    catalogue.bump_mark(TRACES_MARK)  # first: a crash from here on still clears them
    catalogue.remove_document(doc_id)
    store.delete_documents([doc_id])
    for path in paths:
        catalogue.forget_file(path)
    catalogue.forget_moves_to([c.id for c in chunks])
    catalogue.forget_corrections(doc_id, paths)
    return record, paths


def has_deleted_traces(catalogue: Catalogue) -> bool:
    """Whether a document deleted for good may still be read in the library's files."""
    return bool(catalogue.mark(TRACES_MARK))


def clear_deleted_traces(
    store: Store,
    catalogue: Catalogue,
    report: Callable[[int, int], None] | None = None,
    writers_out: AbstractContextManager[object] = _NO_WRITERS_TO_KEEP_OUT,
) -> int | None:
    """Clear what documents deleted for good left in the library's files: the store is
    rewritten with only the points it holds (`Store.compact`), the catalogue without its free
    pages and with an empty log. The points kept (None for a store that clears them itself).

    Writers may go on while the store is rewritten; `writers_out` (the ingest lock, say) keeps
    them out while the catalogue is; a caller that already keeps them out leaves it as it is. The
    mark is let go only once all of it is done, and only if no deletion came meanwhile (that
    one is cleared by the next run): a stop part-way leaves it set, and the next start clears
    again."""
    deletions = catalogue.mark(TRACES_MARK) or 0
    catalogue.set_mark(TRACES_TRIES_MARK, clearings_unfinished(catalogue) + 1)
    kept = store.compact(report)
    with writers_out:
        if not catalogue.clear_traces():
            log.info("the catalogue's log was in use: it is emptied at its next checkpoint")
    if not catalogue.clear_mark_if(TRACES_MARK, deletions):
        log.info("a document was deleted while the files were rewritten: they are cleared again")
    catalogue.set_mark(TRACES_TRIES_MARK, 0)
    return kept


def clearings_unfinished(catalogue: Catalogue) -> int:
    """How many clearings were started since the last that finished (one under way counts)."""
    return catalogue.mark(TRACES_TRIES_MARK) or 0


def restore_level(catalogue: Catalogue, doc_id: str) -> str:
    """The level a withdrawn document comes back at: the one it had (or was given while
    withdrawn), or internal when that is not known."""
    level = catalogue.document_correction(doc_id).get("restore_access")
    return level if level in ACCESS_LEVELS else "internal"


def restore_document(store: Store, catalogue: Catalogue, doc_id: str) -> DocumentRecord:
    """Bring a withdrawn document back at the level it had."""
    record = catalogue.document(doc_id)
    if record is None:
        raise CurationError("That document is not in the library.")
    if record.meta.access != WITHDRAWN:
        return record
    level = restore_level(catalogue, doc_id)
    meta = replace(record.meta, access=level)
    _write(store, catalogue, record, meta)
    catalogue.save_correction(doc_id, {"access": level})
    return replace(record, meta=meta)
