"""A spelling to suggest for a search's words that no document uses ("Did you mean …?").

A word the library never uses is often a typo ("asthama", "lonliness"). The suggestion for it
is a known word one edit away (a letter added, dropped or changed, or two letters swapped), or
the word split in two known words ("greenspace" → "green space"). A suggestion is offered only
when the reader's own view of the library uses it, so following it always finds something and
never names a word that only a document the reader may not see holds; of several, the one the
library uses most.

Known words are an English word list with how common each word is (the one the
`pyspellchecker` package carries, with British forms made of its American spellings), the
project's own word list (`search/data/words.txt`) and names (places, council jargon) handed in
by whoever builds the searcher. The library's text is never kept as a word list, so a name
read from a deleted document cannot come back as a suggestion.

A word of three or four letters is one edit from many known words ("fre": free, fire, fry,
fee, …), so it is offered fewer and surer ones: those keeping its first letter, made by a letter
added or two swapped (for four letters also one changed), not among the list's rarest, and only
one the library uses in a few passages at least (`MIN_SHORT_WORD_USES`).

One edit is tried against every known word. Two edits of a long word are hundreds of
thousands of strings (about 1.5 s here), too slow for a search, and they suggest far-fetched
words, so two are tried only against the project's own few hundred words, for long words with
nothing one edit away ("leicestshire").
"""

from __future__ import annotations

import re
import string
import threading
from bisect import bisect_right
from collections.abc import Callable, Collection, Iterable
from functools import cache
from itertools import accumulate
from pathlib import Path

from spellchecker import SpellChecker

from search.analysis import normalise, terms

__all__ = [
    "BRITISH_FORMS",
    "MAX_SUGGESTIONS_TRIED",
    "MIN_SHORT_WORD_LETTERS",
    "MIN_SHORT_WORD_USES",
    "MIN_TWO_EDIT_LETTERS",
    "MIN_WORD_LETTERS",
    "PROJECT_WORDS",
    "SPELLING_VARIANTS",
    "USES_COUNTED",
    "Speller",
    "british_lines",
    "default_speller",
    "english_words",
    "spelling_variants",
    "spellings",
    "spelt_as_used",
    "suggest_query",
    "variant_lines",
    "write_british_forms",
    "write_spelling_variants",
]

# Words of public health and council work that the English list lacks, written for the project.
PROJECT_WORDS = Path(__file__).resolve().parent.parent / "data" / "words.txt"
# The British forms the rules below (`_BRITISH`) make of the English list's words, made once.
BRITISH_FORMS = PROJECT_WORDS.with_name("british.txt")
_BRITISH_NOTE = (
    "# British forms of the English word list's American spellings (form, tab, the spelling\n"
    "# it is made of), made by search.retrieval.spelling's rules; to make them again:\n"
    "#   python -m search.retrieval.spelling\n"
)
# Words this long with no known word one edit away are tried two edits from the project's own
# words: long place names are where two slips happen ("leicestshire"), and they are few.
MIN_TWO_EDIT_LETTERS = 8
# Words this long get every kind of one edit. Shorter ones are one edit from too many others
# ("hpv": "hiv", "hp") to guess among all of them: down to `MIN_SHORT_WORD_LETTERS` they get
# only the likelier slips that keep the first letter (`Speller.candidates`).
MIN_WORD_LETTERS = 5
MIN_SHORT_WORD_LETTERS = 3
# A short word's candidate must be used in this many passages at least: one the library
# mentions once or twice ("kir" → "kirk", "daf" → "deaf") is a guess, not the library's word.
MIN_SHORT_WORD_USES = 5
# Candidates checked against the library for one word, most common first (a lookup each).
MAX_SUGGESTIONS_TRIED = 8
# Passages counted for each candidate's words: enough to tell a word the library is about
# from one it mentions in passing.
USES_COUNTED = 100
# A word is split only into everyday words ("green space"): parts this long and at least this
# common in the word list, not "re offending" or "ramp ion".
_MIN_PART_LETTERS = 3
_MIN_PART_FREQUENCY = 10_000
# A short word's candidates are not among the list's rarest (it gives 50 to most of its odd
# words: "foxe", "wist", "auer").
_MIN_SHORT_FREQUENCY = 100
_LETTERS = string.ascii_lowercase
_WORD = re.compile(r"[a-z]+(?:['’-][a-z]+)*")
# A word as typed in a search: letters of any script, with apostrophes or hyphens inside.
_TYPED_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")


