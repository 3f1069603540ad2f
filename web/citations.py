"""Citations: a document as a Harvard reference, RIS and BibTeX records, and search results as
CSV. Pure functions over `Reference`, so every format can be checked by parsing it back."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

from search.catalogue import DocumentRecord
from search.evidence.places import default_gazetteer
from search.pagetext import known_authors
from search.retrieval.passages import Passage
from web.kinds import label_kind
from web.views import document_url, file_media_type, file_url, is_web_link, page_url, sections_of

__all__ = [
    "CSV_COLUMNS",
    "RIS_TYPES",
    "Harvard",
    "Reference",
    "bibtex",
    "bibtex_entry",
    "citation_key",
    "clean_url",
    "csv_table",
    "harvard",
    "in_text",
    "reference_for",
    "ris",
    "ris_record",
    "tex",
]


@dataclass(frozen=True)
class Reference:
    """What a citation needs to know about a document; every link is absolute."""

    doc_id: str
    title: str
    authors: tuple[str, ...]
    organisation: str
    year: int | None
    kind: str
    source_url: str
    link: str
    pdf_url: str
    # A Word file's or web page's section headings: it is cited by section, not by page.
    sections: tuple[str, ...] = ()
    # What `pdf_url` serves: the original file, which is a PDF unless it was uploaded as a
    # Word file or a web page.
    file_type: str = "application/pdf"

    @property
    def url(self) -> str:
        """Where readers should go: the publisher's copy if known, else ours."""
        return self.source_url or self.link


def reference_for(record: DocumentRecord, base_url: str) -> Reference:
    base = base_url.rstrip("/")
    meta = record.meta
    return Reference(
        doc_id=record.doc_id,
        title=_clean(meta.title) or record.file_name,
        authors=tuple(_clean(a) for a in known_authors(meta.authors)),
        organisation=_clean(meta.organisation),
        year=meta.year,
        kind=label_kind(_clean(meta.kind)),
        source_url=clean_url(meta.url) if is_web_link(meta.url) else "",
        link=base + document_url(record.doc_id),
        pdf_url=base + file_url(record.doc_id),
        sections=tuple(sections_of(record)),
        file_type=file_media_type(Path(record.path).name),
    )


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_AND = re.compile(r"\band\b", re.IGNORECASE)


def _clean(text: str) -> str:
    """One line of text: control characters and runs of spaces become single spaces."""
    return " ".join(_CONTROL.sub(" ", text).split())


# Characters a URL may keep as they are; spaces, braces and backslashes are %-escaped, which
# keeps every format (RIS lines, BibTeX braces, XML) safe and the link still works.
_URL_SAFE = ":/?#[]@!$&'()*+,;=%~-._"


def clean_url(url: str) -> str:
    return quote(_clean(url), safe=_URL_SAFE)


