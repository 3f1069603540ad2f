"""Answers a query: encode it, ask the store for fused candidates, group the hits by document."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Collection, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal

from search.analysis import Bm25Weighting, search_words, terms
from search.catalogue import Catalogue, DocumentRecord, OrderFacts
from search.evidence.places import Gazetteer
from search.folding import fold_characters
from search.models.encoder import Encoder, PairScorer
from search.retrieval.answer_check import AnswerCheck
from search.retrieval.asked_places import (
    AskedPlaces,
    KnownPlaces,
    asked_places,
    documents_about,
)
from search.retrieval.chunk_table import ChunkTable
from search.retrieval.matching import ChunkMatch, Matches, find_matches, walk_graph
from search.retrieval.passages import Passage, document_passages
from search.retrieval.query_vectors import QueryVectors
from search.retrieval.rerank import rerank
from search.retrieval.spelling import (
    USES_COUNTED,
    default_speller,
    spellings,
    spelt_as_used,
    suggest_query,
)
from search.retrieval.strong_matches import (
    LibraryWords,
    StrongMatches,
    find_strong,
    is_asking,
    passage_ids_using,
)
from search.retrieval.strong_matches import search_words as query_words
from search.retrieval.word_pull import WordPull
from search.schema import Filters, Hit
from search.settings import MatchSettings, SearchSettings
from search.store.base import Mode, Store, VectorQuery

__all__ = [
    "RANKED_FIELDS",
    "DocumentResult",
    "SearchResults",
    "Searcher",
    "Sort",
    "Strength",
    "choose_hits",
    "group_hits",
    "is_whole",
    "read_whole",
]

log = logging.getLogger(__name__)

# What a search reads of each passage it shows (`read_whole`): grouping (doc_id, matter), the
# passage and its pages (text, page, page_end, page_starts, chunk_index), and the best passage
# per determinant (year, determinants). The rest of a payload (title, scores per determinant,
# places, ...) is left unread: the fused query at 300k chunks took 6.1 ms p50 with whole
# payloads and 4.0 ms with these (bench/RESULTS.md, Scale), and 1.8 ms with none, which is how
# a search now ranks (its candidates outlined from the chunk table, `ChunkTable.outline`).
RANKED_FIELDS = (
    "doc_id",
    "matter",
    "text",
    "page",
    "page_end",
    "page_starts",
    "chunk_index",
    "opens_sentence",
    "lead",
    "lead_page",
    "year",
    "determinants",
)

Sort = Literal["relevance", "newest"]
Strength = Literal["strong", "weak"]
# A document gone between the two reads of a search orders as one with no year or places.
_NO_FACTS = OrderFacts()


@dataclass(frozen=True)
class DocumentResult:
    """A document and its best passages for a query."""

    document: DocumentRecord
    passages: list[Passage]
    score: float
    rank: int
    # "strong" when a passage is very close in meaning to the query, or close and holding
    # its words (search.retrieval.strong_matches: absolute cosines, unlike the fused score, which
    # only orders one query's results).
    strength: Strength = "weak"
    best_cosine: float | None = None

    @property
    def doc_id(self) -> str:
        return self.document.doc_id


@dataclass(frozen=True)
class SearchResults:
    """One page of grouped results and what produced them."""

    query: str
    filters: Filters
    page: int
    page_size: int
    total: int
    documents: list[DocumentResult]
    took_ms: float
    # The ranking's candidates, outlined (`ChunkTable.outline`: no text; see `read_whole`), but
    # those read whole for the page, which stay whole.
    hits: list[Hit] = field(default_factory=list)
    strong_total: int = 0
    # True when more passages matched than one search reads: total and counts are floors.
    is_total_capped: bool = False
    # True when the strong count is a floor (counts are, or some passages' words went unread).
    is_strong_capped: bool = False
    matches: Matches | None = None
    request: VectorQuery | None = None
    # True when nothing matched and the documents are only the closest few.
    is_closest_only: bool = False
    # The query's words no document the reader may see uses (strong_matches.unused_words).
    unused_words: tuple[str, ...] = ()
    # The places the query names, as labelled, when documents otherwise strong for it were
    # about other places and so are weak (search.retrieval.asked_places); else empty.
    places_asked: tuple[str, ...] = ()
    # The query with its unused words spelt as words the library uses ("Did you mean …?").
    suggested_query: str | None = None
    # The words whose absence pulled the search closer to each of its first strong documents'
    # closest passage, which lack them, so it has no strong match (search.retrieval.word_pull).
    pulled_words: tuple[str, ...] = ()

    @property
    def first(self) -> int:
        return 0 if not self.documents else (self.page - 1) * self.page_size + 1

    @property
    def last(self) -> int:
        return self.first + len(self.documents) - 1 if self.documents else 0

    @property
    def page_count(self) -> int:
        return max(1, -(-self.total // self.page_size))


class Searcher:
    """The read side of the index."""

    def __init__(
        self,
        store: Store,
        catalogue: Catalogue,
        encoder: Encoder,
        settings: SearchSettings,
        synonyms: dict[str, list[str]] | None = None,
        weighting: Bm25Weighting | None = None,
        scorer: PairScorer | None = None,
        matching: MatchSettings | None = None,
        speller_names: tuple[str, ...] = (),
        answers: AnswerCheck | None = None,
        gazetteer: Gazetteer | None = None,
    ) -> None:
        self.store = store
        # Places a question may name: a document strong for it must be about one of them.
        self.gazetteer = gazetteer
        # Whether a question's strong matches answer it (None: not checked).
        self.answers = answers
        # Names (places, jargon) the spelling suggestions know besides English words.
        self.speller_names = speller_names
        self.matching = matching or MatchSettings()
        self.scorer = scorer
        self.catalogue = catalogue
        self.encoder = encoder
        self.settings = settings
        self.synonyms = synonyms or {}
        self.weighting = weighting or Bm25Weighting()
        # Shared with the readers' scoped copies: what they keep is not tied to a level.
        self.table = ChunkTable(catalogue.changed_since)
        # Each document's places, for questions that name one (shared like the table).
        self.known_places = KnownPlaces()
        self.query_vectors = QueryVectors(encoder, settings.query_cache)
        # Whether a word the first strong passages lack pulls the search away from them.
        self.word_pull = WordPull(self.query_vectors.vector)
        # How many searches run at once; the others wait their turn (see SearchSettings).
        self.gate: AbstractContextManager[object] = (
            threading.BoundedSemaphore(settings.concurrent_searches)
            if settings.concurrent_searches
            else nullcontext()
        )

    def vector_query(
        self, query: str, filters: Filters, limit: int, mode: Mode | None = None
    ) -> VectorQuery:
        # Folded as the index's text was, for both legs and the query-vector cache alike.
        query = fold_characters(query)
        mode = mode or self.settings.mode
        limit_terms = self.settings.long_query_terms
        if mode == "hybrid" and limit_terms and len(set(terms(query))) > limit_terms:
            # A pasted paragraph is matched by meaning: its many keywords drown the fusion.
            mode = "dense"
        # Each search word with its other spellings ("behavior", "behaviour"): one word to the
        # keyword leg and to the match rule, however the query or the document spells it; the
        # encoder reads the query as the library spells it.
        spelt = spellings(search_words(query))
        dense = (
            self.query_vectors.vector(spelt_as_used(query, spelt, self._uses))
            if mode != "sparse"
            else None
        )
        sparse = (
            self.weighting.query_vector(query, self.synonyms, {w[0]: w[1:] for w in spelt})
            if mode != "dense"
            else None
        )
        return VectorQuery(
            dense=dense,
            sparse=sparse,
            mode=mode,
            fusion=self.settings.fusion,
            limit=limit,
            candidates=max(self.settings.candidates, limit),
            filters=filters,
            words=spelt if sparse is not None else (),
        )

    def _uses(self, stem: str) -> int:
        """How many passages the reader may see hold a search word, up to `USES_COUNTED`."""
        return len(passage_ids_using(stem, self.store, USES_COUNTED, any_of_ties=True))

    def hits(
        self, query: str, filters: Filters | None = None, limit: int = 100, mode: Mode | None = None
    ) -> list[Hit]:
        """Ranked chunks, ungrouped, after the optional second stage."""
        query = fold_characters(query)
        hits = self.store.query(self.vector_query(query, filters or Filters(), limit, mode))
        if self.scorer is not None and self.settings.rerank:
            hits = rerank(query, hits, self.scorer, self.settings.rerank_candidates)
        return hits

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        page: int = 1,
        mode: Mode | None = None,
        sort: Sort = "relevance",
        page_size: int | None = None,
        put_first: Callable[[OrderFacts], bool] | None = None,
    ) -> SearchResults:
        """One page of documents; `newest` orders the same matches by year, best first within.

        The documents are those with a matching passage (see search.retrieval.matching), in
        the fused ranking's order, then the matches the ranking did not reach; by relevance,
        the strong matches come first, each group in that order. With `put_first`, the
        documents it picks (local work) come first within each of those groups."""
        started = time.perf_counter()
        typed, query = query, fold_characters(query)
        filters = filters or Filters()
        size = page_size or self.settings.page_size
        # One ranking for every page and every page size: were the candidates to grow with the
        # page number or size, each page would be cut from a differently fused list (the
        # fusion normalises over its candidates), so pages would repeat some documents and
        # never show others, and a spreadsheet or feed of the results (one wide page) would
        # list them in another order than the pages. Documents past the ranking's reach
        # follow in the match rule's order, the same for every size.
        request = replace(
            self.vector_query(query, filters, self.settings.candidates, mode),
            payload_fields=RANKED_FIELDS,
        )
        library_chunks = self._library_chunks()
        # The catalogue's version once for the whole search: the ranking's outline and the
        # matches then read the chunk table as it stood at one moment (one query, not two).
        version = self.catalogue.changes()
        walk = None
        if request.mode == "hybrid":
            # In a large library the match rule walks the graph with this vector anyway: the
            # ranking's dense leg ranks the walk's closest instead of walking it again.
            walk = walk_graph(
                self.store, request, self.matching, library_chunks, request.candidates
            )
        ranking = request
        if walk is not None:
            ranking = replace(request, dense_among=tuple(h.id for h in walk[: request.candidates]))
        # Ids and scores only, grouped from the chunk table: the passages shown are read
        # whole below, a few dozen rather than every candidate's text.
        hits = self.store.query(replace(ranking, payload_fields=()))
        hits = self.table.outline(self.store, hits, version)
        if self.scorer is not None and self.settings.rerank:
            top = self.settings.rerank_candidates
            hits = rerank(query, read_whole(self.store, hits[:top]) + hits[top:], self.scorer, top)
        matches = self.find_matches(request, walk, library_chunks, version)
        is_closest_only = not matches.chunks and bool(hits)
        if is_closest_only:
            # Nothing matches by the rule: show the few closest documents, all weak, rather
            # than an empty page (the page says they may not answer the question).
            nearest = set(
                list(dict.fromkeys(h.doc_id for h in hits))[: self.matching.closest_documents]
            )
            matches = Matches(
                [ChunkMatch(h.id, h.doc_id, None, False) for h in hits if h.doc_id in nearest],
                False,
            )
        matched = matches.documents()
        groups = choose_hits(hits, self.settings.passages_per_document)
        # The ranking's documents first, then the matches it did not reach (their passages
        # are read only if they are shown).
        order = [d for d in groups if d in matched] + [d for d in matched if d not in groups]
        # Only committed documents are shown: half-written ones stay invisible.
        committed = self.catalogue.visible_among(order)
        ranked = [doc_id for doc_id in order if doc_id in committed]
        # An order other than relevance reads each matched document's year or places only;
        # the records are read for the page shown.
        facts = (
            self.catalogue.order_facts(ranked, with_places=put_first is not None)
            if sort == "newest" or put_first is not None
            else {}
        )
        cosines = matches.best_cosines()
        named = self.places_asked(query)
        about = partial(self.documents_about, named) if named is not None else None
        strength = find_strong(
            matched, ranked, query, self.matching, self.store, self.answers, about
        )
        strength = self.word_pull.judge(strength, matched, ranked, query, self.store, self.matching)
        strong = strength.documents
        suggestion = self._suggestion(typed, query, strength.unused_words)
        if sort == "newest":
            ranked.sort(key=lambda d: -(facts.get(d, _NO_FACTS).year or 0))  # stable: keeps rank
        else:
            # Strong matches before weak ones, each in the ranking's order: a "Weak match"
            # listed above a "Strong match" reads as a contradiction to an officer.
            ranked.sort(key=lambda d: d not in strong)  # stable, as above
        if put_first is not None:
            # Within the strong matches and within the weak ones, by relevance: a barely related
            # local document above a strong match would bury the answer (and read, again, as a
            # contradiction); newest first, within the year order.
            first, by_strength = put_first, sort != "newest"
            ranked.sort(
                key=lambda d: (by_strength and d not in strong, not first(facts.get(d, _NO_FACTS)))
            )  # stable, as above
        shown = ranked[(page - 1) * size : page * size]
        records = {r.doc_id: r for r in self.catalogue.documents(shown)}
        # A document whose fused hits were all cover, contents or references is asked again
        # for its own best passages, so body text of it that matches is shown instead.
        with_body = {h.doc_id for h in hits if h.is_body}
        on_page = set(shown)
        asked = self._whole(
            {d: chosen for d, chosen in groups.items() if d in with_body and d in on_page}
        )
        window = self._with_text(request, shown, asked, matched)
        # The candidates just read whole stay whole: a caller that shows one again, as the
        # best passage for a determinant, need not read it a second time (most searches' best
        # passage per determinant is one of the page's).
        read = {hit.id: hit for chosen in asked.values() for hit in chosen}
        hits = [read.get(hit.id, hit) for hit in hits]
        results = [
            DocumentResult(
                document=records[doc_id],
                passages=passages,
                score=max(p.score for p in passages),
                rank=(page - 1) * size + i + 1,
                strength="strong" if doc_id in strong else "weak",
                best_cosine=cosines.get(doc_id),
            )
            for i, (doc_id, passages) in enumerate(window)
            if doc_id in records and passages
        ]
        took = (time.perf_counter() - started) * 1000
        return SearchResults(
            query=typed,
            filters=filters,
            page=page,
            page_size=size,
            # The closest few are shown but are no match: the total counts matches only.
            total=0 if is_closest_only else len(ranked),
            documents=results,
            took_ms=took,
            hits=hits,
            strong_total=len(strong),
            is_total_capped=matches.is_capped,
            is_strong_capped=matches.is_capped or strength.is_capped,
            matches=matches,
            request=request,
            is_closest_only=is_closest_only,
            unused_words=strength.unused_words,
            places_asked=_places_to_name(named, strength),
            suggested_query=suggestion,
            pulled_words=strength.pulled_words,
        )

    def places_asked(self, query: str) -> AskedPlaces | None:
        """The gazetteer's places `query` names (None: none, or no gazetteer)."""
        return asked_places(query, self.gazetteer) if self.gazetteer is not None else None

    def documents_about(self, asked: AskedPlaces, doc_ids: Collection[str]) -> set[str]:
        """Those of `doc_ids` about a place the question asks about (`places_asked`): the only
        ones it may mark strong."""
        assert self.gazetteer is not None  # places are asked only with a gazetteer
        facts = self.known_places.of(self.catalogue, list(doc_ids))
        return documents_about(asked, doc_ids, facts, self.gazetteer)

    def _suggestion(self, typed: str, query: str, unused: tuple[str, ...]) -> str | None:
        """The search with its likely typos spelt as words the library uses, if any are one
        edit away. The likely typos are the words no document uses (`unused`, as strength
        judged them) and the words the speller does not know whose stem some document uses
        but never as written ("governent": "government" stems to "govern"). A search too long
        for its words to be looked up for strength (`unused_word_checks`) has its unknown
        words looked up here, for the suggestion alone (strength was calibrated without)."""
        checks = self.matching.unused_word_checks
        words = list(query_words(query).items())
        if not checks or not words:
            return None
        try:
            speller = default_speller(self.speller_names)
        except (OSError, ValueError):
            # A word list that cannot be read costs the suggestion, never the search.
            log.exception("the spelling word list could not be read")
            return None
        library = LibraryWords(self.store, USES_COUNTED)
        typos = list(unused)
        stem_used: list[str] = []
        for stem, word in words:
            if word in typos or not word.isalpha() or speller.is_known(word):
                continue  # known words cost no lookup
            if is_asking(stem, word):
                continue
            (stem_used if library.uses(stem) else typos).append(word)
        if stem_used:  # one read of text for all of them: those the library writes are meant
            held = library.written(stem_used)
            stem_used = [word for word in stem_used if word not in held]
            typos += stem_used
        if not typos:
            return None
        return suggest_query(typed, typos, speller, library.uses, library.written, stem_used)

    def find_matches(
        self,
        request: VectorQuery,
        walk: list[Hit] | None = None,
        library_chunks: int | None = None,
        version: int | None = None,
    ) -> Matches:
        """Every passage that matches `request` (see search.retrieval.matching); `walk` is
        the graph walk already made for it, if any, and `version` the catalogue's version
        the search read (read here when not given)."""
        return find_matches(
            self.store,
            request,
            self.matching,
            self.table,
            self.catalogue.changes() if version is None else version,
            self._library_chunks() if library_chunks is None else library_chunks,
            walk,
        )

    def _library_chunks(self) -> int:
        # A running total in the catalogue (microseconds), for this reader's view.
        return self.catalogue.stats()["chunks"]

    def _whole(self, groups: dict[str, list[Hit]]) -> dict[str, list[Hit]]:
        """These documents' outlined hits read whole, in one request (a document none of whose
        hits is left is dropped: its passages are then looked for as for one not ranked)."""
        read = read_whole(self.store, [hit for chosen in groups.values() for hit in chosen])
        found = {hit.id: hit for hit in read}
        whole = {d: [found[h.id] for h in chosen if h.id in found] for d, chosen in groups.items()}
        return {d: chosen for d, chosen in whole.items() if chosen}

    def _with_text(
        self,
        request: VectorQuery,
        shown: list[str],
        groups: dict[str, list[Hit]],
        matched: dict[str, list[ChunkMatch]],
    ) -> list[tuple[str, list[Passage]]]:
        """Each shown document with its passages (cut for the shown ones only): the ranking's
        own, or, for documents the ranking did not reach (or reached only by cover or
        reference text), their best passages by the same fused query narrowed to them
        (failing that, their best matching passages read by id)."""
        need = tuple(doc_id for doc_id in shown if doc_id not in groups)
        found: dict[str, list[Passage]] = {}
        per_document = self.settings.passages_per_document
        if need:
            limit = len(need) * per_document * 4
            narrowed = replace(
                request,
                filters=replace(request.filters, doc_ids=need),
                limit=limit,
                candidates=max(request.candidates, limit),
            )
            found = group_hits(self.store.query(narrowed), per_document)
        window = {
            doc_id: document_passages(groups[doc_id]) if doc_id in groups else found.get(doc_id, [])
            for doc_id in shown
        }
        unread = {
            d: matched.get(d, [])[:per_document] for d, passages in window.items() if not passages
        }
        window.update(self._matched_passages(unread))
        return list(window.items())

    def _matched_passages(self, matches: dict[str, list[ChunkMatch]]) -> dict[str, list[Passage]]:
        """Each document's matched chunks as shown passages (only body text when any matched,
        cut at sentences, not repeating each other), scored by how they matched; the chunks of
        every document are read together, in one request."""
        wanted = [m.id for chosen in matches.values() for m in chosen]
        by_id = (
            {hit.id: hit for hit in self.store.retrieve(wanted, RANKED_FIELDS)} if wanted else {}
        )
        out: dict[str, list[Passage]] = {}
        for doc_id, chosen in matches.items():
            kept = [m for m in chosen if m.id in by_id]
            ordered = [m for m in kept if by_id[m.id].is_body] or kept
            # A passage matched by its words alone has no cosine worth showing: it scores 0.
            score = {m.id: m.cosine or 0.0 for m in kept}
            shown = document_passages([by_id[m.id] for m in ordered])
            out[doc_id] = [replace(p, score=score[p.chunk_id]) for p in shown]
        return out