class Speller:
    """Known words and how common each is; suggests the known words a typo may stand for."""

    def __init__(self, frequencies: dict[str, int], names: Iterable[str] = ()) -> None:
        self.frequencies = frequencies
        # The project's own words (places, jargon), by first letter: a long one mistyped twice
        # ("leicestshire") is still found among these few.
        self.names = frozenset(names)
        self._names: dict[str, list[str]] = {}
        for name in sorted(self.names):
            self._names.setdefault(name[:1], []).append(name)

    def is_known(self, word: str) -> bool:
        return word in self.frequencies

    def candidates(self, word: str) -> list[str]:
        """Known words one edit from `word`, those with its first letter first and then the
        most common, then `word` split into two known words (the split whose rarer part is
        most common first). A long word with no known word one edit away may be two edits from
        one of the project's own words. A short word (`MIN_SHORT_WORD_LETTERS` up to
        `MIN_WORD_LETTERS`) gets only the surer slips (`_short_edits`), most common first. A
        known word gets only the project's own names it is a letter short of (a place:
        "crawly" for "crawley"). Empty for a shorter word or one that is not all letters."""
        word = word.lower()
        if len(word) < MIN_SHORT_WORD_LETTERS or not word.isalpha():
            return []
        if self.is_known(word):
            # A word of the list may still be one of the project's own names, a place or a
            # term of its jargon, with a letter left out ("crawly" for "crawley"): only those
            # are offered ("roman" is no slip for "roma"), and only for a word long enough not
            # to be one letter short of many.
            if len(word) < MIN_WORD_LETTERS or word in self.names:
                return []
            longer = {w for w in _one_edit(word) if len(w) == len(word) + 1}
            return sorted(n for n in self._names.get(word[0], ()) if n in longer)
        if len(word) < MIN_WORD_LETTERS:
            short = {
                w for w in _short_edits(word) if self.frequencies.get(w, 0) >= _MIN_SHORT_FREQUENCY
            }
            return sorted(short, key=lambda w: (-self.frequencies[w], w))
        near = {w for w in _one_edit(word) if w in self.frequencies}
        if not near and len(word) >= MIN_TWO_EDIT_LETTERS:
            near = {
                name
                for name in self._names.get(word[0], ())
                if abs(len(name) - len(word)) <= 2 and _within_two_edits(word, name)
            }
        # People seldom mistype a word's first letter ("polution" is "pollution", not
        # "solution"): words that keep it come first, then the more common.
        ordered = sorted(near, key=lambda w: (w[0] != word[0], -self.frequencies[w], w))
        splits = [
            (word[:i], word[i:])
            for i in range(_MIN_PART_LETTERS, len(word) - _MIN_PART_LETTERS + 1)
            if self._is_everyday(word[:i]) and self._is_everyday(word[i:])
        ]
        splits.sort(key=lambda pair: (-min(self.frequencies[p] for p in pair), pair))
        return ordered + [" ".join(pair) for pair in splits]

    def _is_everyday(self, word: str) -> bool:
        return self.frequencies.get(word, 0) >= _MIN_PART_FREQUENCY


def _within_two_edits(typed: str, name: str) -> bool:
    """Whether `name` is at most two edits (letters added, dropped, changed, or two next to
    each other swapped) from `typed`: the optimal string alignment distance, a row at a time,
    given up once a whole row is past two."""
    before: list[int] | None = None
    previous = list(range(len(name) + 1))
    for i, letter in enumerate(typed, start=1):
        row = [i] + [0] * len(name)
        for j, other in enumerate(name, start=1):
            cost = 0 if letter == other else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if (
                before is not None
                and i > 1
                and j > 1
                and letter == name[j - 2]
                and typed[i - 2] == other
            ):
                row[j] = min(row[j], before[j - 2] + 1)
        if min(row) > 2:
            return False
        before, previous = previous, row
    return previous[-1] <= 2


