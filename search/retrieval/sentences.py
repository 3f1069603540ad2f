"""Where a sentence stops: the one rule passages are cut by and headings are told apart by;
and a table's row read across, which is no sentence however long."""

from __future__ import annotations

import re
from functools import cache
from itertools import pairwise

from search.evidence.places import default_gazetteer

__all__ = [
    "BOUNDARY",
    "BULLETS",
    "ENDS_SENTENCE",
    "HAS_SENTENCE_END",
    "RUNS_ON",
    "RUN_IN_OPENER",
    "SENTENCE_END",
    "STOP",
    "breaks_place_name",
    "breaks_sentence",
    "broken_in_name",
    "finishes_open_sentence",
    "holds_caption",
    "is_caption_line",
    "is_table_row",
    "leaves_sentence_open",
    "reads_as_prose",
    "runs_on",
]

# The marks a list's items start with (a filled or hollow dot, a square); a word processor's
# "o" bullet is a letter and is handled where it matters.
BULLETS = "•▪●◦○■"
# Where a sentence starts inside a line, straight after a heading or a table's cell the page
# laid out on its line ("Supporting GP practices to go digital We have also supported …", a
# risk register's row label "Insecure funding The 2025-26 core budget includes …"): a word that
# opens sentences, capitalised, then a small word or a figure, straight after a small word.
# Over the 100 real PDFs' chunks every such place sampled was one, and the two before a figure
# were both a table row's label.
RUN_IN_OPENER = (
    r"(?<=[a-z])[ \t]+"
    r"(?=(?:The|We|Our|They|There|This|These|Those|It|He|She|Their)\s+(?:[a-z]|[£$€]?\d))"
)
# A full stop, question or exclamation mark, with any closing quotes or brackets after it.
STOP = r"[.!?][\"”’')\]]*"
# The text ends a sentence (trailing space allowed).
ENDS_SENTENCE = re.compile(STOP + r"\s*$")
# A sentence stops here and another starts (or a line ends: the chunker ends every heading and
# paragraph with a newline); the match ends where the next sentence begins.
BOUNDARY = re.compile(STOP + r"\s+(?=[\"“‘'(\[]?[A-Z0-9•])|\n")
# A sentence stops here (the match ends right after its stop), or a line ends.
SENTENCE_END = re.compile(STOP + r"(?=\s)|\n")
# A stop followed by a space or the end: ". " or a final ".", not the point in "66.6%".
HAS_SENTENCE_END = re.compile(STOP + r"(?:\s|$)")

# A line ending in one of these words (or a comma) runs on into the next: neither a heading nor
# a sentence's end, however the PDF broke it ("… rose to\n24% in 2023").
# fmt: off
RUNS_ON = frozenset([
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "is", "are", "of", "on",
    "or", "the", "to", "with", "was", "were", "that", "which", "per", "than", "within",
    "between", "including", "be", "been", "has", "have", "had", "will", "would", "can",
    "could", "should", "their", "its", "our", "who",
])
# fmt: on


def runs_on(line: str) -> bool:
    """Whether a line ends mid-sentence: with a comma, a small word that needs more after it
    ("Appendix A" is a label, "… in a" is not), or inside a bracket it opened."""
    line = line.rstrip()
    if line.endswith(",") or line.count("(") > line.count(")"):
        return True
    last = line.rsplit(None, 1)[-1] if line else ""
    return last in RUNS_ON


# A line that goes on with a small letter continues the sentence the PDF broke before it
# ("… walking,\ncanoeing, rock climbing …"), as does one after a line that runs on ("… rose
# to\n24% in 2023"); a list's item marked by a letter ("a) …", "(iv) …"), and a sentence after
# an "o" used as a bullet or a page's number in small roman figures ("ii Welcome to …"), start
# one.
_CONTINUES = re.compile(r"\s*[\"“‘'(\[]?[a-z]")
_LETTER_BULLET = re.compile(r"\s*(?:(?:o|[ivx]{1,4})\s+[A-Z]|\(?(?:[a-z]|[ivx]{1,4})[.)]\s)")


def breaks_sentence(text: str, newline: int) -> bool:
    """Whether the line break at `newline` in `text` ends a sentence (or a heading): not when
    the line before it runs on (`runs_on`) or breaks a name (`broken_in_name`), or the next line
    goes on with a small letter."""
    line_start = text.rfind("\n", 0, newline) + 1
    line = text[line_start:newline]
    at = newline + 1
    if runs_on(line) or (broken_in_name(line) and not _OWN_LINE.match(text, at)):
        return False
    if breaks_place_name(line, text[at : at + _NEXT_WORD_CHARS]):
        return False
    return not _CONTINUES.match(text, at) or bool(_LETTER_BULLET.match(text, at))


