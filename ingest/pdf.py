"""Reads PDFs: clean text per page (by PDFium, or pypdf where PDFium fails) and the document's
info (by pypdf), or a plain reason why not.

The text clean-up (`clean_text`, `garbage_share`, `has_words`, `strip_repeated_lines`) is pure
so it can be tested without a PDF.
"""

from __future__ import annotations

import logging
import math
import re
import unicodedata
import warnings
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

import pypdf
from pypdf.constants import UserAccessPermissions
from pypdf.errors import DependencyError, DeprecationError, FileNotDecryptedError, LimitReachedError

from ingest.glyph_numbers import GlyphReading, as_units, glyph_units, read_glyph_pages
from ingest.glyphs import blank_glyph_numbers, glyph_number_chars, restore_glyph_names
from ingest.hyphens import join_broken_words
from ingest.layout import LayoutLine, join_split_words
from ingest.ligatures import learn_lost_ligatures, mend_lost_ligatures
from ingest.misread import english_known, learn_misread_letters, mend_misread_letters
from ingest.ocr import OcrPage
from ingest.quotemarks import learn_letter_quotes, mend_letter_quotes
from ingest.swaps import learn_swapped_letters, mend_swapped_letters
from ingest.textlayer import TextLayer
from search.folding import fold_characters
from search.pagetext import edges_of, find_running_lines, running_line_key
from search.signatures import EMPTY_FILE, NOT_A_PDF

__all__ = [
    "BOMB",
    "CANNOT_OPEN",
    "DAMAGED",
    "DECORATION_KINDS",
    "DECORATION_RUN",
    "EMPTY_FILE",
    "FROM_SOURCE",
    "GARBAGE",
    "GARBAGE_LIMIT",
    "LOCKED_ODDLY",
    "LOOPS",
    "LOW_OCR_CONFIDENCE",
    "MAX_PAGE_CHARS",
    "MEMORY",
    "MIN_LETTERS",
    "MIN_LETTERS_WITH_PICTURE",
    "NESTED",
    "NOT_A_PDF",
    "NO_OCR",
    "NO_PAGES",
    "NO_TEXT",
    "NO_TEXT_SHAPES",
    "NO_WORDS_BY_OCR",
    "PASSWORD",
    "PRINT_AGAIN",
    "RESAVE",
    "SMALLER",
    "TOO_COMPLEX",
    "TOO_MANY_PAGES",
    "TRUNCATED",
    "TRY_LATER",
    "UNPACKING",
    "XFA_FORM",
    "PdfText",
    "ScanReader",
    "UnreadablePdf",
    "clean_text",
    "explain_error",
    "garbage_share",
    "has_words",
    "is_glyph_garbage",
    "is_waiting_for_ocr",
    "read_layout_lines",
    "read_pdf",
    "strip_decoration",
    "strip_repeated_lines",
]

log = logging.getLogger(__name__)


