"""Reads saved web pages (.html) with the standard library's parser: headings and paragraphs
of the visible text, never scripts or styles, and the title and date the page states."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

from ingest.pdf import CANNOT_OPEN, PdfText, UnreadablePdf
from ingest.sections import Block, assemble_sections
from search.signatures import HTML_NOT_TEXT, binary_kind

__all__ = [
    "HTML_EMPTY",
    "HTML_NOT_TEXT",
    "HTML_TOO_BIG",
    "HTML_UNREADABLE",
    "MAX_HTML_MB",
    "read_html",
]

# Web pages print to PDF from any browser, and a PDF holds what the page showed.
HTML_TOO_BIG = (
    "The web page is too big to read (more than {limit:,} MB). Open it in a browser, print it to"
    " a PDF and upload that."
)
HTML_EMPTY = (
    "The web page has no text in it. If it shows text in a browser, print it to a PDF and upload"
    " that."
)
HTML_UNREADABLE = (
    "The web page could not be read: {error}. Open it in a browser, print it to a PDF and upload"
    " that."
)
MAX_HTML_MB = 32

# Text inside these is never shown to a reader, so it is never indexed.
_HIDDEN = {"script", "style", "noscript", "template", "svg", "iframe", "object", "head", "nav"}
_BLOCK = {
    "p",
    "div",
    "li",
    "td",
    "th",
    "tr",
    "section",
    "article",
    "blockquote",
    "pre",
    "br",
    "dd",
    "dt",
    "figcaption",
    "caption",
    "table",
    "ul",
    "ol",
    "header",
    "footer",
    "main",
}
_HEADING = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_SIZE = {1: 24.0, 2: 18.0, 3: 14.0}
_VOID = {"br", "img", "meta", "link", "hr", "input", "source", "wbr", "area", "base", "col"}


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.meta: dict[str, str] = {}
        self.title = ""
        self._hidden: list[str] = []
        self._in_title = False
        self._level = 0
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "meta":
            values = {k: v or "" for k, v in attrs}
            key = (values.get("name") or values.get("property") or "").lower()
            if key and values.get("content"):
                self.meta.setdefault(key, values["content"][:500])
            return
        if tag == "title":
            self._in_title = True
        if tag in _HIDDEN and tag not in _VOID:
            self._hidden.append(tag)
        elif tag in _HEADING or tag in _BLOCK:
            self._flush()
            self._level = _HEADING.get(tag, 0)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if self._hidden and tag == self._hidden[-1]:
            self._hidden.pop()
        elif tag in _HEADING or tag in _BLOCK:
            self._flush()
            self._level = 0

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._hidden:
            self._text.append(data)

    def finish(self) -> None:
        """Keep the text after the last tag."""
        self._flush()

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        self._text = []
        if text:
            self.blocks.append(Block(text, self._level, _SIZE.get(self._level, 11.0)))


def read_html(path: Path) -> PdfText:
    """Sections of a saved web page, split at its headings."""
    limit = MAX_HTML_MB * 1024 * 1024
    try:
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as error:
        raise UnreadablePdf(
            CANNOT_OPEN.format(error=(error.strerror or "unknown error").lower())
        ) from error
    if len(raw) > limit:
        raise UnreadablePdf(HTML_TOO_BIG.format(limit=MAX_HTML_MB))
    kind = binary_kind(raw[:4096])
    if kind is not None:
        raise UnreadablePdf(HTML_NOT_TEXT.format(kind=kind))
    reader = _Reader()
    try:
        reader.feed(_decode(raw))
        reader.close()
    except (AssertionError, ValueError) as error:  # the parser gives up on some broken markup
        raise UnreadablePdf(
            HTML_UNREADABLE.format(error="the markup is broken"), str(error)
        ) from error
    reader.finish()
    if not reader.blocks:
        raise UnreadablePdf(HTML_EMPTY)
    meta = reader.meta
    title = meta.get("citation_title") or meta.get("og:title") or " ".join(reader.title.split())
    author = meta.get("author") or meta.get("citation_author") or ""
    dated = meta.get("article:published_time") or meta.get("citation_publication_date") or ""
    match = re.search(r"(19|20)\d\d", dated)
    parsed = assemble_sections(
        reader.blocks, title[:300], author[:200], int(match.group()) if match else None, []
    )
    if not parsed.pages:  # only stray marks, such as "%PDF-1.4": no section has words
        raise UnreadablePdf(HTML_EMPTY)
    return parsed


def _decode(raw: bytes) -> str:
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):  # saved as UTF-16 (its byte order mark)
        return raw.decode("utf-16", "replace")
    head = raw[:4096].decode("ascii", "replace")
    match = re.search(r"charset=[\"']?([\w-]+)", head, re.IGNORECASE)
    for encoding in (match.group(1) if match else "utf-8", "utf-8", "cp1252"):
        try:
            return raw.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("utf-8", "replace")
