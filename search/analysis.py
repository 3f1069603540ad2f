"""The English analyser behind keyword search: tokens, stop words, stems, and sparse vectors."""

from __future__ import annotations

import functools
import re
import threading
import unicodedata
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import snowballstemmer

__all__ = [
    "STOP_WORDS",
    "Bm25Weighting",
    "SparseVector",
    "SynonymFileError",
    "expand_synonyms",
    "has_search_words",
    "is_in_other_script",
    "normalise",
    "read_synonyms",
    "search_words",
    "term_index",
    "terms",
    "words",
]

# A compact English stop list: function words that carry no topic.
STOP_WORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does
    doesn't doing don't down during each few for from further had hadn't has hasn't have haven't
    having he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll
    i'm i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor
    not of off on once only or other ought our ours ourselves out over own same shan't she she'd
    she'll she's should shouldn't so some such than that that's the their theirs them themselves
    then there there's these they they'd they'll they're they've this those through to too under
    until up very was wasn't we we'd we'll we're we've were weren't what what's when when's where
    where's which while who who's whom why why's with won't would wouldn't you you'd you'll you're
    you've your yours yourself yourselves also may might must shall will just""".split()  # noqa: SIM905
)

_TOKEN = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_INDEX_SPACE = 2**31 - 1


# Snowball stemmers keep the word being stemmed in fields of the object, so two threads sharing
# one corrupt each other's words (an IndexError under load). Each thread gets its own.
_local = threading.local()


def _stemmer() -> snowballstemmer.stemmer:
    stemmer: snowballstemmer.stemmer | None = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = snowballstemmer.stemmer("english")
        _local.stemmer = stemmer
    return stemmer


# Combining marks start at U+0300 and stay in the first two planes: the planes past them hold
# ideographs, tags and variation selectors (class 0) and private use.
_MARKS_END = 0x20000


@functools.cache
def _combining_marks() -> frozenset[str]:
    # Every mark Unicode gives a combining class (accents, and the like in other scripts):
    # what folding drops. Listed once, on the first text with a character past ASCII (7 ms,
    # where all of Unicode took 58: the first such search on a site paid it).
    return frozenset(chr(c) for c in range(0x300, _MARKS_END) if unicodedata.combining(chr(c)))