class UnreadablePdf(Exception):
    """The file cannot be indexed; the message is a plain-English reason."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.detail = detail


@dataclass(frozen=True)
class PdfText:
    """What a PDF gave us: one string per page (1-based in citations) and its info."""

    pages: list[str]
    title: str = ""
    author: str = ""
    year: int | None = None
    warnings: list[str] = field(default_factory=list)
    # The first page with text, line by line with type sizes, for reading the title.
    first_lines: list[LayoutLine] = field(default_factory=list)
    # Pages read by OCR (1-based), shown as such in the page view.
    ocr_pages: list[int] = field(default_factory=list)
    # Formats without pages (Word, web pages) give sections instead: each "page" is a section
    # and this is its heading, so a citation names the section.
    sections: list[str] = field(default_factory=list)


# Reasons a person reads in the report, on the upload page and on the status page: short,
# plain, no jargon, each what went wrong and then what to do. One wording each, here or beside
# the reader that gives it (search.signatures for those the upload door gives too).
RESAVE = "Check the file opens on your computer, then save a new copy and upload that."
PRINT_AGAIN = "Print it to a new PDF on your computer (Print to PDF) and upload that."
SMALLER = "If you trust the file, save a smaller copy (with smaller pictures, say) and upload that."
FROM_SOURCE = "If you have the file it was made from (a Word file, say), upload that instead."
TRY_LATER = (
    "Upload it again when the site is less busy; if it fails again, print it to a new PDF and"
    " upload that."
)
CANNOT_OPEN = (
    "The file could not be opened: {error}. Ask whoever runs the site to check the server can"
    " read it."
)
PASSWORD = "This file is locked with a password. Save a copy without the password and upload that."
LOCKED_ODDLY = (
    "This file is locked in a way we cannot open. Save a copy without the lock and upload that."
)
DAMAGED = f"The file is damaged (corrupt) and cannot be read. {RESAVE}"
TRUNCATED = (
    "The file is damaged (corrupt): it stops before its end, maybe a download that did not"
    " finish. Download it again, check it opens, then upload it."
)
LOOPS = f"The file is damaged (corrupt): parts of it point back to themselves in a loop. {RESAVE}"
NESTED = f"The file is damaged (corrupt): parts of it are nested far too deeply. {RESAVE}"
MEMORY = (
    "It needs too much memory to read. It may be a 'zip bomb' that grows huge when opened."
    f" {SMALLER}"
)
BOMB = (
    "It is a 'zip bomb': a small file that would grow huge if we unpacked it, so we stopped."
    f" {SMALLER}"
)
TOO_COMPLEX = f"A page is far too complicated to read (it has too many parts). {FROM_SOURCE}"
UNPACKING = f"It is packed (compressed) in a way we cannot unpack. {PRINT_AGAIN}"
NO_PAGES = f"The file has no pages. {RESAVE}"
TOO_MANY_PAGES = (
    "It has too many pages ({count:,}). The most we read is {limit:,}. Split it into files of"
    " at most {limit:,} pages and upload those."
)
# Pictures for pages and no words on them, when OCR was there to read them: every page it
# tried ran out of time (twice) or was too big to draw (ingest.ocr.MAX_PIXELS).
NO_TEXT = (
    "It is a scan (its pages are pictures) and OCR could not read its pages: each took too long"
    " or was too big. Upload it again when the site is less busy; if it fails again, ask whoever"
    " runs the site to give OCR more time (KB_OCR__SECONDS_PER_PAGE)."
)
# The same, read where OCR could not run (Tesseract missing, or OCR switched off): the next run
# reads it again once OCR can, without being asked to retry failures (`is_waiting_for_ocr`:
# the reason is matched by its first part, the one earlier versions stored).
_NO_OCR_WHY = (
    "It has no text layer: the pages are pictures (a scan). OCR would read it, but Tesseract is"
    " not installed on this server or OCR is switched off (KB_OCR__ENABLED)."
)
NO_OCR = (
    f"{_NO_OCR_WHY} Ask whoever runs the site to install Tesseract or switch OCR on: the file is"
    " read again the next time it is uploaded or ingested."
)
NO_WORDS_BY_OCR = (
    "It has no text layer, and reading its pictures with OCR found no words: it may be a blank"
    " or very faint scan, or a drawing. If it has words, scan it again more darkly and upload"
    " that."
)
NO_TEXT_SHAPES = (
    "It has no text we can read: the letters are drawn as shapes, not stored as text."
    f" {FROM_SOURCE}"
)
GARBAGE = (
    "The text in it is jumbled: the letters come out as symbols, so it cannot be searched."
    f" {FROM_SOURCE}"
)
XFA_FORM = (
    "It is a special form (XFA) that only opens in Adobe Reader; there is no text to read."
    " Open it in Adobe Reader, print it to a PDF and upload that."
)


def is_waiting_for_ocr(reason: str) -> bool:
    """Whether a file failed for want of OCR (NO_OCR), whatever was said after it."""
    return reason.startswith(_NO_OCR_WHY)


# A page needs this many letters to count as text; CJK characters carry more, so weigh more.
# A page with a picture on it needs more: scans often carry a stray word or two.
MIN_LETTERS = 4
MIN_LETTERS_WITH_PICTURE = 10
_CJK_WEIGHT = 3
# Share of a page's characters that may be junk before the page is dropped as glyph garbage.
GARBAGE_LIMIT = 0.5
# No real page holds this much text; past it, the rest is noise from a broken content stream.
MAX_PAGE_CHARS = 100_000


# Reads the given scanned pages (1-based) by OCR: their text and confidence (0–100) each.
ScanReader = Callable[[list[int]], dict[int, OcrPage]]
# Below this mean confidence an OCR page is reported as likely to hold mistakes.
LOW_OCR_CONFIDENCE = 60.0


def read_pdf(
    path: Path,
    max_pages: int = 5000,
    on_page_count: Callable[[int], None] | None = None,
    read_scans: ScanReader | None = None,
    fast_text: bool = True,
) -> PdfText:
    """Clean text of every page; a page that fails or is junk stays empty, with a warning.
    Pages that are pictures, or whose text comes out as jumbled symbols, are read by
    `read_scans` (OCR) when it is given. Without `fast_text`, pages are read by pypdf alone
    (for a file PDFium crashed on)."""
    with warnings.catch_warnings():
        # pypdf warns about every oddity it works around; the outcome already says what matters.
        warnings.simplefilter("ignore")
        reader = _open(path)
        _check_declared_count(reader, max_pages)
        count = _page_count(reader)
        if count == 0:
            raise UnreadablePdf(NO_PAGES)
        if count > max_pages:
            raise UnreadablePdf(TOO_MANY_PAGES.format(count=count, limit=max_pages))
        if on_page_count is not None:
            on_page_count(count)
        return _assemble(reader, _read_pages(reader, count, path, fast_text), read_scans)


def _open(path: Path) -> pypdf.PdfReader:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 2048))
            tail = handle.read()
    except OSError as error:
        raise UnreadablePdf(
            CANNOT_OPEN.format(error=(error.strerror or "unknown error").lower())
        ) from error
    if size == 0:
        raise UnreadablePdf(EMPTY_FILE)
    if b"%PDF-" not in head:
        raise UnreadablePdf(NOT_A_PDF)
    try:
        reader = pypdf.PdfReader(path)
    except Exception as error:  # pypdf raises many types that share no base class
        reason = explain_error(error)
        if reason == DAMAGED and b"%%EOF" not in tail:
            reason = TRUNCATED
        raise UnreadablePdf(reason, _describe(error)) from error
    if reader.is_encrypted:
        _decrypt(reader)
    return reader


def _decrypt(reader: pypdf.PdfReader) -> None:
    try:
        opened = reader.decrypt("")
    except FileNotDecryptedError as error:
        raise UnreadablePdf(PASSWORD, _describe(error)) from error
    except Exception as error:  # unknown or broken encryption
        raise UnreadablePdf(LOCKED_ODDLY, _describe(error)) from error
    if not opened:
        raise UnreadablePdf(PASSWORD)


def _check_declared_count(reader: pypdf.PdfReader, max_pages: int) -> None:
    # The page tree's own count is cheap to read; walking 30,000 pages to count them is not.
    try:
        declared = int(reader.root_object["/Pages"]["/Count"])  # type: ignore[index]
    except Exception:  # a missing or odd count is checked again by walking the tree
        return
    if declared > max_pages:
        raise UnreadablePdf(TOO_MANY_PAGES.format(count=declared, limit=max_pages))


def _page_count(reader: pypdf.PdfReader) -> int:
    try:
        return len(reader.pages)
    except Exception as error:  # a broken page tree raises anything
        raise UnreadablePdf(explain_error(error), _describe(error)) from error


@dataclass
class _PagesRead:
    """Each page's clean text ('' when it gives none), why pages came out empty (0-based
    errors, 1-based lists), and the first text page's lines with their type sizes."""

    pages: list[str] = field(default_factory=list)
    errors: dict[int, Exception] = field(default_factory=dict)
    junk: list[int] = field(default_factory=list)
    empty: list[int] = field(default_factory=list)
    cut: list[int] = field(default_factory=list)
    first_lines: list[LayoutLine] = field(default_factory=list)
    # Junk pages whose text layer names its glyphs by number ("/g150"), as pypdf gives it, and
    # how many junk pages were looked at for them.
    glyph_text: dict[int, str] = field(default_factory=dict)
    glyph_tries: int = 0
    # The glyph numbers each font looked at names (by the font object's id, kept with it so the
    # id stays its own): a font is asked once a file, however many junk pages use it.
    glyph_names: dict[int, tuple[Any, frozenset[int]]] = field(default_factory=dict)