# Enough of the next line to hold its first word.
_NEXT_WORD_CHARS = 60
# What may follow a name's last word in a sentence ("West\nSussex, significantly …").
_AFTER_WORD = ".,;:!?)'’\"”"


def breaks_place_name(line: str, following: str) -> bool:
    """Whether a line ends inside the name of a place the gazetteer knows, the next line going
    on with the rest of it ("… in coastal West" / "Sussex, significantly exceeding …"): the
    break is no sentence's end, whatever the words around it."""
    last = line.rsplit(None, 1)[-1] if line.strip() else ""
    first = following.split(None, 1)[0].rstrip(_AFTER_WORD) if following.strip() else ""
    return bool(last and first) and (last, first) in _place_name_breaks()


@cache
def _place_name_breaks() -> frozenset[tuple[str, str]]:
    """Every pair of neighbouring words inside a place's name ("West", "Sussex"), as written
    and in capitals."""
    pairs: set[tuple[str, str]] = set()
    for place in default_gazetteer().places.values():
        for name in place.names:
            for written in (name, name.upper()):
                words = written.split()
                pairs.update(pairwise(words))
    return frozenset(pairs)


# Words a sentence's first line often opens with and a heading seldom does.
_OPENS_PROSE = frozenset(
    ["The", "This", "These", "That", "We", "Our", "It", "Its", "There", "In", "A", "An"]
)
# A line this long or longer, mostly in small letters, reads as prose, not as a title.
PROSE_WORDS = 7
# A list's bullet: the words after the last one on a line are an item of their own.
_BULLET = re.compile(rf"\s[{BULLETS}]\s")
# A line that starts on its own whatever came before: a number (a section's, a figure), or a
# caption, source or note.
_OWN_LINE = re.compile(
    r"\s*(?:\d|(?i:figure|fig\.|table|chart|map|sources?\b|notes?\b|data\s+sources?\b))"
)


def broken_in_name(line: str) -> bool:
    """Whether a line is a sentence's first line that the PDF broke inside a name ("This
    briefing will provide a summary of the updated Income Deprivation" / "Affecting Children
    Index (IDACI), one of …"): it opens as prose does, ends on a capitalised word, and has too
    many words, most of them small, for a heading ("Free school meal eligibility in West
    Sussex" is one)."""
    if ENDS_SENTENCE.search(line):
        return False
    # The sentence the line ends in: after its last stop, or its last bullet.
    tail = str(_BULLET.split(line)[-1])
    tail = tail[max((m.end() for m in HAS_SENTENCE_END.finditer(tail)), default=0) :]
    words = tail.split()
    if not words or words[0] not in _OPENS_PROSE or not reads_as_prose(words):
        return False
    # A clause's end ("… Therapeutic Service:") is no name's middle.
    return words[-1][:1].isupper() and words[-1][-1].isalnum()


def reads_as_prose(words: list[str]) -> bool:
    """Whether a short line's words read as a sentence's, not a title's: `PROSE_WORDS` or more,
    most of those that start with a letter starting with a small one."""
    letters = [w for w in words if w[:1].isalpha()]
    small = sum(w[0].islower() for w in letters)
    return len(words) >= PROSE_WORDS and small * 2 > len(letters)


# The next line finishes a sentence left open in this many words or fewer ("… from April" /
# "2017."): a sentence's tail, too short to be a sentence of its own.
TAIL_WORDS = 4
# A line opening with a bracket ("(B&B) placements.", "(16.0%, 2022/23)").
_OPENS_BRACKET = re.compile(r"\s*[(\[]")
# A line that starts something of its own: a list's item marked by a number or a letter
# ("1. …", "2) …", "(a) …", "(iv) …"), a footnote ("[8] The rate …", not the citation in "[32].
# This is …"), a bullet, or a caption, source or note.
_STARTS_ITEM = re.compile(
    rf"\s*(?:\(?(?:\d{{1,2}}|[a-z]|[ivx]{{1,4}})[.)]\s|\[\d{{1,3}}\](?![.,;:)])|[{BULLETS}*–-]"
    r"|(?i:figure|fig\.|table|chart|map|sources?\b|notes?\b))"
)


