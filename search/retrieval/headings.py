"""Tells the headings in a chunk's text from its sentences, so a shown passage can leave out a
heading that would otherwise read as the start of the sentence under it, and the notes a page
carries at its foot (numbered footnotes, a contact's e-mail address) that would read as part
of the evidence."""

from __future__ import annotations

import re

from search.retrieval.sentences import (
    ENDS_SENTENCE,
    HAS_SENTENCE_END,
    RUN_IN_OPENER,
    STOP,
    breaks_sentence,
    is_caption_line,
    is_table_row,
    reads_as_prose,
    runs_on,
)

__all__ = ["MAX_HEADING_WORDS", "is_heading_line", "is_link_line", "is_note_line", "kept_lines"]

MAX_HEADING_WORDS = 12
_HEADING_STOPS = (".", "!", "?", ":", ";", ",", "-", "–", "—")
# A leading list or section number: "8. ", "4.6.2 ", "2) ".
_LIST_NUMBER = re.compile(r"^\s*(?:\d+(?:\.\d+)*\.?|[a-z\d]{1,3}\))\s+")
_NOTE = re.compile(r"(?:source|sources|note|notes)\b", re.IGNORECASE)
# A figure's or table's caption ("Figure 2.12 % of respondents …", "Table 3: …"): a block of
# its own, which a heading may follow as it follows a paragraph.
_CAPTION = re.compile(r"^\s*(?:figure|fig\.|table|chart|map|graph)\s*\d+(?:\.\d+)*[a-z]?\b", re.I)
_NUMBER = re.compile(r"[£$€]?[\d.,]+[%kmb]?")
_BARE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_RUN_IN = re.compile(RUN_IN_OPENER)
_SENTENCE_STOP = re.compile(STOP + r"\s+")


def is_heading_line(line: str) -> bool:
    """A short line that starts like a title and does not end like a sentence: a heading the
    chunker ended with a newline ("Links to other chapters")."""
    line = line.strip()
    words = line.split()
    if not words or len(words) > MAX_HEADING_WORDS or line.endswith(_HEADING_STOPS):
        return False
    numbers = sum(bool(_NUMBER.fullmatch(w.strip("()[],;:"))) for w in words)
    if _NUMBER.fullmatch(words[-1]) or numbers > 1 or _NOTE.match(line):
        return False  # a table row ("Arun 891"), a contents line or a source note
    if runs_on(line) or HAS_SENTENCE_END.search(_unnumbered(line)):
        return False  # a sentence broken over lines, or two sentences
    if reads_as_prose(words):
        return False  # reads like a sentence broken over lines: dropping it would lose words
    return line[0].isupper() or line[0].isdigit()


# A footnote numbered in brackets ("[23] Office for Students. POLAR …"), and a short line
# with an e-mail address ("[25] Contact a.person@council.gov.uk for further details").
_FOOTNOTE = re.compile(r"^\s*\[\d{1,3}\]\s")
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
MAX_CONTACT_WORDS = 20
# A footnote numbered without brackets that cites its source ("12 NHS England (2015): Patient
# Registration … Available at: https://…", "13 Addressing the health needs of rough sleepers:
# Griffiths (2003)", or with its number run into it, "76DEFRA (2020) …"): its number, a capital,
# and a source's marks (a year in brackets, a web address, "Available at", "et al."). A figure
# run into a short name ("4G coverage", "3D scans") is not a note's number.
_NUMBERED_NOTE = re.compile(r"^\s*\d{1,3}(?:\s+[A-Z]|[A-Z][A-Za-z]{2,})")
_SOURCE = re.compile(
    r"\(\d{4}[a-z]?\)|https?://|www\.|\bdoi\b|available (?:at|from)\b|\bet al\b|\baccessed\b",
    re.IGNORECASE,
)


