"""Letters a PDF's font gives out as punctuation, put back.

Some fonts carry a wrong map from the shapes they draw to text: a reader sees "Strategy" on the
page, but its text layer says "Strate’y", because the font maps its "g" to a closing quote. One
of the 100 real PDFs does this in its headings with two letters ("Sa‘e’uardin’" for
"Safeguarding"). Searches for "strategy" then miss those headings, and a quoted title reads
wrong.

The map is learned from the document itself. A mark found between letters, in a word that is
not an English word and not a contraction or possessive ("people’s", "don’t"), is a suspect.
If, for one letter, putting that letter in place of the mark makes English words of several
different suspects, and of most of them, the font maps that letter to the mark. The letter is
then put back only in words where doing so makes an English word, so a real apostrophe in
the same document ("children’s") is left as it is.

Double quote marks are read the same way (another real PDF gives "t" as “ and "u" as ” in a
resident's quoted words: "wan“ed “o s“op worrying abo”“ i“"), more warily, since a double quote
is nearly always a real quotation: a letter is learned for one only from more words, and is put
back only on a page that shows the fault inside a word it mends (a real “he said” on another
page keeps its quote mark).

Pure functions over text, so they are tested without files; the word list is the speller's
(`search.retrieval.spelling.english_words`), read only when a document has suspects.
"""

from __future__ import annotations

import re
import string
from collections import Counter
from collections.abc import Callable, Collection, Iterable

__all__ = [
    "MIN_WORDS_MENDED",
    "MIN_WORDS_MENDED_DOUBLE",
    "Known",
    "clear_letter",
    "english_known",
    "learn_misread_letters",
    "learn_one_by_one",
    "mend_misread_letters",
    "put_back",
]

# Marks a font's broken map gives for letters: quote marks, which sit inside real words only as
# apostrophes, or never (double quotes). Marks that join words in web addresses, emails and file
# names ("@", "_", "=") are not suspects.
_SINGLE_MARKS = "’‘'`´"
_DOUBLE_MARKS = '“”"'
_MARKS = _SINGLE_MARKS + _DOUBLE_MARKS
# Letters runs joined by suspect marks, with marks allowed at either end ("Sa‘e’uardin’").
_WORDLIKE = re.compile(rf"[{re.escape(_MARKS)}]*[A-Za-z]+(?:[{re.escape(_MARKS)}]+[A-Za-z]*)*")
# What follows an apostrophe in English contractions and possessives.
_ENDINGS = frozenset({"s", "t", "d", "ll", "re", "ve", "m"})
# A letter is learned for a mark only from this many different words it mends …
MIN_WORDS_MENDED = 3
# … or this many for a double quote, which a real text uses only as a quotation mark.
MIN_WORDS_MENDED_DOUBLE = 4
# … and only if it mends more than this share of the mark's suspects.
_MIN_SHARE = 0.5
# A word this rare in the English list does not count as a word (the list has typos in it).
_MIN_USES = 3


Known = Callable[[str], bool]


def learn_misread_letters(pages: Iterable[str], known: Known | None = None) -> dict[str, str]:
    """Which marks stand for which letter in this document's text ({} for nearly every one)."""
    words = {m.group() for page in pages for m in _WORDLIKE.finditer(page)}
    suspects = {word for word in words if any(mark in word for mark in _MARKS)}
    if not any(len(_inside(suspects, mark, {})) >= _min_words(mark) for mark in _MARKS):
        return {}  # the usual case: the word list is not even read
    check = known or english_known()
    # Learn one mark at a time: a word with two misread letters is mended only once the first
    # mark's letter is known ("Sa‘e’uardin’" shows "‘" is "f" once "’" is known to be "g").
    return learn_one_by_one(lambda learned: _best_new_mark(suspects, learned, check))


def clear_letter(words: Collection[str], wrong: str, known: Known) -> tuple[str, int] | None:
    """The plain letter that, put in place of `wrong`, makes English words of more of `words`
    than any other, with how many: only when it mends more than half of them and more than
    twice as many as the next letter; else None. The text-layer repairs that learn letters
    share it."""
    mended: Counter[str] = Counter()
    for word in words:
        for letter in string.ascii_lowercase:
            if known(word.replace(wrong, letter)):
                mended[letter] += 1
    if not mended:
        return None
    (letter, count), *rest = mended.most_common(2)
    runner_up = rest[0][1] if rest else 0
    is_clear = count > _MIN_SHARE * len(words) and count > 2 * runner_up
    return (letter, count) if is_clear else None