def _places_to_name(asked: AskedPlaces | None, strength: StrongMatches) -> tuple[str, ...]:
    """The asked places a page names when documents about elsewhere were kept from being strong
    (`SearchResults.places_asked`): not one no document uses, which the page already names as
    a word no document uses ("Cornwall", in a library that never mentions it)."""
    if asked is None or not strength.is_elsewhere:
        return ()
    unused = set(strength.unused_words)
    return tuple(label for label in asked.labels if not set(label.lower().split()) <= unused)


def is_whole(hit: Hit) -> bool:
    """Whether a hit holds what a shown passage needs (`RANKED_FIELDS`), not only its outline
    (`ChunkTable.outline`)."""
    return "text" in hit.payload


def read_whole(store: Store, hits: Sequence[Hit]) -> list[Hit]:
    """These hits with what a shown passage needs (`RANKED_FIELDS`), their scores and order
    kept: the outlined ones are read by id, in one request; one whose chunk has gone since it
    was ranked is left out."""
    wanted = [hit.id for hit in hits if not is_whole(hit)]
    if not wanted:
        return list(hits)
    read = {hit.id: hit.payload for hit in store.retrieve(wanted, RANKED_FIELDS)}
    return [
        hit if is_whole(hit) else Hit(hit.id, hit.score, read[hit.id])
        for hit in hits
        if is_whole(hit) or hit.id in read
    ]


def choose_hits(hits: list[Hit], per_document: int) -> dict[str, list[Hit]]:
    """Documents in order of their best hit, each with up to per_document hits to show.

    A cover, contents or reference passage is shown for a document only when none of its
    body passages matched (so its exact words stay findable), never beside body text.
    """
    groups: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: not h.is_body):
        chosen = groups.setdefault(hit.doc_id, [])
        if len(chosen) < per_document and (hit.is_body or not any(h.is_body for h in chosen)):
            chosen.append(hit)
    order = {doc_id: i for i, doc_id in enumerate(dict.fromkeys(h.doc_id for h in hits))}
    return dict(sorted(groups.items(), key=lambda item: order[item[0]]))


def group_hits(hits: list[Hit], per_document: int) -> dict[str, list[Passage]]:
    """Documents in order of their best hit, each with up to per_document passages (see
    `choose_hits`)."""
    return {d: document_passages(chosen) for d, chosen in choose_hits(hits, per_document).items()}
