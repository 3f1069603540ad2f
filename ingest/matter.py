"""Reads a document's page lines: which are headings, which are running headers, and which
belong to front matter (cover, contents, authors, about-this, disclaimers) or back matter
(references, bibliographies, acknowledgements) rather than the body."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from search.pagetext import drop_running_lines
from search.retrieval.sentences import BULLETS, ENDS_SENTENCE, runs_on

__all__ = [
    "BACK",
    "BODY",
    "FRONT",
    "MAX_BACK_COVER_WORDS",
    "MAX_COVER_WORDS",
    "MAX_HEADING_WORDS",
    "MIN_CONTENTS_LEADERS",
    "MIN_COVER_LINES",
    "PROSE_LINE",
    "Line",
    "heading_key",
    "read_lines",
]

FRONT = "front"
BODY = "body"
BACK = "back"

# Section headings that open non-body matter; where they sit decides front or back.
_NON_BODY_HEADINGS = frozenset(
    {
        "contents",
        "table of contents",
        "about this brief",
        "about this report",
        "about this document",
        "about this guide",
        "about this paper",
        "about the authors",
        "about us",
        "authors",
        "author",
        "acknowledgements",
        "acknowledgments",
        "disclaimer",
        "copyright",
        "document control",
        "version control",
        "document information",
        "list of figures",
        "list of tables",
        "abbreviations",
        "glossary",
        "conflicts of interest",
        "declaration of interests",
        "author contributions",
        "credit authorship contribution statement",
        "declaration of competing interest",
        "competing interests",
        "data availability",
        "data availability statement",
        "ethics statement",
        # A journal's declarations at a paper's end (BMC, Elsevier, SAGE). "Funding" alone is
        # left out: a council report's section on a programme's money is body.
        "declarations",
        "ethics approval and consent to participate",
        "consent for publication",
        "availability of data and materials",
        "role of the funding source",
        "declaration of conflicting interests",
        "publisher's note",
        "publisher’s note",
        "supplementary material",
        "supplementary materials",
        "supplementary information",
        # A council report's names, telephone numbers and email addresses.
        "contact details",
        "report author",
    }
)
_BACK_HEADINGS = frozenset(
    {
        "references",
        "reference list",
        "bibliography",
        "sources",
        "further reading",
        "endnotes",
        "notes and references",
        "works cited",
        "citations",
        "background documents",
        "background papers",
    }
)
# Imprint text (copyright, licence, ISBN) anywhere in a line of the first pages.
_IMPRINT = re.compile(
    r"©|crown copyright|open government licen[cs]e|\bisbn\b|all rights reserved|"
    r"open access article under|published by elsevier",
    re.IGNORECASE,
)
_CONTENTS = ("contents", "table of contents")
# Lines that are cover or imprint text wherever they sit on the first pages.
_FRONT_LINE = re.compile(
    r"^(authors?\s*:|written by\b|prepared by\b|©|copyright\b|isbn\b|published by\b"
    r"|all rights reserved)",
    re.IGNORECASE,
)
_NUMBERING = re.compile(
    r"^(?:(?:section|chapter|part)\s+)?(?:\d+(?:\.\d+)*|[ivxlc]+)[.):]?\s+", re.I
)
_LEADER = re.compile(r"(?:\.\s?){3,}\s*\d{1,3}$")
_ENDS_WITH_PAGE = re.compile(r"\D\s+\d{1,3}$")
_CITATION = re.compile(
    r"\(\d{4}[a-z]?\)|\b(?:19|20)\d{2}[a-z]?[.;,)]|\bet al\b|\bdoi\b|https?://|www\.|"
    r"available (?:at|from)|accessed\b|\bvol\.|\bpp?\.\s*\d",
    re.IGNORECASE,
)
_WORD = re.compile(r"[^\W\d_]+")
_SENTENCE_END = (".", "!", "?", ":", ";", ",", "-", "–")
MAX_HEADING_WORDS = 12
# A line this long (share of the page's longest line) is running prose, not a heading.
PROSE_LINE = 0.6


@dataclass(frozen=True)
class Line:
    """One line of page text, as the chunker needs it."""

    text: str
    matter: str
    ends_block: bool  # a heading, or the last line of a paragraph: sentences never run past it
    is_heading: bool = False


def _is_non_body_key(key: str) -> bool:
    # "About this brief/chapter/evaluation/…" introduces the document, not its evidence.
    return key in _NON_BODY_HEADINGS or (key.startswith("about this ") and len(key.split()) <= 4)


def heading_key(line: str) -> str:
    """A heading's words without numbering, leaders or page numbers, for matching."""
    text = _LEADER.sub("", " ".join(line.split())).strip()
    text = _NUMBERING.sub("", text)
    return text.rstrip(" .:").casefold()