def leaves_sentence_open(text: str) -> bool:
    """Whether text stops inside a sentence of prose: its last sentence has no stop, nor a colon
    or semicolon that ends a clause or leads into a list, and it reads as prose, not as a
    title's or a label's words (`reads_as_prose`)."""
    text = text.rstrip()
    if not text or ENDS_SENTENCE.search(text) or text[-1] in ":;":
        return False
    last = text[max((m.end() for m in HAS_SENTENCE_END.finditer(text)), default=0) :]
    return reads_as_prose(last.split())


def finishes_open_sentence(before: str, line: str) -> bool:
    """Whether `line` goes on with the sentence `before` left open (`leaves_sentence_open`), as
    a PDF's lines do where the line break is no sentence's end: it opens with a bracket ("…
    emergency bed and breakfast" / "(B&B) placements.") or is the sentence's short tail ("…
    from April" / "2017."), and is not a list's item, a bullet or a caption."""
    if _STARTS_ITEM.match(line) or not leaves_sentence_open(before):
        return False
    if _OPENS_BRACKET.match(line):
        return True
    words = line.split()
    return len(words) <= TAIL_WORDS and _ends_first_sentence(line)


def _ends_first_sentence(line: str) -> bool:
    """Whether a line's only stop is at its end: it ends a sentence and starts none."""
    stops = list(HAS_SENTENCE_END.finditer(line.rstrip()))
    return len(stops) == 1 and stops[0].end() == len(line.rstrip())


# A figure's or table's caption run into the sentence before it ("… by MSOAs Figure 5
# Deprivation proportion by MSOAs."); "(Figure 5)" and "in Table 2" are the sentence's own.
_SPLICED_CAPTION = re.compile(
    r"(?<![(\[])(?<!\bin )(?<!\bsee )(?<!\bfrom )(?<!\band )(?<!\bof )(?<!\bto )"
    r"\b(?:Figure|Fig\.|Table|Chart|Map)\s+\d"
)
# A caption, a source line or a note on its own ("Figure 2 …", "Source: ONS").
_CAPTION = re.compile(r"^(figure|fig\.|table|chart|source|note|map)\b", re.IGNORECASE)
# The same as a paragraph of a passage, told apart from prose that starts with those words: a
# caption with its number ("Table 1. Number of pupils …", "Figure 3 Rates by district"), or a
# line crediting the data or noting its scope ("Source: DfE …", "Note: Totals include …"); not
# a sentence that points to one ("Table 3 shows that …") or starts with the word ("Note that").
_CAPTION_LINE = re.compile(
    r"^\s*(?:(?:[Ff]igure|[Ff]ig\.|[Tt]able|[Cc]hart|[Mm]ap)\s*\d+[a-z]?(?:\.\d+)?"
    r"(?:\s*[.:–—-]|\s+[A-Z])|(?i:(?:data\s+)?(?:sources?|notes?)\s*:))"
)

# A figure as a table cell holds it: 194.5, -13.0, 14.0%, 2022/23, (12), £3,400.
_FIGURE = re.compile(r"^[(£$-]?[0-9][0-9.,:/%]*[)%]?[.,;]?$")
# This many figures in a row are a table's row read across, however many words sit around them.
_TABLE_RUN = 3


def is_table_row(text: str) -> bool:
    """Whether text holds `_TABLE_RUN` figures in a row ("… 96,286.5 202.0 103,136.4 …"), unless
    the run only ends a paragraph that has already finished a sentence: a chart's axis read
    into the text before it ("… felt socially isolated. 0% 100% 77%")."""
    words = text.split()
    run = 0
    for at, word in enumerate(words):
        run = run + 1 if _FIGURE.match(word) else 0
        ends_run = at + 1 == len(words) or not _FIGURE.match(words[at + 1])
        if run >= _TABLE_RUN and ends_run:
            if at + 1 < len(words):
                return True
            before = " ".join(words[: at + 1 - run])
            return not HAS_SENTENCE_END.search(before)
    return False


def is_caption_line(line: str) -> bool:
    """Whether a paragraph is a table's or a chart's caption, source line or note."""
    return bool(_CAPTION_LINE.match(line))


def holds_caption(sentence: str) -> bool:
    """Whether a sentence is a caption, a source or a note, or has a caption run into it."""
    return bool(_CAPTION.match(sentence.strip()) or _SPLICED_CAPTION.search(sentence))
