"""Reads what a document says about itself: who published it and what kind of paper it is
(when it came out is `ingest.dating`). Pure functions over text, so they are tested without
files."""

from __future__ import annotations

import logging
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

from ingest.layout import LayoutLine
from ingest.phrases import MAP_LICENCE

__all__ = [
    "ACADEMIC",
    "COUNCIL",
    "DEFAULT_ORGANISATIONS",
    "GOVERNMENT",
    "OTHER",
    "Organisation",
    "find_kind",
    "find_organisation",
    "load_organisations",
]

log = logging.getLogger(__name__)

# Package data, so a wheel install has it too.
DEFAULT_ORGANISATIONS = Path(__file__).resolve().parent / "data" / "organisations.yaml"

# The manifest's classes of document, as stored (underscores read as spaces).
COUNCIL = "council report"
GOVERNMENT = "government report"
ACADEMIC = "academic paper"
OTHER = "other"
_CLASS_KIND = {"council": COUNCIL, "government": GOVERNMENT, "academic": ACADEMIC, "other": OTHER}


@dataclass(frozen=True)
class Organisation:
    """One entry of the organisations gazetteer."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    by_name: bool = True


@lru_cache(maxsize=4)
def load_organisations(path: Path = DEFAULT_ORGANISATIONS) -> tuple[Organisation, ...]:
    """The gazetteer; a missing or broken file gives none (councils are still found by name)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        rows = data.get("organisations") or []
        return tuple(
            Organisation(
                name=str(row["name"]),
                kind=_CLASS_KIND.get(str(row.get("class", "other")), OTHER),
                aliases=tuple(str(a) for a in row.get("aliases") or ()),
                domains=tuple(str(d).lower() for d in row.get("domains") or ()),
                by_name=bool(row.get("by_name", True)),
            )
            for row in rows
            if isinstance(row, dict) and row.get("name")
        )
    except (OSError, yaml.YAMLError, AttributeError, KeyError, TypeError) as error:
        log.warning("organisations gazetteer %s not read: %s", path, error)
        return ()


# --- organisation ----------------------------------------------------------------------------

_COUNCIL_NAME = re.compile(
    r"\b((?:[A-Z][a-z]+|&|and|of|upon|on|the)(?:[ -](?:[A-Z][a-z]+|&|and|upon|on|the)){0,4})"
    r" (County|City|Borough|District|Metropolitan Borough|Town|Parish) Council\b"
)
_COUNCIL_CAPS = re.compile(
    r"\b([A-Z]{3,}(?: [A-Z]{3,}){0,3}) (COUNTY|CITY|BOROUGH|DISTRICT) COUNCIL\b"
)
# NHS bodies not in the gazetteer, by the shape of their names.
_NHS_BODY = re.compile(
    r"\bNHS(?:,? (?:[A-Z][a-z]+|and|&|of)){1,8}"
    r" (?:Integrated Care Board|Clinical Commissioning Group|ICB|CCG)\b"
    r"|\b(?:[A-Z][a-z]+|and|&|of|the)(?: (?:[A-Z][a-z]+|and|&|of|the)){0,6}"
    r" NHS (?:Foundation )?Trust\b"
)
_SELF_STATEMENT = re.compile(
    r"(?:(?:produced|published|prepared|written|compiled|drafted|issued)\s+by|on\s+behalf\s+of"
    r"|(?:a\s+)?(?:report|briefing|paper|publication)\s+(?:by|from)|^[ \t]*(?:publisher|from)\s*:)"
    r"\s*(?:the\s+)?([A-Z][^\n.,;:()]{3,90})"
    r"|©\s*(?:crown copyright\s*)?(?:(?:19|20)\d\d\s*)?(?:the\s+)?([A-Z][^\n.,;:()]{3,80})",
    re.IGNORECASE | re.MULTILINE,
)
# Any web or e-mail address: a gazetteer body's may end in .org, .scot or .wales as well as .uk.
_DOMAIN = re.compile(
    r"(?<![\w.-])(?:https?://|www\.|[\w.-]*@)?((?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,})\b"
)
# Crown copyright marks a government publication; a map's licence line ("© Crown copyright and
# database rights 2023 Ordnance Survey") only dates and credits the map (as in ingest.dating).
_CROWN = re.compile(
    rf"©\s*(?!{MAP_LICENCE})crown copyright|crown copyright\s*(19|20)\d\d"
    r"|by command of (her|his) majesty",
    re.I,
)
# A line crediting the data a chart or table shows: "Source: Office for National Statistics".
_SOURCE_LINE = re.compile(r"^[ \t]*(?:data\s+)?sources?\s*(?:of\s+data\s*)?:[^\n]*", re.I | re.M)
_NOT_ORGANISATION = re.compile(r"^(the authors?|author|crown copyright|\d)", re.IGNORECASE)
_WEAK_WORDS = {"the", "and", "of", "for", "in", "&"}


