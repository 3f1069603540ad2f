"""Reads each page's text layer with PDFium (the `pypdfium2` wheel): about twenty times less
CPU than pypdf's `extract_text` on the real PDFs, with words spaced as drawn.

PDFium is C code, so it runs where every PDF is parsed: in the isolated worker with time and
memory limits (`ingest/worker.py`). A file or page it cannot read comes back as `None`, and the
caller reads that page with pypdf instead, so nothing is lost by using it.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

import pypdfium2

from ingest.hyphens import join_broken_words

__all__ = ["TextLayer", "join_line_hyphens", "reads_right_to_left"]

# PDFium is not safe to call from two threads at once; readers in one process take turns.
_LOCK = threading.Lock()

# Where PDFium joins a word broken over two lines it writes U+0002 for the hyphen it removed.
# Before a small letter it was a word broken by the layout ("pur-chase") or a hyphen the
# author wrote ("low-income"), which `ingest.hyphens` tells apart; otherwise (a capital, a
# figure) it was a hyphen the author wrote ("COVID-19").
_BROKEN_WORD = re.compile(r"(?<!\w)(\w+)\x02([a-z]\w*)")  # from a word's start (see pdf.py)
_WRITTEN_HYPHEN = re.compile(r"(?<=\w)\x02(?=\w)")
# Right-to-left scripts (Hebrew, Arabic and its extensions and presentation forms): PDFium gives
# their letters in the order drawn, left to right, so words come out backwards; pypdf puts them
# in reading order. Such pages are left to pypdf.
_RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def join_line_hyphens(text: str) -> str:
    """PDFium's marks for hyphens at line ends, as a reader sees the words: broken words joined,
    written hyphens kept. Marks elsewhere are left for the garbage test to see."""
    if "\x02" not in text:
        return text
    return _WRITTEN_HYPHEN.sub("-", join_broken_words(text, _BROKEN_WORD))


def reads_right_to_left(text: str) -> bool:
    """True when the text holds letters of a right-to-left script."""
    return _RIGHT_TO_LEFT.search(text) is not None


class TextLayer:
    """One PDF opened with PDFium for its pages' text; use as a context manager."""

    def __init__(self, path: Path | None, count: int) -> None:
        """Opens `path` when PDFium sees the same `count` pages as pypdf, so a page number
        means the same page to both; otherwise (or with no path) every page is None."""
        self._document: Any = None
        if path is None:
            return
        try:
            with _LOCK:
                self._document = pypdfium2.PdfDocument(str(path))
                if len(self._document) != count:
                    self._document.close()
                    self._document = None
        except Exception:  # PDFium refuses files pypdf may still read: the caller falls back
            self._document = None

    def page_text(self, number: int) -> str | None:
        """The text drawn inside page `number`'s box (0-based), or None if PDFium fails on it or
        the page holds right-to-left script."""
        if self._document is None:
            return None
        try:
            with _LOCK:
                page = self._document[number]
                try:
                    textpage = page.get_textpage()
                    try:
                        text: str = textpage.get_text_bounded()
                    finally:
                        textpage.close()
                finally:
                    page.close()
        except Exception:  # one page PDFium cannot read: the caller reads it with pypdf
            return None
        if reads_right_to_left(text):
            return None
        return join_line_hyphens(text)

    def close(self) -> None:
        if self._document is not None:
            with _LOCK:
                self._document.close()
            self._document = None

    def __enter__(self) -> TextLayer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()