def _short_edits(word: str) -> set[str]:
    """The slips of a short word that keep its first letter: a letter added ("mny" for "many"),
    two swapped ("hoem"), and for four letters one changed ("cjst"). A letter dropped is left
    out: it would offer words of two or three letters, most of them stop words or codes."""
    first, rest = word[0], word[1:]
    halves = [(rest[:i], rest[i:]) for i in range(len(rest) + 1)]
    added = {first + a + c + b for a, b in halves for c in _LETTERS}
    swapped = {first + a + b[1] + b[0] + b[2:] for a, b in halves if len(b) > 1}
    changed: set[str] = set()
    if len(word) > MIN_SHORT_WORD_LETTERS:
        changed = {first + a + c + b[1:] for a, b in halves if b for c in _LETTERS}
    return (added | swapped | changed) - {word}


def _one_edit(word: str) -> set[str]:
    halves = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    dropped = {a + b[1:] for a, b in halves if b}
    swapped = {a + b[1] + b[0] + b[2:] for a, b in halves if len(b) > 1}
    changed = {a + c + b[1:] for a, b in halves if b for c in _LETTERS}
    added = {a + c + b for a, b in halves for c in _LETTERS}
    return (dropped | swapped | changed | added) - {word}


# American spellings and their British forms, for a list that holds mostly the first ("mold",
# "behavior", "center", "pediatric"). A rule may make a form that is no word ("doctour"): that
# does no harm, since a suggestion is offered only when the library uses it.
_BRITISH = [
    (re.compile(r"iz(e|es|ed|er|ers|ing|ation|ations|ational|ationally)$"), r"is\1"),
    (re.compile(r"yz(e|es|ed|er|ers|ing)$"), r"ys\1"),  # analyze
    (
        re.compile(r"(?<=[^o])or(s|ed|ing|al|ally|ful|hood|hoods|ite|ites|able|ably|less)?$"),
        r"our\1",
    ),
    # Only these -er words: the rule on every word would make a typo such as "octobre" a word.
    (
        re.compile(r"^(cent|fib|theat|lit|met|kilomet|somb|calib|meag|sab|spect|lust)er(s)?$"),
        r"\1re\2",
    ),
    (re.compile(r"^(cent|fib|theat|somb|lust)ered$"), r"\1red"),  # centered
    (re.compile(r"(?<=[ao]l)og(s)?$"), r"ogue\1"),  # catalog, dialog
    (re.compile(r"ense(s)?$"), r"ence\1"),  # license, defense
    (re.compile(r"gram(s)?$"), r"gramme\1"),  # program
    # One vowel after a consonant: traveled, counselor (not "failed": "failled" is a typo).
    (re.compile(r"(?<=[^aeiou][aeiou])l(ed|ing|er|ers|or|ors)$"), r"ll\1"),
    (re.compile(r"^(s?m)ol(d|t)"), r"\1oul\2"),  # mold, molt, smolder
    (re.compile(r"dgment(s)?$"), r"dgement\1"),  # judgment
    (re.compile(r"emia(s)?$"), r"aemia\1"),  # anemia, leukemia
    (re.compile(r"^hem(a|o)"), r"haem\1"),  # hematology, hemorrhage
    (re.compile(r"^(ortho)?ped(i|o)"), r"\1paed\2"),  # pediatric, orthopedic
    (re.compile(r"^(esoph|estr|edem)"), r"o\1"),  # esophagus, estrogen, edema
    (re.compile(r"gynec"), "gynaec"),  # gynecology
    (re.compile(r"^fet(us|al|uses)$"), r"foet\1"),
]


def _british_forms(words: Collection[str]) -> dict[str, str]:
    """Each British form the rules above make of a word in `words` (most words have none),
    with the word it came from (the last in `words`' order, when more than one makes it).
    Each rule scans all the words at once, joined one to a line (a pattern never matches
    across a line's end), and only the words it finds are rewritten: about 60% of the time of
    trying every rule on every word in turn. A rule that finds a word only by the line before
    it (a lookbehind at the word's start) rewrites nothing."""
    joined = "\n".join(words)
    starts = list(accumulate((len(w) + 1 for w in words), initial=0))
    listed = list(words)
    made: dict[str, int] = {}
    for pattern, to in _BRITISH:
        found = re.compile(pattern.pattern, re.MULTILINE)
        for n in {bisect_right(starts, m.start()) - 1 for m in found.finditer(joined)}:
            form = pattern.sub(to, listed[n])
            if form != listed[n]:
                made[form] = max(made.get(form, n), n)
    return {form: listed[n] for form, n in made.items()}


