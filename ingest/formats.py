"""Which file types the ingest reads, and the reader for each."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.pdf import PdfText, ScanReader, UnreadablePdf, read_pdf
from ingest.webpage import read_html
from ingest.wordfile import read_docx
from search.signatures import UNSUPPORTED

__all__ = [
    "NOTICED",
    "READABLE",
    "UNSUPPORTED",
    "is_ingestible",
    "read_document",
]

READABLE = frozenset({".pdf", ".docx", ".html", ".htm"})
# Documents people often drop in a folder that we cannot read: reported, not passed over.
NOTICED = frozenset({".doc", ".odt", ".rtf", ".ppt", ".pptx", ".xls", ".xlsx", ".epub"})


def is_ingestible(path: Path) -> bool:
    """True for files a folder scan picks up: ones we read, and documents we must refuse."""
    return path.suffix.lower() in READABLE | NOTICED


def read_document(
    path: Path,
    max_pages: int = 5000,
    on_page_count: Callable[[int], None] | None = None,
    read_scans: ScanReader | None = None,
    fast_text: bool = True,
) -> PdfText:
    """Text per page (or per section, for formats without pages) by the file's type;
    `fast_text` as in `read_pdf`."""
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return read_pdf(path, max_pages, on_page_count, read_scans, fast_text)
    if suffix == ".docx":
        return read_docx(path)
    if suffix in (".html", ".htm"):
        return read_html(path)
    raise UnreadablePdf(UNSUPPORTED, f"suffix {suffix or '(none)'}")
