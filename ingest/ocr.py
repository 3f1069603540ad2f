"""Reads scanned PDF pages with Tesseract: poppler's pdftoppm draws the page as a picture and
Tesseract reads the words off it. Runs inside the parse worker, under its limits."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MAX_PIXELS",
    "OcrOptions",
    "OcrPage",
    "is_ocr_available",
    "read_page_by_ocr",
    "read_pages_by_ocr",
]

log = logging.getLogger(__name__)

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
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(options.dpi),
                "-gray",
                "-png",
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
        picture = stem.with_suffix(".png")
        with Image.open(picture) as image:
            if image.width * image.height > MAX_PIXELS:
                raise OSError("page picture too large")
            data = pytesseract.image_to_data(
                image,
                lang=options.language,
                output_type=pytesseract.Output.DICT,
                timeout=options.seconds_per_page,
            )
    return _assemble(data)


def read_pages_by_ocr(
    path: Path, numbers: list[int], options: OcrOptions
) -> dict[int, tuple[str, float]]:
    """OCR text and confidence of each page that could be read; a page that fails is left out."""
    out: dict[int, tuple[str, float]] = {}
    for number in numbers:
        try:
            page = read_page_by_ocr(path, number, options)
        except (OSError, subprocess.SubprocessError, RuntimeError, ValueError) as error:
            log.info("OCR of page %d of %s failed: %s", number, path.name, error)
            continue
        out[number] = (page.text, page.confidence)
    return out


def _assemble(data: dict[str, list[object]]) -> OcrPage:
    # Tesseract gives one row per word with its block, paragraph and line; rebuild the lines.
    lines: dict[tuple[int, int, int], list[str]] = {}
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
    return OcrPage("\n\n".join(paragraphs), round(mean, 1))
