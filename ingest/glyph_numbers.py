"""What a font's numbered glyphs draw, learned from a page OCR read, so its other pages are
read from their own text instead of by OCR.

Some PDFs (often Word files converted by older tools) set their text in a font that names each
glyph by its number and carries no map from glyphs to letters: pypdf gives
"/g18/g152/g135/g148…", PDFium control codes. Such a page is junk to the text reader, and OCR
used to read every one of them: about a CPU-second a page, with now and then a figure misread.
But a glyph's number is the same on every page of the document, so one page read by OCR
teaches most of them:

- The page's words are lined up with OCR's words in runs of words of equal length (four or
  more in a row), where the letters both sides already agree on also agree. Each glyph gets the
  character OCR read most often in its place (`learn_glyphs`). Once the letters are known, a
  mark is learned from one word whose neighbours read as OCR read them, in a table too
  (`learn_marks_in_place`).
- A font numbers a script's letters (and its figures) in alphabetical order, so three letters
  of an alphabet at one step from their glyph numbers give the rest of it (`fill_alphabets`).
- The most common glyph is the space.

A page whose glyphs are all known, bar a few, and whose read words are English words is then
read from its text layer, exactly (`read_glyph_page`), but for marks no page OCR read taught:
one between words is a space, and one inside words, in a font whose letters are all known, is
read where only a mark can stand ("It’s", "she/he" as "she he"; `mark_between`). A page with
glyphs still unknown elsewhere (inside a word, between figures) is read by OCR, as before;
pages are read by OCR to learn from only while some page is still unsure, and what OCR reads
on the last of them teaches the rest too. Pure functions over text: tested without files.
"""

from __future__ import annotations

import difflib
import re
import string
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field

from ingest.ocr import OcrPage

__all__ = [
    "MAX_SAMPLES",
    "MIN_RUN",
    "GlyphReading",
    "GlyphVotes",
    "as_units",
    "fill_alphabets",
    "glyph",
    "glyph_units",
    "in_word_marks",
    "learn_glyphs",
    "learn_marks_in_place",
    "letters_in_order",
    "mark_between",
    "read_glyph_page",
    "read_glyph_pages",
]

# A glyph number as pypdf writes a glyph it has no letter for ("/g150"; see ingest.glyphs).
_GLYPH_NUMBER = re.compile(r"/g(\d{1,5})")
# While pages are read, each glyph is one character of the supplementary private use area.
_FIRST_GLYPH = 0xF0000
_LAST_GLYPH = 0xFFFFD
# Words lined up with OCR's only in runs of this many words of equal length in a row: a shorter
# run of equal lengths is too often chance.
MIN_RUN = 4
# Words of a page lined up at most: the lining up takes time that grows with both counts
# multiplied, and a real page has far fewer (a hostile one may have 30,000).
_MAX_WORDS = 3000
# A glyph is learned from at least this many places, where OCR read one character in at least
# this share of them.
_MIN_VOTES = 2
# A mark is learned from a word placed by its neighbours with at least this many characters
# besides it that agree with OCR.
_MIN_PLACED = 3
_MIN_AGREEMENT = 0.8
# An alphabet is filled in from at least this many of its letters learned at one step from
# their glyph numbers, and only if no more than this share of its learned letters disagree.
_MIN_ALPHABET_LETTERS = 3
_MAX_ALPHABET_DISAGREEMENT = 0.2
_ALPHABETS = (string.ascii_lowercase, string.ascii_uppercase, string.digits)
# A page is read from its text when at most this share of its glyphs is unknown and at least
# this share of its read words (three letters or more) are English words.
_MAX_UNKNOWN = 0.01
_MIN_ENGLISH = 0.7
# At most this many pages are read by OCR to learn from, one after another, each the page not
# yet readable with the most glyphs still unknown.
MAX_SAMPLES = 3
# Where an unknown glyph stands while a page is read; one between two letters, one between two
# figures, and one beside a letter.
_UNKNOWN = "\x00"
_UNKNOWN_IN_WORD = re.compile(r"[^\W\d_]\x00+[^\W\d_]")
_UNKNOWN_IN_FIGURES = re.compile(r"\d\x00+\d")
_UNKNOWN_BY_LETTER = re.compile(r"[^\W\d_]\x00|\x00[^\W\d_]")

