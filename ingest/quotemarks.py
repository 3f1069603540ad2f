"""Quote marks a PDF's font gives out as letters, put back.

The inverse of `ingest.misread`: some fonts map their quote marks to a letter no English text
uses, so the text layer reads "smaller Ŏbite-sizedŏ products" where the page shows ‘bite-sized’.
A search for "bite-sized" then misses the passage, and the quote reads wrong.

Learned from the document itself. A letter outside plain ASCII that sits at the edge of a word
(right before its first letter, or right after its last) is a suspect for that document when,
taken off, it leaves an English word in at least `MIN_WORDS_MENDED` different words; when the
document never writes it, in either case, inside a word ("Chosŏn" keeps its ŏ and Ŏ); and
when taking it off never leaves a non-word ("über" is not "ber"). Each such letter is then
given back as a quote mark: ‘ where it opens a word, ’ where it closes one. Nothing else in
the text changes.

Pure functions over text, so they are tested without files.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable

from ingest.misread import Known, english_known

__all__ = ["ANY_LATIN", "LATIN", "MIN_WORDS_MENDED", "learn_letter_quotes", "mend_letter_quotes"]

# A mark is learned only from this many different words it leaves as English words.
MIN_WORDS_MENDED = 3
# Latin letters outside ASCII ("Ŏ", "ŏ", "ō", "ŋ" seen in real reports): Greek and other
# scripts' letters at a word's edge are symbols in formulas ("γ(1)"), never quote marks.
LATIN = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"
# A word of ASCII letters (and inner hyphens) with one such letter on either edge.
_EDGED = re.compile(rf"(?<![^\W\d_])([{LATIN}]?)([A-Za-z]+(?:-[A-Za-z]+)*)([{LATIN}]?)(?![^\W\d_])")
# Any such letter at all: most documents have none, and are not read word by word.
ANY_LATIN = re.compile(f"[{LATIN}]")
# Such a letter between two ASCII letters: the document's own letter.
_INSIDE = re.compile(rf"[A-Za-z]([{LATIN}])[A-Za-z]")
# Words shorter than this, once a mark is off, tell nothing ("a", "I", "of").
_MIN_LETTERS = 3


def learn_letter_quotes(pages: Iterable[str], known: Known | None = None) -> frozenset[str]:
    """The letters this document's font gives for its quote marks (none for nearly every one)."""
    text = "\n".join(pages)
    if not ANY_LATIN.search(text):
        return frozenset()  # the usual case: nothing to read word by word
    mended: dict[str, set[str]] = defaultdict(set)
    for match in _EDGED.finditer(text):
        opening, word, closing = match.groups()
        if len(word) >= _MIN_LETTERS:
            for mark in {opening, closing} - {""}:
                mended[mark].add(word.casefold())
    candidates = {mark: words for mark, words in mended.items() if len(words) >= MIN_WORDS_MENDED}
    if not candidates:
        return frozenset()  # the word list is not even read
    # A letter the document writes inside words, in either case, is its own letter.
    own = {m.group(1).casefold() for m in _INSIDE.finditer(text)}
    known = known or english_known()
    return frozenset(
        mark
        for mark, words in candidates.items()
        if mark.casefold() not in own
        and all(known(part) for word in words for part in word.split("-"))
    )


def mend_letter_quotes(text: str, marks: frozenset[str]) -> str:
    """Each learned letter at a word's edge given back as ‘ (opening) or ’ (closing)."""
    if not marks:
        return text

    def mend(match: re.Match[str]) -> str:
        opening, word, closing = match.groups()
        before = "‘" if opening in marks else opening
        after = "’" if closing in marks else closing
        return before + word + after

    return _EDGED.sub(mend, text)
