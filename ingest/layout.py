"""Lines of a document's first page with their type size, and the title picked from them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.phrases import MONTH_STARTS, MONTHS

__all__ = [
    "LayoutLine",
    "find_byline",
    "find_subject",
    "join_split_words",
    "pick_title",
]


@dataclass(frozen=True)
class LayoutLine:
    """One line of text as it sits on the page: its words, type size and height from the top
    (0 at the top edge, 1 at the bottom; web pages and Word files give the reading order)."""

    text: str
    size: float
    top: float


# Lines that are never the title: addresses, dates, page furniture and the names of templates.
_FURNITURE = re.compile(
    r"(www\.|https?:|\.gov\.uk|\.nhs\.uk|\.org|\.com|@|^page \d|^\d+$|^contents$|^draft$"
    r"|^(official|unrestricted|restricted|confidential|classification)\b"
    r"|^(interim|final) report$|template$|^appendix [a-z0-9]+$|^agenda item"
    r"|^(public )?pack$|^annex [a-z0-9]+$|^not protectively marked)",
    re.IGNORECASE,
)
# A line that is only a date: "December 2024", "2024", "30 January 2025 …". Read by
# _is_date_only in one pass; as one pattern ("^[\W\d]*(month\w*[\s,]*)?(19|20)\d\d[\W\d]*$")
# every year on a long line started a scan to its end, quadratic in the line's length.
_DAY_MONTH = re.compile(rf"\W*\d{{1,2}}(st|nd|rd|th)?\s+({MONTHS})\w*\b", re.IGNORECASE)
# A date as a note app or a browser stamps it, a weekday and a time around it: "Thursday,
# January 25, 2024 10:51", "Tue 3 March 2020 at 9.30am".
_STAMP = re.compile(
    rf"\W*(?:(?:mon|tue|tues|wed|wednes|thu|thur|thurs|fri|sat|satur|sun)(?:day)?\.?,?\s+)?"
    rf"(?:\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{MONTHS})\w*\.?|(?:{MONTHS})\w*\.?\s+\d{{1,2}}(?:st|nd|rd|th)?)"
    r",?\s+(?:19|20)\d\d(?:,?\s+(?:at\s+)?\d{1,2}[:.]\d\d(?::\d\d)?\s*(?:[ap]\.?m\.?)?)?\W*",
    re.IGNORECASE,
)
_NOT_LETTERS = re.compile(r"[\W\d]*+")
_WORD_RUN = re.compile(r"\w*+")
_MONTH_START = re.compile(MONTH_STARTS, re.IGNORECASE)
_YEAR = re.compile(r"(19|20)\d\d")
_YEAR_AFTER_SPACE = re.compile(r"[\s,]+(19|20)\d\d")
# A committee report's form names its subject; that is its title.
# A form's numbered question may carry its short name too: "1. Name of Activity (EQIA Title):".
_SUBJECT = re.compile(
    r"^(?:\d{1,2}[.)]?\s+)?"
    r"(subject|report title|title of report|title|amendment name|decision title|project (?:name"
    r"|title)|(?:name|title) of (?:the )?(?:decision|proposal|policy|project|activity|amendment))"
    r"(?:\s*\([^()]{1,40}\))?\s*:\s*(.*)$",
    re.IGNORECASE,
)
# An assessment form's title field read with its value on one line, without a colon: "EQIA
# Title KCC adoption of ICS delivery Plan".
_FORM_TITLE = re.compile(r"^([A-Z]{2,6} [Tt]itle)\s+([A-Z0-9].*)$")
# A form's name in its largest type ("Budget Amendment Form"): the form, not what it is about.
_FORM_NAME = re.compile(r"^[\w ()&'’-]{2,60} form$", re.IGNORECASE)
_FIELD_LABEL = re.compile(r"^[A-Z][\w ()/'’-]{1,40}:")
# A line that only names a council or body sits above the title, it is not the title: a
# council, an NHS body, a university, a government department or agency, by their names' shapes.
_ORGANISATION_ONLY = re.compile(
    r"^(the )?[\w &'’-]{2,60} (county|city|borough|district) council$|^nhs [\w ]{2,40}$"
    r"|^[\w &'’-]{2,60} nhs (foundation )?trust$|^[\w &,'’-]{2,60} integrated care board$"
    r"|^(the )?university of [\w &'’-]{2,40}$|^[\w&'’-]+( [\w&'’-]+)? university$"
    r"|^(department|ministry) (for|of) [\w ,&'’-]{2,60}$|^(hm government|hm treasury|home office"
    r"|cabinet office|public health (england|wales|scotland)|uk health security agency"
    r"|office for national statistics|office for health improvement (and|&) disparities)$",
    re.IGNORECASE,
)
# Section names, the labels of committee forms and a journal's article types ("RESEARCH
# ARTICLE", "Open Access") are never a document's title.
_NOT_TITLE = re.compile(
    r"^(foreword|preface|executive summary|summary|introduction|abstract|key messages"
    r"|key (points|findings)|acknowledge?ments|glossary|background|overview"
    r"|purpose of (the )?report|recommendations?|(key|executive|cabinet member|officer|non-key)"
    r" decision|(for|not for) publication|record of (the )?decision"
    r"|report (to|of|by|from|author)\s*:.*|report to (the )?[\w ]{0,40}(cabinet|council"
    r"|committee|board|panel|executive)|(agenda )?item( no\.?)? ?\d+[a-z]?|part [12i]+"
    r"|open report|exempt|research( article| paper)?|original (article|research|paper)"
    r"|(systematic )?review( article)?|open access|short (report|communication)|brief report"
    r"|commentary|editorial|article)[\s.:]*$",
    re.IGNORECASE,
)
# Near the top or bottom edge sits running text: headers, footers, printed-from-browser lines.
_EDGE = 0.04
_MAX_TITLE_WORDS = 30


_WORD = re.compile(r"[^\W\d_]+|\d+")


def join_split_words(lines: list[LayoutLine], page_text: str) -> list[LayoutLine]:
    """Join words that layout reading split into fragments ("DEPRIVATI ON", "h ealth", a year
    read as "20 16"): two neighbours become one word when the page's text has the joined word
    and not both parts."""
    words = {w.casefold() for w in _WORD.findall(page_text)}
    if not words:
        return lines
    return [
        LayoutLine(_join_line(line.text, words), line.size, line.top) if " " in line.text else line
        for line in lines
    ]


def _join_line(text: str, words: set[str]) -> str:
    tokens = text.split(" ")
    out: list[str] = []
    for token in tokens:
        if out and _is_split(out[-1], token, words):
            out[-1] += token
        else:
            out.append(token)
    return " ".join(out)


def _is_split(left: str, right: str, words: set[str]) -> bool:
    if not (left.isalpha() and right.isalpha()) and not (left.isdigit() and right.isdigit()):
        return False
    if left[-1:].islower() and right[:1].isupper():  # "cityCouncil" is two words
        return False
    joined = (left + right).casefold()
    return joined in words and not (left.casefold() in words and right.casefold() in words)


def pick_title(lines: list[LayoutLine]) -> str:
    """The first page's title: the largest type near the top, joined across its lines."""
    subject = find_subject(lines)
    if subject:
        # Every amendment has the same form: its name says what kind of paper, the subject which.
        form = next((x.text.strip() for x in lines[:10] if _FORM_NAME.match(x.text.strip())), "")
        return f"{form[: -len(' form')]}: {subject}" if form else subject
    subject = _letter_heading(lines)
    if subject:
        return subject
    candidates = [line for line in lines if _is_candidate(line)]
    if not candidates:
        return ""
    largest = max(line.size for line in candidates)
    # Near the top edge only if nothing else on the page is as big.
    group = _title_group(candidates, largest)
    if any(_has_broken_glyphs(line.text) for line in group):
        return ""  # the title's font has no usable text map: better none than a garbled one
    title = _tidy(" ".join(line.text for line in [*group, *_subtitle(candidates, group)]))
    return _meeting_title(lines, title)