def _read_pages(
    reader: pypdf.PdfReader, count: int, path: Path, fast_text: bool = True
) -> _PagesRead:
    """Every page's text, read by PDFium (see `ingest.textlayer`), or by pypdf where PDFium
    cannot read the file or a page or finds no words on it (pypdf may find text, or say why it
    cannot: a loop, a bomb). Until a page with text is found, each page is also read with
    pypdf's layout visitor, for the title's type sizes."""
    read = _PagesRead()
    looking = True
    with TextLayer(path if fast_text else None, count) as layer:
        for number in range(count):
            raw = layer.page_text(number)
            raw = raw if raw is not None and has_words(raw) else None
            lines: list[LayoutLine] = []
            if looking or raw is None:
                try:
                    pypdf_text, lines = _pypdf_page(reader.pages[number], looking)
                except Exception as error:  # one bad page must not lose the rest
                    if raw is None:
                        read.pages.append("")
                        read.errors[number] = error
                        continue
                else:
                    raw = pypdf_text if raw is None else raw
            read.pages.append(_page_text(reader, number, raw, read))
            if read.junk[-1:] == [number + 1]:
                _keep_glyph_text(reader, number, read)
            if looking and read.pages[-1]:
                read.first_lines, looking = lines, False
    return read


def _pypdf_page(page: pypdf.PageObject, with_layout: bool) -> tuple[str, list[LayoutLine]]:
    """A page's text by pypdf, and its lines with type sizes when asked."""
    if with_layout:
        return _extract_with_layout(page)
    return page.extract_text() or "", []


def _keep_glyph_text(reader: pypdf.PdfReader, number: int, read: _PagesRead) -> None:
    """Keep a junk page's text with each numbered glyph as one unit (`as_units`), when its font
    names its glyphs by number ("/g150"): the same on every page, where PDFium gives each
    font's own codes. Only a page whose fonts name such glyphs is read again, by pypdf, and at
    most `_MAX_GLYPH_PAGES` of a file: junk of another kind (a script with no map) costs
    nothing more, and a hostile file of thousands of junk pages no more than that."""
    if read.glyph_tries >= _MAX_GLYPH_PAGES:
        return
    read.glyph_tries += 1
    try:
        if not _names_glyph_numbers(reader.pages[number].get("/Resources"), read):
            return
    except Exception:  # a broken resource dictionary: the page stays junk, for OCR
        return
    parts: list[str] = []

    def visit(text: str, _cm: Any, _tm: Any, font: Any, _size: float) -> None:
        if "/g" in text:
            text = as_units(text, _font_glyph_numbers(font, read))
        parts.append(text)

    try:
        reader.pages[number].extract_text(visitor_text=visit)
    except Exception:  # the page stays junk, for OCR
        return
    text = "".join(parts)
    if glyph_units(text) >= _MIN_GLYPHS:
        read.glyph_text[number + 1] = text