# A section's number with a point in it: "2. Have an assessment", "4.6 Results", "4.6.2 Data".
_SECTION_NUMBER = re.compile(r"^\d{1,2}(?:\.\s|(?:\.\d{1,2})+\.?\s)\s*[A-Z]")


def _is_heading(lines: list[str], i: int, longest: int) -> bool:
    line = lines[i]
    words = line.split()
    if not words or len(words) > MAX_HEADING_WORDS or line.endswith(_SENTENCE_END):
        return False
    if not (line[0].isupper() or line[0].isdigit()):
        return False
    if len(line) >= 0.8 * longest and len(lines) > 1:
        return False
    key = heading_key(line)
    if _is_non_body_key(key) or key in _BACK_HEADINGS or key in _BODY_OPENERS:
        return True
    previous = lines[i - 1] if i else ""
    following = lines[i + 1] if i + 1 < len(lines) else ""
    starts_new = (
        not previous
        or bool(ENDS_SENTENCE.search(previous))  # closing quotes and brackets allowed
        or previous.endswith(":")
        or len(previous) < PROSE_LINE * longest
        or (len(previous.split()) <= MAX_HEADING_WORDS and not previous.endswith(_SENTENCE_END))
        # Wherever a section's number opens the line.
        or bool(_SECTION_NUMBER.match(line))
    )
    next_starts = not following or not following[0].islower() or _wraps(lines, i, longest)
    return starts_new and next_starts


# A heading's last words wrapped onto a line of their own ("Children in" / "need"): at most
# this many words, starting with a small letter, with running prose after them.
_WRAP_WORDS = 3
_PROSE_WORDS = 6
_BULLETS = BULLETS + "·-–* "
_ITEM_BULLETS = tuple(BULLETS)


def _wraps(lines: list[str], i: int, longest: int) -> bool:
    """Whether line i, read as a heading, goes on onto the next line: a short fragment that
    starts with a small letter and ends no sentence, before a line of running prose that
    starts one, perhaps as a list's first item ("Challenges with transition into permanent" /
    "accommodation" / "Many were nervous of moving …")."""
    if i + 2 >= len(lines):
        return False
    tail, after = lines[i + 1], lines[i + 2]
    words = tail.split()
    if not tail[:1].islower() or len(words) > _WRAP_WORDS or tail.endswith(_SENTENCE_END):
        return False
    if "://" in tail or "www." in tail or len(lines[i].split()) + len(words) > MAX_HEADING_WORDS:
        return False
    return (
        after.lstrip(_BULLETS)[:1].isupper()
        and len(after.split()) >= _PROSE_WORDS
        and len(after) >= PROSE_LINE * longest
        and _is_mostly_lower(after)
    )


def _ends_item(lines: list[str], i: int, longest: int) -> bool:
    """Whether line i is a short list item, titled rather than a sentence, that the paragraph
    after it explains ("• Empowerment and Confidence Building" / "Participants reported …"):
    its block ends there, so the title never runs into the paragraph's first sentence."""
    line = lines[i]
    if not line.startswith(_ITEM_BULLETS) or i + 1 >= len(lines):
        return False
    words = line.lstrip(_BULLETS).split()
    if not words or len(words) > MAX_HEADING_WORDS or line.endswith(_SENTENCE_END):
        return False
    if runs_on(line) or not words[0][:1].isupper() or len(line) >= PROSE_LINE * longest:
        return False  # runs on, or as long as a line of prose: wrapped onto the next line
    after = lines[i + 1]
    return (
        after[:1].isupper()
        and len(after.split()) >= _PROSE_WORDS
        and len(after) >= PROSE_LINE * longest
        and _is_mostly_lower(after)
    )