# A committee's agenda or minutes: its largest type names only the meeting ("CABINET").
_MEETING_PAPER = re.compile(r"^(agenda|minutes)\b", re.IGNORECASE)
_MEETING_DATE = re.compile(
    rf"\b(\d{{1,2}})(?:st|nd|rd|th)?,?\s+({MONTHS})\w*,?\s+((?:19|20)\d\d)\b", re.IGNORECASE
)
_MEETING_NAME_WORDS = 5


def _meeting_title(lines: list[LayoutLine], title: str) -> str:
    """ "Cabinet" on an agenda becomes "Cabinet agenda, 30 January 2025": the meeting, the
    paper and its date, which is how people tell one meeting's papers from the next."""
    if not title or len(title.split()) > _MEETING_NAME_WORDS:
        return title
    top = lines[:15]
    paper = next((m.group(1) for x in top if (m := _MEETING_PAPER.match(x.text.strip()))), "")
    if not paper or paper.casefold() in title.casefold():
        return title
    date = next((m for x in top if (m := _MEETING_DATE.search(x.text))), None)
    when = f", {int(date.group(1))} {date.group(2).title()} {date.group(3)}" if date else ""
    return f"{title} {paper.lower()}{when}"


def _subtitle(candidates: list[LayoutLine], group: list[LayoutLine]) -> list[LayoutLine]:
    # A title of a word or three ("Housing Benefit") is often finished by the line under it.
    if _words(group) > 3:
        return []
    below = [line for line in candidates if line.top > group[-1].top]
    if not below:
        return []
    after = min(below, key=lambda line: line.top)
    body = _body_size(candidates)
    if after.top - group[-1].top <= 0.08 and after.size > body and len(after.text.split()) <= 12:
        return [after]
    return []