# A line that ends on a web address: on its own, or after words that point to it ("Further
# data & information available from:", "Full report available from:", "Reports for 2017 are
# available at", "For more information see …", a briefing's credit "Name | Unit …").
_ENDS_ON_ADDRESS = re.compile(r"(?:https?://|www\.)\S+\s*$", re.IGNORECASE)
_POINTS_TO_IT = re.compile(
    r"\b(?:available\s+(?:from|at|online|on|via)|(?:further|more)\s+(?:data|information|"
    r"details)|can\s+be\s+found|see|visit|go\s+to)\b|:\s*$",
    re.IGNORECASE,
)
# A stop before the address: the line holds a sentence, which is evidence.
_STOP_INSIDE = re.compile(r"[.!?][\"”’')\]]*\s")
MAX_LINK_LINE_WORDS = 25


def is_link_line(line: str) -> bool:
    """A line that only says where to find more: a web address, alone or after a few words
    pointing to it, with no sentence of its own before it."""
    if "://" not in line and "www." not in line.lower():
        return False
    address = _ENDS_ON_ADDRESS.search(line)
    if address is None or len(line.split()) > MAX_LINK_LINE_WORDS:
        return False
    before = line[: address.start()]
    if _STOP_INSIDE.search(before):
        return False
    return not before.strip() or bool(_POINTS_TO_IT.search(before))


def is_note_line(line: str) -> bool:
    """A footnote, a contact line or a line pointing to a web address: the page's apparatus,
    not its evidence."""
    return _is_footnote_or_contact(line) or is_link_line(line)


def _is_footnote_or_contact(line: str) -> bool:
    if _FOOTNOTE.match(line) or (_NUMBERED_NOTE.match(line) and _SOURCE.search(line)):
        return True
    # "@" first: a line without one (nearly all) needs no search for an address, which tries
    # every word of a long line.
    return "@" in line and bool(_EMAIL.search(line)) and len(line.split()) <= MAX_CONTACT_WORDS


def _is_note_at(shown: list[str], i: int) -> bool:
    """Whether line i of a passage is apparatus to leave out. A link line straight after a
    line that runs on ("… Office for Health Improvement and" / "Disparities: https://…") ends
    that line's sentence or reference: left out, it would leave the line before cut short."""
    if _is_footnote_or_contact(shown[i]):
        return True
    return is_link_line(shown[i]) and not (i > 0 and runs_on(shown[i - 1]))


def _unnumbered(line: str) -> str:
    """The line without a leading list or section number ("8. ", "4.6.2 ", "2) ")."""
    return _LIST_NUMBER.sub("", line, count=1)


def _starts_sentence(line: str) -> bool:
    line = line.strip()
    if not line or not (line[0].isupper() or line[0].isdigit() or line[0] in "\"“‘'("):
        return False
    line = _unnumbered(line)
    return bool(HAS_SENTENCE_END.search(line)) or len(line.split()) > MAX_HEADING_WORDS


def _opens_sentence(shown: list[str], i: int) -> bool:
    """Whether line i starts a sentence, read on into the next line when the PDF broke the
    sentence there ("The Council must ensure that the Medium" / "Term Financial Plan …")."""
    if _starts_sentence(shown[i]):
        return True
    pair = f"{shown[i]}\n{shown[i + 1]}" if i + 1 < len(shown) and shown[i + 1] else ""
    return bool(pair) and not breaks_sentence(pair, len(shown[i])) and _starts_sentence(pair)


# A caption longer than this has run on into the page's prose ("Figure 3 Change in tenure …
# Census. Similar patterns were observed …"): dropping it would lose a sentence.
MAX_CAPTION_WORDS = 40
# The words of a caption's label ("Figure 3", "Table 2.1").
_LABEL_WORDS = 2
# A sentence that points to a figure or table ("Chart 6.2 shows how …"): no caption.
_POINTS_TO_FIGURE = re.compile(r"^\s*\S+\s*\d+(?:\.\d+)*[a-z]?\s+[a-z]")
# A line that opens on a figure that is not a section's number ("72,500 aged", "65+"): an
# infographic's label, whose words the sentence below may finish.
_FIGURE_FIRST = re.compile(r"^\s*[(£$€]?\d[\d,.]*(?:[%+kmb)]|\s|$)")