def _english_list() -> dict[str, int]:
    """The English word list pyspellchecker carries (about 160,000 words, with how common)."""
    return dict(SpellChecker(language="en", distance=1).word_frequency.dictionary)


def british_lines(words: dict[str, int]) -> list[str]:
    """`BRITISH_FORMS`' lines for a word list: each British form and the spelling it is made of,
    tab between, sorted; what `write_british_forms` writes and a test compares."""
    return sorted(f"{form}\t{word}" for form, word in _british_forms(list(words)).items())


def write_british_forms(path: Path = BRITISH_FORMS) -> int:
    """Write the British forms of the English list's words to `path`; how many. Run after the
    `pyspellchecker` pin or the rules (`_BRITISH`) change:
    `python -m search.retrieval.spelling`."""
    lines = british_lines(_english_list())
    text = "".join(f"{line}\n" for line in lines)
    path.write_text(_BRITISH_NOTE + text, encoding="utf-8")
    return len(lines)


@cache
def english_words() -> dict[str, int]:
    """The English word list with the British form of each American spelling, as common as the
    American; read once. The forms are read from `BRITISH_FORMS`, made once by the rules above
    (making them here took about a quarter of a second of every `kb search`)."""
    words = _english_list()
    british: dict[str, int] = {}
    for line in BRITISH_FORMS.read_text(encoding="utf-8").splitlines():
        form, _, word = line.partition("\t")
        if word in words and not line.startswith("#"):
            # One more than the American form, so a British spelling wins a tie.
            british[form] = words[word] + 1
    return {**british, **words}


# A British form that is itself a word of the English list, made by one of these two rules
# ("or" to "our", "l" to "ll"), is most often another word: "scored" / "scoured", "filed" /
# "filled", "tor" / "tour". Such pairs are not taken as one word spelt two ways.
_LOOSE_RULES = (("our", "or"), ("ll", "l"))
# The pairs of `BRITISH_FORMS` that are one word spelt two ways, made once from it.
SPELLING_VARIANTS = PROJECT_WORDS.with_name("variants.txt")
_VARIANTS_NOTE = (
    "# One word spelt two ways, British and American (form, tab, the spelling it is made of):\n"
    "# the pairs of british.txt the keyword stemmer does not already join, leaving out those a\n"
    "# loose rule made of two words; made by search.retrieval.spelling; to make them again:\n"
    "#   python -m search.retrieval.spelling\n"
)


# American spellings whose British form British English keeps for another sense: a gas meter
# is no metre. Not taken as one word spelt two ways. ("program" stays one with "programme":
# in health and council writing a program is nearly always a programme of work.)
_OTHER_SENSE = frozenset(["meter", "meters"])


def variant_lines(words: dict[str, int]) -> list[str]:
    """`SPELLING_VARIANTS`' lines for a word list: the British forms of its words
    (`british_lines`) that the stemmer keeps apart from the spelling they are made of
    ("travelling" and "traveling" are one stem already), not made by a loose rule
    (`_LOOSE_RULES`) when the form is a word of the list itself, and not one British English
    keeps for another sense (`_OTHER_SENSE`); sorted."""
    kept = []
    for form, word in _british_forms(list(words)).items():
        is_loose = any(form.replace(a, b) == word for a, b in _LOOSE_RULES)
        is_apart = terms(form) != terms(word) and word not in _OTHER_SENSE
        if is_apart and not (is_loose and form in words):
            kept.append(f"{form}\t{word}")
    return sorted(kept)