def _names_glyph_numbers(resources: Any, read: _PagesRead, depth: int = 0) -> bool:
    """Whether a font among `resources` (a page's, or a form's drawn on it, two deep) names
    glyphs by number in its encoding's differences."""
    resources = resources.get_object() if resources is not None else None
    if not resources:
        return False
    fonts = resources.get("/Font")
    for font in list((fonts.get_object() if fonts else {}).values())[:_MAX_FONTS]:
        if _font_glyph_numbers(font.get_object(), read):
            return True
    forms = resources.get("/XObject")
    if depth >= 2 or not forms:
        return False
    return any(
        _names_glyph_numbers(form.get_object().get("/Resources"), read, depth + 1)
        for form in list(forms.get_object().values())[:_MAX_FONTS]
        if form.get_object().get("/Subtype") == "/Form"
    )


def _font_glyph_numbers(font: Any, read: _PagesRead) -> frozenset[int]:
    """The glyph numbers `font` names (`_glyph_numbers_named`), read once a file: pypdf hands
    the text visitor the same font object the page's resources hold."""
    if id(font) not in read.glyph_names:
        read.glyph_names[id(font)] = (font, _glyph_numbers_named(font))
    return read.glyph_names[id(font)][1]


def _glyph_numbers_named(font: Any) -> frozenset[int]:
    """The glyph numbers a font's encoding names ("/g150" in its differences)."""
    try:
        encoding = font["/Encoding"].get_object()
        differences = encoding["/Differences"].get_object()
        return frozenset(
            int(name[2:]) for name in differences if re.fullmatch(r"/g\d{1,5}", str(name))
        )
    except Exception:  # no encoding, a named one, or a broken one: no names
        return frozenset()


def _page_text(reader: pypdf.PdfReader, number: int, raw: str, read: _PagesRead) -> str:
    """The page's clean text, or '' with the page noted as junk or empty."""
    if len(raw) > MAX_PAGE_CHARS:
        raw = raw[:MAX_PAGE_CHARS]
        read.cut.append(number + 1)
    raw = strip_decoration(raw)
    if is_glyph_garbage(raw):
        read.junk.append(number + 1)
        return ""
    cleaned = clean_text(raw)
    if _is_text_page(reader, number, cleaned):
        return cleaned
    read.empty.append(number + 1)
    return ""


def _assemble(
    reader: pypdf.PdfReader, read: _PagesRead, read_scans: ScanReader | None = None
) -> PdfText:
    pages, errors, junk, empty, cut = read.pages, read.errors, read.junk, read.empty, read.cut
    scanned = [n for n in empty if _has_picture(reader, n - 1)] if read_scans else []
    # Pages in a font that numbers its glyphs: a few read by OCR teach what the glyphs draw,
    # and the rest are read from their own text (ingest.glyph_numbers).
    glyphs = _read_glyph_pages(read, read_scans)
    decoded = _fill_glyph_pages(pages, glyphs.read)
    junk = [n for n in junk if n not in decoded]
    # A page of jumbled symbols still draws its letters right (the font only lacks a map from
    # them to text), so OCR reads it as it reads a scan.
    asked = [n for n in sorted(scanned + junk) if n not in glyphs.by_ocr] if read_scans else []
    read_by_ocr = {**glyphs.by_ocr, **(read_scans(asked) if read_scans and asked else {})}
    ocr_pages, low, ocr_lines = _read_scans(pages, read_by_ocr, set(junk))
    by_ocr = set(ocr_pages)
    letters = _repair(pages, read, by_ocr, learn_misread_letters, mend_misread_letters)
    ligatures = _repair(pages, read, by_ocr, learn_lost_ligatures, mend_lost_ligatures)
    quotes = _repair(pages, read, by_ocr, learn_letter_quotes, mend_letter_quotes)
    # After the quote marks: a letter they gave back ("Ŏbite-sizedŏ") is no swapped letter.
    swapped = _repair(pages, read, by_ocr, learn_swapped_letters, mend_swapped_letters)
    unjumbled = [n for n in junk if n in ocr_pages]
    empty = [n for n in empty if n not in ocr_pages]
    junk = [n for n in junk if n not in ocr_pages]
    if not any(pages) and read_by_ocr and len(empty) >= len(junk):
        raise UnreadablePdf(NO_WORDS_BY_OCR, f"OCR read {len(read_by_ocr)} page(s), no words")
    if not any(pages):
        reason, detail = _why_no_text(reader, errors, junk, empty)
        raise UnreadablePdf(NO_OCR if reason == NO_TEXT and not read_scans else reason, detail)
    if _is_xfa_placeholder(reader, pages):
        raise UnreadablePdf(XFA_FORM)
    notes = _page_warnings(sorted(n + 1 for n in errors), junk, empty, cut)
    pictures = [n for n in ocr_pages if n not in unjumbled]
    if pictures:
        notes.append(f"{_pages(pictures)} read from pictures (OCR): {_ranges(pictures)}.")
    if decoded:
        notes.append(
            f"{_pages(decoded)} in a font with no letters for its glyphs read from their own text,"
            f" the glyphs learned from {_pages(sorted(glyphs.by_ocr))} read by OCR:"
            f" {_ranges(decoded)}."
        )
    if unjumbled:
        notes.append(
            f"{_pages(unjumbled)} whose text came out as jumbled symbols read by OCR instead: "
            f"{_ranges(unjumbled)}."
        )
    if low:
        notes.append(f"{_pages(low)} read by OCR may have mistakes (hard to read): {_ranges(low)}.")
    if letters:
        shown = ", ".join(f"'{letter}' as '{mark}'" for mark, letter in sorted(letters.items()))
        notes.append(f"Its text gave some letters as marks ({shown}); they were put back.")
    if ligatures:
        shown = ", ".join(f"'{ligature}'" for ligature in ligatures)
        notes.append(f"Its text left out joined letters ({shown}); they were put back.")
    if quotes:
        shown = ", ".join(f"'{letter}'" for letter in sorted(quotes))
        notes.append(f"Its text gave quote marks as letters ({shown}); they were put back.")
    if swapped:
        shown = ", ".join(f"'{letter}' as '{other}'" for other, letter in sorted(swapped.items()))
        notes.append(f"Its text gave some letters as other letters ({shown}); they were put back.")
    if _forbids_copying(reader):
        notes.append("The publisher marked it 'do not copy text'; it was indexed anyway.")
    stripped = strip_repeated_lines(pages)
    title, author, year = _info(reader)
    first = next(number for number, page in enumerate(pages) if page)
    # The first page with text: its lines as laid out, or as OCR read them off the picture.
    lines = (
        _scan_layout(ocr_lines.get(first + 1, [])) if first + 1 in ocr_pages else read.first_lines
    )
    # Layout reads each fragment as it is drawn ("h ealth"); the page's text has whole words.
    lines = join_split_words(lines, pages[first])
    return PdfText(
        stripped if any(stripped) else pages, title, author, year, notes, lines, ocr_pages
    )