# A glyph still unknown, and one standing alone between two runs of letters.
_UNKNOWN_GLYPH = re.compile("[\U000f0000-\U000ffffd]")
_GLYPH_IN_WORD = re.compile("([^\\W\\d_]+)([\U000f0000-\U000ffffd])(?=([^\\W\\d_]+))")
# Joined letters a font may draw as one glyph.
_JOINED_PAIRS = ("fi", "fl", "ff", "ffi", "ffl")
# Contractions' endings other than "s" and "t", after the words they follow ("I’ve", "we’re").
_PRONOUN_ENDINGS = frozenset({"d", "ll", "m", "re", "ve"})
_PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it", "that", "there", "who"})

# Which characters OCR read in each glyph's place, over the pages it has read.
GlyphVotes = dict[str, Counter[str]]


def glyph(number: int) -> str:
    """The character a glyph number stands as while pages are read."""
    return chr(_FIRST_GLYPH + number)


def _is_glyph(char: str) -> bool:
    return _FIRST_GLYPH <= ord(char) <= _LAST_GLYPH


def _number(unit: str) -> int:
    return ord(unit) - _FIRST_GLYPH


def as_units(text: str, numbers: Collection[int]) -> str:
    """`text` (pypdf's, in one font) with each glyph number as one character (`glyph`). pypdf
    runs a glyph's number into figures that follow it ("/g3" then "10" gives "/g310"), so the
    glyph is the longest start of it among `numbers`, those the font names (its encoding's
    differences), and the rest are figures; with none, the whole number. A number past any
    font's glyphs (65,533) stays as it is."""

    def unit(match: re.Match[str]) -> str:
        digits = match.group(1)
        end = next(
            (end for end in range(len(digits), 0, -1) if int(digits[:end]) in numbers),
            len(digits),
        )
        number = int(digits[:end])
        if number > _LAST_GLYPH - _FIRST_GLYPH:  # no font has so many glyphs: left as text
            return match.group(0)
        return glyph(number) + digits[end:]

    return _GLYPH_NUMBER.sub(unit, text) if "/g" in text else text


def glyph_units(text: str) -> int:
    """How many glyphs (`as_units`) a text holds."""
    return sum(1 for char in text if _is_glyph(char))


def learn_glyphs(
    text: str,
    ocr_text: str,
    space: str,
    votes: GlyphVotes,
    letters: Mapping[str, str] | None = None,
) -> int:
    """Add to `votes` what OCR read (`ocr_text`) in the place of each glyph of one page's text
    layer (`text`, in `as_units`); the number of word pairs lined up. With `letters` (the
    glyphs already learned), a pair adds a vote only for its one glyph still unknown, and only
    where its known letters are what OCR read: one such word is as good as two by chance, so a
    mark seen once ("person’s") is learned too."""
    ours = text.replace(space, " ").split()[:_MAX_WORDS]
    theirs = ocr_text.split()[:_MAX_WORDS]
    lengths = difflib.SequenceMatcher(
        None, [len(w) for w in ours], [len(w) for w in theirs], autojunk=False
    )
    pairs = [
        (units, word)
        for block in lengths.get_matching_blocks()
        if block.size >= MIN_RUN
        for units, word in zip(
            ours[block.a : block.a + block.size],
            theirs[block.b : block.b + block.size],
            strict=True,
        )
        # Characters the text layer has as text must be what OCR read there too.
        if all(_is_glyph(u) or u == c for u, c in zip(units, word, strict=True))
    ]
    for units, word in pairs:
        glyphs = [(u, c) for u, c in zip(units, word, strict=True) if _is_glyph(u)]
        if letters is None:
            for unit, char in glyphs:
                votes.setdefault(unit, Counter())[char] += 1
            continue
        unknown = [(unit, char) for unit, char in glyphs if unit not in letters]
        if len(unknown) == 1 and all(letters.get(u, c) == c for u, c in glyphs):
            unit, char = unknown[0]
            votes.setdefault(unit, Counter())[char] += 1
    return len(pairs)