def write_spelling_variants(path: Path = SPELLING_VARIANTS) -> int:
    """Write `variant_lines` of the English list to `path`; how many. Made with
    `BRITISH_FORMS`, by the same command."""
    lines = variant_lines(_english_list())
    path.write_text(_VARIANTS_NOTE + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return len(lines)


@cache
def spelling_variants() -> dict[str, tuple[str, ...]]:
    """Each word's other spellings, American and British both ways ("behavior" and
    "behaviour", "pediatric" and "paediatric"), read once from `SPELLING_VARIANTS`."""
    variants: dict[str, set[str]] = {}
    for line in SPELLING_VARIANTS.read_text(encoding="utf-8").splitlines():
        form, _, word = line.partition("\t")
        if line.startswith("#") or not form or not word:
            continue
        variants.setdefault(word, set()).add(form)
        variants.setdefault(form, set()).add(word)
    return {word: tuple(sorted(others)) for word, others in variants.items()}


def spellings(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    """Each of `words` (lower-case search words) with its other spellings after it."""
    variants = spelling_variants()
    return tuple((word, *variants.get(word, ())) for word in words)


def spelt_as_used(query: str, spelt: Iterable[tuple[str, ...]], uses: Callable[[str], int]) -> str:
    """`query` with each word spelt two ways (`spellings`) written the way the library writes
    it most (`uses(stem)`: how many passages hold a stem), capitals kept: the encoder reads
    "behavior" and "behaviour" as a little apart, so a question is read in the library's own
    spelling. A tie keeps the query's."""
    chosen: dict[str, str] = {}
    for words in spelt:
        if len(words) < 2:
            continue
        used = {w: max((uses(t) for t in terms(w)), default=0) for w in words}
        best = max(words, key=lambda w: (used[w], w == words[0]))
        if best != words[0]:
            chosen[words[0]] = best
    return _replace_words(query, chosen) if chosen else query


_SPELLER_BUILT = threading.Lock()


def default_speller(names: tuple[str, ...] = ()) -> Speller:
    """The English word list with the project's words (`PROJECT_WORDS`) and the words of
    `names` (place names, jargon) added, each as common as the list's most common word, since
    the project chose them. Built once for each set of names (about a quarter of a second):
    a search that asks while the site's warm-up builds it waits for that one."""
    with _SPELLER_BUILT:
        return _built_speller(names)


@cache
def _built_speller(names: tuple[str, ...]) -> Speller:
    english = english_words()
    top = max(english.values(), default=1)
    lines = PROJECT_WORDS.read_text(encoding="utf-8").splitlines()
    written = [line for line in lines if not line.lstrip().startswith("#")]
    own = {w: top for name in (*written, *names) for w in _WORD.findall(name.lower()) if len(w) > 1}
    return Speller(english | own, own)


def suggest_query(
    query: str,
    unused: Iterable[str],
    speller: Speller,
    uses: Callable[[str], int],
    written: Callable[[list[str]], Collection[str]] | None = None,
    stem_used: Collection[str] = (),
) -> str | None:
    """`query` with each word of `unused` (as `unused_words` gives them: as written, lower-cased)
    replaced by the candidate the library uses most (`uses(stem)`: how many passages hold a
    search word, counted up to `USES_COUNTED`) among those keeping the word's first letter,
    or else among the rest, the likelier slip first among those used as much (`_slip`);
    capitals kept as written. Passages are counted by stem, so "seconder" counts every
    "second": when more than one candidate is used, those `written` says the library holds
    as written (not only their stem) come first ("secondery" → "secondary"). A short word's
    candidate must be used in `MIN_SHORT_WORD_USES` passages at least. A word of `stem_used`
    (one whose stem the library uses: a typo, or a form English lacks, "exacerbations",
    "passaging") is offered only one word keeping its first letter and not itself with an s
    added or taken off (`_is_near_form`). A word with a capital
    after its first letter is taken as meant (an acronym); one capitalised after the search's
    first word is a name (`_typed_as_names`). None when no word has a candidate the library
    uses. The library's own use, not English's, picks: "rual" means "rural" in a library
    about rural health more often than "real"."""
    chosen: dict[str, str] = {}
    if _is_in_another_language(query, speller):
        return None
    meant, named = _typed_as_meant(query), _typed_as_names(query)
    for word in unused:
        if word in meant:
            continue
        candidates = speller.candidates(word)
        if word in named:
            candidates = [c for c in candidates if c in speller.names or c in _CAPITALISED]
        if word in stem_used:
            candidates = [c for c in candidates if _is_near_form(word, c)]
        least = MIN_SHORT_WORD_USES if len(word) < MIN_WORD_LETTERS else 1
        ranked: list[tuple[bool, bool, int, int, int, str]] = []
        for order, candidate in enumerate(candidates[:MAX_SUGGESTIONS_TRIED]):
            stems = [stem for part in candidate.split() for stem in terms(part)]
            used = min((uses(stem) for stem in stems), default=0)
            if used >= least:
                slip = _slip(word, candidate)
                ranked.append((candidate[0] != word[0], False, -used, slip, order, candidate))
        if len(ranked) > 1 and written is not None:
            held = written([r[-1] for r in ranked])
            ranked = [(r[0], r[-1] not in held, *r[2:]) for r in ranked]
        if ranked:
            chosen[word] = min(ranked)[-1]
    if not chosen:
        return None
    return _replace_words(query, chosen)


# Everyday words English writes with a capital, which a name's test below must not refuse.
# fmt: off
_CAPITALISED = frozenset([
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
])
# fmt: on


def _typed_as_names(query: str) -> set[str]:
    """The words of `query` (lower-cased) typed only capitalised after its first word: names
    of people, places and firms (Heathrow, Annan, Sassen). One is offered only the project's
    own names (its places, its jargon) or a month or day, never an English word or a split."""
    named: set[str] = set()
    plain: set[str] = set()
    for n, match in enumerate(_TYPED_WORD.finditer(query)):
        typed = match.group()
        is_named = n > 0 and typed[:1].isupper() and typed[1:].islower()
        (named if is_named else plain).add(typed.lower())
    return named - plain


def _is_in_another_language(query: str, speller: Speller) -> bool:
    """Whether the search holds a word in letters English does not use (é, ü, ß) that is not
    an English word with its accents taken off ("café", "naïve"): "santé mentale" is French,
    not two English typos ("santa mental")."""
    for word in _TYPED_WORD.findall(query):
        if word.isascii():
            continue
        if not speller.is_known(normalise(word)):
            return True
    return False


def _typed_as_meant(query: str) -> set[str]:
    """The words of `query` (lower-cased) typed only with a capital after their first letter
    (MARAC, eRNAs, qSOFA): acronyms and names written on purpose, not slips."""
    meant: set[str] = set()
    plain: set[str] = set()
    for match in _TYPED_WORD.finditer(query):
        typed = match.group()
        is_meant = any(letter.isupper() for letter in typed[1:])
        (meant if is_meant else plain).add(typed.lower())
    return meant - plain


def _is_near_form(typed: str, meant: str) -> bool:
    """Whether `meant` may be what `typed`, a word whose stem the library uses, stands for:
    one word, with the same first letter, not the same word but for a plural's s."""
    is_plural = f"{meant}s" == typed or f"{typed}s" == meant
    return " " not in meant and meant[:1] == typed[:1] and not is_plural


def _slip(typed: str, meant: str) -> int:
    """How likely the slip from `meant` to `typed` is, 0 the likeliest: a letter left out
    ("househols" for "households"), two swapped, one too many, one changed; words run together
    last. Only breaks ties between candidates the library uses as much."""
    if " " in meant:
        return 4
    if len(meant) == len(typed) + 1:
        return 0
    if len(meant) == len(typed):
        return 1 if sorted(meant) == sorted(typed) else 3
    return 2


def _replace_words(query: str, chosen: dict[str, str]) -> str:
    """Each whole word of `query` that `chosen` names (ignoring capitals and the punctuation
    around it) replaced, in the capitals it was typed in."""

    def swap(match: re.Match[str]) -> str:
        typed = match.group()
        better = chosen.get(typed.lower())
        if better is None:
            return typed
        if typed.isupper() and len(typed) > 1:
            return better.upper()
        if typed[:1].isupper():
            return better[:1].upper() + better[1:]
        return better

    return _TYPED_WORD.sub(swap, query)


if __name__ == "__main__":
    print(f"{write_british_forms()} British forms written to {BRITISH_FORMS}")
    print(f"{write_spelling_variants()} spelling variants written to {SPELLING_VARIANTS}")