def learn_one_by_one(best: Callable[[dict[str, str]], tuple[str, str] | None]) -> dict[str, str]:
    """A document's map of wrong characters to letters, learned one pair at a time: `best`
    gives the next (character, letter) given those learned so far, or None when none is left.
    The text-layer repairs that learn letters share it."""
    learned: dict[str, str] = {}
    while (found := best(learned)) is not None:
        learned[found[0]] = found[1]
    return learned


def mend_misread_letters(text: str, letters: dict[str, str], known: Known | None = None) -> str:
    """`text` with each learned mark put back as its letter in the words where that makes an
    English word; every other character is left as it was."""
    if not letters:
        return text
    check = known or english_known()
    here = _shown_in(text, letters, check)
    return _WORDLIKE.sub(lambda match: _mended(match.group(), here, check), text)


def _mended(word: str, letters: dict[str, str], known: Known) -> str:
    """The word with its learned marks put back as letters, if that makes an English word of it
    (or of it without a quote mark at its start or end) and it was none; else the word."""
    if not any(mark in word for mark in letters):
        return word
    for start, end in _cores(word):
        core = word[start:end]
        mended = put_back(core, letters)
        if mended != core and known(mended) and not known(core):
            return word[:start] + mended + word[end:]
    return word


def _shown_in(text: str, letters: dict[str, str], known: Known) -> dict[str, str]:
    """The learned marks to put back in `text`: each single quote mark, and a double quote only
    where `text` itself has it between letters in a word it mends ("wan“ed"). At a word's edge
    a double quote may be a real quotation's ("“he said" is no "the said"), so it is put back
    there only on a page set in the faulty font."""
    doubles = {mark for mark in letters if mark in _DOUBLE_MARKS}
    if not doubles:
        return letters
    shown: set[str] = set()
    for match in _WORDLIKE.finditer(text):
        word = match.group()
        inner = word.strip(_MARKS)
        if any(mark in inner for mark in doubles - shown) and _mended(word, letters, known) != word:
            shown.update(mark for mark in doubles if mark in inner)
    return {mark: letter for mark, letter in letters.items() if mark not in doubles - shown}


def _best_new_mark(
    suspects: set[str], learned: dict[str, str], known: Known
) -> tuple[str, str] | None:
    best: tuple[int, str, str] | None = None
    for mark in _MARKS:
        if mark in learned:
            continue
        inner = {word for word in _inside(suspects, mark, learned) if not known(word)}
        if len(inner) < _min_words(mark):
            continue
        found = clear_letter(inner, mark, known)
        if found is not None and found[1] >= _min_words(mark):
            letter, count = found
            if best is None or count > best[0]:
                best = (count, mark, letter)
    return None if best is None else (best[1], best[2])


def _inside(suspects: set[str], mark: str, learned: dict[str, str]) -> set[str]:
    """The suspects with `mark` inside them, not as an apostrophe, learned letters put back,
    without marks at their ends, in lower case."""
    return {
        put_back(word, learned).strip(_MARKS).lower()
        for word in suspects
        if mark in word.strip(_MARKS) and not _is_contraction(word, mark)
    }


def _min_words(mark: str) -> int:
    return MIN_WORDS_MENDED_DOUBLE if mark in _DOUBLE_MARKS else MIN_WORDS_MENDED


def _is_contraction(word: str, mark: str) -> bool:
    """ "people’s", "don’t", "we’ll", "O’Brien": an apostrophe doing its own job (a double
    quote never does it)."""
    if mark in _DOUBLE_MARKS:
        return False
    head, _, tail = word.strip(_MARKS).rpartition(mark)
    return tail.lower() in _ENDINGS or len(head) == 1


def put_back(word: str, letters: dict[str, str]) -> str:
    """The word with each learned character replaced by its letter."""
    return "".join(letters.get(ch, ch) for ch in word)


def _cores(word: str) -> list[tuple[int, int]]:
    """Where the word may be, in `word`: all of it, then without a quote mark at its start,
    its end, or both (a quoted word, or a word ending in a misread letter)."""
    size = len(word)
    lead = 1 if size > 1 and word[0] in _MARKS else 0
    trail = 1 if size > 1 and word[-1] in _MARKS else 0
    spans = [(0, size), (lead, size), (0, size - trail), (lead, size - trail)]
    return list(dict.fromkeys(span for span in spans if span[1] - span[0] > 1))


def english_known() -> Known:
    """Whether a word (any case) is an English word: in the speller's list (read once a
    process) and used at least `_MIN_USES` times there. The text-layer repairs share it."""
    # Imported here: most documents have no suspects and never need the word list.
    from search.retrieval.spelling import english_words

    words = english_words()

    def known(word: str) -> bool:
        return words.get(word.lower(), 0) >= _MIN_USES

    return known