def learn_marks_in_place(
    text: str, ocr_text: str, space: str, votes: GlyphVotes, letters: Mapping[str, str]
) -> None:
    """Add to `votes` the marks OCR read (`ocr_text`) for glyphs still unknown in words whose
    other characters, three or more, read as OCR read them, between words that read the same
    on both sides ("Harmful;" between "Beneficial" and "and"; "“neutral”"): such a word is
    placed by its neighbours and its letters, where `learn_glyphs` needs a run of four words of
    equal length, which a table or a chart's labels seldom give. Placed so, one word is as good
    as two by chance. Only marks are learned so: a letter OCR misread once would be read wrong
    on every page."""
    ours = text.replace(space, " ").split()[:_MAX_WORDS]
    read = ["".join(letters.get(u, u) if _is_glyph(u) else u for u in word) for word in ours]
    theirs = ocr_text.split()[:_MAX_WORDS]
    blocks = difflib.SequenceMatcher(None, read, theirs, autojunk=False).get_opcodes()
    for at, (tag, a1, a2, b1, b2) in enumerate(blocks):
        if tag != "replace" or at == 0 or at == len(blocks) - 1:
            continue  # a word at the page's edge has no neighbour on one side
        for word in read[a1:a2]:
            unknown = [i for i, c in enumerate(word) if _is_glyph(c)]
            if not unknown or len(word) - len(unknown) < _MIN_PLACED:
                continue
            fits = [w for w in theirs[b1:b2] if _fits(word, w)]
            if len(fits) != 1:
                continue
            for i in unknown:
                if not fits[0][i].isalnum():
                    votes.setdefault(word[i], Counter())[fits[0][i]] += _MIN_VOTES


def _fits(read: str, word: str) -> bool:
    """Whether `word` (OCR's) is `read` (a word with glyphs still unknown) with its unknowns
    read."""
    return len(read) == len(word) and all(
        _is_glyph(r) or r == w for r, w in zip(read, word, strict=True)
    )


def _learned(votes: GlyphVotes, space: str) -> dict[str, str]:
    """Each glyph OCR read one way clearly enough (`votes`), and the space."""
    letters = {space: " "}
    for unit, read in votes.items():
        char, count = read.most_common(1)[0]
        if unit != space and count >= _MIN_VOTES and count >= _MIN_AGREEMENT * read.total():
            letters[unit] = char
    return letters


def fill_alphabets(letters: Mapping[str, str], seen: Collection[str]) -> dict[str, str]:
    """`letters` with the rest of each alphabet (lower case, capitals, figures) whose learned
    letters sit at one step from their glyph numbers, for the glyphs in `seen` not yet known."""
    filled = dict(letters)
    for alphabet in _ALPHABETS:
        step = _alphabet_step(letters, alphabet)
        if step is None:
            continue
        for at, char in enumerate(alphabet):
            unit = glyph(step + at) if step + at >= 0 else ""
            if unit in seen and unit not in letters:
                filled[unit] = char
    return filled


def letters_in_order(letters: Mapping[str, str]) -> bool:
    """Whether the font's small and capital letters each sit in alphabetical order at one step
    from their glyph numbers (`fill_alphabets`): then every letter is known, and a glyph still
    unknown is a mark."""
    return all(_alphabet_step(letters, alphabet) is not None for alphabet in _ALPHABETS[:2])


def _alphabet_step(letters: Mapping[str, str], alphabet: str) -> int | None:
    """How far `alphabet`'s letters sit from their glyph numbers, when enough of the learned
    ones agree."""
    steps = Counter(
        _number(unit) - alphabet.index(char) for unit, char in letters.items() if char in alphabet
    )
    if not steps:
        return None
    step, agree = steps.most_common(1)[0]
    if agree < _MIN_ALPHABET_LETTERS or steps.total() - agree > _MAX_ALPHABET_DISAGREEMENT * agree:
        return None
    return step