def _is_apparatus(line: str) -> bool:
    """A line that belongs to a chart or table whose text is not there to read, and reads as
    the quote's own words when shown inline between sentences: a short caption, source line
    or note (`is_caption_line`), or a heading that does not open on a figure (a table's
    column heading, a chart's label)."""
    if is_caption_line(line):
        return (
            len(line.split()) <= MAX_CAPTION_WORDS
            and not _POINTS_TO_FIGURE.match(line)
            and not _holds_prose_after_caption(line)
        )
    return is_heading_line(line) and not (
        _FIGURE_FIRST.match(line) and not _LIST_NUMBER.match(line)
    )


def _holds_prose_after_caption(line: str) -> bool:
    """Whether a sentence of prose follows a caption on its line ("Figure 3 Change in tenure,
    2011 vs 2021 Census. Similar patterns were observed across the county …"), not just its
    source ("… England. Census 2021.")."""
    pieces = _SENTENCE_STOP.split(line)
    # A label closed by a stop ("Figure 3. Housing status …") opens the caption, not its end.
    caption_ends = 2 if len(pieces[0].split()) <= _LABEL_WORDS else 1
    return any(reads_as_prose(piece.split()) for piece in pieces[caption_ends:])


# A caption the text layer ran on from a sentence's end, to the end of its line ("… by age-band
# (figure 3). Figure 3. Housing status at time of death by age-band.").
_CAPTION_TAIL = re.compile(STOP + r"\s+(?=(?:Figure|Fig\.|Table|Chart|Map)\s*\d)")


def _caption_tail_at(line: str) -> int | None:
    """Where a caption run on from a sentence's end starts in a line, when the rest of the
    line is that caption (`_is_apparatus`); else None."""
    found = _CAPTION_TAIL.search(line)
    return found.end() if found and _is_apparatus(line[found.end() :]) else None


def _opens_prose_after_run(
    shown: list[str], i: int, apparatus: list[bool], after_run: list[int]
) -> bool:
    """Whether line i starts a run of apparatus (`_is_apparatus`), however long, that a
    sentence of prose follows: "… ‘rent free’." / "Figure 1 Percentage of households by tenure
    … Census 2021." / "There was variation …", or a table's column headings set a word to a
    line atop the sentence in its first cell ("Estimated" / "Annual" / … / "The long term
    impact …"). Not before a table's row, whose column headings they are. `apparatus` says
    which lines are apparatus and `after_run` where each line's run of it ends (`_runs`)."""
    if not apparatus[i]:
        return False
    after = after_run[i]
    if after >= len(shown) or not shown[after].strip() or not _opens_sentence(shown, after):
        return False
    return not is_table_row(shown[after]) and reads_as_prose(shown[after].split())


def _runs(shown: list[str]) -> tuple[list[bool], list[int]]:
    """Which lines are apparatus (`_is_apparatus`), and for each line the first later line
    that is not: worked out once, in one pass from the end, so a passage of many short lines (a
    table's headings set a word to a line) costs time in proportion to its lines, not their
    square."""
    apparatus = [_is_apparatus(line) for line in shown]
    after_run = [len(shown)] * len(shown)
    following = len(shown)
    for j in range(len(shown) - 1, -1, -1):
        after_run[j] = following
        if not apparatus[j]:
            following = j
    return apparatus, after_run