def _is_citation_heavy(lines: list[str]) -> bool:
    if len(lines) < 5:
        return False
    return sum(bool(_CITATION.search(line)) for line in lines) >= 0.6 * len(lines)


def _is_contents(lines: list[str], after_contents: bool) -> bool:
    if not lines:
        return False
    if any(heading_key(line) in ("contents", "table of contents") for line in lines[:6]):
        return True
    leaders = sum(bool(_LEADER.search(line)) for line in lines)
    numbered = sum(bool(_ENDS_WITH_PAGE.search(line)) for line in lines)
    return leaders >= 0.3 * len(lines) or (after_contents and numbered >= 0.5 * len(lines))


# A slide deck's or a long report's contents for one of its sections, headed as such at the
# top of its page ("Section Slide Contents", "Summary Contents 2", "Contents").
_SECTION_CONTENTS = re.compile(r"^(?:[a-z]+\s+){0,2}contents(?:\s+\d{1,2})?$")


def _is_section_contents(lines: list[str]) -> bool:
    """A contents page past the front of a document: one of its first three lines is a short
    heading naming it contents."""
    return any(_SECTION_CONTENTS.match(heading_key(x)) for x in lines[:3] if len(x.split()) <= 4)


def _is_byline(line: str) -> bool:
    """A cover's byline ("Leicestershire HDRC | Report | 2026") or author line."""
    return " | " in line or bool(_FRONT_LINE.match(line))


def _is_mostly_lower(line: str) -> bool:
    """Running prose is mostly lower-case words; a title or a list of names is not."""
    words = [w for w in _WORD.findall(line) if not w.isupper() or len(w) == 1]
    lower = sum(w[0].islower() for w in words)
    return bool(words) and lower * 2 >= len(words)


MIN_CONTENTS_LEADERS = 2


def _contents_tail(lines: list[str]) -> int:
    """How many lines at the top of a page are contents entries ("A.3 Data cleaning . . . 10",
    "References 11"): at least two with dot leaders, or none are."""
    end = 0
    while end < len(lines) and (_LEADER.search(lines[end]) or _ENDS_WITH_PAGE.search(lines[end])):
        end += 1
    leaders = sum(bool(_LEADER.search(x)) for x in lines[:end])
    return end if leaders >= MIN_CONTENTS_LEADERS and end < len(lines) else 0


def _is_prose_pair(lines: list[str], i: int, longest: int, on_cover: bool = False) -> bool:
    """Two long lines of running text from line i. On a cover (`on_cover`), long bylines and
    author lists are not prose, so they do not end the cover block early: neither line may be
    one, and at least one must read as prose."""
    if i < len(lines) and len(lines[i].split()) >= 40:
        return not on_cover or _is_mostly_lower(lines[i])  # a whole paragraph read as one line
    pair = lines[i : i + 2]
    long_lines = len(pair) == 2 and all(
        len(x) >= PROSE_LINE * longest and len(x.split()) >= 8 and not _CITATION.search(x)
        for x in pair
    )
    if not on_cover or not long_lines:
        return long_lines
    return not any(_is_byline(x) for x in pair) and any(_is_mostly_lower(x) for x in pair)


def _ends_cover(lines: list[str], i: int, longest: int) -> bool:
    """Running prose, or an opener such as "Summary:" that the heading test missed."""
    opener = lines[i][:1].isupper() and heading_key(lines[i]) in _BODY_OPENERS
    return opener or _is_prose_pair(lines, i, longest, True)


MAX_COVER_WORDS = 80


MIN_COVER_LINES = 3


def _mark_imprint(lines: list[Line]) -> list[Line]:
    """The whole paragraph around a copyright, licence or ISBN line is front matter."""
    out = list(lines)
    starts = [0] + [i + 1 for i, x in enumerate(lines) if x.ends_block]
    for i, line in enumerate(lines):
        if not _IMPRINT.search(line.text):
            continue
        first = max(s for s in starts if s <= i)
        last = next((j for j in range(i, len(lines)) if lines[j].ends_block), len(lines) - 1)
        for j in range(first, last + 1):
            out[j] = replace(out[j], matter=FRONT)
    return out