def _body_size(lines: list[LayoutLine]) -> float:
    sizes: dict[float, int] = {}
    for line in lines:
        sizes[line.size] = sizes.get(line.size, 0) + len(line.text)
    return max(sizes.items(), key=lambda item: item[1])[0]


_PERSON = re.compile(
    r"^(?:(?:[Dd]r|[Pp]rof(?:essor)?)\.? )?[A-Z][a-z’'-]+(?: [A-Z]\.?)*"
    r"(?: (?:van |de |von )?[A-Z][a-z’'-]+){1,2}(?=$|[\s,*†‡\d]| and )"
)


# Words of headings and bodies that two capitalised words under a title often are instead.
_NOT_NAMES = frozenset(
    re.findall(
        r"\w+",
        "executive summary introduction abstract contents foreword key findings background"
        " report overview review briefing chapter section part appendix health council"
        " university department public policy research data the and of for in on to a an",
    )
)


def find_byline(lines: list[LayoutLine], title: str) -> str:
    """The first author a paper names under its title ("Mohammad Chuttur"), or ''."""
    flat = " ".join(title.casefold().split())
    if not flat:
        return ""
    below = [n for n, line in enumerate(lines[:40]) if line.text.casefold() in flat]
    if not below:
        return ""
    for line in lines[below[-1] + 1 : below[-1] + 3]:
        match = _PERSON.match(line.text.strip())
        if not match or _FURNITURE.search(line.text) or len(line.text) >= 120:
            continue
        if not _NOT_NAMES & set(match.group(0).casefold().split()):
            return match.group(0)
    return ""


def find_subject(lines: list[LayoutLine]) -> str:
    """The subject a committee report's form gives ("Subject: …"), or ''. A label alone on its
    line ("Amendment Name:", or split over two lines in a narrow cell: "Amendment" / "Name:")
    has its subject on the next line."""
    top = lines[:40]
    for number in range(len(top)):
        text, end = _subject_at(top, number)
        if len(text) < 4:
            continue
        # A subject that runs onto the next line continues in the same type size (not in a
        # form read a row to a line, where the next row is the next field).
        if end + 1 < len(lines) and not _FORM_TITLE.match(lines[end].text.strip()):
            line, after = lines[end], lines[end + 1]
            gap = after.top - line.top
            if (
                abs(after.size - line.size) < 0.5
                and 0 < gap < 0.03
                and not _FIELD_LABEL.match(after.text)
            ):
                text = f"{text} {after.text.strip()}"
        return _tidy(text)
    return ""


def _subject_at(lines: list[LayoutLine], number: int) -> tuple[str, int]:
    """The subject a label starting on line `number` gives, and the line it ends on; '' when
    the line starts no label, or the label's subject is missing."""
    here = lines[number].text.strip()
    match, end = _SUBJECT.match(here) or _FORM_TITLE.match(here), number
    if match is None and number + 1 < len(lines) and len(here.split()) <= 2:
        match, end = _SUBJECT.match(f"{here} {lines[number + 1].text.strip()}"), number + 1
    if match is None:
        return "", number
    subject = match.group(2).strip()
    if not subject and end + 1 < len(lines):
        below = lines[end + 1].text.strip()
        if not (_FIELD_LABEL.match(below) or below.endswith(":")):
            subject, end = below, end + 1
    return subject, end


