"""Scores metadata read from documents alone against a manifest that gives the true values.

The files are split in two halves by a fixed rule chosen before looking at them: sorted by file
name, even positions are the development half and odd positions the held-out half."""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from ingest.metadata import metadata_of
from ingest.ocr import OcrOptions, OcrPage, is_ocr_available, read_pages_by_ocr
from ingest.pdf import UnreadablePdf, read_pdf
from search.schema import DocumentMeta

__all__ = [
    "FIELDS",
    "OCR_PAGES",
    "Scored",
    "evaluate_metadata",
    "is_organisation_right",
    "is_title_right",
    "score_file",
    "split_half",
    "summarise",
    "words_of",
]

OCR_PAGES = 5
FIELDS = ("title", "organisation", "year", "kind", "kind filled")
_KINDS = {
    "council_report": "council report",
    "gov_report": "government report",
    "academic_paper": "academic paper",
    "other": "other",
}
_STOP = {"the", "of", "and", "a", "an", "in", "for", "to", "on", "with", "by", "at", "from", "&"}


@dataclass(frozen=True)
class Scored:
    """One file's guess, the truth, and which fields were right."""

    file: str
    half: str
    guess: DocumentMeta
    truth: dict[str, str]
    right: dict[str, bool]


def split_half(names: list[str], half: str) -> list[str]:
    """'dev' is every even position of the sorted names, 'held-out' every odd one."""
    ordered = sorted(names)
    return ordered[0::2] if half == "dev" else ordered[1::2]


def words_of(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOP}


def is_title_right(guess: str, truth: str) -> bool:
    """Word overlap (Dice) of at least a half between the guessed and the true title."""
    a, b = words_of(guess), words_of(truth)
    return bool(a and b) and 2 * len(a & b) / (len(a) + len(b)) >= 0.5


def is_organisation_right(guess: str, truth: str) -> bool:
    """Half the words of the truth's main name (before ' - ', '(' or '/') are in the guess, or
    every word of a two-word-or-longer guess is in the truth, or (for a paper credited to its
    authors, "Kerman N, Marshall CA") the guess is a person with the first author's surname."""
    main = re.split(r" - | \(|/| for ", truth)[0]
    head = words_of(main)
    said = words_of(guess)
    if not said or not head:
        return False
    first_author = re.match(r"([A-Z][a-z]+(?:-[A-Z][a-z]+)?) [A-Z]{1,3}\b", main)
    if first_author and guess.split()[-1].lower() == first_author.group(1).lower():
        return True
    return len(head & said) / len(head) >= 0.5 or (len(said) >= 2 and said <= words_of(truth))


def score_file(folder: Path, row: dict[str, str], half: str) -> Scored:
    path = folder / row["file"]
    try:
        # Scanned pages are read by OCR, as the ingest does, when Tesseract is installed.
        scans = None
        if is_ocr_available():

            def scans(numbers: list[int]) -> dict[int, OcrPage]:
                return read_pages_by_ocr(path, numbers[:OCR_PAGES], OcrOptions())

        parsed = read_pdf(path, read_scans=scans)
        guess = metadata_of(path, parsed, None)
    except UnreadablePdf:
        guess = DocumentMeta(title="")
    kind = _KINDS.get(row["kind"], row["kind"])
    right = {
        "title": is_title_right(guess.title, row["title"]),
        "organisation": is_organisation_right(guess.organisation, row["publisher_or_authors"]),
        "year": str(guess.year) == row["year"].strip(),
        "kind": guess.kind == kind,
        "kind filled": bool(guess.kind),
    }
    return Scored(row["file"], half, guess, row, right)


def evaluate_metadata(folder: Path, half: str) -> list[Scored]:
    """Every file of one half, read without its manifest and scored against it."""
    with (folder / "manifest.csv").open(newline="", encoding="utf-8-sig") as handle:
        rows = {row["file"]: row for row in csv.DictReader(handle)}
    chosen = split_half(list(rows), half)
    return [score_file(folder, rows[name], half) for name in chosen if (folder / name).is_file()]


def summarise(scored: list[Scored]) -> dict[str, float]:
    """Share right per field."""
    if not scored:
        return {name: 0.0 for name in FIELDS}
    return {name: sum(s.right[name] for s in scored) / len(scored) for name in FIELDS}
