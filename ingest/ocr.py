"""Reads scanned PDF pages with Tesseract: poppler's pdftoppm draws the page as a picture and
Tesseract reads the words off it. Runs inside the parse worker, under its limits."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ingest.layout import LayoutLine

__all__ = [
    "MAX_PIXELS",
    "RETRY_TIME_FACTOR",
    "OcrOptions",
    "OcrPage",
    "is_ocr_available",
    "read_page_by_ocr",
    "read_pages_by_ocr",
]

log = logging.getLogger(__name__)

# A line read with less confidence than this (0-100, the mean of its words) is left out of the
# page's layout, which the title is chosen from (its words stay in the page's text).
LAYOUT_CONFIDENCE = 80.0
# A page that ran out of time is read once more, with this many times its time.
RETRY_TIME_FACTOR = 2.0
# A drawn page is refused past this many pixels (a page 200 inches wide is a trap, not a scan).
MAX_PIXELS = 60_000_000


@dataclass(frozen=True)
class OcrOptions:
    """How scanned pages are read."""

    language: str = "eng"
    dpi: int = 200
    seconds_per_page: float = 60.0


@dataclass(frozen=True)
class OcrPage:
    """The words read off one page and how sure Tesseract was of them (0–100)."""

    text: str
    confidence: float
    # The page's lines with their type sizes and places, for the title (see ingest.layout).
    lines: tuple[LayoutLine, ...] = ()


def is_ocr_available() -> bool:
    """True when both Tesseract and pdftoppm are installed (`make ocr-deps`)."""
    return shutil.which("tesseract") is not None and shutil.which("pdftoppm") is not None


def read_page_by_ocr(path: Path, number: int, options: OcrOptions) -> OcrPage:
    """OCR text of one page (1-based); raises OSError or subprocess errors when it cannot."""
    # Imported here, so a run without scans never loads them into the parse workers.
    import pytesseract  # type: ignore[import-untyped]
    from PIL import Image

    # One thread: Tesseract's own threads fight the embedding model for the same cores.
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    with tempfile.TemporaryDirectory(prefix="kb-ocr-") as folder:
        stem = Path(folder) / "page"
        # A plain grey map (PGM), not a PNG: nothing to compress here and decompress again in
        # Tesseract, and it is handed over by its path, so it is not written a second time.
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(options.dpi),
                "-gray",
                "-singlefile",
                "-f",
                str(number),
                "-l",
                str(number),
                "-x",
                "0",
                "-y",
                "0",
                "-W",
                str(int(options.dpi * 40)),
                "-H",
                str(int(options.dpi * 40)),
                str(path),
                str(stem),
            ],
            check=True,
            capture_output=True,
            timeout=options.seconds_per_page,
        )
        picture = stem.with_suffix(".pgm")
        with Image.open(picture) as image:  # reads the header only: the size
            width, height = image.size
        if width * height > MAX_PIXELS:
            raise OSError("page picture too large")
        data = pytesseract.image_to_data(
            str(picture),
            lang=options.language,
            output_type=pytesseract.Output.DICT,
            timeout=options.seconds_per_page,
        )
    return _assemble(data, options.dpi, height)


def read_pages_by_ocr(
    path: Path,
    numbers: list[int],
    options: OcrOptions,
    on_page: Callable[[int], None] | None = None,
    on_retry: Callable[[int, float], None] | None = None,
) -> dict[int, OcrPage]:
    """Each page that could be read, by number; a page that fails is left out. `on_page` is
    told how many pages are done after each one, read or not.

    A page that ran out of time (on a busy machine: the ingest's own encoding shares the
    cores) is read once more after the others, with RETRY_TIME_FACTOR times the time;
    `on_retry` is told how many pages and the seconds each may take, before they start."""
    out: dict[int, OcrPage] = {}
    late: list[int] = []
    for done, number in enumerate(numbers, 1):
        try:
            out[number] = read_page_by_ocr(path, number, options)
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as error:
            if _is_timeout(error):
                late.append(number)
            log.info("OCR of page %d of %s failed: %s", number, path.name, error)
        if on_page is not None:
            on_page(done)
    if not late:
        return out
    longer = replace(options, seconds_per_page=options.seconds_per_page * RETRY_TIME_FACTOR)
    if on_retry is not None:
        on_retry(len(late), longer.seconds_per_page)
    for number in late:
        try:
            out[number] = read_page_by_ocr(path, number, longer)
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as error:
            log.info("OCR of page %d of %s failed again: %s", number, path.name, error)
    return out


def _is_timeout(error: Exception) -> bool:
    # pdftoppm's limit raises TimeoutExpired; pytesseract's says so in a RuntimeError.
    return isinstance(error, subprocess.TimeoutExpired) or (
        isinstance(error, RuntimeError) and "timeout" in str(error).lower()
    )


# A word this many times taller than its line's median is not type (see `_layout_line`).
OUTLIER_HEIGHT = 2.2


def _assemble(data: dict[str, list[object]], dpi: int, page_height: int) -> OcrPage:
    # Tesseract gives one row per word with its block, paragraph and line, and the word's box
    # in pixels; rebuild the lines, and how big and how high on the page each one is.
    lines: dict[tuple[int, int, int], list[str]] = {}
    boxes: dict[tuple[int, int, int], list[tuple[int, int]]] = {}
    sure: dict[tuple[int, int, int], list[float]] = {}
    confidences: list[float] = []
    for i, word in enumerate(data.get("text", [])):
        text = str(word).strip()
        confidence = float(str(data["conf"][i]))
        if not text or confidence < 0:
            continue
        key = (
            int(str(data["block_num"][i])),
            int(str(data["par_num"][i])),
            int(str(data["line_num"][i])),
        )
        lines.setdefault(key, []).append(text)
        boxes.setdefault(key, []).append((int(str(data["top"][i])), int(str(data["height"][i]))))
        sure.setdefault(key, []).append(confidence)
        confidences.append(confidence)
    paragraphs: list[str] = []
    last: tuple[int, int] | None = None
    for key in sorted(lines):
        line = " ".join(lines[key])
        if last == key[:2] and paragraphs:
            paragraphs[-1] += "\n" + line
        else:
            paragraphs.append(line)
        last = key[:2]
    mean = sum(confidences) / len(confidences) if confidences else 0.0
    # Only lines Tesseract is sure of: on a map or a chart it reads shapes as short "words"
    # ("0.6 eee Pe kc 4"), some of them large, which must never become a title.
    laid_out = tuple(
        _layout_line(" ".join(lines[key]), boxes[key], dpi, page_height)
        for key in sorted(lines)
        if sum(sure[key]) / len(sure[key]) >= LAYOUT_CONFIDENCE
    )
    return OcrPage("\n\n".join(paragraphs), round(mean, 1), laid_out)


def _layout_line(text: str, boxes: list[tuple[int, int]], dpi: int, page_height: int) -> LayoutLine:
    """A line read off a picture as the title finder reads a text page's lines: its type size
    in points from its tallest word (a line's words share a size; the tallest holds both a
    capital and a descender, nearest the type's full height), its top as a share of the page.
    A word whose box is more than `OUTLIER_HEIGHT` times the line's median is passed over: on
    a chart, Tesseract joins a legend's word to the bar beside it ("free" 28 pixels high in a
    line of 11), which made a legend the largest type on its page and the document's title.
    (Type's full height is about twice a word without ascenders or descenders, so a real word
    stays.)"""
    top = min(box[0] for box in boxes)
    heights = sorted(box[1] for box in boxes)
    median = heights[len(heights) // 2]
    tallest = max(h for h in heights if h <= OUTLIER_HEIGHT * median)
    return LayoutLine(text, float(round(tallest * 72 / dpi)), top / max(page_height, 1))
