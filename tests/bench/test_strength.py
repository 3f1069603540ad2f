"""Calibrates and checks the match rule's cosines. "Strong" (search.retrieval.strong_matches: a
passage very close in meaning, or close and holding a share of the search words): no-answer
queries should find no strong document, judged-relevant documents should be strong.
"Matches" (min_cosine, what totals and filter counts are counted over): as high as it can
be while judged-relevant documents still match, so a total says how many documents answer,
not how many exist.

Query sets live in corpus/queries/*.jsonl (ours: written for the bundled briefs and the real
PDFs; `relevant` empty means nothing in the library answers it). BEIR SciFact's qrels add
judged pairs. Every set is split in two by a hash of the query id, or by its `split` where a
query has one (`corpus/queries/council.jsonl`): the bars are tuned on the first half and the
numbers are reported on the second, which tuning never saw.

Data: the briefs are rendered and indexed here; the real PDFs are read from an index given in
KB_BENCH_REAL_DATA_DIR (a copy: the embedded store is one process's); SciFact's judged
abstracts are encoded directly. Sets whose data is missing are skipped with a message.
Run: `make bench` or `pytest -m bench tests/bench/test_strength.py -s`.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from itertools import product
from pathlib import Path

import numpy as np
import pytest

from ingest.pipeline import Ingester
from kb.eval.beir import document_text, read_beir
from search.analysis import term_index, terms
from search.library import Library
from search.models.encoder import Encoder, PairScorer, load_pair_scorer
from search.retrieval.answer_check import is_checked
from search.retrieval.matching import ChunkMatch
from search.retrieval.query_vectors import meaning_text
from search.retrieval.searcher import SearchResults
from search.retrieval.strong_matches import (
    PASSAGES_PER_DOCUMENT,
    is_strong_despite_unused,
    is_strong_passage,
    query_words,
    search_words,
    word_share,
    word_stems,
)
from search.retrieval.word_pull import is_judged, pulling_word
from search.settings import MatchSettings, Settings

pytestmark = pytest.mark.bench
log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[2]
QUERIES = ROOT / "corpus" / "queries"
SCIFACT = ROOT.parent / "shared" / "data" / "beir" / "scifact"
GRID = [round(0.5 + i * 0.005, 3) for i in range(61)]  # 0.50 .. 0.80
MATCH_GRID = [round(0.5 + i * 0.01, 2) for i in range(18)]  # 0.50 .. 0.67
# The share of judged-relevant documents that must still match at the chosen min_cosine.
MATCH_RECALL = 0.98
MIN_COSINE = MatchSettings().min_cosine
# A results page long enough to hold every document a query matches.
SITE_PAGE = 1000


Close = tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Rule:
    """A candidate's bars, judged by the site's own rule (strong_matches.is_strong_passage)."""

    settings: MatchSettings

    @classmethod
    def of(
        cls, alone: float, with_words: float, share: float, despite_unused: float | None = None
    ) -> Rule:
        # Unchecked: the grid's low corner sits under min_cosine, which only the site refuses.
        despite = MatchSettings().strong_cosine_despite_unused
        return cls(
            MatchSettings.model_construct(
                strong_cosine=alone,
                strong_cosine_with_words=with_words,
                strong_word_share=share,
                strong_cosine_despite_unused=despite if despite_unused is None else despite_unused,
            )
        )

    def despite(self, bar: float) -> Rule:
        """This rule with another bar for queries that hold a word no document uses."""
        return Rule(self.settings.model_copy(update={"strong_cosine_despite_unused": bar}))

    @classmethod
    def default(cls) -> Rule:
        return cls(MatchSettings())

    @property
    def share(self) -> float:
        return self.settings.strong_word_share

    def __str__(self) -> str:
        m = self.settings
        return (
            f"Rule(alone={m.strong_cosine}, with_words={m.strong_cosine_with_words},"
            f" share={m.strong_word_share}, despite_unused={m.strong_cosine_despite_unused})"
        )

    def is_strong(self, close: Close | None, has_unused: bool = False) -> bool:
        return (
            close is not None
            and any(is_strong_passage(cosine, share, self.settings) for cosine, share in close)
            and is_strong_despite_unused(
                max(cosine for cosine, _ in close), has_unused, self.settings
            )
        )


@dataclass(frozen=True)
class Judged:
    """One query's evidence for tuning: the best cosine of any matching document (None when
    nothing matched), and each judged-relevant document's (None when it did not match)."""

    query_id: str
    best: float | None
    relevant: list[float | None]
    # Per relevant document: does one of its passages hold every search word.
    relevant_all_words: list[bool] = field(default_factory=list)
    # Per relevant document: its best cosine searched at the grid's floor (0.0 when under it),
    # whatever min_cosine is set to, so the match threshold is tuned on evidence it did not shape.
    relevant_cosines: list[float] = field(default_factory=list)
    # How many documents match at each cosine in MATCH_GRID (searched at the grid's floor).
    matched_at: dict[float, int] = field(default_factory=dict)
    # Strength is judged on a document's closest passages: (cosine, share of the search words
    # the passage holds) for each, closest first. Every matching document's, and each
    # relevant document's (None when it did not match at the default min_cosine).
    matched_close: list[Close] = field(default_factory=list)
    relevant_close: list[Close | None] = field(default_factory=list)
    # The query holds a word no document in its library uses (strong_matches.unused_words).
    has_unused: bool = False
    # The documents (file names) the site itself marks strong: the rule above, then, for a
    # question, the cross-encoder's check that one of them answers it (answer_check). None
    # where the query was not searched in a library (SciFact's claims, which are no questions).
    site_strong: frozenset[str] | None = None
    # The judged-relevant documents' file names, in the order of `relevant` (library sets).
    relevant_files: tuple[str, ...] = ()
    # (cosine, cross-encoder score) of the closest passage of each of the first ANSWER_READS
    # documents the default rule marks strong, in the ranking's order (answer_check), read for
    # every search of a library (questions and phrases), so the searches it checks can be tuned.
    answer_reads: tuple[tuple[float, float], ...] = ()
    # The highest cosine of any document the default rule marks strong (the check's band).
    answer_closest: float = 0.0
    # The search as typed.
    query: str = ""
    # A word its first strong documents' closest passages lack pulled the search away from
    # them, so it has no strong match (word_pull): read from the site for a library's
    # searches; for SciFact's claims the site could judge, its relevant abstracts, closest
    # first, stand in for the first strong documents.
    is_pulled: bool = False

    @property
    def is_no_answer(self) -> bool:
        return not self.relevant


