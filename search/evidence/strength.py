"""Each document's strongest passage per determinant, worked out once when it is (re)tagged."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from itertools import pairwise
from typing import Any

from search.retrieval.headings import is_note_line
from search.retrieval.passages import (
    chunk_index_of,
    cut_at_sentences,
    sentence_starts,
)
from search.retrieval.sentences import (
    BOUNDARY,
    breaks_sentence,
    broken_in_name,
    holds_caption,
    is_caption_line,
    is_table_row,
)
from search.schema import BODY, NON_BODY

__all__ = [
    "ABOUT_MIN_WORDS",
    "LABEL_RUN",
    "MIN_PROSE_SHARE",
    "NEAR_STRONGEST",
    "STRONGEST_FIELDS",
    "STRONGEST_RULES",
    "about_start",
    "evidence_start",
    "find_strongest_passages",
    "is_quotable",
    "prose_start",
    "reads_as_prose",
]

# The edition of the rule below: raised whenever it changes, so a library whose documents'
# strongest passages an older edition chose has them chosen again once (index.refresh_strongest).
# 2: a passage that reads as a finding before a definitions table, a list or a contents page.
# 3: a line with three figures in a row is a table's row, not prose.
# 4: … unless they only end a paragraph that has finished a sentence (a chart's axis); and
#    whether the passage shown reads as evidence is stored with it (no longer read: a
#    determinant's page asks that of the text it shows, which starts at the sentence about the
#    determinant; libraries that hold the mark keep it, unused).
# 5: a numbered caption, a source line or a note is not prose.
# 6: what is shown starts at the passage's first whole sentence, and past a caption, a source
#    line or a note before its prose however short (`evidence_start`); a footnote is not prose.
# 7: a table whose rows each carry a line of text (a budget's descriptions) is not prose.
STRONGEST_RULES = 7
# What the rule reads of each chunk.
STRONGEST_FIELDS = ("page", "matter", "determinants", "determinant_scores", "text", "chunk_index")

# Passages tagged this close to a document's strongest for a determinant are taken as equally
# about it (the tagger's scores crowd near 1.0 on a document about that subject), and among
# them the strongest that reads as evidence (`is_quotable`) is shown.
NEAR_STRONGEST = 0.05

# A passage that explains what terms mean rather than what was found: a heading or table column
# of definitions, or a sentence that defines ("tenure is whether a household rents or owns").
_DEFINING = re.compile(
    r"^\s*(?:defin(?:ing|itions?)|glossary|key terms|terminology)\b|\bdefinitions?\s*$"
    r"|\b(?:is|are) defined as\b|\brefers? to\b|\bis whether\b|\bis used to describe\b",
    re.IGNORECASE | re.MULTILINE,
)
# A line that reads as running prose: at least this many words, most of them lower-case words
# (table rows, list items, contents lines and lists of names are short or mostly names and
# figures).
_PROSE_WORDS = 8
_LOWER_SHARE = 0.5
# The share of a passage's text in prose lines for it to be quoted as evidence.
MIN_PROSE_SHARE = 0.5
# A table whose rows carry a column of text reads as prose line by line (a budget's "Provision
# for price inflation related to …" above its "755.5 1,365.3 1,372.4"): this many rows of
# figures, each straight after a line that reads as prose, make the passage a table (one is
# a finding's own figures set out after it).
TEXT_COLUMN_ROWS = 2


def _is_prose_line(line: str) -> bool:
    words = line.split()
    if len(words) < _PROSE_WORDS or is_table_row(line):  # a table's row read across
        return False
    if is_caption_line(line) or is_note_line(line):  # goes with a table, a chart or a page
        return False
    lower = sum(1 for w in words if w[:1].islower())
    return lower >= _LOWER_SHARE * len(words)


def is_quotable(text: str) -> bool:
    """Whether a passage reads as evidence to quote: mostly running prose (not a table, a list,
    a form or a contents page), and not an explanation of what terms mean."""
    if _DEFINING.search(text):
        return False
    lines = text.splitlines()
    if _text_column_rows(lines) >= TEXT_COLUMN_ROWS:
        return False
    return _is_mostly_prose(lines)


def reads_as_prose(text: str) -> bool:
    """Whether text is mostly running prose, not laid out as a table, a chart's labels, a form
    or a list, whose words a text layer may give out of their order on the page. A run of
    `FIGURE_RUN` figures in a row ("9.9% 16.0% 19.6%") is a table or chart, even where the
    chunker joined its boxes into one long line; so are `LABEL_RUN` short lines in a row (a
    table's column headings, a word to a line: "Estimated" / "Annual" / "Financial" / …) and a
    line of nothing but figures among lines of words (a row's scores, "4 12.0", after the
    sentence in its first cell)."""
    lines = text.splitlines()
    if _has_figure_run(text) or _has_label_run(lines) or _has_figure_line(lines):
        return False
    return _is_mostly_prose(lines)


# Figures in a row that no sentence writes: a table's row or a chart's boxes read across.
FIGURE_RUN = 3
# (A figure ends on a digit before its closing marks, so the two never share a comma: a token of
# commas read both ways took time growing with its square.)
_FIGURE = re.compile(r"[(£$]*[-+]?\d(?:[\d,.]*\d)?%?[)%,.;:]*")


def _has_figure_run(text: str) -> bool:
    run = 0
    for token in text.split():
        run = run + 1 if _FIGURE.fullmatch(token) else 0
        if run >= FIGURE_RUN:
            return True
    return False


# Lines of at most `_LABEL_WORDS` words with no stop, this many in a row, are a table's column
# headings, a chart's labels or a list, never a sentence broken over lines.
LABEL_RUN = 4
_LABEL_WORDS = 2


def _has_label_run(lines: list[str]) -> bool:
    run = 0
    for line in lines:
        words = line.split()
        is_label = 0 < len(words) <= _LABEL_WORDS and not line.rstrip().endswith((".", ","))
        run = run + 1 if is_label else 0
        if run >= LABEL_RUN:
            return True
    return False


def _has_figure_line(lines: list[str]) -> bool:
    """A line of two or more figures and nothing else, between lines that hold words."""
    inner = [line.split() for line in lines[1:-1]]
    return any(len(words) >= 2 and all(_FIGURE.fullmatch(w) for w in words) for words in inner)


def _is_mostly_prose(lines: list[str]) -> bool:
    prose = sum(len(line) for line in lines if _is_prose_line(line))
    return prose >= MIN_PROSE_SHARE * max(sum(len(line) for line in lines), 1)


def _text_column_rows(lines: list[str]) -> int:
    """How many rows of figures come straight after a line that reads as prose: a table's
    column of text (a row's label wrapped onto lines of its own, "Mid" / "Sussex", is not)."""
    shown = [line for line in lines if line.strip()]
    return sum(
        1 for before, line in pairwise(shown) if is_table_row(line) and _is_prose_line(before)
    )


# A lead-in of at least this many words before a passage's first prose line, none of it prose
# (a table's last rows, a chart's labels, a form's fields), is not shown with the passage as
# evidence; a shorter one is a heading and stays.
LEAD_IN_WORDS = 8
# … and only when at least this many words of the passage are left to show.
_MIN_WORDS_LEFT = 20


def prose_start(text: str) -> int:
    """Where a passage's evidence begins: when a lead-in that is not prose (`LEAD_IN_WORDS` or
    more, or any that holds a caption, a source line or a note) comes before its first prose
    line, the start of that line, or of the short heading just above it; past a caption that
    opens that line ("… by MSOAs Figure 3 Deprivation proportion by MSOAs. A household is …");
    else 0. Only when what is left reads as evidence itself (`is_quotable`). The chunker ends
    every heading and paragraph with a newline, so a line starts a sentence, unless the PDF
    broke one there (`breaks_sentence`); a sentence broken inside a name starts on the line
    before (`broken_in_name`)."""
    starts: list[int] = []
    offset = 0
    broken = False
    for line in text.splitlines(keepends=True):
        if _is_prose_line(line) and (offset == 0 or breaks_sentence(text, offset - 1)):
            break
        if _is_prose_line(line) and starts and broken_in_name(text[starts[-1] : offset]):
            offset, broken = starts.pop(), True  # the sentence began on the line before
            break
        starts.append(offset)
        offset += len(line)
    else:
        return 0
    # A caption, a source line or a note belongs to the table or chart before it, however
    # short: the evidence starts after it.
    captioned = any(is_caption_line(line) for line in text[:offset].splitlines())
    above = text[starts[-1] : offset] if starts else ""
    if above and not broken and _is_heading(above) and not is_caption_line(above):
        offset = starts.pop()
    elif (
        (first := BOUNDARY.search(text, offset))
        and first.group() != "\n"
        and holds_caption(text[offset : first.end()])
    ):
        captioned, offset = True, first.end()
    lead_words = len(text[:offset].split())
    rest = text[offset:]
    if lead_words < LEAD_IN_WORDS and not captioned:
        return 0
    return offset if len(rest.split()) >= _MIN_WORDS_LEFT and is_quotable(rest) else 0


def evidence_start(text: str, starts_clean: bool) -> int:
    """Where a passage shown as evidence begins: at its first whole sentence (where a passage
    is cut to begin, `cut_at_sentences`; `starts_clean` as there) and, past a lead-in there
    that is not prose, at its prose (`prose_start`)."""
    begin = cut_at_sentences(text, 0, len(text), starts_clean).start
    return begin + prose_start(text[begin:])


# Evidence about a determinant moves on to a later sentence only while at least this many words
# are left to show from it.
ABOUT_MIN_WORDS = 30


def about_start(text: str, start: int, is_about: Callable[[str], bool]) -> int:
    """Where evidence about one determinant begins, given where the passage's evidence begins
    (`evidence_start`): there when its first sentence speaks of the determinant (`is_about`),
    else at the first later sentence that does, is no table's row read across, and starts a
    stretch that reads as evidence (`is_quotable`) of at least ABOUT_MIN_WORDS words; failing
    that, there after all. A chunk is tagged as a whole, so the sentences about a determinant
    need not come first ("Both parties are working to address the water quality at Faversham
    Creek. …" for transport)."""
    starts = [start, *(at for at in sentence_starts(text, start, len(text)) if at > start)]
    ends = [*starts[1:], len(text)]
    if is_about(text[starts[0] : ends[0]]):
        return start
    for at, stop in zip(starts[1:], ends[1:], strict=True):
        if len(text[at:].split()) < ABOUT_MIN_WORDS:
            break
        sentence = text[at:stop]
        if is_about(sentence) and not is_table_row(sentence) and is_quotable(text[at:]):
            return at
    return start


def _is_heading(line: str) -> bool:
    """A short line of words, at most one of them a figure ("9.3 Information provided"): a
    heading, or a question that the paragraph under it answers."""
    words = line.split()
    figures = sum(1 for word in words if not any(ch.isalpha() for ch in word))
    return 0 < len(words) < LEAD_IN_WORDS and figures <= 1 and words[0][0].isupper()


def _strength(payload: Mapping[str, Any], determinant_id: str) -> float:
    scores = payload.get("determinant_scores") or {}
    value = scores.get(determinant_id, 0.0) if isinstance(scores, Mapping) else 0.0
    return float(value) if isinstance(value, int | float) else 0.0


def _page(payload: Mapping[str, Any]) -> int:
    value = payload.get("page", 1)
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def find_strongest_passages(
    chunks: Iterable[tuple[str, Mapping[str, Any]]],
) -> dict[str, dict[str, Any]]:
    """Per determinant a document's chunks are tagged with: the passage to show for it, the
    document's strength on it (its strongest body chunk's score) and how many chunks carry
    the tag. The passage is, of the body chunks within NEAR_STRONGEST of that strength, the
    strongest that reads as evidence (`is_quotable`), or the strongest when none does;
    between equals the earlier page, then the earlier chunk (whatever order the chunks come
    in: at ingest in the document's, from the store by id).

    `chunks` are (chunk id, payload) pairs of one document. The result is stored in the
    document's catalogue row, so a determinant's page never reads the chunks themselves.
    """
    tagged: dict[str, list[tuple[float, int, str, str, int]]] = {}
    passages: dict[str, int] = {}
    for chunk_id, payload in chunks:
        # Front and back matter (covers, contents, references) count but are never shown.
        is_body = payload.get("matter", BODY) not in NON_BODY
        for determinant in payload.get("determinants") or []:
            name = str(determinant)
            passages[name] = passages.get(name, 0) + 1
            if is_body:
                strength = _strength(payload, name)
                text = str(payload.get("text") or "")
                index = chunk_index_of(payload)
                tagged.setdefault(name, []).append(
                    (strength, _page(payload), chunk_id, text, index)
                )
    found: dict[str, dict[str, Any]] = {}
    for name, count in passages.items():
        candidates = tagged.get(name)
        if not candidates:
            # A determinant found only in front or back matter: counted, nothing to show.
            found[name] = {"chunk": "", "strength": 0.0, "passages": count}
            continue
        strongest = max(c[0] for c in candidates)
        near = [c for c in candidates if c[0] >= strongest - NEAR_STRONGEST]
        near.sort(key=lambda c: (-c[0], c[1], c[4]))
        shown = next((c for c in near if is_quotable(c[3])), near[0])
        found[name] = {"chunk": shown[2], "strength": strongest, "passages": count}
    return found