def _letter_heading(lines: list[LayoutLine]) -> str:
    # A covering letter ("Dear Member") names its business in capitals under the greeting.
    for number, line in enumerate(lines[:30]):
        if not line.text.startswith("Dear "):
            continue
        for after in lines[number + 1 : number + 4]:
            letters = [ch for ch in after.text if ch.isalpha()]
            if len(letters) >= 6 and sum(ch.isupper() for ch in letters) > 0.8 * len(letters):
                return _tidy(after.text)
        return ""
    return ""


# Letters a decorative font with a broken text map turns into ("GreetinŰƹ froƔ"): Latin
# Extended-B and IPA letters (never in an English title), or a capital from outside ASCII
# straight after a small ASCII letter inside a word ("McDonald" and "Café" are fine).
_EXTENDED_LETTER = re.compile(r"[\u0180-\u02af]")
_AFTER_SMALL = re.compile(r"[a-z]([^\W\d_])")


def _has_broken_glyphs(text: str) -> bool:
    if _EXTENDED_LETTER.search(text):
        return True
    return any(ch.isupper() and not ch.isascii() for ch in _AFTER_SMALL.findall(text))


def _is_candidate(line: LayoutLine) -> bool:
    text = line.text.strip()
    letters = sum(ch.isalpha() for ch in text)
    if letters < 3 or letters < len(text) / 3:
        return False
    if line.top < _EDGE or line.top > 1 - _EDGE:
        return False
    return not (
        _FURNITURE.search(text)
        or _is_date_only(text)
        or _ORGANISATION_ONLY.match(text)
        or _NOT_TITLE.match(text)
    )


def _is_date_only(text: str) -> bool:
    """Whether the line is a date alone: figures and marks around a year, with at most a month
    as its only word ("Dec 2024", "December, 2024"), or it starts with a day and a month."""
    if _DAY_MONTH.match(text) or _STAMP.fullmatch(text):
        return True
    start = _run_end(_NOT_LETTERS, text, 0)
    if start == len(text):  # no word at all: a year anywhere will do
        return bool(_YEAR.search(text))
    # The one word must start with a month and everything after it be figures and marks.
    end = _run_end(_WORD_RUN, text, start)
    if not _MONTH_START.match(text, start) or _run_end(_NOT_LETTERS, text, end) < len(text):
        return False
    if _YEAR_AFTER_SPACE.match(text, end):  # "May 2024"
        return True
    # "May2024": the year in the figures that end the word, after the month's three letters.
    digits = end
    while digits > start and text[digits - 1].isdecimal():
        digits -= 1
    return bool(_YEAR.search(text, max(digits, start + 3), end))


def _run_end(run: re.Pattern[str], text: str, at: int) -> int:
    """Where a run that may be empty, matched from `at`, ends."""
    match = run.match(text, at)
    return match.end() if match else at


def _title_group(candidates: list[LayoutLine], largest: float) -> list[LayoutLine]:
    ordered = sorted(candidates, key=lambda line: line.top)
    start = next(i for i, line in enumerate(ordered) if line.size >= largest * 0.92)
    group = [ordered[start]]
    for line in ordered[start + 1 :]:
        gap = line.top - group[-1].top
        # Lines of one title share its type size and follow closely.
        if line.size >= largest * 0.92 and gap <= 0.12 and _words(group) < _MAX_TITLE_WORDS:
            group.append(line)
        elif line.size >= largest * 0.92 and gap < 0.005:
            continue
        else:
            break
    return group


def _words(group: list[LayoutLine]) -> int:
    return sum(len(line.text.split()) for line in group)


def _tidy(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip(" :|–-")
    text = re.sub(r"(\d) (\d)\b", r"\1\2", text)
    text = re.sub(r"\s+([,:;.])", r"\1", text)
    words = text.split()
    if words and sum(w.isupper() for w in words) > len(words) * 0.7:
        text = text.title()
    return " ".join(text.split()[:_MAX_TITLE_WORDS])
