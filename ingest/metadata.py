"""Works out a document's title, organisation, year, kind and authors from the best source."""

from __future__ import annotations

import csv
import logging
import re
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ingest.dating import find_year
from ingest.describing import ACADEMIC, OTHER, find_kind, find_organisation
from ingest.layout import LayoutLine, find_byline, find_subject, pick_title
from search.pagetext import author_name, is_placeholder_author
from search.schema import ACCESS_LEVELS, ALL_ACCESS, DocumentMeta

if TYPE_CHECKING:
    from ingest.pdf import PdfText

__all__ = [
    "CORRECTABLE",
    "MANIFEST_NAME",
    "apply_access_and_corrections",
    "apply_correction",
    "metadata_of",
    "read_manifest",
    "resolve_metadata",
]

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
CORRECTABLE = ("title", "organisation", "year", "kind", "authors", "access")


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
        organisation, named = split_credited_names(_pick(row, "organisation"))
        out[name] = DocumentMeta(
            title=_pick(row, "title"),
            organisation=organisation,
            year=_year(_pick(row, "year")),
            kind=_pick(row, "kind").replace("_", " "),
            authors=authors or named,
            url=_pick(row, "url"),
            access=_manifest_access(_pick(row, "access"), path, name),
        )
    return out


# People a manifest's publisher column names after the body, in brackets: "West Sussex County
# Council (West Sussex JSNA) (C. Wells)", "West Sussex Research Unit (J. Clay, R. Maconachie)".
_INITIALLED = r"(?:[A-Z]\.\s*)+[A-Z][a-z]+(?:[-'][A-Za-z]+)*"
# (No space before the bracket in the pattern: searched for, a leading "\s*" was tried again
# from every space of a long run, 9 s for 80,000; the body is stripped after the cut anyway.)
_CREDITED_NAMES = re.compile(rf"\(({_INITIALLED}(?:,\s*{_INITIALLED})*)\)\s*$")


def split_credited_names(organisation: str) -> tuple[str, list[str]]:
    """A manifest's organisation without the people named after it in brackets, and those
    people: the body is what the organisation filter groups by, the people are the authors."""
    found = _CREDITED_NAMES.search(organisation)
    if not found or not organisation[: found.start()].strip():
        return organisation, []
    names = [n.strip() for n in found.group(1).split(",")]
    return organisation[: found.start()].strip(), names


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


_BAD_INFO_TITLE = re.compile(
    r"^(untitled|microsoft word|document\d*|slide \d+|presentation\d*)$|\.(docx?|pdf|pptx?)$"
    r"|^microsoft (word|powerpoint) - |template|^\(public pack\)|^powerpoint|^(array|hash)\(0x",
    re.IGNORECASE,
)


# A Word file saved as PDF names itself "Microsoft Word - report name.doc": the name is useful.
_SAVED_FROM = re.compile(r"^microsoft (word|powerpoint|excel) - |\.(docx?|pptx?|xlsx?|rtf)$", re.I)


def _clean_info_title(title: str) -> str:
    return _SAVED_FROM.sub("", title.strip()).strip()


# Pages where a document names its authors: a cover, a title page and its credits, or the last
# pages (a book's, a paper's "about the authors").
_FIRST_CREDIT_PAGES = 3
_LAST_CREDIT_PAGES = 2


def _credit_pages(pages: list[str]) -> list[str]:
    first = pages[:_FIRST_CREDIT_PAGES]
    return first + pages[max(len(first), len(pages) - _LAST_CREDIT_PAGES) :]


def is_named_in(name: str, pages: list[str]) -> bool:
    """Whether every word of a name (a team code aside) is a word of those pages, in any order
    ("Williams Luke" where a page says "Luke Williams")."""
    words = set(re.findall(r"[^\W\d_]{2,}", author_name(name).casefold()))
    if not words:
        return False
    text = set(re.findall(r"[^\W\d_]{2,}", " ".join(pages).casefold()))
    return words <= text


def _is_name(text: str) -> bool:
    # A person ("Dana Patel"), not a staff account with its team code ("Patel, Dana - ST F").
    words = text.split()
    return 2 <= len(words) <= 6 and not any(ch.isdigit() for ch in text) and " - " not in text


def _is_body_only(lines: list[LayoutLine]) -> bool:
    sizes = {round(line.size) for line in lines if len(line.text) > 3}
    return len(sizes) <= 1


