"""Limits on what a request may ask for, as plain values: the caps on numbers, lists and words
that web.params enforces through FastAPI, kept free of it so code that only reads a search
(`kb search`, the views) need not load the web framework."""

from __future__ import annotations

from typing import Annotated

from pydantic import StringConstraints

__all__ = [
    "MAX_CHOSEN",
    "MAX_LIMIT",
    "MAX_NAME_CHARS",
    "MAX_OFFSET",
    "MAX_PAGE_NUMBER",
    "MAX_VALUE_CHARS",
    "PRINTABLE",
    "FilterValue",
]

# Printable text: tab and line breaks (pasted paragraphs have them) are the only control
# characters allowed; a NUL or an escape code is refused.
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

MAX_CHOSEN = 20  # values of one repeated filter, like organisation=…
MAX_VALUE_CHARS = 200  # characters in one filter value
MAX_NAME_CHARS = 40  # of an unknown parameter's name, when it is named back
# More lists of pages than any real document has, and far below SQLite's 64-bit limit.
MAX_PAGE_NUMBER = 100_000
# Paging a long list by offset and limit (the admin status's files): more rows than any
# library holds, again far below SQLite's limit, and at most so many rows in one answer.
MAX_OFFSET = 10_000_000
MAX_LIMIT = 1000

FilterValue = Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS, pattern=PRINTABLE)]
