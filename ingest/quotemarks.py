"""Quote marks a PDF's font gives out as letters, put back.

The inverse of `ingest.misread`: some fonts map their quote marks to a letter no English text
uses, so the text layer reads "smaller Ŏbite-sizedŏ products" where the page shows ‘bite-sized’.
A search for "bite-sized" then misses the passage, and the quote reads wrong.

Learned from the document itself. A letter outside plain ASCII that sits at the edge of a word
(right before its first letter, or right after its last or the stop or comma that ends it) is
a suspect for that document when the document never writes it, in either case, inside a word
("Chosŏn" keeps its ŏ and Ŏ), and when taking it off never leaves a non-word ("über" is not
"ber"). A suspect is learned when:

- taken off, it leaves an English word in at least `MIN_WORDS_MENDED` different words; or
- it pairs with the letter after it in the alphabet, as ‘ with ’ and “ with ”, which a font
  that moves its marks keeps in order: one only ever opens words and the other only ever
  closes them, and together they leave `MIN_WORDS_MENDED` English words ("ōsocial norms”"
  five times teaches ō, and "ApproachŎ" twice is its closing mark); or
- such a pair brackets a quotation of English words on one page, as the APHR's "ŖI’ve always
  had problems … crucial to my success.ŗ" does: a quote in a font of its own is often the
  only one in that font.

Each learned letter is then given back as a quote mark: ‘ where it opens a word, ’ where it
closes one (whether the page shows single or double marks, the text cannot tell). Nothing else
in the text changes.

Pure functions over text, so they are tested without files.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable

from ingest.misread import Known, english_known

__all__ = ["ANY_LATIN", "LATIN", "MIN_WORDS_MENDED", "learn_letter_quotes", "mend_letter_quotes"]

# A mark is learned only from this many different words it leaves as English words.
MIN_WORDS_MENDED = 3
# Latin letters outside ASCII ("Ŏ", "ŏ", "ō", "ŋ" seen in real reports): Greek and other
# scripts' letters at a word's edge are symbols in formulas ("γ(1)"), never quote marks.
LATIN = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# A word of ASCII letters (and inner hyphens) with one such letter on either edge; a closing
# one may follow the stop, comma or other mark that ends the word ("success.ŗ").
_EDGED = re.compile(
    rf"(?<![^\W\d_])([{LATIN}]?)([A-Za-z]+(?:-[A-Za-z]+)*)([.,;:!?…]*)([{LATIN}]?)(?![^\W\d_])"
)
# Any such letter at all: most documents have none, and are not read word by word.
ANY_LATIN = re.compile(f"[{LATIN}]")
# Such a letter between two ASCII letters: the document's own letter.
_INSIDE = re.compile(rf"[A-Za-z]([{LATIN}])[A-Za-z]")
# Words shorter than this, once a mark is off, tell nothing ("a", "I", "of").
_MIN_LETTERS = 3
# A quotation a pair of marks brackets, on one page: this many words at least and at most, and
# this share of its words (of `_MIN_LETTERS` or more) English.
_MIN_QUOTE_WORDS = 5
_MAX_QUOTE_WORDS = 150
_MIN_QUOTE_ENGLISH = 0.8


def learn_letter_quotes(pages: Iterable[str], known: Known | None = None) -> frozenset[str]:
    """The letters this document's font gives for its quote marks (none for nearly every one)."""
    pages = list(pages)
    text = "\n".join(pages)
    if not ANY_LATIN.search(text):
        return frozenset()  # the usual case: nothing to read word by word
    edges = _Edges(text)
    # A letter the document writes inside words, in either case, is its own letter.
    own = {m.group(1).casefold() for m in _INSIDE.finditer(text)}
    suspects = {mark for mark in edges.words if mark.casefold() not in own}
    words = {mark: _long(edges.words[mark]) for mark in suspects}
    candidates = {mark for mark in suspects if len(words[mark]) >= MIN_WORDS_MENDED}
    pairs = [pair for pair in edges.pairs() if set(pair) <= suspects]
    if not candidates and not pairs:
        return frozenset()  # the word list is not even read
    known = known or english_known()
    learned = {mark for mark in candidates if _all_english(words[mark], known)}
    for pair in pairs:
        both = words[pair[0]] | words[pair[1]]
        if _all_english(both, known) and (
            len(both) >= MIN_WORDS_MENDED
            or any(_brackets_a_quote(page, *pair, known) for page in pages)
        ):
            learned.update(pair)
    return frozenset(learned)


class _Edges:
    """The words each letter outside ASCII opens or closes in a text, and how often it does
    either and stands anywhere at all."""

    def __init__(self, text: str) -> None:
        self.words: dict[str, set[str]] = defaultdict(set)
        self.opens: Counter[str] = Counter()
        self.closes: Counter[str] = Counter()
        for match in _EDGED.finditer(text):
            before, word, _, after = match.groups()
            for mark, seen in ((before, self.opens), (after, self.closes)):
                if mark:
                    self.words[mark].add(word.casefold())
                    seen[mark] += 1
        self.counts = Counter({mark: text.count(mark) for mark in self.words})

    def pairs(self) -> list[tuple[str, str]]:
        """Letters side by side in the alphabet, the first only ever opening words and the
        second only ever closing them, as quote marks do, and standing nowhere else."""
        return [
            (mark, after)
            for mark in sorted(self.words)
            if (after := chr(ord(mark) + 1)) in self.words
            and self.opens[mark] == self.counts[mark]
            and self.closes[after] == self.counts[after]
        ]


def _long(words: set[str]) -> set[str]:
    return {word for word in words if len(word) >= _MIN_LETTERS}


def _all_english(words: set[str], known: Known) -> bool:
    return all(known(part) for word in words for part in word.split("-"))


def _brackets_a_quote(page: str, opening: str, closing: str, known: Known) -> bool:
    """Whether `opening` starts a word on `page` and `closing` ends a later one, with English
    words between (`_MIN_QUOTE_WORDS` to `_MAX_QUOTE_WORDS`)."""
    start = page.find(opening)
    end = page.find(closing, start + 1) if start >= 0 else -1
    if start < 0 or end < 0:
        return False
    quoted = page[start + 1 : end].split()
    if not _MIN_QUOTE_WORDS <= len(quoted) <= _MAX_QUOTE_WORDS:
        return False
    words = [w for w in re.findall(r"[A-Za-z]+", page[start + 1 : end]) if len(w) >= _MIN_LETTERS]
    return bool(words) and sum(map(known, words)) >= _MIN_QUOTE_ENGLISH * len(words)


def mend_letter_quotes(text: str, marks: frozenset[str]) -> str:
    """Each learned letter at a word's edge given back as ‘ (opening) or ’ (closing)."""
    if not marks:
        return text

    def mend(match: re.Match[str]) -> str:
        opening, word, stop, closing = match.groups()
        before = "‘" if opening in marks else opening
        after = "’" if closing in marks else closing
        return before + word + stop + after

    return _EDGED.sub(mend, text)
