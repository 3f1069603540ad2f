"""Works out a document's title, organisation, year, kind and authors from the best source."""

from __future__ import annotations

import csv
import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

from search.schema import ACCESS_LEVELS, ALL_ACCESS, DocumentMeta

log = logging.getLogger(__name__)

MANIFEST_NAME = "manifest.csv"

# Column names other manifests use for the same thing.
_ALIASES = {
    "organisation": ("organisation", "organization", "publisher", "publisher_or_authors"),
    "title": ("title",),
    "year": ("year",),
    "kind": ("kind", "type"),
    "authors": ("authors", "author"),
    "url": ("url", "source_url", "link"),
    "access": ("access", "access_level"),
}

# The fields an admin may correct in the browser; corrections win over every other source.
CORRECTABLE = ("title", "organisation", "year", "kind", "access")


# Names PDF tools write when nobody set an author.
_PLACEHOLDER_AUTHORS = {"anonymous", "unknown", "user", "admin", "administrator", "author", "owner"}


def _pick(row: dict[str, str], field: str) -> str:
    for name in _ALIASES[field]:
        value = (row.get(name) or "").strip()
        if value:
            return value
    return ""


def _year(text: str) -> int | None:
    match = re.search(r"\b(19[5-9]\d|20\d\d)\b", text)
    return int(match.group()) if match else None


def read_manifest(folder: Path) -> dict[str, DocumentMeta]:
    """Metadata rows keyed by file name; an absent or unreadable manifest gives none."""
    path = folder / MANIFEST_NAME
    if not path.is_file():
        return {}
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        log.warning("ignoring %s: %s", path, error)
        return {}
    out: dict[str, DocumentMeta] = {}
    for row in rows:
        name = (row.get("file") or row.get("filename") or "").strip()
        if not name:
            continue
        authors = [a.strip() for a in re.split(r";|\|", _pick(row, "authors")) if a.strip()]
        out[name] = DocumentMeta(
            title=_pick(row, "title"),
            organisation=_pick(row, "organisation"),
            year=_year(_pick(row, "year")),
            kind=_pick(row, "kind").replace("_", " "),
            authors=authors,
            url=_pick(row, "url"),
            access=_manifest_access(_pick(row, "access"), path, name),
        )
    return out


def _manifest_access(value: str, path: Path, name: str) -> str:
    """A manifest's level, or '' (use the folder's default) when blank or not a level."""
    level = value.strip().lower()
    if level and level not in ACCESS_LEVELS:
        # The safe side: an unknown word never makes a file public by accident.
        log.warning("%s: %s has access %r; treating it as internal", path, name, value)
        return "internal"
    return level


def _title_from_first_page(first_page: str) -> str:
    for line in first_page.splitlines():
        line = line.strip()
        if 8 <= len(line) <= 200 and sum(c.isalpha() for c in line) > len(line) / 2:
            return line
    return ""


def _title_from_file(path: Path) -> str:
    stem = re.sub(r"[_\-]+", " ", path.stem).strip()
    return stem[:1].upper() + stem[1:]


def resolve_metadata(
    path: Path,
    manifest_row: DocumentMeta | None,
    info_title: str,
    info_author: str,
    info_year: int | None,
    first_page: str,
) -> DocumentMeta:
    """Manifest first, then the PDF's own info, then the first page, then the file name."""
    row = manifest_row or DocumentMeta(title="")
    bad_info_title = (
        not info_title
        or info_title.lower() in {"untitled", "microsoft word"}
        or (info_title.lower().endswith((".doc", ".docx", ".pdf")))
    )
    title = row.title or ("" if bad_info_title else info_title)
    title = title or _title_from_first_page(first_page) or _title_from_file(path)
    placeholder = info_author.strip().lower() in _PLACEHOLDER_AUTHORS
    authors = row.authors or ([info_author] if info_author and not placeholder else [])
    year = row.year or info_year or _year(first_page[:2000])
    return DocumentMeta(
        title=title,
        organisation=row.organisation,
        year=year,
        kind=row.kind,
        authors=authors,
        url=row.url,
        access=row.access if manifest_row else "",
    )


def apply_access_and_corrections(
    meta: DocumentMeta, folder_level: str, correction: dict[str, Any]
) -> DocumentMeta:
    """Fill in the folder's level when no manifest gave one, then apply an admin's corrections."""
    meta = replace(meta, access=meta.access or folder_level)
    fixes = {k: v for k, v in correction.items() if k in CORRECTABLE}
    if fixes.get("access") not in (None, *ALL_ACCESS):
        fixes.pop("access")
    return replace(meta, **fixes)
