"""Letters a PDF's font leaves out where it draws them as one joined shape, put back.

Type often joins "ff", "fi", "fl", "ffi" and "ffl" into one shape (a ligature). A font whose
map from shapes to text has no entry for that shape gives nothing for it: the page shows
"affect" and "efficiency", the text layer says "aect" and "eiciency". Two of the 100 real PDFs
(district data profiles made from one template) lose every "ff" and "ffi" this way, so a search
for "difference" or "offences" misses them and a quoted sentence reads wrong.

What a document lost is learned from the document, as `ingest.misread` learns its marks: a
word that is not an English word is a suspect, and a ligature is taken as lost when putting it
back inside several different suspects makes English words of them, and the document's text
holds those letters intact less often than it needs them put back. The letters are then put
back only where doing so makes an English word of a word that was not one.

Pure functions over text, so they are tested without files; the word check is
`ingest.misread.english_known` (the speller's list, read once a process).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from ingest.misread import Known, english_known

__all__ = ["LIGATURES", "MIN_WORDS_MENDED", "learn_lost_ligatures", "mend_lost_ligatures"]

# Longest first, so "eiciency" gets "ffi" rather than a shorter guess.
LIGATURES = ("ffi", "ffl", "ff", "fi", "fl")
# A ligature is learned only from this many different words it mends …
MIN_WORDS_MENDED = 3
# … each at least this long (short fragments mend by chance: "ve" to "five").
_MIN_LETTERS = 4
_WORD = re.compile(r"[A-Za-z]+")


def learn_lost_ligatures(pages: Iterable[str], known: Known | None = None) -> tuple[str, ...]:
    """The ligatures this document's text lost (() for nearly every one)."""
    counts = Counter(m.group() for page in pages for m in _WORD.finditer(page))
    # A suspect is a word in lower case (a capital first letter allowed): acronyms and codes
    # ("RM", "STI") are not words to mend.
    suspects = {
        word.lower()
        for word in counts
        if len(word) >= _MIN_LETTERS and word[1:].islower() and "f" not in word.lower()
    }
    if len(suspects) < MIN_WORDS_MENDED:
        return ()
    check = known or english_known()
    unknown = {word for word in suspects if not check(word)}
    lost: list[str] = []
    for ligature in LIGATURES:
        mended = {word for word in unknown if _inside(word, ligature, check)}
        if len(mended) < MIN_WORDS_MENDED:
            continue
        needed = sum(n for word, n in counts.items() if word.lower() in mended)
        intact = sum(n * word.lower().count(ligature) for word, n in counts.items())
        if needed > intact:
            lost.append(ligature)
    return tuple(lost)


def mend_lost_ligatures(text: str, lost: tuple[str, ...], known: Known | None = None) -> str:
    """`text` with each lost ligature put back in the words where that makes an English word
    of one that was not; every other character is left as it was."""
    if not lost:
        return text
    check = known or english_known()

    def mend(match: re.Match[str]) -> str:
        word = match.group()
        if len(word) < 3 or "f" in word.lower() or check(word.lower()):
            return word
        for ligature in lost:
            for at in range(len(word) + 1):
                letters = ligature.upper() if word.isupper() else ligature
                mended = word[:at] + letters + word[at:]
                if check(mended.lower()):
                    return mended
        return word

    return _WORD.sub(mend, text)


def _inside(word: str, ligature: str, check: Known) -> bool:
    """Whether putting `ligature` somewhere inside `word` (not at either end) makes a word."""
    return any(check(word[:at] + ligature + word[at:]) for at in range(1, len(word)))