def find_organisation(
    pages: list[str], lines: list[LayoutLine], said_by: str = "", title: str = ""
) -> tuple[str, str]:
    """The organisation a document comes from, and its class of document ('' when unsure).

    Signals, strongest first: a paper the law gives to one body (a joint health and wellbeing
    strategy or a pharmaceutical needs assessment is its Health and Wellbeing Board's), the
    file's author field naming a known body ("DESNZ", "PHE"), the document saying who made it
    ("Produced by …", "© … Council"), a council or known body named on the first page, web and
    e-mail addresses."""
    known = load_organisations()
    early = "\n".join(pages[:3])[:30_000]
    # The law decides whose these are, whoever's name and address the pages carry most.
    for board in _statutory_owner(title, lines, early):
        return board
    votes: Counter[str] = Counter()
    kinds: dict[str, str] = {}

    def vote(found: list[tuple[str, str]], weight: int) -> None:
        # Each name counts once per signal: a data source cited on every page is not the author.
        for name, kind in dict(found).items():
            votes[name] += weight
            kinds[name] = kind

    first = "\n".join(line.text for line in lines) or (pages[0] if pages else "")
    # A body named only as the source of the data ("Source: ONS") did not publish the document.
    first_named, early_named = _SOURCE_LINE.sub(" ", first), _SOURCE_LINE.sub(" ", early)
    vote(_named(first_named, known), 3)
    vote(_named(early_named, known), 1)
    vote(_self_statements(early, known), 4)
    councils = _councils_named(early)
    vote(_domains(first_named, councils, known), 5)
    vote(_domains(early_named, councils, known), 2)
    vote(_home_councils(early, known), 2)
    vote(_council_teams(first, known), 4)
    vote(_author_field(said_by, known), 6)
    # The back page often says who published it ("© Crown copyright … Public Health England").
    back = "\n".join(pages[-2:])[-20_000:] if len(pages) > 3 else ""
    vote(_named(_SOURCE_LINE.sub(" ", back), known), 1)
    vote(_self_statements(back, known), 3)
    if not votes and _CROWN.search(early + back):
        return "HM Government", GOVERNMENT
    if not votes:
        return "", ""
    # On a tie, the name met first: a cover names its author before the data it cites.
    best = max(votes.items(), key=lambda item: (item[1], -_first_at(early, first, item[0])))[0]
    return best, kinds[best]


# Papers a statute gives to a Health and Wellbeing Board (Health and Social Care Act 2012; the
# NHS pharmaceutical services regulations, 2013): the board publishes them, though its council
# prints them and its NHS partners sign them. A cover line that is such a paper's name, with its
# place before it ("West Sussex Pharmaceutical Needs Assessment"); not a report about one
# ("Adoption of the Joint Health and Wellbeing Strategy" is the council's).
_BOARD_PAPER = re.compile(
    r"((?:(?:[A-Z][a-z]+|[A-Z]{2,})(?:[ -](?:and|AND|&|upon|on))?[ -]){0,4})"
    r"(?i:joint\s+(?:local\s+)?health\s+(?:and|&)\s+well-?being\s+strateg(?:y|ies)|pharmaceutical\s+needs\s+assessment)\b"
)
_BOARD = re.compile(
    r"\b((?:[A-Z][a-z]+(?:[ -](?:and|&|upon|on)\b)?[ -]){1,4})Health\s+(?:and|&)\s+"
    r"Well-?being\s+Board\b"
)
_NOT_PLACE = {*_WEAK_WORDS, "our", "this", "each", "a", "joint", "local", "every", "its", "your"}
_COVER_LINES = 20
_COVER_SHARE = 0.8  # of the largest type on the first page