# A document with fewer pages in a font that numbers its glyphs has them all read by OCR: one
# page read to learn from would read no other.
_MIN_GLYPH_PAGES = 2
# Fewer numbered glyphs on a junk page are no font's text (a web address's "/g12").
_MIN_GLYPHS = 5
# Junk pages of one file looked at again for numbered glyphs, at most, and fonts or forms of a
# page looked at for them.
_MAX_GLYPH_PAGES = 500
_MAX_FONTS = 200


def _read_glyph_pages(read: _PagesRead, read_scans: ScanReader | None) -> GlyphReading:
    if read_scans is None or len(read.glyph_text) < _MIN_GLYPH_PAGES:
        return GlyphReading()
    return read_glyph_pages(read.glyph_text, read_scans, english_known())


def _fill_glyph_pages(pages: list[str], read: dict[int, str]) -> list[int]:
    """Put the pages read from their glyphs in place (clean); the numbers of those with words."""
    filled = []
    for number, text in sorted(read.items()):
        cleaned = clean_text(text)
        if has_words(cleaned):
            pages[number - 1] = cleaned
            filled.append(number)
    return filled


_Learned = TypeVar("_Learned", dict[str, str], tuple[str, ...], frozenset[str])


def _repair(
    pages: list[str],
    read: _PagesRead,
    ocr_pages: set[int],
    learn: Callable[[list[str]], _Learned],
    mend: Callable[[str, _Learned], str],
) -> _Learned:
    """Learn a font's fault from the pages read from its text layer, and put it right there and
    in the first page's lines, in place: letters given as marks ("Strate’y", `ingest.misread`),
    joined letters left out ("aect", `ingest.ligatures`), quote marks given as letters
    ("Ŏbite-sizedŏ", `ingest.quotemarks`), letters given as other letters ("netŢork",
    `ingest.swaps`). What was learned (empty for nearly every file)."""
    learned = learn(_text_layer(pages, ocr_pages))
    if learned:
        _mend_text_layer(pages, read, ocr_pages, lambda text: mend(text, learned))
    return learned


def _text_layer(pages: list[str], ocr_pages: set[int]) -> list[str]:
    """The pages read from the PDF's own text (not by OCR), where a font's faults show."""
    return [page for number, page in enumerate(pages, 1) if number not in ocr_pages]


def _mend_text_layer(
    pages: list[str], read: _PagesRead, ocr_pages: set[int], mend: Callable[[str], str]
) -> None:
    """`mend` the pages read from the text layer, in place, and the first page's lines."""
    for at, page in enumerate(pages):
        if at + 1 not in ocr_pages:
            pages[at] = mend(page)
    read.first_lines = [
        LayoutLine(mend(line.text), line.size, line.top) for line in read.first_lines
    ]


def _scan_layout(lines: list[LayoutLine]) -> list[LayoutLine]:
    """A scanned page's lines for the title, when its largest type is in the top half of the
    page, where a scanned report's title is; on a map, a chart or a form the largest words read
    are labels and notes, and the title is better taken from elsewhere (none: [])."""
    if not lines:
        return []
    largest = max(lines, key=lambda line: line.size)
    return lines if largest.top <= 0.5 else []