def normalise(text: str) -> str:
    """Fold case, accents and ligatures so 'Ofﬁce' and 'office' match."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    # Most text has no mark to drop (a plain page, or one with only curly quotes and dashes):
    # asking the set is four times quicker than looking at every character (ingest's sparse
    # vectors, tags and summaries all fold their text).
    if folded.isascii() or _combining_marks().isdisjoint(folded):
        return folded
    return "".join(c for c in folded if not unicodedata.combining(c))


def _without_possessive(token: str) -> str:
    token = token.replace("’", "'")
    return token[:-2] if token.endswith("'s") else token


def words(text: str) -> list[str]:
    """Lower-cased word tokens, possessives dropped, stop words kept."""
    tokens: list[str] = _TOKEN.findall(normalise(text))
    return [_without_possessive(t) if ("'" in t or "’" in t) else t for t in tokens]


def search_words(text: str) -> tuple[str, ...]:
    """A query's distinct search words as typed (case and accents folded, stop words left
    out), for engines that stem them with the same English stemmer."""
    kept = (w for w in words(text) if w not in STOP_WORDS and len(w) < 40)
    return tuple(dict.fromkeys(kept))


def has_search_words(text: str) -> bool:
    """Whether a query has anything to search for: a search word (see `search_words`) in a
    piece of the text longer than one character.

    The rule is the keyword leg's own: stop words ('the', 'a'), punctuation, emoji and
    replacement characters give it no words, and a lone letter or digit ('x') matches almost
    anything. Without a word, only the encoder is left, and it finds near-empty text close
    to many passages, so such a query would be answered with confident nonsense. A short code
    joined by a symbol still counts: 'A&E', 'B&B' and '0-5' each keep a word in a piece of
    three characters.
    """
    for piece in normalise(text).split():
        core = "".join(c for c in piece if c.isalnum())
        if len(core) > 1 and search_words(piece):
            return True
    return False


def is_in_other_script(text: str) -> bool:
    """Whether the text has letters of a script other than Latin ('santé' and 'Łódź' are all
    Latin once folded, '心理健康' is not). Asked only of a query with no search words (see
    `has_search_words`): then its other-script words are what the person meant, whatever
    Latin stop words or lone letters sit beside them ('the 心理健康').

    The keyword leg reads only a to z and 0 to 9 and the encoder only English, so a query in
    Arabic, Gurmukhi or Chinese has no search words for a different reason from 'the' or 'x',
    and the person needs a different answer.
    """
    return any(c.isalpha() and not _is_latin(c) for c in normalise(text))


def _is_latin(letter: str) -> bool:
    # Most Latin letters fold to a to z; the rest ('ø', 'ł', 'ß' once folded is 'ss') are
    # named as Latin by Unicode.
    return "a" <= letter <= "z" or unicodedata.name(letter, "").startswith("LATIN ")


# Each thread's stems of the words it has seen: stemming is pure Python and a library's words
# repeat, so this cut sparse vectors from 2.3 to 0.19 ms of CPU a chunk (3,000 real chunks,
# identical terms). Capped, and emptied when full, so odd input (every token a new word)
# cannot grow it without end.
_STEM_CACHE_WORDS = 200_000

# Words Snowball's English stemmer gives the stem of a word that means something else, so a
# search for one matched, highlighted and counted the other as a search word held: "digital
# exclusion" found "to digitize a book" and "exclusively" ("digit", "exclus"), "severe" found
# "several", "life expectancy" found "expected". Each gets a stem of its own (what a stemmer
# override list does in other search engines), kept to pairs whose meanings part, read off
# the words of the 100 real PDFs; its own forms still share it. Each keeps its word's first two
# letters, as Snowball's stems do (web.highlight relies on it).
_STEM_OVERRIDES = {
    word: stem
    for stem, forms in {
        "several": "several",
        "digital": "digital digitally",
        "digitis": "digitize digitized digitizes digitizing digitization",
        "exclusiv": "exclusive exclusively exclusivity",
        "experienc": "experience experiences",
        "experiment": "experiment experiments",
        "expectanc": "expectancy expectancies",
        "relativ": "relative relatively relatives",
        "majoriti": "majority majorities",
        "initial": "initial initially",
        "importan": "important importance importantly",
        "authoriti": "authority authorities",
        "traveller": "traveller travellers traveler travelers",
    }.items()
    for word in forms.split()
}


def _stems(kept: list[str]) -> list[str]:
    cache: dict[str, str] | None = getattr(_local, "stems", None)
    if cache is None or len(cache) > _STEM_CACHE_WORDS:
        cache = _local.stems = {}
    missing = [w for w in dict.fromkeys(kept) if w not in cache]
    if missing:
        stems = _stemmer().stemWords(missing)
        cache.update((w, _STEM_OVERRIDES.get(w, s)) for w, s in zip(missing, stems, strict=True))
    return [cache[w] for w in kept]


def terms(text: str) -> list[str]:
    """Index terms: words minus stop words, stemmed."""
    return list(_recent_terms(text))


# Ingest asks the terms of each chunk's text three times (its tags, its sparse vector, the
# document's summary), one after another: the last few thousand texts' terms are kept.
@functools.lru_cache(maxsize=4096)
def _recent_terms(text: str) -> tuple[str, ...]:
    return tuple(_stems([w for w in words(text) if w not in STOP_WORDS and len(w) < 40]))


def term_index(term: str) -> int:
    """Stable 31-bit id for a term, the same in every process and on every machine."""
    return zlib.crc32(term.encode()) & _INDEX_SPACE


@dataclass(frozen=True)
class SparseVector:
    """Term ids and weights, the shape both Qdrant APIs take."""

    indices: list[int] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def is_empty(self) -> bool:
        return not self.indices


def _collect(weights: dict[int, float]) -> SparseVector:
    ordered = sorted(weights.items())
    return SparseVector([i for i, _ in ordered], [w for _, w in ordered])


@dataclass(frozen=True)
class Bm25Weighting:
    """BM25 term-frequency part; Qdrant's IDF modifier supplies the other half at query time."""

    k1: float = 1.2
    b: float = 0.75
    average_terms: float = 120.0

    def document_vector(self, text: str) -> SparseVector:
        return self.terms_vector(terms(text))

    def terms_vector(self, text_terms: Sequence[str]) -> SparseVector:
        """`document_vector` of a text from its terms (`terms`), when they are already known."""
        counts = Counter(text_terms)
        length = sum(counts.values())
        if not length:
            return SparseVector()
        norm = self.k1 * (1 - self.b + self.b * length / self.average_terms)
        weights: dict[int, float] = {}
        for term, tf in counts.items():
            index = term_index(term)
            weights[index] = weights.get(index, 0.0) + tf * (self.k1 + 1) / (tf + norm)
        return _collect(weights)

    def query_vector(
        self,
        text: str,
        synonyms: dict[str, list[str]] | None = None,
        spellings: Mapping[str, Sequence[str]] | None = None,
    ) -> SparseVector:
        """A query term weighs its count in the query; synonym expansions weigh a little less;
        a word's other spellings (`spellings`, "behaviour" for "behavior") weigh as it does.

        Counting repeats is what BM25 does with a query's term frequency: a pasted paragraph
        names its subject again and again, and that subject should lead. (On ArguAna, whose
        queries are whole arguments, keyword nDCG@10 rose from 0.42 to 0.50; SciFact's short
        queries were unchanged.)
        """
        weights: dict[int, float] = {}
        for term in terms(text):
            index = term_index(term)
            weights[index] = weights.get(index, 0.0) + 1.0
        for word in search_words(text) if spellings else ():
            others = spellings.get(word, ()) if spellings else ()
            weight = max((weights.get(term_index(t), 0.0) for t in terms(word)), default=0.0)
            for term in (t for other in others for t in terms(other)):
                index = term_index(term)
                weights[index] = max(weights.get(index, 0.0), weight)
        if synonyms:
            for expansion in expand_synonyms(text, synonyms):
                for term in terms(expansion):
                    weights.setdefault(term_index(term), 0.6)
        return _collect(weights)


def expand_synonyms(text: str, synonyms: dict[str, list[str]]) -> list[str]:
    """Phrases to add for any jargon (single words or phrases) found in the text."""
    padded = " " + " ".join(words(text)) + " "
    found: list[str] = []
    for key, expansions in synonyms.items():
        if f" {key} " in padded:
            found.extend(expansions)
    return found


class SynonymFileError(ValueError):
    """The synonym file has a line the loader cannot read."""


def read_synonyms(text: str) -> dict[str, list[str]]:
    """Parse 'TERM = expansion; expansion' lines; '#' starts a comment."""
    table: dict[str, list[str]] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if "=" not in line:
            raise SynonymFileError(
                f"synonyms line {number}: expected 'TERM = expansion', got {raw!r}"
            )
        key, _, rest = line.partition("=")
        term = " ".join(words(key))
        expansions = [e.strip() for e in rest.split(";") if e.strip()]
        if not term or not expansions:
            raise SynonymFileError(f"synonyms line {number}: empty term or expansion in {raw!r}")
        table.setdefault(term, []).extend(expansions)
    return table