def _is_good_title(title: str) -> bool:
    letters = sum(ch.isalpha() for ch in title)
    return letters >= 4 and len(title.split()) >= 1 and not _BAD_INFO_TITLE.search(title.strip())


def metadata_of(
    path: Path,
    parsed: PdfText,
    manifest_row: DocumentMeta | None,
    correction: dict[str, object] | None = None,
) -> DocumentMeta:
    """A read file's metadata (see resolve_metadata), from what reading it gave: the one way
    ingest, the metadata bench and the parse tools ask."""
    first_text = next((page for page in parsed.pages if page), "")
    return resolve_metadata(
        path,
        manifest_row,
        parsed.title,
        parsed.author,
        parsed.year,
        first_text,
        pages=parsed.pages,
        lines=parsed.first_lines,
        correction=correction,
    )


def resolve_metadata(
    path: Path,
    manifest_row: DocumentMeta | None,
    info_title: str,
    info_author: str,
    info_year: int | None,
    first_page: str,
    *,
    pages: list[str] | None = None,
    lines: list[LayoutLine] | None = None,
    correction: dict[str, object] | None = None,
) -> DocumentMeta:
    """An admin's correction first, then the manifest, then what the document says about itself
    (its first page's layout, publisher lines, stated dates), then its file info and name."""
    row = manifest_row or DocumentMeta(title="")
    pages = pages if pages is not None else [first_page]
    lines = lines or []
    title = row.title or pick_title(lines)
    # A first page all in body type has no title to see; the file's own title is better then.
    is_plain = not row.title and _is_body_only(lines) and not find_subject(lines)
    if not _is_good_title(title) or is_plain:
        info_title = _clean_info_title(info_title)
        title = info_title if _is_good_title(info_title) else title
    title = title or _title_from_first_page(first_page) or _title_from_file(path)
    placeholder = is_placeholder_author(info_author) or not _is_good_title(info_author)
    # The file's author field is often the account that saved it ("Williams Luke" on a Health
    # Education England report): credited only when the document names them where authors are
    # named, in its first or last pages.
    named = info_author and not placeholder and is_named_in(info_author, _credit_pages(pages))
    credited = row.authors or ([info_author] if named else [])
    # A directory's team code goes ("Mike Gogarty - CED SC"); the name stays.
    authors = row.authors or [author_name(a) for a in credited]
    organisation, organisation_kind = find_organisation(pages, lines, info_author, title)
    kind = row.kind or find_kind(pages, organisation_kind, title)
    # With no body named, a paper or a book comes from the person who wrote it.
    # (A name with a team code is a staff account's: its document is the body's, not theirs.)
    if not organisation and credited and kind in (ACADEMIC, OTHER) and _is_name(credited[0]):
        organisation = authors[0]
    if not organisation and kind in (ACADEMIC, OTHER):
        organisation = find_byline(lines, title)
    year = row.year or find_year(pages, lines, title, info_year, time.gmtime().tm_year, path.name)
    meta = DocumentMeta(
        title=title,
        organisation=row.organisation or organisation,
        year=year,
        kind=kind,
        authors=authors,
        url=row.url,
        access=row.access if manifest_row else "",
    )
    return apply_correction(meta, correction)


_CORRECTABLE = {"title", "organisation", "year", "kind", "authors", "url"}


def apply_correction(meta: DocumentMeta, correction: dict[str, object] | None) -> DocumentMeta:
    """Fields an admin set by hand win over everything read from the file or its manifest."""
    if not correction:
        return meta
    changes: dict[str, object] = {}
    for name, value in correction.items():
        if name not in _CORRECTABLE:
            continue
        if name == "year":
            changes[name] = value if isinstance(value, int) or value is None else meta.year
        elif name == "authors":
            changes[name] = [str(a) for a in value] if isinstance(value, list) else meta.authors
        elif isinstance(value, str):
            changes[name] = value
    return replace(meta, **changes)  # type: ignore[arg-type]


def apply_access_and_corrections(
    meta: DocumentMeta, folder_level: str, correction: dict[str, Any]
) -> DocumentMeta:
    """Fill in the folder's level when no manifest gave one, then apply an admin's corrections."""
    meta = replace(meta, access=meta.access or folder_level)
    fixes = {k: v for k, v in correction.items() if k in CORRECTABLE}
    if fixes.get("access") not in (None, *ALL_ACCESS):
        fixes.pop("access")
    authors = fixes.get("authors")
    if authors is not None:
        fixes["authors"] = [str(a) for a in authors] if isinstance(authors, list) else meta.authors
    return replace(meta, **fixes)
