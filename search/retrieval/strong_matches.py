"""Which matching documents answer a query well ("strong"), by a rule on their passages.

A document is strong when one of its matching passages is very close in meaning to the query
(`strong_cosine`), or close (`strong_cosine_with_words`) and holding at least
`strong_word_share` of the query's search words. Cosine alone let passages about something
else pass: the encoder puts a table of weekly figures close to "football results", and a
housing briefing close to "planning permission for a loft conversion". Such passages share
few of the question's words, while the passages that answer it share most of them.

Which words a passage holds is read from its keyword vector (term ids, no text), for at most
`strong_word_checks` passages a search, closest first; past that the count is a floor.

A question that holds a word no document uses ("is fluoride added to the tap water") asks about
something the library never mentions: a passage on the same subject ("children's teeth") is
close in meaning but cannot answer it. Then only a passage at least
`strong_cosine_despite_unused` close makes a document strong, and the search says which words
no document uses, which also shows a person a mistyped word.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import islice

from search.analysis import SparseVector, normalise, term_index, terms
from search.analysis import search_words as analysed_words
from search.analysis import words as words_of
from search.retrieval.answer_check import AnswerCheck, reads
from search.retrieval.matching import ChunkMatch
from search.retrieval.spelling import spelling_variants, spellings
from search.settings import MatchSettings
from search.store.base import Store, VectorQuery

__all__ = [
    "PASSAGES_PER_DOCUMENT",
    "REQUEST_WORDS",
    "WRITTEN_READ",
    "LibraryWords",
    "StrongMatches",
    "find_strong",
    "is_asking",
    "is_strong_despite_unused",
    "is_strong_passage",
    "library_uses",
    "passage_ids_using",
    "query_words",
    "search_words",
    "unused_words",
    "word_share",
    "word_stems",
]

# A document's closest passages whose words are read (the rule was tuned reading three).
PASSAGES_PER_DOCUMENT = 3
# The first documents whose closest passage's words are read before looking words up.
_FIRST_DOCUMENTS = 10


@dataclass(frozen=True)
class StrongMatches:
    """The strong documents, and whether some passages went unread (the count is a floor)."""

    documents: frozenset[str]
    is_capped: bool = False
    # The query's words that no document the reader may see uses, as the query wrote them.
    unused_words: tuple[str, ...] = ()
    # A question whose otherwise strong documents the cross-encoder read as not answering it.
    is_unanswered: bool = False
    # A question naming a place some of whose otherwise strong documents are about elsewhere.
    is_elsewhere: bool = False
    # The words whose absence pulled the search closer to each of its first strong documents'
    # closest passage, which lack them: the search then has none (search.retrieval.word_pull).
    pulled_words: tuple[str, ...] = ()
    # The keyword term ids of the passages whose words were read (closest passages of the first
    # documents among them), so a later look at the same passages need not read them again.
    terms_read: Mapping[str, frozenset[int]] = field(default_factory=dict, compare=False)


def query_words(query: str) -> tuple[frozenset[int], ...]:
    """The query's search words as the keyword vectors hold them: for each, the stemmed term
    ids of all its spellings ("behavior" and "behaviour"); a word whose stem another word of
    the query shares ("home", "homes") counted once."""
    found = (
        frozenset(term_index(term) for word in spelt for term in terms(word))
        for spelt in spellings(analysed_words(query))
    )
    return tuple(dict.fromkeys(ids for ids in found if ids))


def word_share(words: Sequence[frozenset[int]], held: Collection[int]) -> float:
    """The share of the query's search words (`query_words`) a passage holds in some spelling,
    given the term ids its keyword vector holds; 0 for a query without search words."""
    return sum(1 for spelt in words if not spelt.isdisjoint(held)) / len(words) if words else 0.0


# Words people ask with rather than name a subject with ("please explain the latest evidence
# on ...", "how many ..."), and superlatives, which ask for a comparison a document makes with
# figures rather than with the word: a small library may use none of them, and their absence
# says nothing about whether it covers the question.
# fmt: off
REQUEST_WORDS = frozenset([
    "please", "thanks", "thank", "show", "tell", "find", "give", "list", "explain", "summarise",
    "summarize", "summary", "overview", "latest", "recent", "current", "newest", "anything",
    "something", "everything", "regarding", "information", "info", "data", "evidence", "research",
    "documents", "document", "papers", "paper", "reports", "report", "studies", "study",
    "examples", "example", "looking", "need", "want", "know", "help", "whats", "hows", "whos",
    "wheres", "whens", "whys", "many", "much", "highest", "lowest", "biggest", "largest",
    "smallest", "most", "least", "best", "worst", "furthest", "farthest", "nearest", "closest",
    "fastest", "slowest", "cheapest", "dearest", "longest", "shortest", "oldest", "youngest",
    "greatest",
])
# fmt: on
_ASKING_STEMS = frozenset(stem for word in REQUEST_WORDS for stem in terms(word))


def search_words(query: str) -> dict[str, str]:
    """The query's search words: each stem (as keyword vectors hold it) with the word it came
    from, as written but lower-cased, in the query's order."""
    firsts: dict[str, str] = {}
    for word in query.split():
        for stem in terms(word):
            firsts.setdefault(stem, word.strip(".,;:!?\"'()[]{}").lower() or stem)
    return firsts


