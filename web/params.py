"""Limits on what a request may ask for: numbers in range, lists and words capped, and no
control characters, so a hostile or mistaken address gets a plain 400, never a 500."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from pydantic import StringConstraints

# Printable text: tab and line breaks (pasted paragraphs have them) are the only control
# characters allowed; a NUL or an escape code is refused.
PRINTABLE = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"

MAX_CHOSEN = 20  # values of one repeated filter, like organisation=…
MAX_VALUE_CHARS = 200  # characters in one filter value
# More lists of pages than any real document has, and far below SQLite's 64-bit limit.
MAX_PAGE_NUMBER = 100_000

FilterValue = Annotated[str, StringConstraints(max_length=MAX_VALUE_CHARS, pattern=PRINTABLE)]
# Any whole number: one the document does not have is a 404, however large.
PageNumber = Annotated[int, Path(description="The page's number, counting from 1")]