def read_glyph_page(
    text: str,
    letters: Mapping[str, str],
    known: Callable[[str], bool],
    in_order: bool = False,
    marks: Collection[str] = (),
) -> str | None:
    """The page (in `as_units`) with its glyphs read by `letters`, or None when OCR should read
    it instead: when too many glyphs are unknown, when one stands inside a word (most likely a
    letter or a joined pair: left out, it would break the word) unless it is one of `marks`
    standing where only a mark can (`mark_between`), when one stands between two figures (a
    dash, a slash or a decimal point: a space there would change the figures), when one stands
    beside a letter in a font whose letters were not all learned from their order (`in_order`,
    see `letters_in_order`), or when too few of the words read are English (`known`). An
    unknown glyph between words (a mark seen on no page OCR read) becomes a space."""
    units = [c for c in text if _is_glyph(c)]
    if sum(1 for c in units if c not in letters) > _MAX_UNKNOWN * len(units):
        return None
    unmarked = "".join(letters.get(c, c) if _is_glyph(c) else c for c in text)
    marked = _read_marks(unmarked, marks, known) if in_order else unmarked
    if marked is None:
        return None
    read = _UNKNOWN_GLYPH.sub(_UNKNOWN, marked)
    if _UNKNOWN_IN_WORD.search(read) or _UNKNOWN_IN_FIGURES.search(read):
        return None
    if not in_order and _UNKNOWN_BY_LETTER.search(read):
        return None
    words = re.findall(r"[A-Za-z]{3,}", read)
    if not words or sum(1 for w in words if known(w)) < _MIN_ENGLISH * len(words):
        return None
    return read.replace(_UNKNOWN, " ")


def mark_between(head: str, tail: str, known: Callable[[str], bool]) -> str | None:
    """What an unknown glyph between the letters `head` and `tail` reads as when only a mark
    can stand there, in a font whose letters are all known (so it is no plain letter): "’"
    before a contraction's or possessive's ending ("It’s", "don’t", "we’ve"), a space between
    two English words ("she/he", "adopting/using", "CHART_MASTER": a slash, a hyphen or an
    underscore alike, none of which search reads as a letter). None where it may be a joined
    pair or an accented letter: where "fi", "fl", "ff", "ffi" or "ffl" in its place makes an
    English word ("con" and "ne" are words, but so is "confine"), or where either side is a
    lone letter or no word."""
    if any(known(head + pair + tail) for pair in _JOINED_PAIRS):
        return None
    lower = head.lower()
    ending = tail.lower()
    if ending == "s" and len(head) >= 2 and known(head):
        return "’"
    if ending == "t" and lower.endswith("n") and (known(head) or known(head[:-1])):
        return "’"
    if ending in _PRONOUN_ENDINGS and lower in _PRONOUNS:
        return "’"
    if len(head) >= 2 and len(tail) >= 2 and known(head) and known(tail):
        return " "
    return None


def _read_marks(read: str, marks: Collection[str], known: Callable[[str], bool]) -> str | None:
    """`read` with each of `marks` that stands inside a word read as `mark_between` gives it;
    None when one stands inside a word where no mark can."""
    if not marks:
        return read
    broken = False

    def mend(match: re.Match[str]) -> str:
        nonlocal broken
        head, unit, tail = match.groups()
        mark = mark_between(head, tail, known) if unit in marks else None
        broken = broken or mark is None
        return head + (mark or unit)

    mended = _GLYPH_IN_WORD.sub(mend, read)
    return None if broken else mended


def in_word_marks(
    texts: Iterable[str], letters: Mapping[str, str], known: Callable[[str], bool]
) -> frozenset[str]:
    """The unknown glyphs (not in `letters`) that stand inside words (of `texts`, in
    `as_units`) only where a mark can (`mark_between`), in every place they do: a glyph that is
    a letter or a joined pair breaks some word of a document (a whole document is asked, so one
    word that happens to split in two does not decide)."""
    fits: dict[str, bool] = {}
    for text in texts:
        read = "".join(letters.get(c, c) if _is_glyph(c) else c for c in text)
        for head, unit, tail in _GLYPH_IN_WORD.findall(read):
            fits[unit] = fits.get(unit, True) and mark_between(head, tail, known) is not None
    return frozenset(unit for unit, fit in fits.items() if fit)