def _read_scans(
    pages: list[str], read_by_ocr: dict[int, OcrPage], jumbled: Collection[int] = ()
) -> tuple[list[int], list[int], dict[int, list[LayoutLine]]]:
    """Fill picture-only pages in place with what OCR read off them; the pages with words,
    those read poorly, and the lines of each (clean, for the title).

    A `jumbled` page (text in a font with no map to letters) is filled only when OCR read it
    with confidence: such a font is often for another script, which English OCR reads as
    nonsense letters ("£0», AEYARAG°EOAB"), and a scan's benefit of the doubt would index it."""
    read: list[int] = []
    low: list[int] = []
    lines: dict[int, list[LayoutLine]] = {}
    for number, page in sorted(read_by_ocr.items()):
        if number in jumbled and page.confidence < LOW_OCR_CONFIDENCE:
            continue
        cleaned = clean_text(page.text)
        if 1 <= number <= len(pages) and has_words(cleaned, MIN_LETTERS_WITH_PICTURE):
            pages[number - 1] = cleaned
            read.append(number)
            lines[number] = [
                LayoutLine(text, line.size, line.top)
                for line in page.lines
                if (text := clean_text(line.text))
            ]
            if page.confidence < LOW_OCR_CONFIDENCE:
                low.append(number)
    return read, low, lines


# The most fragments of one page we look at for the title: a first page is rarely longer.
_MAX_FRAGMENTS = 4000
_MAX_LINES = 200


def read_layout_lines(reader: pypdf.PdfReader, number: int) -> list[LayoutLine]:
    """One page's lines in reading order, each with its type size and place down the page."""
    try:
        return _extract_with_layout(reader.pages[number])[1]
    except Exception:  # layout is a nicety: a page that fails it still has its text
        return []


def _extract_with_layout(page: pypdf.PageObject) -> tuple[str, list[LayoutLine]]:
    """The page's text, as `extract_text` gives it, and its lines with type sizes, read in the
    same pass by pypdf's text visitor."""
    fragments: list[tuple[float, float, float, str]] = []

    def visit(text: str, cm: Any, tm: Any, _font: Any, size: float) -> None:
        if not text.strip() or len(fragments) >= _MAX_FRAGMENTS:
            return
        scale = math.hypot(tm[2], tm[3]) * math.hypot(cm[2], cm[3])
        y = tm[5] * cm[3] + cm[5]
        x = tm[4] * cm[0] + cm[4]
        fragments.append((float(size) * scale, y, x, text))

    try:
        height = float(page.mediabox.height) or 1.0
        bottom = float(page.mediabox.bottom)
        text = page.extract_text(visitor_text=visit) or ""
    except Exception:
        # With a visitor pypdf also parses content it skips without one (no text operators),
        # which may fail: read the text as without layout, which fails only as it always did.
        return page.extract_text() or "", []
    return text, _join_fragments(fragments, height, bottom)


def _join_fragments(
    fragments: list[tuple[float, float, float, str]], height: float, bottom: float
) -> list[LayoutLine]:
    # Fragments of one size on one baseline make a line; most PDFs write them in reading order.
    lines: list[tuple[float, float, list[tuple[float, str]]]] = []
    for size, y, x, text in fragments:
        if lines and abs(lines[-1][0] - size) < 0.6 and abs(lines[-1][1] - y) < max(size, 1) * 0.4:
            lines[-1][2].append((x, text))
        else:
            lines.append((size, y, [(x, text)]))
    out: list[LayoutLine] = []
    for size, y, parts in lines[:_MAX_LINES]:
        text = clean_text(" ".join(t.strip() for _, t in parts))
        top = min(1.0, max(0.0, 1 - (y - bottom) / height))
        # A font with no usable map to letters draws symbols: such a line can be no title.
        if text and not is_glyph_garbage(text):
            out.append(LayoutLine(text=" ".join(text.split()), size=round(size, 1), top=top))
    return out


def _is_text_page(reader: pypdf.PdfReader, number: int, text: str) -> bool:
    if has_words(text, MIN_LETTERS_WITH_PICTURE):
        return True
    return has_words(text, MIN_LETTERS) and not _has_picture(reader, number)


def _has_picture(reader: pypdf.PdfReader, number: int) -> bool:
    try:
        resources: Any = reader.pages[number].get("/Resources")
        xobjects: Any = resources.get_object().get("/XObject") if resources else None
        if not xobjects:
            return False
        return any(
            x.get_object().get("/Subtype") == "/Image" for x in xobjects.get_object().values()
        )
    except Exception:  # a broken resource dictionary has no picture we can see
        return False


def _why_no_text(
    reader: pypdf.PdfReader, errors: dict[int, Exception], junk: list[int], empty: list[int]
) -> tuple[str, str]:
    # Say what happened to most pages; ties go to the more specific reason.
    if errors and len(errors) >= max(len(junk), len(empty)):
        reasons = Counter(explain_error(e) for e in errors.values())
        return reasons.most_common(1)[0][0], _describe(next(iter(errors.values())))
    if junk and len(junk) >= len(empty):
        return GARBAGE, f"{len(junk)} page(s) of glyph garbage"
    pictures = sum(_has_picture(reader, n - 1) for n in empty)
    reason = NO_TEXT if pictures else NO_TEXT_SHAPES
    return reason, f"{len(empty)} page(s) with no words, {pictures} with pictures"