def _statutory_owner(title: str, lines: list[LayoutLine], early: str) -> list[tuple[str, str]]:
    """The Health and Wellbeing Board whose own paper this is, if its title or a heading on its
    cover names such a paper: the board the text names first, else the cover's place's."""
    largest = max((x.size for x in lines[:_COVER_LINES]), default=0.0)
    cover = [title[:300]]
    cover += [x.text[:300] for x in lines[:_COVER_LINES] if x.size >= _COVER_SHARE * largest]
    named = [m for text in cover if (m := _BOARD_PAPER.match(text.strip()))]
    if not named:
        return []
    for match in _BOARD.finditer(early):
        place = _place_words(match.group(1))
        if place:
            return [(f"{place} Health and Wellbeing Board", COUNCIL)]
    place = next((p for m in named if (p := _place_words(m.group(1)))), "")
    return [(f"{place} Health and Wellbeing Board", COUNCIL)] if place else []


def _place_words(text: str) -> str:
    place = _from_first_capital(text, _NOT_PLACE)
    return place.title().replace(" And ", " and ") if place.isupper() else place


def _author_field(said_by: str, known: tuple[Organisation, ...]) -> list[tuple[str, str]]:
    # Staff accounts ("jsmith") and people are no body; a body's name or short name is.
    said = " ".join(said_by.split()).casefold()
    if len(said) < 2:
        return []
    for org in known:
        if any(said == name.casefold() for name in _names_of(org)):
            return [(org.name, org.kind)]
    return [found for found in _named(said_by, known) if len(found[0]) > 3][:1]


def _first_at(early: str, first: str, name: str) -> int:
    for offset, text in ((0, first), (len(first), early)):
        at = text.find(name)
        if at >= 0:
            return offset + at
    return len(first) + len(early)


def _home_councils(early: str, known: tuple[Organisation, ...]) -> list[tuple[str, str]]:
    # A council's own papers keep naming its area ("West Sussex" again and again).
    found: list[tuple[str, str]] = []
    for org in known:
        place = _council_place(org)
        if place and len(re.findall(rf"\b{re.escape(place)}\b", early)) >= 3:
            found.append((org.name, org.kind))
    return found


# A cover line naming one of a council's teams by the council's place: "West Sussex Public
# Health and Social Research Unit", "Leicestershire Business Intelligence Service". Bodies of
# their own that carry a county's name (a police force, a fire authority, an NHS trust, a
# university) are not the council's.
_TEAM = re.compile(r"\b(?:Unit|Team|Service|Directorate|Department|Observatory)\b")
_NOT_COUNCIL_TEAM = re.compile(
    r"\b(?:NHS|Police|Fire|Trust|University|College|Board|Integrated Care|Partnership)\b"
)
_TEAM_LINE_WORDS = 12