def _join_names(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# Words that make a name a body, not a person ("Kent Analytics", "Public Health Team").
_BODY_WORDS = frozenset(
    """academy agency alliance analytics association authority bank board borough branch
    bureau care centre center charity clinic college commission committee company council
    county department directorate district division england executive faculty forum foundation
    fund government group health hospital hub information institute institution intelligence
    lab laboratory league library limited ltd management ministry network nhs observatory
    office organisation organization panel partnership practice press programme project
    public research review school secretariat service services society statistics surgery
    survey team trust unit university wales world""".split()  # noqa: SIM905 (a word list)
)
# Lower-case words that sit inside a person's surname ("Ludwig van Beethoven").
_PARTICLES = frozenset({"van", "von", "de", "der", "den", "da", "di", "du", "le", "la", "del"})
# A capitalised name: "Sarah", "O'Neill", "McDonald", "Mary-Jane".
_NAME_WORD = re.compile(r"^[A-Z](?:[a-z]+|['’][A-Z][a-z]+)(?:[A-Z][a-z]+)?(?:[-'’][A-Z]?[a-z]+)*$")
_INITIAL = re.compile(r"^[A-Z]\.?$")
# What a file's author field adds after a person's name: a department's code ("Carol Cook -
# ST SPRCA") or a body in brackets ("BUCK, David (SUSSEX NHS COMMISSIONERS)").
_TRAILER = re.compile(r"\s+(?:[-–]\s+[A-Z0-9][A-Z0-9 ]*|\([^()]*\))$")
_INITIALS = re.compile(r"^[A-Z]{1,3}$")


def person_parts(name: str) -> tuple[str, str] | None:
    """(surname, given names) when `name` is a person's, written "Surname, Given", "Given
    Surname" ("Sarah Pritchard", "John A. Smith") or with initials after ("Kerman N",
    "Marshall CA"); None for a body ("Public Health Team", "West Sussex County Council") or
    anything it cannot tell. A body named like a person ("Kent Analytics") is not one: a body's
    word or a place's name rules it out."""
    name = _TRAILER.sub("", " ".join(name.split()))
    if "," in name:
        if _AND.search(name):
            return None
        surname, given = (part.strip() for part in name.split(",", 1))
        return (surname, given) if surname else None
    words = name.split(" ")
    if not 2 <= len(words) <= 4 or any(w.casefold().strip(".") in _BODY_WORDS for w in words):
        return None
    if _names_a_place(name):
        return None
    if _INITIALS.match(words[-1]) and all(_NAME_WORD.match(w) for w in words[:-1]):
        return " ".join(words[:-1]), words[-1]  # Vancouver style: Kerman N
    given, rest = words[0], words[1:]
    surname_at = next((i for i, w in enumerate(rest) if w in _PARTICLES), len(rest) - 1)
    middle, last = rest[:surname_at], rest[surname_at:]
    is_name = (
        _NAME_WORD.match(given)
        and all(_NAME_WORD.match(w) or _INITIAL.match(w) for w in middle)
        and all(_NAME_WORD.match(w) or w in _PARTICLES for w in last)
        and _NAME_WORD.match(last[-1])
    )
    if not is_name:
        return None
    return " ".join(last), " ".join([given, *middle])


def _names_a_place(name: str) -> bool:
    return bool(default_gazetteer().mentions(name))


def _is_person(name: str) -> bool:
    return person_parts(name) is not None


def _surname(name: str) -> str:
    parts = person_parts(name)
    return parts[0] if parts else name


def _inverted(name: str) -> str:
    """A person as reference managers file them ("Pritchard, Sarah"); a body as written."""
    parts = person_parts(name)
    if parts is None:
        return name
    surname, given = parts
    return f"{surname}, {given}" if given else surname


def _harvard_name(name: str) -> str:
    """A person's given names become initials (Smith, J.A.); other names stay as they are."""
    parts = person_parts(name)
    if parts is None:
        return name
    surname, given = parts
    if given.isupper() and " " not in given and "." not in given:  # Vancouver initials: CA
        initials = "".join(letter + "." for letter in given)
    else:
        initials = "".join(word[0] + "." for word in given.replace(".", " ").split())
    return f"{surname}, {initials}" if initials else surname


def _author(ref: Reference) -> str:
    if ref.authors:
        return _join_names([_harvard_name(a) for a in ref.authors])
    return ref.organisation


def _year(ref: Reference) -> str:
    return str(ref.year) if ref.year else "no date"


# Harvard ---------------------------------------------------------------------


@dataclass(frozen=True)
class Harvard:
    """A Harvard reference in three parts, so a page can set the title in italics."""

    before_title: str
    title: str
    after_title: str

    @property
    def text(self) -> str:
        return self.before_title + self.title + self.after_title


def harvard(ref: Reference, accessed: date) -> Harvard:
    """Author (Year) *Title*. Publisher. Available at: URL (Accessed: 1 May 2025)."""
    author = _author(ref)
    title_end = "" if ref.title.endswith((".", "?", "!")) else "."
    publisher = f" {ref.organisation}." if ref.authors and ref.organisation else ""
    available = f" Available at: {ref.url} (Accessed: {accessed.day} {accessed:%B %Y})."
    if author:
        return Harvard(f"{author} ({_year(ref)}) ", ref.title, title_end + publisher + available)
    return Harvard("", ref.title, f" ({_year(ref)})." + available)


def in_text(ref: Reference, page: int | None = None) -> str:
    """The short form for the body of a report: (Author, Year, p. N)."""
    surnames = [_surname(a) for a in ref.authors]
    if len(surnames) > 2:
        author = f"{surnames[0]} et al."
    else:
        author = " and ".join(surnames) or ref.organisation or ref.title
    where = f", p. {page}" if page else ""
    return f"({author}, {_year(ref)}{where})"


# RIS -------------------------------------------------------------------------

RIS_TYPES = {"journal article": "JOUR", "article": "JOUR", "academic paper": "JOUR"}


def _ris_line(tag: str, value: str) -> str:
    # RIS is line-based: a value must not contain a line break.
    return f"{tag}  - {_clean(value)}"


def ris_record(ref: Reference) -> str:
    lines = [_ris_line("TY", RIS_TYPES.get(ref.kind.casefold(), "RPRT"))]
    lines.append(_ris_line("ID", ref.doc_id))
    lines.append(_ris_line("TI", ref.title))
    lines += [_ris_line("AU", _inverted(author)) for author in ref.authors]
    if ref.year:
        lines.append(_ris_line("PY", str(ref.year)))
    if ref.organisation:
        lines.append(_ris_line("PB", ref.organisation))
    if ref.kind:
        lines.append(_ris_line("M3", ref.kind))
    lines.append(_ris_line("UR", ref.url))
    lines.append(_ris_line("L1", ref.pdf_url))
    if ref.source_url:
        lines.append(_ris_line("N1", f"Also in Evidence Finder: {ref.link}"))
    lines.append("ER  - ")
    return "\r\n".join(lines) + "\r\n"


def ris(refs: Iterable[Reference]) -> str:
    """Records separated by blank lines, as reference managers expect."""
    return "\r\n".join(ris_record(ref) for ref in refs)


# BibTeX ----------------------------------------------------------------------

_TEX_SPECIAL = str.maketrans(
    {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "&": r"\&",
        "%": r"\%",
        "$": r"\$",
        "#": r"\#",
        "_": r"\_",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
)


def tex(text: str) -> str:
    """Text safe inside a braced BibTeX field: LaTeX's special characters escaped."""
    return _clean(text).translate(_TEX_SPECIAL)


def _tex_name(name: str) -> str:
    # A person goes in as "Surname, Given", which BibTeX parses; anything else is kept whole
    # in braces, so "Public Health Team" is not read as a person called Team.
    if _is_person(name):
        return tex(_inverted(name))
    return "{" + tex(name) + "}"


def citation_key(ref: Reference) -> str:
    """A readable key like `leicestershire2023cold`: first author word, year, first title word."""

    def first_word(text: str, skip: frozenset[str] = frozenset()) -> str:
        plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
        words = [w for w in re.findall(r"[a-z0-9]+", plain) if w not in skip]
        return words[0] if words else ""

    author = first_word(_author(ref), frozenset({"the"}))
    title = first_word(ref.title, frozenset({"a", "an", "the", "of", "and", "in", "on"}))
    return f"{author}{ref.year or ''}{title}" or "document"


def bibtex_entry(ref: Reference, key: str) -> str:
    # A paper is an article, as RIS types it (JOUR); a report's publisher is its
    # "institution"; with no publisher it is just a document.
    is_article = ref.kind.casefold() in RIS_TYPES
    entry_type = "article" if is_article else "techreport" if ref.organisation else "misc"
    fields: list[tuple[str, str]] = [("title", "{" + tex(ref.title) + "}")]
    if ref.authors:
        fields.append(("author", " and ".join(_tex_name(a) for a in ref.authors)))
    elif ref.organisation:
        fields.append(("author", "{" + tex(ref.organisation) + "}"))
    if ref.organisation:
        fields.append(("publisher" if is_article else "institution", tex(ref.organisation)))
    if ref.year:
        fields.append(("year", str(ref.year)))
    if ref.kind and entry_type == "techreport":
        fields.append(("type", tex(ref.kind)))
    fields.append(("url", clean_url(ref.url)))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{key},\n{body}\n}}\n"