# The opening words of a paragraph of thanks, which reports often print with no
# "Acknowledgements" heading (at the end of an evaluation, under a foreword).
_THANKS = re.compile(
    r"^(?:we would (?:also )?like to thank|we (?:also )?(?:wish to )?thank\b"
    r"|we are (?:very |most )?grateful to|the authors? (?:would (?:also )?like to )?thanks?\b"
    r"|(?:special|many) thanks\b|thanks (?:are due|go) to\b|with (?:many )?thanks to)",
    re.IGNORECASE,
)


def _mark_thanks(lines: list[Line], matter: str) -> list[Line]:
    """A paragraph that opens by thanking people is acknowledgements (`matter`, front or back
    by where it sits), heading or none; the lines after it keep their own."""
    out = list(lines)
    for i, line in enumerate(lines):
        opens = i == 0 or lines[i - 1].ends_block
        if not opens or line.is_heading or not _THANKS.match(line.text):
            continue
        last = next((j for j in range(i, len(lines)) if lines[j].ends_block), len(lines) - 1)
        for j in range(i, last + 1):
            out[j] = replace(out[j], matter=matter)
    return out


def _has_cover(lines: list[str], longest: int) -> bool:
    """A first page opening with a short block (title, date, authors) before any prose.

    A lone title line is not a cover: it is the best summary of what follows.
    """
    words = 0
    end = len(lines)
    for i, line in enumerate(lines):
        key = heading_key(line)
        if _is_prose_pair(lines, i, longest, True) or key in _BODY_OPENERS or _is_non_body_key(key):
            end = i  # an "About this …" or contents heading ends the cover block too
            break
        words += len(line.split())
        if words > MAX_COVER_WORDS:
            return False  # a page of tables or notes, not a cover
    return end >= MIN_COVER_LINES or any(_FRONT_LINE.match(x) for x in lines[:end])