def _council_teams(first: str, known: tuple[Organisation, ...]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    councils = [(org, place) for org in known if (place := _council_place(org))]
    for line in first.splitlines():
        line = re.sub(r"^\W*(?:the\s+)?", "", line.strip(), flags=re.IGNORECASE)
        if len(line.split()) > _TEAM_LINE_WORDS or not _TEAM.search(line):
            continue
        if _NOT_COUNCIL_TEAM.search(line):
            continue
        for org, place in councils:
            # A council named in full is found by its name already.
            if line.startswith(place + " ") and not line.startswith(org.name):
                found.append((org.name, org.kind))
    return found


def _council_place(org: Organisation) -> str:
    """The place a council in the gazetteer is named after ("West Sussex"), or ''."""
    if org.kind != COUNCIL:
        return ""
    place = re.sub(r" (County|City|Borough|District) Council$", "", org.name)
    return place if place != org.name else ""


def _names_of(org: Organisation) -> tuple[str, ...]:
    """The names a body is found by: its own (unless it is too common a phrase) and its aliases."""
    return (*((org.name,) if org.by_name else ()), *org.aliases)


def _name_pattern(name: str) -> str:
    # A long name stands between anything but letters, figures and hyphens ("NHS England-wide"
    # is not NHS England); a short one ("PHE") only needs word boundaries.
    escaped = re.escape(name)
    return rf"(?<![\w-]){escaped}(?![\w-])" if len(name) > 3 else rf"\b{escaped}\b"


@lru_cache(maxsize=4)
def _gazetteer_names(
    known: tuple[Organisation, ...],
) -> tuple[re.Pattern[str] | None, dict[str, tuple[tuple[str, re.Pattern[str]], ...]]]:
    """One pattern, built once per gazetteer, that finds at each place in a text the longest
    name starting there (at every place, so names inside or across others are found too); and
    for each name, the shorter names it begins with, which start there as well and are checked
    each on its own ("Department of Health" inside "Department of Health and Social Care")."""
    names = sorted({n for org in known for n in _names_of(org)}, key=lambda n: (-len(n), n))
    if not names:
        return None, {}
    # A name can only start on its first character: the class skips every other place fast.
    first = "".join(sorted({re.escape(n[0]) for n in names}))
    either = "|".join(_name_pattern(n) for n in names)
    alone = {n: re.compile(_name_pattern(n)) for n in names}
    within = {n: tuple((s, alone[s]) for s in names if s != n and n.startswith(s)) for n in names}
    return re.compile(rf"(?=[{first}])(?=({either}))"), within


def _named(text: str, known: tuple[Organisation, ...]) -> list[tuple[str, str]]:
    """Bodies the text names, in the order it names them: "Produced by Kent County Council with
    data from NHS England" is by the council, whatever order the gazetteer lists them in."""
    first_at: dict[str, int] = {}
    pattern, within = _gazetteer_names(known)
    for match in pattern.finditer(text) if pattern else ():
        at, longest = match.start(), match.group(1)
        first_at.setdefault(longest, at)
        for shorter, alone in within[longest]:
            if shorter not in first_at and alone.match(text, at):
                first_at[shorter] = at
    found = [
        (first_at[name], org.name, org.kind)
        for org in known
        for name in _names_of(org)
        if name in first_at
    ]
    for match in _COUNCIL_NAME.finditer(text):
        found.append((match.start(), _council_name(match.group(1), match.group(2)), COUNCIL))
    for match in _COUNCIL_CAPS.finditer(text):
        name = _council_name(match.group(1).title(), match.group(2).title())
        found.append((match.start(), name, COUNCIL))
    for match in _NHS_BODY.finditer(text):
        found.append((match.start(), _nhs_name(match.group(0)), GOVERNMENT))
    found.sort(key=lambda item: item[0])
    return [(name, kind) for _, name, kind in found if len(name.split()) > 2 or kind != COUNCIL]


def _from_first_capital(text: str, skip: set[str] = _WEAK_WORDS) -> str:
    """The words from the first capitalised one that is not in `skip`: a body's or place's
    name without the words before it ("… report to West Sussex", "Chair of the Kent")."""
    words = text.split()
    while words and (words[0].lower() in skip or not words[0][:1].isupper()):
        words.pop(0)
    return " ".join(words)


def _nhs_name(name: str) -> str:
    # "… commissioned by the Kent NHS Trust": the body's name starts at its first capital.
    return _from_first_capital(name)


def _council_name(place: str, tier: str) -> str:
    # "… report to West Sussex County Council": keep the place name, not the words before it.
    return f"{_from_first_capital(place)} {tier} Council".strip()


def _self_statements(text: str, known: tuple[Organisation, ...]) -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for match in _SELF_STATEMENT.finditer(text):
        said = (match.group(1) or match.group(2) or "").strip()
        if not said or _NOT_ORGANISATION.match(said):
            continue
        named = _named(said, known)
        if named:
            found.append(named[0])
    return found


def _councils_named(context: str) -> dict[str, str]:
    """The councils a text names, by the stem of their address: "kent" for Kent County Council."""
    return {
        re.sub(r"[^a-z]", "", name.lower().rsplit(" ", 2)[0]): name
        for name, kind in _named(context, ())
        if kind == COUNCIL
    }


def _domains(
    text: str, councils: dict[str, str], known: tuple[Organisation, ...]
) -> list[tuple[str, str]]:
    """Bodies whose web or e-mail address the text gives; a council not in the gazetteer is
    matched by name when the context names it ("kent.gov.uk" and "Kent County Council")."""
    found: list[tuple[str, str]] = []
    for domain in {m.group(1).lower() for m in _DOMAIN.finditer(text.lower())}:
        # The most specific address wins: england.nhs.uk before nhs.uk.
        owners = [(len(d), o) for o in known for d in o.domains if _is_within(domain, d)]
        if owners:
            org = max(owners, key=lambda pair: pair[0])[1]
            found.append((org.name, org.kind))
            continue
        if not domain.endswith(".gov.uk"):
            continue
        stem = re.sub(r"[^a-z]", "", domain.split(".")[-3])
        council = councils.get(stem)
        if council:
            found.append((council, COUNCIL))
    return found


def _is_within(domain: str, parent: str) -> bool:
    return domain == parent or domain.endswith("." + parent)


# --- kind -------------------------------------------------------------------------------------

_DOI = re.compile(r"\b(doi\s*(?::\s*)?10\.\d{4,9}/|doi\.org/10\.|https?://dx\.doi)", re.IGNORECASE)
_ACADEMIC = re.compile(
    r"\b(abstract|keywords|journal|vol\.|volume \d+|issn|university|et al\.|working papers?"
    r"|introduction|methods)\b",
    re.IGNORECASE,
)
_COUNCIL_WORDS = re.compile(
    r"\b(cabinet|committee|county council|borough council|district council|city council"
    r"|joint strategic needs assessment|jsna|health and wellbeing board|council tax|agenda"
    r"|minutes of|cabinet member|electoral division|scrutiny|director of public health)\b",
    re.IGNORECASE,
)
# Words of a government paper; not a Crown copyright that is a map's licence line (as _CROWN).
_GOVERNMENT_WORDS = re.compile(
    rf"((?!{MAP_LICENCE})crown copyright|presented to parliament|\bgov\.uk\b"
    r"|\bCP \d{2,4}\b|open government licence|national statistics|\bHM Government\b)",
    re.IGNORECASE,
)


# A paper's sections, each a heading alone on its line ("2 Data", "Results", "References"), by
# the part of a paper each is; a paper laid out this way with no publisher is a paper, whether
# or not a journal printed it (a working paper, a student's project).
_PAPER_SECTION = re.compile(
    r"^[ \t]*(?:\d{1,2}(?:\.\d{1,2})?\.?[ \t]+)?(abstract|introduction|methods?|methodology|data"
    r"|results|discussion|conclusions?|references|bibliography)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SECTION_PART = {"method": "methods", "methodology": "methods", "data": "methods"}
_SECTION_PART |= {"conclusion": "conclusions", "bibliography": "references"}
_PAPER_SECTIONS = 4


def _paper_sections(pages: list[str]) -> set[str]:
    found = {m.group(1).lower() for page in pages[:60] for m in _PAPER_SECTION.finditer(page)}
    return {_SECTION_PART.get(name, name) for name in found}


def find_kind(pages: list[str], organisation_kind: str, title: str) -> str:
    """The class of document: council report, government report, academic paper or other."""
    early = "\n".join(pages[:3])[:30_000]
    council = len(_COUNCIL_WORDS.findall(early))
    if _DOI.search(early) and len(set(m.lower() for m in _ACADEMIC.findall(early))) >= 2:
        return ACADEMIC
    if organisation_kind == COUNCIL or council >= 3:
        return COUNCIL
    if organisation_kind == GOVERNMENT:
        return GOVERNMENT
    if len({m.lower() for m in _ACADEMIC.findall(early[:8000])}) >= 4:
        return ACADEMIC
    if organisation_kind in ("", OTHER) and len(_paper_sections(pages)) >= _PAPER_SECTIONS:
        return ACADEMIC
    if organisation_kind and organisation_kind != OTHER:
        return organisation_kind
    if _GOVERNMENT_WORDS.search(early):
        return GOVERNMENT
    return COUNCIL if council else OTHER
