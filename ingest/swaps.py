"""Letters a PDF's font gives out as other, accented letters, put back.

Some fonts map an ordinary letter to a Latin letter outside ASCII: the page shows "well located
with respect to the highway network", the text layer says "Ţell located Ţith respect to the
highŢay netŢork", because the font maps its "w" to "Ţ". A search for "network" then misses the
passage, and the quote reads wrong. The third fault of this kind, beside `ingest.misread`
(letters given as quote marks) and `ingest.quotemarks` (quote marks given as letters).

Learned from the document itself. A Latin letter outside ASCII is a suspect when the document
writes it in at least `MIN_WORDS_MENDED` different words, none of them an English word as it
stands (the speller's list holds "café", "crèche" and names such as "Zürich"). One ASCII letter
is learned for it when putting that letter in its place makes English words of at least
`MIN_WORDS_MENDED` of those words, of more than half of them, and of more than twice as many as
any other letter does; and never when that letter is the suspect's own letter without its
accent ("naïve" is "naive", "régime" is "regime", "Łódź" has an L): that is real text, written
with its accents. Names seldom make English words with one letter changed ("Müller" and "Küng"
do, "Schütz" and "Modrić" do not), so a list of them stays under the share. The letter is then
put back only in words where doing so makes an English word; every other word is left as
written.

Pure functions over text, so they are tested without files; the word check is
`ingest.misread.english_known`. What is learned changes the stored text only when a document is
read again: a library ingested before needs `kb ingest --reread` to get the mended words.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

from ingest.misread import Known, clear_letter, english_known, learn_one_by_one, put_back
from ingest.quotemarks import ANY_LATIN

__all__ = ["MAX_LETTERS", "MIN_WORDS_MENDED", "learn_swapped_letters", "mend_swapped_letters"]

# A letter is learned for a suspect only from this many different words it mends, and only if
# it mends more than half of the words the suspect is written in and more than twice as many
# as any other letter (`ingest.misread.clear_letter`). Suspects are Latin letters outside
# ASCII, as `ingest.quotemarks` reads them (`ANY_LATIN`).
MIN_WORDS_MENDED = 3
# At most this many letters are learned from one document (the real one swaps one).
MAX_LETTERS = 6
# A word: a run of letters of any script, so "Jérôme" is one word with two suspects in it.
_WORD = re.compile(r"[^\W\d_]+")


def learn_swapped_letters(pages: Iterable[str], known: Known | None = None) -> dict[str, str]:
    """Which accented letters stand for which ASCII letter in this document's text ({} for
    nearly every one)."""
    text = "\n".join(pages)
    if not ANY_LATIN.search(text):
        return {}  # the usual case: nothing to read word by word
    written: dict[str, set[str]] = defaultdict(set)
    for word in {m.group() for m in _WORD.finditer(text)}:
        for letter in set(ANY_LATIN.findall(word)):
            written[letter].add(word)
    suspects = {
        letter: words
        for letter, words in written.items()
        if _count(words, letter) >= MIN_WORDS_MENDED
    }
    if not suspects:
        return {}  # the word list is not even read
    check = known or english_known()
    # A suspect the document writes in a word that is English as it stands is its own letter;
    # that does not change as letters are learned, so it is asked once, not every round.
    suspects = {letter: words for letter, words in suspects.items() if not any(map(check, words))}
    # One letter at a time, as `ingest.misread` does: a word with two swapped letters mends only
    # once the first is known. Each round scores every suspect again, so a text of many
    # suspects (junk, or a hostile file) stops after MAX_LETTERS: a font that swaps more is not
    # one a word list can mend.
    return learn_one_by_one(
        lambda learned: (
            None if len(learned) >= MAX_LETTERS else _best_new_letter(suspects, learned, check)
        )
    )


def mend_swapped_letters(text: str, letters: dict[str, str], known: Known | None = None) -> str:
    """`text` with each learned letter put back in the words where that makes an English word;
    every other character is left as it was."""
    if not letters:
        return text
    check = known or english_known()

    def mend(match: re.Match[str]) -> str:
        word = match.group()
        mended = put_back(word, letters)
        return mended if mended != word and check(mended) and not check(word) else word

    return _WORD.sub(mend, text)


def _best_new_letter(
    suspects: dict[str, set[str]], learned: dict[str, str], known: Known
) -> tuple[str, str] | None:
    best: tuple[int, str, str] | None = None
    for suspect, written in suspects.items():
        if suspect in learned:
            continue
        words = {_key(put_back(word, learned), suspect) for word in written}
        found = clear_letter(words, suspect, known)
        if found is None:
            continue
        letter, count = found
        if (
            count >= MIN_WORDS_MENDED
            and letter != _base_letter(suspect)
            and (best is None or count > best[0])
        ):
            best = (count, suspect, _in_case(letter, suspect, written))
    return None if best is None else (best[1], best[2])


def _count(words: set[str], suspect: str) -> int:
    """How many different words, in any case, `suspect` is written in."""
    return len({_key(word, suspect) for word in words})


def _key(word: str, suspect: str) -> str:
    """The word in lower case but for the suspect, whose capital may be another letter."""
    return "".join(ch if ch == suspect else ch.lower() for ch in word)


def _base_letter(letter: str) -> str:
    """The ASCII letter under an accented one ("é" → "e", "Ł" → "l"), or "" if there is none
    ("ß", "ŋ")."""
    decomposed = unicodedata.normalize("NFD", letter)[0]
    if decomposed.isascii():
        return decomposed.lower()
    # Letters with a stroke or a hook ("Ł", "ø", "đ") do not decompose; their names say them.
    name = unicodedata.name(letter, "").split()
    after = name[name.index("LETTER") + 1] if "LETTER" in name[:-1] else ""
    return after.lower() if len(after) == 1 else ""


def _in_case(letter: str, suspect: str, words: set[str]) -> str:
    """`letter` as a capital when the document writes the suspect as one (next to capitals, or
    only ever at a word's start), else in lower case: a font gives one letter of one case."""
    lower = upper = 0
    for word in words:
        for at, ch in enumerate(word):
            if ch != suspect:
                continue
            before, after = word[at - 1 : at], word[at + 1 : at + 2]
            if before.islower():
                lower += 1
            elif before.isupper() or after.isupper():
                upper += 1
    return letter.upper() if upper > lower or lower == upper == 0 else letter