def _page_warnings(
    failed: list[int], junk: list[int], empty: list[int], cut: list[int]
) -> list[str]:
    notes: list[str] = []
    if failed:
        notes.append(f"{_pages(failed)} could not be read (damaged): {_ranges(failed)}.")
    if junk:
        notes.append(f"{_pages(junk)} of jumbled symbols left out: {_ranges(junk)}.")
    if empty:
        notes.append(f"{_pages(empty)} without text (maybe pictures): {_ranges(empty)}.")
    if cut:
        notes.append(f"{_pages(cut)} with far too much text, cut short: {_ranges(cut)}.")
    return notes


def _pages(numbers: list[int]) -> str:
    return "1 page" if len(numbers) == 1 else f"{len(numbers)} pages"


def explain_error(error: BaseException) -> str:
    """A plain reason for whatever pypdf (or Python under it) raised on a file or page."""
    message = str(error).lower()
    if isinstance(error, FileNotDecryptedError):
        return PASSWORD
    if isinstance(error, RecursionError):
        return NESTED
    if isinstance(error, MemoryError):
        return MEMORY
    if isinstance(error, LimitReachedError):
        if "decompress" in message:
            return BOMB
        if "depth" in message:
            return NESTED
        if "loop" in message or "reference" in message:
            return LOOPS
        return TOO_COMPLEX
    if isinstance(error, DeprecationError | DependencyError | NotImplementedError):
        return UNPACKING
    if "filter" in message and ("deprecated" in message or "unsupported" in message):
        return UNPACKING
    if "brotli" in message or "jbig2" in message:
        return UNPACKING
    if "cyclic" in message or "loop" in message:
        return LOOPS
    return DAMAGED


def _describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"


def _is_xfa_placeholder(reader: pypdf.PdfReader, pages: list[str]) -> bool:
    # A dynamic XFA form keeps its content in XML; the pages only say "Please wait...".
    text = " ".join(pages)
    if "please wait" not in text.lower() or len(text) > 2000:
        return False
    try:
        form = reader.root_object.get("/AcroForm")
        return form is not None and "/XFA" in form.get_object()
    except Exception:  # a broken catalogue is simply not an XFA form
        return False


def _forbids_copying(reader: pypdf.PdfReader) -> bool:
    try:
        if not reader.is_encrypted:
            return False
        permissions = reader.user_access_permissions
        return permissions is not None and not permissions & UserAccessPermissions.EXTRACT
    except Exception:  # unreadable permissions are no permissions
        return False


def _info(reader: pypdf.PdfReader) -> tuple[str, str, int | None]:
    try:
        info = reader.metadata
        if not info:
            return "", "", None
        title = clean_text(str(info.get("/Title") or ""))
        author = clean_text(str(info.get("/Author") or ""))
        year = _year_of(str(info.get("/CreationDate") or ""))
    except Exception:  # a broken info dictionary is not worth failing the file
        return "", "", None
    return title, author, year


def _year_of(date: str) -> int | None:
    match = re.search(r"(19|20)\d\d", date or "")
    return int(match.group()) if match else None


def _ranges(numbers: list[int]) -> str:
    spans: list[str] = []
    start = prev = numbers[0]
    for n in [*numbers[1:], -1]:
        if n == prev + 1:
            prev = n
            continue
        spans.append(str(start) if start == prev else f"{start}–{prev}")
        start = prev = n
    return ", ".join(spans[:8]) + (" …" if len(spans) > 8 else "")


# --- text clean-up: pure functions -------------------------------------------------------------