class _Reader:
    """Walks the document's lines once, carrying which matter the text is in."""

    def __init__(self, page_count: int) -> None:
        self.page_count = page_count
        self.state = BODY
        self.explicit = False  # entered through a named heading rather than as a cover

    def _non_body(self, number: int) -> str:
        return FRONT if number <= max(2, self.page_count // 2) else BACK

    def read_page(self, number: int, lines: list[str], previous_was_contents: bool) -> list[Line]:
        longest = max((len(x) for x in lines), default=0)
        early = number <= max(5, self.page_count // 7)
        if early and _is_contents(lines, previous_was_contents):
            return [Line(x, FRONT, True) for x in lines]
        if early:
            at = next((i for i, x in enumerate(lines) if heading_key(x) in _CONTENTS), None)
            if at is not None:  # a contents list lower down the page runs to its end
                head = self.read_page(number, lines[:at], previous_was_contents)
                return head + [Line(x, FRONT, True) for x in lines[at:]]
            tail = _contents_tail(lines)
            if tail:  # the end of a contents list carried over from the page before
                rest = self.read_page(number, lines[tail:], False)
                return [Line(x, FRONT, True) for x in lines[:tail]] + rest
        if not early and _is_section_contents(lines):
            return [Line(x, self._non_body(number), True) for x in lines]
        late = number > self.page_count // 2
        if late and self.state != BACK and _is_citation_heavy(lines):
            self.state, self.explicit = BACK, True
        if number == 1 and self.page_count > 1 and _has_cover(lines, longest):
            self.state, self.explicit = FRONT, False
        elif self.state == FRONT and not self.explicit:
            self.state = BODY  # a cover is one page at most
        out: list[Line] = []
        for i, line in enumerate(lines):
            # The last words of a heading that wrapped onto this line finish it.
            finishes = bool(out) and out[-1].is_heading and not out[-1].ends_block
            heading = finishes or _is_heading(lines, i, longest)
            if heading and not finishes:
                self._on_heading(number, lines, i, longest)
            elif self.state == FRONT and not self.explicit and _ends_cover(lines, i, longest):
                self.state = BODY  # the cover ends where running prose starts
            matter = self.state
            if number <= 2 and _FRONT_LINE.match(line):
                matter = FRONT
            wrapped = heading and not finishes and _wraps(lines, i, longest)
            ends = (heading and not wrapped) or (
                i + 1 < len(lines) and _is_heading(lines, i + 1, longest)
            )
            ends = ends or (line.endswith((".", "!", "?")) and len(line) < PROSE_LINE * longest)
            ends = ends or _ends_item(lines, i, longest)
            out.append(Line(line, matter, ends, heading))
        out = _mark_thanks(out, self._non_body(number))
        return _mark_imprint(out) if number <= 3 else out

    def _on_heading(self, number: int, lines: list[str], i: int, longest: int) -> None:
        key = heading_key(lines[i])
        if key in _BACK_HEADINGS:
            self.state, self.explicit = BACK, True
        elif _is_non_body_key(key):
            self.state, self.explicit = self._non_body(number), True
        elif self.state == FRONT and self.explicit:
            self.state, self.explicit = BODY, False
        elif self.state == FRONT and key in _BODY_OPENERS:
            self.state = BODY
        elif self.state == BACK and _is_prose_pair(lines, i + 1, longest):
            # A new section of running prose after a reference list (per-chapter references).
            self.state, self.explicit = BODY, False


_BODY_OPENERS = frozenset(
    {
        "summary",
        "executive summary",
        "abstract",
        "introduction",
        "key messages",
        "key points",
        "key findings",
        "overview",
        "background",
        "foreword",
        "purpose",
        "purpose of the report",
        "purpose of report",
        "recommendations",
    }
)


# What a back cover or a blank page says: who made the document and where to find its
# publisher ("This report was produced for Kent County Council", "jsna.westsussex.gov.uk",
# "© Crown copyright 2020"), or that the page is empty on purpose.
_COLOPHON = re.compile(
    r"\b(?:produced|prepared|designed|printed|published|commissioned)\s+(?:for|by|to)\b"
    r"|intentionally (?:been )?left blank|www\.|https?://|\.gov\.uk\b|\.nhs\.uk\b|@",
    re.IGNORECASE,
)
_BLANK_ON_PURPOSE = re.compile(
    r"^\W*this page (?:has been |is )?(?:intentionally )?left blank\W*$", re.I
)
# A last page with at most this many words and such a line is a back cover, not evidence.
MAX_BACK_COVER_WORDS = 80


def _is_back_cover(lines: list[Line]) -> bool:
    """A short last page that says who made the document or where to find it, and holds no
    running prose (`_is_prose_pair`): a colophon, a publisher's back cover, a blank page."""
    texts = [x.text for x in lines]
    if not texts or sum(len(x.split()) for x in texts) > MAX_BACK_COVER_WORDS:
        return False
    longest = max(len(x) for x in texts)
    if any(_is_prose_pair(texts, i, longest) for i in range(len(texts))):
        return False
    return any(_COLOPHON.search(x) or _IMPRINT.search(x) for x in texts)


def read_lines(pages: list[str]) -> list[list[Line]]:
    """Every page's lines (running headers and footers dropped), each marked with its matter.
    A page that only says it is blank on purpose, and a document's short back cover
    (`_is_back_cover`), are not its body either."""
    reader = _Reader(len(pages))
    out: list[list[Line]] = []
    previous_was_contents = False
    # Lines repeated anywhere on half the pages go, by the rule the page previews use too.
    for number, kept in enumerate(drop_running_lines(pages), start=1):
        lines = [" ".join(x.split()) for x in kept]
        lines = [x for x in lines if x]
        page = reader.read_page(number, lines, previous_was_contents)
        previous_was_contents = bool(page) and all(x.matter == FRONT for x in page) and number <= 5
        # A page (or a Word file's or web page's section) that opens with a heading ends the
        # block before it, as a heading within a page does.
        if page and page[0].is_heading and out and out[-1]:
            out[-1][-1] = replace(out[-1][-1], ends_block=True)
        if page and all(_BLANK_ON_PURPOSE.match(x.text) for x in page):
            page = [replace(x, matter=reader._non_body(number)) for x in page]
        out.append(page)
    if len(out) >= 3 and _is_back_cover(out[-1]):
        out[-1] = [replace(x, matter=BACK) for x in out[-1]]
    return out