def is_strong_despite_unused(
    closest_cosine: float, has_unused: bool, settings: MatchSettings
) -> bool:
    """Whether a document otherwise strong stays strong: always, unless the query holds a word
    no document uses; then only when its closest passage is at least
    `strong_cosine_despite_unused` close. The calibration bench judges with it too."""
    return not has_unused or closest_cosine >= settings.strong_cosine_despite_unused


def unused_words(
    query: str, store: Store, settings: MatchSettings, held: Collection[int] = frozenset()
) -> tuple[str, ...]:
    """The query's search words that no passage holds, each as written (lower-cased), in the
    query's order. A word among `held` (term ids of passages already read) is used; each
    other word is one keyword lookup in the reader's view of the library, fast for the rare
    words that are left. None are looked up for a query of more than `unused_word_checks`
    words."""
    firsts = search_words(query)
    if not firsts or len(firsts) > settings.unused_word_checks:
        return ()
    unused = []
    for stem, word in firsts.items():
        if is_asking(stem, word):
            continue
        # A word is used when any of its spellings is ("behavior" where documents write
        # "behaviour").
        stems = word_stems(stem, word)
        if any(term_index(s) in held for s in stems):
            continue
        if not any(library_uses(s, store) for s in stems):
            unused.append(word)
    return tuple(unused)


def word_stems(stem: str, word: str) -> list[str]:
    """A search word's stem (`search_words`) and the stems of its other spellings: "behavior"
    gives "behavior" and "behaviour"."""
    return [stem, *(t for other in spelling_variants().get(word, ()) for t in terms(other))]


def is_asking(stem: str, word: str) -> bool:
    """Whether a search word (its stem and the word as written) is one people ask with
    (`REQUEST_WORDS`): never reported unused, nor mended."""
    return stem in _ASKING_STEMS or word in REQUEST_WORDS


def library_uses(stem: str, store: Store) -> bool:
    """Whether any passage `store` shows holds the search word `stem` (one keyword lookup)."""
    return bool(passage_ids_using(stem, store, 1, any_of_ties=True))


def passage_ids_using(stem: str, store: Store, most: int, any_of_ties: bool = False) -> list[str]:
    """Up to `most` passages `store` shows that hold the search word `stem`, those holding it
    most first (one keyword lookup, of ids alone); with `any_of_ties`, whichever of equally
    scored passages the engine met first, when only whether or how many matters."""
    lookup = VectorQuery(
        dense=None,
        sparse=SparseVector([term_index(stem)], [1.0]),
        mode="sparse",
        limit=most,
        candidates=most,
        payload_fields=(),
        any_of_ties=any_of_ties,
    )
    return [hit.id for hit in store.query(lookup)]


# Passages read for whether the library writes a word as typed: the first that hold its stem
# most, where its common forms are ("secondary" is in the first five holding "secondari",
# "seconder" in none of the first five holding "second").
WRITTEN_READ = 5


class LibraryWords:
    """How the reader's view of the library uses words, for one spelling suggestion: passages
    holding a stem, counted up to `most` (one keyword lookup a stem, remembered), and which
    words the first few of them hold as written. Nothing outlives the suggestion: the
    library's text is never kept as a word list."""

    def __init__(self, store: Store, most: int) -> None:
        self.store = store
        self.most = most
        self._ids: dict[str, list[str]] = {}

    def uses(self, stem: str) -> int:
        if stem not in self._ids:
            self._ids[stem] = passage_ids_using(stem, self.store, self.most)
        return len(self._ids[stem])

    def written(self, words: list[str]) -> set[str]:
        """Those of `words` (lower-case; a space between parts) whose every part is written
        as is (accents aside: "naïve" is "naive") in one of the first `WRITTEN_READ` passages
        holding its stem: one read by id, of their text alone, for all of them."""
        stems = {part: terms(part) for word in words for part in word.split()}
        for found in stems.values():
            for stem in found:
                self.uses(stem)
        ids = {i for found in stems.values() for t in found for i in self._ids[t][:WRITTEN_READ]}
        held = {
            hit.id: frozenset(words_of(hit.text))
            for hit in self.store.retrieve(sorted(ids), fields=("text",))
        }
        is_written = {
            part: not found
            or any(
                normalise(part) in held.get(i, ())
                for t in found
                for i in self._ids[t][:WRITTEN_READ]
            )
            for part, found in stems.items()
        }
        return {word for word in words if all(is_written[part] for part in word.split())}