_SOFT_HYPHEN_BREAK = re.compile(r"\u00ad[ \t]*\r?\n[ \t]*")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")
# From a word's start only: tried inside a word too, a run of letters with no break would be
# read again from each of its letters (a 40,000-letter run took 7 s).
_HYPHEN_BREAK = re.compile(r"(?<!\w)(\w+)-\n([a-z]\w*)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The same, less those Python counts as white space (form feed, vertical tab, separators).
_ASCII_JUNK = re.compile(r"[\x00-\x08\x0e-\x1b\x7f]")
_CID = re.compile(r"\(cid:\d+\)")
_WHITESPACE = re.compile(r"\s")
# Two or more Latin-1 characters with no plain letter: how CJK bytes look when read as Latin-1.
_MOJIBAKE = re.compile(r"(?<!\S)[\u0080-\u00ff]{2,}(?!\S)")
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_BAD_CATEGORIES = frozenset({"Cc", "Cn", "Cs", "So", "Sk"})
_SYMBOL_CATEGORIES = frozenset({"So", "Sk"})
# A rule drawn in symbols: this many or more in a run, of at most this many kinds.
DECORATION_RUN = 8
DECORATION_KINDS = 3
_SYMBOL_RUN = re.compile(rf"[^\x00-\x7f\w\s](?: ?[^\x00-\x7f\w\s]){{{DECORATION_RUN - 1},}}")


def clean_text(text: str) -> str:
    """Undo PDF text damage: ligatures, private-use bullets, stray controls, hyphen breaks."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _SOFT_HYPHEN_BREAK.sub("", text)
    # Glyphs pypdf left as names: their letters where the name says them, else blanks.
    text = blank_glyph_numbers(restore_glyph_names(text))
    # The same fold every query gets, so a word pasted from a PDF finds what its page holds.
    text = fold_characters(text)
    if not text.isascii() or _ASCII_CONTROL.search(text):
        text = "".join(_clean_char(ch) for ch in text)
    text = _SPACES.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = join_broken_words(text, _HYPHEN_BREAK)
    return _BLANK_LINES.sub("\n\n", text).strip()


def _clean_char(ch: str) -> str:
    if ch == "\n" or (ch.isascii() and ch.isprintable()):
        return ch
    category = unicodedata.category(ch)
    if category == "Co":  # private-use glyphs are usually bullets
        return "•"
    if category in ("Cc", "Cs", "Cn"):  # control characters stand in for spaces
        return " "
    return ch


def strip_decoration(text: str) -> str:
    """The text less decorative rules drawn in symbol characters: a run of DECORATION_RUN or
    more symbols (single spaces between them allowed) made of at most DECORATION_KINDS
    different ones, such as a book's bar of "❚❘❙" across every page. They are real characters,
    not a font that lost its letters, so they must not make a page read as jumbled (and sent to
    OCR); and they are nothing a reader should see in a passage. Shorter runs, such as a row of
    ticks in a table, and runs of many different symbols (which is what a lost letter map
    looks like) are kept."""
    if text.isascii():
        return text
    return _SYMBOL_RUN.sub(_blank_if_decoration, text)


def _blank_if_decoration(match: re.Match[str]) -> str:
    run = match.group()
    kinds = set(run.replace(" ", ""))
    if len(kinds) <= DECORATION_KINDS and all(
        unicodedata.category(ch) in _SYMBOL_CATEGORIES for ch in kinds
    ):
        return " "
    return run


def garbage_share(text: str) -> float:
    """The share of a page's visible characters that are junk from a font with no text mapping:
    replacement and private-use characters, stray symbols and controls, (cid:NN) codes, bare
    glyph numbers ("/g150", see ingest.glyphs), lone accents, and CJK bytes misread as Latin-1."""
    cid_chars = sum(len(m) for m in _CID.findall(text))
    if cid_chars:
        text = _CID.sub(" ", text)
    total = len(text) - len(_WHITESPACE.findall(text)) + cid_chars
    if total <= 0:
        return 0.0
    bad = cid_chars + glyph_number_chars(text) + len(_ASCII_JUNK.findall(text))
    mojibake = {i for m in _MOJIBAKE.finditer(text) for i in range(m.start(), m.end())}
    for match in _NON_ASCII.finditer(text):
        at, ch = match.start(), match.group()
        if ch.isspace():
            continue
        if at in mojibake or _is_junk_char(text, at, ch):
            bad += 1
    return bad / total


def _is_junk_char(text: str, at: int, ch: str) -> bool:
    category = unicodedata.category(ch)
    if ch == "\ufffd" or category in _BAD_CATEGORIES:
        return True
    if category == "Co":  # a private-use glyph is a bullet only where a line starts
        return text[:at].rstrip(" \t")[-1:] not in ("", "\n")
    if category[0] == "M":  # an accent needs a letter to sit on
        base = at - 1
        while base >= 0 and unicodedata.category(text[base])[0] == "M":
            base -= 1
        return base < 0 or not text[base].isalpha()
    return False


def is_glyph_garbage(text: str) -> bool:
    """True when most of a page's characters are junk (see `garbage_share`)."""
    visible = len(text) - len(_WHITESPACE.findall(text))
    return visible >= 4 and garbage_share(text) > GARBAGE_LIMIT


def has_words(text: str, min_letters: int = MIN_LETTERS) -> bool:
    """True when a page has at least `min_letters` letters (CJK characters count for more)."""
    # Counted only as far as needed: most pages pass within their first words.
    letters = sum(1 for _ in islice(_LETTER.finditer(text), min_letters))
    if letters >= min_letters:
        return True
    short = min_letters - letters  # each CJK character, already counted once, adds the rest
    cjk = sum(1 for _ in islice(_CJK.finditer(text), -(-short // (_CJK_WEIGHT - 1))))
    return letters + cjk * (_CJK_WEIGHT - 1) >= min_letters


def strip_repeated_lines(
    pages: list[str], min_share: float = 0.6, edge_lines: int = 3, min_pages: int = 3
) -> list[str]:
    """Drop running headers and footers: lines among the first or last `edge_lines` of a page
    that recur, page numbers aside, on at least `min_share` of the pages with text. A page's
    top and bottom never overlap, so a short page keeps its middle."""
    top_keys, bottom_keys = find_running_lines(
        pages, min_share=min_share, edge_lines=edge_lines, min_pages=min_pages
    )
    if not top_keys and not bottom_keys:
        return pages
    return [_strip_page(p, top_keys, bottom_keys, edge_lines) if p else p for p in pages]


def _strip_page(page: str, top_keys: set[str], bottom_keys: set[str], edge_lines: int) -> str:
    lines = page.split("\n")
    filled = [i for i, line in enumerate(lines) if line.strip()]
    top, bottom = edges_of(filled, edge_lines)
    drop = {i for i in top if running_line_key(lines[i]) in top_keys}
    drop |= {i for i in bottom if running_line_key(lines[i]) in bottom_keys}
    kept = [line for i, line in enumerate(lines) if i not in drop]
    return _BLANK_LINES.sub("\n\n", "\n".join(kept)).strip()