def kept_lines(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The lines of text[start:end] worth showing: a heading (or two stacked headings) right
    before a sentence is dropped, since shown inline it would read as part of the sentence,
    and so are footnotes and contact lines (`is_note_line`) and a footnote's mark or a page's
    number on a line of its own between two sentences. Other short lines (table rows,
    list items) stay; a span of nothing but headings or notes stays."""
    lines: list[tuple[int, int]] = []
    at = start
    for match in re.finditer("\n", text[start:end]):
        lines.append((at, start + match.start()))
        at = start + match.end()
    lines.append((at, end))
    lines = [(a, b) for a, b in lines if text[a:b].strip()]
    shown = [text[a:b] for a, b in lines] + ["", ""]
    headings = [is_heading_line(x) for x in shown]
    # Notes first: a heading after a dropped note starts a new block, as after a paragraph.
    dropped = {i for i in range(len(lines)) if _is_note_at(shown, i)}
    # A bare number between a sentence's end and a line opening with a capital: a footnote's
    # mark or a page's number set on a line of its own ("… substance misuse.’" / "112" / "The
    # four quality statements …"), which shown inline reads as part of the next sentence.
    dropped |= {
        i
        for i in range(1, len(lines) - 1)
        if _BARE_NUMBER.match(shown[i])
        and ENDS_SENTENCE.search(shown[i - 1])
        and shown[i + 1].lstrip()[:1].isupper()
    }
    apparatus, after_run = _runs(shown)
    for i in range(len(lines) - 1):
        # A numbered caption or a source line starts a block of its own, unless the line before
        # runs on into it ("… as shown in" / "Figure 9 …").
        own_block = is_caption_line(shown[i]) and not (i > 0 and runs_on(shown[i - 1]))
        if not (own_block or _after_paragraph(shown, i, dropped)):
            continue
        opens_sentence = _opens_sentence(shown, i + 1) or (
            headings[i + 1] and _opens_sentence(shown, i + 2)
        )
        if (headings[i] and opens_sentence) or _opens_prose_after_run(
            shown, i, apparatus, after_run
        ):
            dropped.add(i)
    kept = [i for i in range(len(lines)) if i not in dropped]
    if not kept or all(headings[i] for i in kept):
        return lines or [(start, start)]  # nothing but headings and notes: show them all
    spans = [_without_run_in_heading(text, lines, shown, i, dropped) for i in kept]
    return [_without_caption_tail(shown, kept, n, span) for n, span in enumerate(spans)]


def _without_caption_tail(
    shown: list[str], kept: list[int], n: int, span: tuple[int, int]
) -> tuple[int, int]:
    """The n-th kept line's span, less a caption the text layer ran on from its last sentence
    (`_caption_tail_at`) when a sentence of prose or nothing follows it: shown inline, the
    caption would read as the start of the next sentence."""
    i = kept[n]
    tail = _caption_tail_at(shown[i])
    if tail is None:
        return span
    following = kept[n + 1] if n + 1 < len(kept) else None
    if following is not None and not (
        _opens_sentence(shown, following) and reads_as_prose(shown[following].split())
    ):
        return span
    start, end = span
    # Characters from the sentence's stop to the line's end.
    cut = len(shown[i]) - len(shown[i][:tail].rstrip())
    return (start, max(start, end - cut)) if end - start >= cut else span


def _without_run_in_heading(
    text: str, lines: list[tuple[int, int]], shown: list[str], i: int, dropped: set[int]
) -> tuple[int, int]:
    """Line i, less a heading the page laid out at its start, on the sentence's own line,
    after a paragraph's end ("Most Deprived LSOAs in West Sussex The table below shows …"):
    the heading a line of its own would be dropped for (`is_heading_line`)."""
    line = shown[i]
    # A heading is at most MAX_HEADING_WORDS words, so its sentence's opener and that word's
    # first letter come within the next two: the search stops there, not at the line's end.
    words = line.split(maxsplit=MAX_HEADING_WORDS + 2)
    reach = len(line) - len(words[-1]) + 1 if len(words) > MAX_HEADING_WORDS + 2 else len(line)
    found = _RUN_IN.search(line, 0, reach)
    if found is None or not is_heading_line(line[: found.start()]):
        return lines[i]
    return (
        (lines[i][0] + found.end(), lines[i][1])
        if _after_paragraph(shown, i, dropped)
        else lines[i]
    )


def _after_paragraph(shown: list[str], i: int, dropped: set[int]) -> bool:
    """Whether line i starts where a heading may: a passage's first line, or after a dropped
    line, the end of a paragraph or a caption. After a line that does not end a sentence, a
    short line is an item of a list or a cell of a table."""
    return (
        i == 0
        or i - 1 in dropped
        or bool(ENDS_SENTENCE.search(shown[i - 1]))
        or bool(_CAPTION.match(shown[i - 1]))
    )