@dataclass
class GlyphReading:
    """Pages read from their text layer by learned glyphs (text with the glyphs read, by page
    number), and the pages OCR read to learn them (by page number)."""

    read: dict[int, str] = field(default_factory=dict)
    by_ocr: dict[int, OcrPage] = field(default_factory=dict)


def read_glyph_pages(
    texts: Mapping[int, str],
    read_scans: Callable[[list[int]], dict[int, OcrPage]],
    known: Callable[[str], bool],
) -> GlyphReading:
    """Read the pages of `texts` (each page's text layer with its glyphs as units, `as_units`,
    by page number) from their text, learning the glyphs from pages read by `read_scans` (OCR):
    up to `MAX_SAMPLES` pages one after another, each the page not yet readable with the most
    glyphs unknown, then all those still not readable at once, which OCR reads anyway and whose
    marks the other pages may lack ("5/6" on one page, "she/he" on another). Pages left out of
    both are for OCR to read, as any junk page."""
    reading = GlyphReading()
    pages = dict(texts)
    counts = {number: Counter(c for c in text if _is_glyph(c)) for number, text in pages.items()}
    every = sum(counts.values(), Counter())
    if not every:
        return reading
    learning = _Learning(pages, every, known)
    left = set(pages)
    # Each page is read once for each state of what has been learned, not again to be kept.
    read = learning.read(left)
    unsure = _unread(read)
    for _ in range(MAX_SAMPLES):
        if not unsure:
            break
        number = max(unsure, key=lambda n: (_unknown(counts[n], learning.letters), -n))
        page = read_scans([number]).get(number)
        left.discard(number)
        del read[number]
        if page is None:  # OCR cannot read here: the pages still unsure are left to it as junk
            unsure = []
            break
        reading.by_ocr[number] = page
        learning.learn(pages[number], page.text)
        read = learning.read(left)
        unsure = _unread(read)
    if unsure:
        for number, page in read_scans(unsure).items():
            reading.by_ocr[number] = page
            learning.learn(pages[number], page.text)
        read = learning.read(left - set(unsure))
    reading.read = {number: text for number, text in read.items() if text is not None}
    return reading


def _unread(read: Mapping[int, str | None]) -> list[int]:
    """The pages not yet readable from their text."""
    return [number for number, text in read.items() if text is None]


class _Learning:
    """What a document's glyphs draw, as learned so far from its pages OCR read."""

    def __init__(self, pages: Mapping[int, str], every: Counter[str], known: Callable[[str], bool]):
        self.pages = pages
        self.every = every
        self.known = known
        self.space = every.most_common(1)[0][0]  # the font's space is its most common glyph
        self.votes: GlyphVotes = {}
        self.letters: dict[str, str] = {}

    def learn(self, text: str, ocr_text: str) -> None:
        learn_glyphs(text, ocr_text, self.space, self.votes)
        self.letters = fill_alphabets(_learned(self.votes, self.space), self.every)
        learn_glyphs(text, ocr_text, self.space, self.votes, self.letters)
        self.letters = fill_alphabets(_learned(self.votes, self.space), self.every)
        # Once the letters are known, a word is placed by its neighbours' letters too.
        learn_marks_in_place(text, ocr_text, self.space, self.votes, self.letters)
        self.letters = fill_alphabets(_learned(self.votes, self.space), self.every)

    def read(self, numbers: Collection[int]) -> dict[int, str | None]:
        """Each page of `numbers` read from its text (`read_glyph_page`), or None."""
        if not self.letters:
            return dict.fromkeys(numbers)
        in_order = letters_in_order(self.letters)
        marks = in_word_marks(self.pages.values(), self.letters, self.known) if in_order else ()
        return {
            number: read_glyph_page(self.pages[number], self.letters, self.known, in_order, marks)
            for number in sorted(numbers)
        }


def _unknown(counts: Counter[str], letters: Mapping[str, str]) -> int:
    return sum(count for unit, count in counts.items() if unit not in letters)