def bibtex(refs: Iterable[Reference]) -> str:
    """Entries with keys made unique by a letter: smith2020damp, smith2020dampb, …"""
    used: set[str] = set()
    entries = []
    for ref in refs:
        base = key = citation_key(ref)
        suffix = ord("b")
        while key in used:
            key = base + (chr(suffix) if suffix <= ord("z") else str(suffix))
            suffix += 1
        used.add(key)
        entries.append(bibtex_entry(ref, key))
    return "\n".join(entries)


# CSV -------------------------------------------------------------------------

CSV_COLUMNS = (
    "Rank",
    "Match",
    "Title",
    "Organisation",
    "Year",
    "Type",
    "Authors",
    "Best page",
    "Best passage",
    "Best page in the PDF",
    "Best page as text",
    "Document page",
    "Source",
)
# A cell starting with one of these is run as a formula by spreadsheet programs.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: str) -> str:
    value = _clean(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


# How the results page says how well a document answers the search.
MATCH_WORDS = {"strong": "Strong match", "weak": "Weak match"}


def csv_table(rows: Iterable[tuple[Reference, Passage | None, str]], base_url: str) -> str:
    """One row per document (its reference, best passage and strength, "strong" or "weak"); a
    byte-order mark first so Excel reads it as UTF-8."""
    base = base_url.rstrip("/")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for rank, (ref, passage, strength) in enumerate(rows, start=1):
        page = passage.cited_page if passage else None
        # A Word file or web page has sections where a PDF has pages, and no page to open at.
        where: str | int = f"section {page}" if page and ref.sections else page or ""
        in_file = base + file_url(ref.doc_id, page) if page and not ref.sections else ""
        writer.writerow(
            [
                rank,
                MATCH_WORDS.get(strength, ""),
                _cell(ref.title),
                _cell(ref.organisation),
                ref.year or "",
                _cell(ref.kind),
                _cell("; ".join(ref.authors)),
                where,
                _cell(passage.text) if passage else "",
                in_file,
                base + page_url(ref.doc_id, page) if page else "",
                ref.link,
                ref.source_url,
            ]
        )
    return "\ufeff" + out.getvalue()