def is_tuning_half(query_id: str) -> bool:
    """Queries written with a split say which half they are in; the others are split by a hash."""
    if query_id in SPLITS:
        return SPLITS[query_id] == "tune"
    return hashlib.sha256(query_id.encode()).digest()[0] % 2 == 0


def _read_splits() -> dict[str, str]:
    return {
        str(row["id"]): str(row["split"])
        for path in sorted(QUERIES.glob("*.jsonl"))
        for row in map(json.loads, path.read_text(encoding="utf-8").splitlines())
        if "split" in row
    }


SPLITS = _read_splits()


def _closest(library: Library, query: str, chunks: list[ChunkMatch], floor: float) -> Close:
    """A document's closest passages (as the site reads them) with the share of the query's
    search words each holds, read from its keyword vector as the site reads it."""
    close = [
        c for c in chunks[:PASSAGES_PER_DOCUMENT] if c.cosine is not None and c.cosine >= floor
    ]
    held = library.store.chunk_terms([c.id for c in close])
    words = query_words(query)
    return tuple(
        (float(c.cosine or 0.0), word_share(words, held.get(c.id, frozenset()))) for c in close
    )


def read_queries(name: str) -> list[dict[str, object]]:
    lines = (QUERIES / f"{name}.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def judge_library(library: Library, name: str) -> list[Judged]:
    """Each query run as the site runs it, with documents told apart by file name; matches are
    searched at the grid's lowest cosine, so every candidate threshold can be judged."""
    names = {r.doc_id: r.file_name for r in library.catalogue.documents()}
    searcher = copy.copy(library.searcher)
    searcher.matching = searcher.matching.model_copy(update={"min_cosine": MATCH_GRID[0]})
    out = []
    for query in read_queries(name):
        # One page holding every match, so each one's strength is read from the site.
        results = searcher.search(str(query["query"]), page_size=SITE_PAGE)
        assert results.matches is not None
        cosines = {names.get(d, d): c for d, c in results.matches.best_cosines().items()}
        by_words = {
            names.get(d, d)
            for d, chunks in results.matches.documents().items()
            if any(c.has_words for c in chunks)
        }
        at_default = {
            f for f in set(cosines) | by_words if f in by_words or cosines[f] >= MIN_COSINE
        }
        wanted: list[str] = list(query["relevant"])  # type: ignore[call-overload]
        relevant = [cosines.get(f, 0.0) if f in at_default else None for f in wanted]
        matched_at = {
            t: len(by_words | {f for f, c in cosines.items() if c >= t}) for t in MATCH_GRID
        }
        # A document about another place than the question names is never strong
        # (asked_places): judged as not close, so every candidate rule sees it as the site does.
        elsewhere = _elsewhere(library, str(query["query"]), list(results.matches.documents()))
        close = {
            names.get(d, d): _closest(library, str(query["query"]), chunks, GRID[0])
            for d, chunks in results.matches.documents().items()
            if d not in elsewhere
        }
        firsts = _rule_strong_firsts(results, at_default, names, close)
        out.append(
            Judged(
                str(query["id"]),
                max((cosines.get(f, 0.0) for f in at_default), default=None),
                relevant,
                relevant_all_words=[f in by_words for f in wanted],
                matched_at=matched_at,
                relevant_cosines=[cosines.get(f, 0.0) for f in wanted],
                matched_close=[close[f] for f in at_default if f in close],
                relevant_close=[close.get(f) if f in at_default else None for f in wanted],
                has_unused=bool(results.unused_words),
                relevant_files=tuple(wanted),
                query=str(query["query"]),
                answer_reads=_answer_reads(library, str(query["query"]), results, firsts),
                answer_closest=max((float(c.cosine or 0.0) for c in firsts.values()), default=0.0),
                is_pulled=bool(results.pulled_words),
                site_strong=frozenset(
                    names.get(d.doc_id, d.doc_id)
                    for d in results.documents
                    if d.strength == "strong"
                ),
            )
        )
    return out


def _elsewhere(library: Library, query: str, doc_ids: list[str]) -> set[str]:
    """The documents among `doc_ids` about another place than the question names, which the
    site never marks strong (search.retrieval.asked_places); none when it names no place."""
    asked = library.searcher.places_asked(query)
    if asked is None:
        return set()
    return set(doc_ids) - library.searcher.documents_about(asked, doc_ids)


def _rule_strong_firsts(
    results: SearchResults, at_default: set[str], names: dict[str, str], close: dict[str, Close]
) -> dict[str, ChunkMatch]:
    """The closest passage of each document the default rule marks strong, by document id."""
    assert results.matches is not None
    rule = Rule.default()
    return {
        d: chunks[0]
        for d, chunks in results.matches.documents().items()
        if names.get(d, d) in at_default
        and chunks
        and chunks[0].cosine is not None
        and rule.is_strong(close.get(names.get(d, d)), bool(results.unused_words))
    }


def _answer_reads(
    library: Library, query: str, results: SearchResults, firsts: dict[str, ChunkMatch]
) -> tuple[tuple[float, float], ...]:
    """A search's `answer_reads`: the cross-encoder's score of the closest passage (`firsts`)
    of each of the first documents the default rule marks strong, in the ranking's order. The
    page lists strong documents first, each group in the ranking's order, and a document the
    rule marks strong is strong on the page whenever the check finds the search answered, so
    the page's order, kept to the rule's strong documents, is the ranking's."""
    answers = library.searcher.answers
    if answers is None:
        return ()
    listed = [firsts[r.doc_id] for r in results.documents if r.doc_id in firsts][:ANSWER_READS]
    texts = {h.id: h.text for h in library.store.retrieve([c.id for c in listed], ("text",))}
    return tuple(
        (float(c.cosine or 0.0), answers.score(query, texts[c.id])) for c in listed if c.id in texts
    )


def site_shares(judged: list[Judged]) -> tuple[float, float, int, int]:
    """`shares` as the site marks strength (the rule and the answer check); queries with no
    site marks (SciFact) judged by the default rule and answer check, as the site would."""
    rule, answer = Rule.default(), AnswerRule.default()
    empty = [j for j in judged if j.is_no_answer]
    quiet = sum(
        1
        for j in empty
        if (
            not j.site_strong
            if j.site_strong is not None
            else not any(rule.is_strong(c, j.has_unused) for c in j.matched_close)
        )
    )
    relevant = strong = 0
    for j in judged:
        wanted = list(j.relevant_files) or [None] * len(j.relevant_close)
        for file, close in zip(wanted, j.relevant_close, strict=True):
            relevant += 1
            if j.site_strong is not None and file is not None:
                strong += file in j.site_strong
            else:
                strong += (
                    rule.is_strong(close, j.has_unused)
                    and answer.is_answered(j)
                    and not j.is_pulled
                )
    return (
        quiet / len(empty) if empty else 1.0,
        strong / relevant if relevant else 1.0,
        len(empty),
        relevant,
    )


@dataclass(frozen=True)
class AnswerRule:
    """The answer check's settings (search.retrieval.answer_check), judged on `answer_reads`."""

    checks: int
    below: float
    bar: float
    phrase_words: int

    @classmethod
    def default(cls) -> AnswerRule:
        m = MatchSettings()
        return cls(m.answer_checks, m.answer_check_below, m.answer_bar, m.answer_phrase_words)

    def is_answered(self, judged: Judged) -> bool:
        reads = judged.answer_reads
        return (
            not reads
            or not is_checked(judged.query, self.phrase_words)
            or self.checks == 0
            or max(judged.answer_closest, *(cosine for cosine, _ in reads)) >= self.below
            or any(score >= self.bar for _, score in reads[: self.checks])
        )


# Documents whose closest passage is read for the answer check's tuning (its grid's widest).
ANSWER_READS = 5


def shares(
    judged: list[Judged], rule: Rule, answer: AnswerRule | None = None
) -> tuple[float, float, int, int]:
    """(no-answer queries with no strong document, relevant documents strong) and the counts;
    with `answer`, a question its check finds unanswered has no strong document, nor has a
    search a word pulled away from its first strong documents (`is_pulled`, as the site
    judged it). The answer check is judged on the default rule's strong documents
    (`answer_reads`)."""
    empty = [j for j in judged if j.is_no_answer]
    relevant = [c for j in judged for c in j.relevant_close]

    def answered(j: Judged) -> bool:
        return answer is None or (answer.is_answered(j) and not j.is_pulled)

    quiet = sum(
        1
        for j in empty
        if not answered(j) or not any(rule.is_strong(c, j.has_unused) for c in j.matched_close)
    )
    strong = sum(
        1
        for j in judged
        for c in j.relevant_close
        if answered(j) and rule.is_strong(c, j.has_unused)
    )
    return (
        quiet / len(empty) if empty else 1.0,
        strong / len(relevant) if relevant else 1.0,
        len(empty),
        len(relevant),
    )


def _score(judged: list[Judged], rule: Rule, answer: AnswerRule | None = None) -> float:
    """How near a rule comes to both targets at once (2 when it meets both)."""
    quiet, strong, _, _ = shares(judged, rule, answer)
    return min(quiet / 0.8, 1.0) + min(strong / 0.9, 1.0) + 0.01 * (quiet + strong)


ANSWER_BELOW_GRID = [*(round(0.70 + i * 0.01, 2) for i in range(11)), 1.01]
ANSWER_BAR_GRID = [round(-4.0 + i * 0.2, 1) for i in range(41)]  # -4 .. 4
ANSWER_PHRASE_WORDS_GRID = [0, 4, 6, 8, 10, 12]  # 0: questions only


def tune_answer(judged: list[Judged], rule: Rule) -> AnswerRule:
    """The answer check's phrase length, band and bar that best meet both targets with
    `rule`, at the default number of checks (ties: the middle of the best run, in that
    order)."""
    checks = MatchSettings().answer_checks
    candidates = [
        AnswerRule(checks, b, bar, words)
        for words in ANSWER_PHRASE_WORDS_GRID
        for b in ANSWER_BELOW_GRID
        for bar in ANSWER_BAR_GRID
    ]
    scores = [_score(judged, rule, a) for a in candidates]
    tied = [a for a, v in zip(candidates, scores, strict=True) if v == max(scores)]
    return tied[len(tied) // 2]


# Bars for queries that hold a word no document uses; above 1.0 no document is strong then,
# and 0.0 is the rule without the check.
DESPITE_GRID = [0.0, *(round(0.70 + i * 0.01, 2) for i in range(31)), 1.01]


def tune_despite(judged: list[Judged], rule: Rule) -> float:
    """The bar for queries holding an unused word that best meets both targets with the rule's
    other bars (ties: the middle of the best run)."""
    scores = [_score(judged, rule.despite(bar)) for bar in DESPITE_GRID]
    tied = [bar for bar, v in zip(DESPITE_GRID, scores, strict=True) if v == max(scores)]
    return tied[len(tied) // 2]


def tune(judged: list[Judged], share: float) -> Rule:
    """The two bars that best meet both targets at once, at the default share of words (ties:
    the middle of the best run, in the order of the bar without words, then with)."""

    rules = [Rule.of(a, w, share) for a in GRID for w in GRID if w <= a]
    scores = [_score(judged, r) for r in rules]
    tied = [r for r, v in zip(rules, scores, strict=True) if v == max(scores)]
    return tied[len(tied) // 2]


@pytest.fixture(scope="module")
def briefs(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Library]:
    from corpus.tooling.briefs import render_briefs

    folder = tmp_path_factory.mktemp("briefs")
    for source in (ROOT / "corpus" / "briefs").iterdir():
        if source.suffix in (".md", ".csv"):
            shutil.copy(source, folder / source.name)
    render_briefs(folder)
    settings = Settings(data_dir=tmp_path_factory.mktemp("briefs-data"))
    library = Library.open(settings, encoder=encoder)
    try:
        Ingester(library.index, settings.chunks).run([folder])
        yield library
    finally:
        library.close()


REAL_SETS = (
    "real",
    "council",
    "council2",
    "council3",
    "council4",
    "council5",
    "council6",
    "council7",
    "council8",
    "council9",
    "council10",
    "places",
)


def judge_real(encoder: Encoder) -> dict[str, list[Judged]]:
    """The query sets about the real PDFs: `real`, `council` (questions a council officer
    might ask that the PDFs do not answer, and paraphrased ones they do), `council2` (more
    of both, written later and held out whole: near misses on the library's own themes), and
    `council3` and `council4` (written together later still: the first to tune on, the second
    held out whole), and `council5` (written after the answer check was fixed, held out whole;
    a third of it topic phrases rather than questions), and `council6` and `council7` (written
    together later still, the first to tune on, the second held out whole), and `council8`
    (held out whole, written before the twenty-first session tuned anything), and `council9`
    (answerable questions only, with their answer pages, to tune on), and `council10` (held out
    whole, first scored in the thirty-sixth session), and `places` (right topic, wrong place:
    split by a hash of the query)."""
    where = os.environ.get("KB_BENCH_REAL_DATA_DIR")
    if not where or not Path(where).is_dir():
        log.warning("real PDFs skipped: set KB_BENCH_REAL_DATA_DIR to a copy of their index")
        return {name: [] for name in REAL_SETS}
    library = Library.open(Settings(data_dir=Path(where)), encoder=encoder)
    try:
        return {name: judge_library(library, name) for name in REAL_SETS}
    finally:
        library.close()


def judge_scifact(encoder: Encoder, limit: int = 200) -> list[Judged]:
    """SciFact's judged pairs (every query has an answer): each relevant abstract's cosine with
    its claim, encoded as the site encodes chunks and queries (no collection needed, since
    only the judged documents' cosines count here), and for the few claims the answer check
    could read (no full stop), the cross-encoder's reading of each relevant abstract."""
    if not SCIFACT.is_dir():
        log.warning("SciFact skipped: %s is missing", SCIFACT)
        return []
    collection = read_beir(SCIFACT)
    # The library is SciFact's whole corpus: a claim's word is unused when no abstract has it.
    used = {stem for d in collection.corpus for stem in terms(document_text(collection, d))}
    checks = MatchSettings().unused_word_checks
    scorer: PairScorer | None = None
    out = []
    for qid, text in list(collection.queries.items())[:limit]:
        judged = [d for d, grade in collection.qrels[qid].items() if grade > 0]
        if not judged:
            continue
        query = np.asarray(encoder.encode_queries([text])[0], dtype=np.float64)
        docs = np.asarray(
            encoder.encode_documents([document_text(collection, d) for d in judged]),
            dtype=np.float64,
        )
        cosines = docs @ query / (np.linalg.norm(docs, axis=1) * np.linalg.norm(query))
        words = set(terms(text))
        held = [set(terms(document_text(collection, d))) for d in judged]
        all_words = [bool(words) and words <= h for h in held]
        relevant = [float(c) for c in cosines]
        # An abstract is one passage: its cosine and the share of the claim's words it holds.
        close: list[Close | None] = [
            ((c, len(words & h) / max(1, len(words))),) for c, h in zip(relevant, held, strict=True)
        ]
        # A claim the answer check may read at some phrase length (one without a full stop):
        # its relevant abstracts, closest first, stand in for the first strong documents.
        reads: tuple[tuple[float, float], ...] = ()
        if is_checked(text, min(w for w in ANSWER_PHRASE_WORDS_GRID if w > 0)):
            scorer = scorer or load_pair_scorer()
            scores = scorer.score(text, [document_text(collection, d) for d in judged])
            reads = tuple(sorted(zip(relevant, scores, strict=True), key=lambda r: -r[0]))
        out.append(
            Judged(
                f"scifact-{qid}",
                float(cosines.max()),
                relevant,
                relevant_all_words=all_words,
                relevant_cosines=relevant,
                relevant_close=close,
                has_unused=_has_unused(text, used, checks),
                query=text,
                answer_reads=reads,
                is_pulled=_is_pulled(encoder, text, query, docs, held, relevant),
            )
        )
    return out


def _is_pulled(
    encoder: Encoder,
    claim: str,
    query: np.ndarray,
    docs: np.ndarray,
    held: list[set[str]],
    cosines: list[float],
) -> bool:
    """word_pull's judgement of a claim, its relevant abstracts (closest first) standing in for
    the first strong documents, each abstract one passage."""
    if not is_judged(claim):
        return False

    def vector(text: str) -> list[float]:
        return [float(v) for v in encoder.encode_queries([meaning_text(text)])[0]]

    settings = Settings().match  # as the site is set (KB_MATCH__WORD_PULL_CHECKS=0: off)
    first = sorted(range(len(cosines)), key=lambda i: -cosines[i])[: settings.word_pull_checks]
    return bool(first) and all(
        pulling_word(
            claim,
            list(query),
            list(docs[i]),
            {term_index(t) for t in held[i]},
            vector,
            settings.word_pull_bar,
        )
        is not None
        for i in first
    )


def _has_unused(query: str, used: set[str], checks: int) -> bool:
    """strong_matches.unused_words over a library given as the stems it uses."""
    stems = search_words(query)
    return 0 < len(stems) <= checks and any(
        not any(s in used for s in word_stems(stem, word)) for stem, word in stems.items()
    )


@pytest.fixture(scope="module")
def sets(briefs: Library, encoder: Encoder) -> dict[str, list[Judged]]:
    """Every query set judged once, for both thresholds' tests."""
    return {
        "briefs": judge_library(briefs, "briefs"),
        **judge_real(encoder),
        "scifact": judge_scifact(encoder),
    }


def test_strong_threshold_meets_targets_on_the_half_not_tuned_on(
    sets: dict[str, list[Judged]],
) -> None:
    tuning = [j for judged in sets.values() for j in judged if is_tuning_half(j.query_id)]
    default = Rule.default()
    tuned = tune(tuning, default.share)
    # Cosine alone at the old bar (0.67), for comparison: the rule before words counted.
    cosine_only = Rule.of(0.67, 0.67, 0.0, despite_unused=0.0)
    despite = tune_despite(tuning, default)
    answer = AnswerRule.default()
    tuned_answer = tune_answer(tuning, default)
    report: dict[str, object] = {
        "tuned": str(tuned),
        "default": str(default),
        "tuned_despite_unused": despite,
        "answer_check": str(answer),
        "tuned_answer_check": str(tuned_answer),
    }
    for name, judged in sets.items():
        if not judged:
            continue
        held = [j for j in judged if not is_tuning_half(j.query_id)]
        rules = (
            ("at_default", default),
            ("at_tuned", tuned),
            ("without_unused_check", default.despite(0.0)),
            ("at_tuned_despite_unused", default.despite(despite)),
            ("cosine_0.67", cosine_only),
        )
        answers = (
            ("rule_alone", None),
            ("with_answer_check", answer),
            ("with_tuned_answer_check", tuned_answer),
        )
        for (label, at), (checked, answer_rule) in product(rules, answers):
            if answer_rule is not None and at is not default:
                continue
            label = f"{label} {checked}"
            quiet, strong, n_empty, n_relevant = shares(held, at, answer_rule)
            report[f"{name} held-out {label}"] = {
                "no_answer_with_no_strong": round(quiet, 3),
                "no_answer_queries": n_empty,
                "relevant_marked_strong": round(strong, 3),
                "relevant_documents": n_relevant,
            }
        quiet, strong, n_empty, n_relevant = site_shares(held)
        report[f"{name} held-out site (rule and answer check)"] = {
            "no_answer_with_no_strong": round(quiet, 3),
            "no_answer_queries": n_empty,
            "relevant_marked_strong": round(strong, 3),
            "relevant_documents": n_relevant,
        }
    held = [j for judged in sets.values() for j in judged if not is_tuning_half(j.query_id)]
    for label, (quiet, strong, _, _) in (
        ("all held-out, rule alone", shares(held, default)),
        ("all held-out, rule and answer check", shares(held, default, answer)),
        ("all held-out, rule and tuned answer check", shares(held, default, tuned_answer)),
        ("all held-out, site", site_shares(held)),
    ):
        report[label] = {"no_answer_with_no_strong": quiet, "relevant_marked_strong": strong}
    print(json.dumps(report, indent=2))
    # The bench's model of the check judges as the site does.
    assert site_shares(held) == shares(held, default, answer)
    # What the site shows: the rule, then the answer check for questions.
    quiet, strong, _, _ = site_shares(held)
    assert quiet >= 0.8
    assert strong >= 0.9
    # Each set's own no-answer questions too: the far-off ones of the older sets must not hide
    # the council questions, which cosine alone left strong for a third of them.
    for name, judged in sets.items():
        own = [j for j in judged if not is_tuning_half(j.query_id)]
        own_quiet, _, n_empty, _ = site_shares(own)
        if n_empty >= 10:
            assert own_quiet >= 0.8, name


def matched_share(judged: list[Judged], threshold: float) -> tuple[float, int]:
    """The share of judged-relevant documents that match at `threshold` (by meaning, or by
    holding every search word), and how many there are. Cosines are the ones searched at the
    grid's floor: `relevant` is what matched at the default min_cosine, so under the default it
    would count every document between `threshold` and the default as missed."""
    pairs = [
        (cosine, all_words)
        for j in judged
        for cosine, all_words in zip(
            j.relevant_cosines or [c if c is not None else 0.0 for c in j.relevant],
            j.relevant_all_words or [False] * len(j.relevant),
            strict=True,
        )
    ]
    kept = sum(1 for cosine, all_words in pairs if all_words or cosine >= threshold)
    return (kept / len(pairs) if pairs else 1.0), len(pairs)


def tune_match(judged: list[Judged]) -> float:
    """The highest cosine at which MATCH_RECALL of the judged-relevant documents still match."""
    kept = [t for t in MATCH_GRID if matched_share(judged, t)[0] >= MATCH_RECALL]
    return max(kept, default=MATCH_GRID[0])


def test_match_threshold_keeps_relevant_documents_on_the_half_not_tuned_on(
    sets: dict[str, list[Judged]],
) -> None:
    tuning = [j for judged in sets.values() for j in judged if is_tuning_half(j.query_id)]
    threshold = tune_match(tuning)
    report: dict[str, object] = {"tuned_min_cosine": threshold, "default": MIN_COSINE}
    for name, judged in sets.items():
        held = [j for j in judged if not is_tuning_half(j.query_id)]
        for label, at in (("at_default", MIN_COSINE), ("at_tuned", threshold), ("at_0.55", 0.55)):
            share, n_relevant = matched_share(held, at)
            sizes = [j.matched_at[at] for j in held if j.matched_at and at in j.matched_at]
            report[f"{name} held-out {label}"] = {
                "relevant_matched": round(share, 3),
                "relevant_documents": n_relevant,
                "median_documents_matched": float(np.median(sizes)) if sizes else None,
            }
    print(json.dumps(report, indent=2))
    held = [j for judged in sets.values() for j in judged if not is_tuning_half(j.query_id)]
    assert matched_share(held, MIN_COSINE)[0] >= 0.95


def test_the_site_marks_strength_as_the_rule_says(briefs: Library) -> None:
    rule = Rule.default()
    for query in read_queries("briefs")[:6]:
        results = briefs.searcher.search(str(query["query"]))
        assert results.matches is not None
        passages = results.matches.documents()
        for doc in results.documents:
            close = _closest(briefs, str(query["query"]), passages.get(doc.doc_id, []), 0.0)
            by_rule = rule.is_strong(close, bool(results.unused_words))
            if is_checked(str(query["query"]), briefs.searcher.matching.answer_phrase_words):
                # The answer check may take a search's strong marks away, never add one.
                assert by_rule or doc.strength == "weak"
            else:
                assert (doc.strength == "strong") == by_rule
        assert results.strong_total <= results.total


def test_match_tuning_does_not_depend_on_the_default_it_tunes() -> None:
    # Both relevant documents are under the default min_cosine, so neither matched at it; one
    # is over 0.55 at the grid's floor. Lowering the bar to 0.55 finds it, and tuning says so.
    assert MIN_COSINE > 0.58
    judged = [
        Judged("a", None, [None], [False], relevant_cosines=[0.58]),
        Judged("b", None, [None], [False], relevant_cosines=[0.4]),
    ]
    assert matched_share(judged, 0.55) == (0.5, 2)
    assert matched_share(judged, MIN_COSINE) == (0.0, 2)
    assert tune_match([judged[0]]) == 0.58


def test_tuning_keeps_no_answer_queries_quiet_and_relevant_documents_strong() -> None:
    judged = [
        Judged("a", 0.7, [], matched_close=[((0.7, 0.0),)]),  # close, none of the words
        Judged("b", 0.8, [0.75], relevant_close=[((0.75, 0.0),)]),
        Judged("c", 0.9, [0.69, None], relevant_close=[((0.69, 1.0),), None]),
    ]
    rule = tune(judged, 0.5)
    bars = rule.settings
    assert 0.7 < bars.strong_cosine <= 0.75 and bars.strong_cosine_with_words <= 0.69
    assert shares(judged, rule)[:2] == (1.0, 2 / 3)
    assert replace(judged[0], best=None).is_no_answer


def test_the_bar_for_unused_words_is_tuned_between_no_answer_and_relevant() -> None:
    # A no-answer query holding an unused word, close at 0.74; a relevant document of another
    # query holding one, at 0.82: a bar between them keeps the first quiet and the second strong.
    judged = [
        Judged("a", 0.74, [], matched_close=[((0.74, 0.0),)], has_unused=True),
        Judged("b", 0.82, [0.82], relevant_close=[((0.82, 0.0),)], has_unused=True),
    ]
    rule = Rule.of(0.7, 0.7, 0.34)
    bar = tune_despite(judged, rule)
    assert 0.74 < bar <= 0.82
    assert shares(judged, rule.despite(bar))[:2] == (1.0, 1.0)
    assert shares(judged, rule.despite(0.0))[:2] == (0.0, 1.0)  # the rule without the check


def test_the_answer_check_is_tuned_between_unanswered_and_answered_questions() -> None:
    # A no-answer question strong by the rule, its closest passage read at -3; an answered one
    # read at 4; a third, close in meaning (0.79), is never checked. A long phrase no passage
    # answers (read at -2) and a short topic phrase whose document is relevant (read at -5):
    # only a phrase length between them keeps the first quiet and the second strong.
    long_phrase = "average broadband download speeds in rural villages north of Chichester"
    judged = [
        Judged("a", 0.72, [], matched_close=[((0.72, 0.0),)], answer_reads=((0.72, -3.0),),
               query="how many homes in Adur are damp?"),
        Judged("b", 0.73, [0.73], relevant_close=[((0.73, 0.0),)], answer_reads=((0.73, 4.0),),
               query="how many homes in Arun are damp?"),
        Judged("c", 0.79, [0.79], relevant_close=[((0.79, 0.0),)], answer_reads=((0.79, -9.0),),
               query="what is fuel poverty?"),
        Judged("d", 0.72, [], matched_close=[((0.72, 0.0),)], answer_reads=((0.72, -2.0),),
               query=long_phrase),
        Judged("e", 0.72, [0.72], relevant_close=[((0.72, 0.0),)], answer_reads=((0.72, -5.0),),
               query="damp homes and asthma"),
    ]  # fmt: skip
    rule = Rule.of(0.7, 0.7, 0.34)
    answer = tune_answer(judged, rule)
    assert -2.0 < answer.bar <= 4.0 and 0.73 < answer.below <= 0.79
    assert 4 < answer.phrase_words <= len(long_phrase.split())
    assert shares(judged, rule, answer)[:2] == (1.0, 1.0)
    assert shares(judged, rule)[:2] == (0.0, 1.0)  # the rule without the check
    # Questions only: the long phrase stays strong.
    assert shares(judged, rule, replace(answer, phrase_words=0))[:2] == (0.5, 1.0)