def is_strong_passage(cosine: float, word_share: float, settings: MatchSettings) -> bool:
    """The rule for one passage: its cosine to the query and the share of the query's search
    words it holds (0 to 1). The calibration bench judges its candidate bars with it too."""
    return cosine >= settings.strong_cosine or (
        cosine >= settings.strong_cosine_with_words and word_share >= settings.strong_word_share
    )


def find_strong(
    passages: Mapping[str, Sequence[ChunkMatch]],
    among: Collection[str],
    query: str,
    settings: MatchSettings,
    store: Store,
    answers: AnswerCheck | None = None,
    about: Callable[[Collection[str]], set[str]] | None = None,
) -> StrongMatches:
    """The documents of `among` (in the ranking's order) that are strong matches for `query`;
    `passages` are each document's matching passages, closest in meaning first
    (`Matches.documents`). With `about`, which keeps those of some documents that are about
    the places the question names (`search.retrieval.asked_places`), a document about
    elsewhere is not strong. With `answers`, a question none of whose first strong documents
    answers it has none."""
    strong: set[str] = set()
    to_read: list[tuple[float, str, str]] = []
    for doc_id in among:
        close = [
            p
            for p in passages.get(doc_id, ())[:PASSAGES_PER_DOCUMENT]
            if p.cosine is not None and p.cosine >= settings.strong_cosine_with_words
        ]
        if not close:
            continue
        if any(is_strong_passage(p.cosine or 0.0, 0.0, settings) for p in close):
            strong.add(doc_id)  # strong without its words being read
        else:
            to_read.extend((p.cosine or 0.0, p.id, doc_id) for p in close)
    words = query_words(query)
    to_read.sort(key=lambda item: (-item[0], item[1]))
    read = to_read[: settings.strong_word_checks] if words else []
    # The closest passages of the first documents are read too: a word one of them holds is
    # used, so only the rarer words are looked up in the whole library.
    first = [p.id for d in islice(among, _FIRST_DOCUMENTS) for p in passages.get(d, ())[:1]]
    held = store.chunk_terms(list(dict.fromkeys([*(c for _, c, _ in read), *first])))
    for cosine, chunk_id, doc_id in read:
        share = word_share(words, held.get(chunk_id, frozenset()))
        if is_strong_passage(cosine, share, settings):
            strong.add(doc_id)
    # Without search words no passage's words are read, and none were left unread.
    is_capped = bool(words) and len(read) < len(to_read)
    unused = unused_words(query, store, settings, frozenset().union(*held.values()))
    if unused:
        strong = {
            d
            for d in strong
            if is_strong_despite_unused(_closest_cosine(passages.get(d, ())), True, settings)
        }
    is_elsewhere = False
    if strong and about is not None:
        kept = about(strong)
        is_elsewhere, strong = len(kept) < len(strong), strong & kept
    if strong and answers is not None and reads(query, settings):
        # The closest passage of the first strong documents in the ranking's order (the first
        # the page lists are the ones read); the band is the closest strong document's.
        firsts = {d: passages[d][0] for d in strong if passages.get(d) and passages[d][0].cosine}
        in_order = (d for d in among if d in firsts)
        read_first = [
            (firsts[d].id, firsts[d].cosine or 0.0)
            for d in islice(in_order, settings.answer_checks)
        ]
        closest = max((p.cosine or 0.0 for p in firsts.values()), default=0.0)
        if not answers.is_answered(query, read_first, store, settings, closest):
            return StrongMatches(
                frozenset(),
                is_capped,
                unused,
                is_unanswered=True,
                is_elsewhere=is_elsewhere,
                terms_read=held,
            )
    return StrongMatches(
        frozenset(strong), is_capped, unused, is_elsewhere=is_elsewhere, terms_read=held
    )


def _closest_cosine(passages: Sequence[ChunkMatch]) -> float:
    return max(
        (p.cosine for p in passages[:PASSAGES_PER_DOCUMENT] if p.cosine is not None), default=0.0
    )
