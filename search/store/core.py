"""The store core both adapters share: the filter rule, the query's legs and what comes back.

Each adapter only translates these engine-neutral pieces into its engine's own classes, so the
embedded engine and a Qdrant server read one rule and answer by one set of conventions:

- filters are AND across fields and OR within one; a field a point lacks never matches it;
- a query with no usable vector returns no hits; a missing collection reads as empty;
- hits come best first, tied scores by id (engines leave ties in segment order, so a library
  restored from a backup, or queried twice, could list tied passages differently);
- reading by id leaves out ids that are not stored;
- facet counts leave out values with no points left (an engine may keep a deleted value at 0).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from search.analysis import SparseVector, terms
from search.schema import (
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    NON_BODY,
    SPARSE,
    TEXT_FIELDS,
    Filters,
    Hit,
    IndexedChunk,
    engine_id,
)
from search.store.base import VectorQuery

__all__ = [
    "DENSE_BEAM",
    "SCROLL_IDS_PAGE",
    "SCROLL_PAGE",
    "TIE_MARGIN",
    "TIE_MARGIN_MOST",
    "UPSERT_BATCH",
    "AllWords",
    "Condition",
    "FilterPlan",
    "IndexKind",
    "Leg",
    "Match",
    "YearRange",
    "YearSpans",
    "batch_chunks",
    "count_facets",
    "engine_ids",
    "hit_from_point",
    "hit_from_record",
    "missing_indexes",
    "payload_passes",
    "payload_selector",
    "plan_filter",
    "plan_legs",
    "plan_passes",
    "ranked_hits",
    "read_dense_vector",
    "scroll_hits",
    "settled_hits",
    "translate_filter",
]

F = TypeVar("F")

# The HNSW beam for dense search. At 300k chunks copied from the real corpus (bench/RESULTS.md,
# Scale) recall@10 against exact search was 0.91 at 128, 0.956 at 256 and 512, and 1.0 at 1024
# on the 16 bench questions, and 0.94 / 1.0 / 1.0 on 16 others: a walk that enters a tight
# cluster of near-identical passages needs the wide beam to leave it. It costs about a
# millisecond a hybrid query (p50 6.6 -> 7.6 ms at 300k). On 16 questions held out from that
# choice every one of these beams gives 1.0, so the choice rests on one bench question.
DENSE_BEAM = 1024

# Points asked of the engine past a query's limit. Passages of equal score (the same text in
# two documents) are cut at the limit in whatever order the engine meets them, so the same
# search could end on either of them from one request to the next; with a few more asked for,
# ties are put in id order before the cut. (The fused scores do not depend on the limit.)
TIE_MARGIN = 8
# When even the last point asked for ties with the one at the limit, the tied group may run on
# past what came back, and the engine chose which of it did: the query is asked again with
# eight times the margin, up to this margin (the same boilerplate paragraph in hundreds of
# committee papers is the case that needs it; past it the cut is left to the engine).
TIE_MARGIN_MOST = 4_096

# How many points one scroll call reads, and how many one write sends.
SCROLL_PAGE = 256
SCROLL_IDS_PAGE = 5_000
UPSERT_BATCH = 256

# The payload fields a user filters on, each matching any of the chosen values.
_MATCHED_FIELDS = ("organisation", "kind", "determinants", "places", "lenses", "doc_id")


@dataclass(frozen=True)
class Match:
    """The field holds one of `values` (for a list field: any item does)."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True)
class YearRange:
    """The year lies in [first, last]; None leaves that end open."""

    first: int | None
    last: int | None


@dataclass(frozen=True)
class YearSpans:
    """The year lies in any one of these ranges."""

    ranges: tuple[YearRange, ...]


@dataclass(frozen=True)
class AllWords:
    """The chunk's text holds every one of `words` in one of its spellings (each a word and
    its other spellings), compared as English stems (the engines use their full-text index,
    built with the keyword analyser's stop words and stemmer)."""

    words: tuple[tuple[str, ...], ...]

    def plain(self) -> tuple[str, ...]:
        """The words with one spelling: one text condition holds them all."""
        return tuple(spelt[0] for spelt in self.words if len(spelt) == 1)

    def spelt_two_ways(self) -> tuple[tuple[str, ...], ...]:
        """The words with other spellings: each held in any one of them."""
        return tuple(spelt for spelt in self.words if len(spelt) > 1)


Condition = Match | YearRange | YearSpans | AllWords


@dataclass(frozen=True)
class FilterPlan:
    """Every `must` condition holds and no `must_not` one does."""

    must: tuple[Condition, ...]
    must_not: tuple[Condition, ...]


def plan_filter(filters: Filters | None) -> FilterPlan | None:
    """The filter rule in engine-neutral terms (None: no filter at all)."""
    if filters is None or filters.is_empty():
        return None
    must: list[Condition] = [
        Match(field, tuple(values))
        for field, values in zip(_MATCHED_FIELDS, _matched_values(filters), strict=True)
        if values
    ]
    if filters.year_from is not None or filters.year_to is not None:
        must.append(YearRange(filters.year_from, filters.year_to))
    if filters.year_spans:
        must.append(YearSpans(tuple(YearRange(first, last) for first, last in filters.year_spans)))
    if filters.all_words:
        must.append(AllWords(filters.all_words))
    must_not: list[Condition] = []
    if filters.exclude_doc_ids:
        must_not.append(Match("doc_id", tuple(filters.exclude_doc_ids)))
    if filters.body_only:
        must_not.append(Match("matter", tuple(NON_BODY)))
    if hidden := filters.hidden_access():
        # Leaving levels out (rather than naming the allowed ones) keeps points written
        # before access levels existed, which have no `access`, visible as public.
        must_not.append(Match("access", hidden))
    return FilterPlan(must=tuple(must), must_not=tuple(must_not))


def translate_filter(
    filters: Filters | None,
    condition: Callable[[Condition], Any],
    build: Callable[[list[Any] | None, list[Any] | None], F],
) -> F | None:
    """The filter rule in an engine's terms: `condition` translates one condition and
    `build(must, must_not)` makes the engine's filter (None for either when it is empty)."""
    plan = plan_filter(filters)
    if plan is None:
        return None
    must = [condition(c) for c in plan.must]
    must_not = [condition(c) for c in plan.must_not]
    return build(must or None, must_not or None)


def _matched_values(filters: Filters) -> tuple[tuple[str, ...], ...]:
    return (
        filters.organisations,
        filters.kinds,
        filters.determinants,
        filters.places,
        filters.lenses,
        filters.doc_ids,
    )


def payload_passes(payload: Mapping[str, Any], filters: Filters | None) -> bool:
    """The same rule judged on one point's payload in Python, as the engines judge it."""
    return plan_passes(payload, plan_filter(filters))


def plan_passes(payload: Mapping[str, Any], plan: FilterPlan | None) -> bool:
    """`payload_passes` with the rule planned once (`plan_filter`), for judging many points."""
    if plan is None:
        return True
    return all(_holds(payload, c) for c in plan.must) and not any(
        _holds(payload, c) for c in plan.must_not
    )


def _holds(payload: Mapping[str, Any], condition: Condition) -> bool:
    if isinstance(condition, Match):
        value = payload.get(condition.field)
        items = value if isinstance(value, list) else [] if value is None else [value]
        return any(str(item) in condition.values for item in items)
    if isinstance(condition, AllWords):
        text = payload.get("text")
        if not isinstance(text, str) or not condition.words:
            return False
        held = set(terms(text))
        # Each word as the stems of its spellings; a stop word has none, and is not asked for.
        stemmed = ([s for s in (set(terms(w)) for w in spelt) if s] for spelt in condition.words)
        asked = [spelt for spelt in stemmed if spelt]
        return bool(asked) and all(any(s <= held for s in spelt) for spelt in asked)
    year = payload.get("year")
    if isinstance(year, bool) or not isinstance(year, int | float):
        return False
    if isinstance(condition, YearRange):
        return _in_range(year, condition)
    return any(_in_range(year, span) for span in condition.ranges)


def _in_range(year: float, span: YearRange) -> bool:
    return (span.first is None or year >= span.first) and (span.last is None or year <= span.last)


@dataclass(frozen=True)
class Leg:
    """One nearest-neighbour search inside a query: which named vector, and the query vector."""

    using: str
    vector: list[float] | SparseVector


def plan_legs(request: VectorQuery) -> list[Leg]:
    """The searches a request asks for, dense first; none when it has no usable vector."""
    legs: list[Leg] = []
    if request.mode in ("hybrid", "dense") and request.dense is not None:
        legs.append(Leg(DENSE, request.dense))
    sparse = request.sparse
    if request.mode in ("hybrid", "sparse") and sparse is not None and not sparse.is_empty():
        legs.append(Leg(SPARSE, sparse))
    return legs


def payload_selector(fields: Sequence[str] | None) -> bool | list[str]:
    """What to ask either engine for: every field (None), none (an empty tuple), or those named.

    None at all must be asked as False: an empty list of fields still makes the engine read
    each point's payload, which made the exact dense match leg at 300k chunks ten times slower
    (24 ms against 267 ms for 5,000 points)."""
    if fields is None:
        return True
    return list(fields) if fields else False


def engine_ids(ids: Iterable[str]) -> list[Any]:  # each an int or a str: any engine list
    """Chunk ids as the engines take them (numbers as integers, older UUIDs as written); hits
    come back with `str(point.id)`, the same decimal text."""
    return [engine_id(i) for i in ids]


def hit_from_point(point: Any, with_payload: bool = True) -> Hit:
    """A scored point from either engine as a hit (its payload left unread when none was
    asked for: each read crosses into the engine, and a count reads thousands)."""
    payload = dict(point.payload or {}) if with_payload else {}
    return Hit(str(point.id), float(point.score), payload)


def ranked_hits(
    points: Iterable[Any], with_payload: bool = True, keep: int | None = None
) -> list[Hit]:
    """Scored points from either engine as hits, best first and tied scores by id (the first
    `keep` of them: the engine is asked for TIE_MARGIN more)."""
    hits = [hit_from_point(point, with_payload) for point in points]
    return sorted(hits, key=lambda hit: (-hit.score, hit.id))[:keep]


def settled_hits(
    ask: Callable[[int], Iterable[Any]], limit: int, with_payload: bool = True, settle: bool = True
) -> list[Hit]:
    """The best `limit` hits of a query, tied scores in id order even where a group of ties
    runs across the cut: `ask(n)` runs the query for its best `n` points. Without `settle`
    (`VectorQuery.any_of_ties`), the first answer is kept whatever ties it cut."""
    margin = TIE_MARGIN
    while True:
        asked = limit + margin
        hits = ranked_hits(ask(asked), with_payload)
        if not settle or margin >= TIE_MARGIN_MOST or not _ties_run_past(hits, limit, asked):
            return hits[:limit]
        margin *= 8


def _ties_run_past(hits: Sequence[Hit], limit: int, asked: int) -> bool:
    """Whether hits (best first) fill what was asked and the last of them ties with the one
    at the limit, so points of that score may be left unread."""
    return 0 < limit < len(hits) >= asked and hits[-1].score == hits[limit - 1].score


def hit_from_record(record: Any, with_payload: bool = True) -> Hit:
    """A stored point read by id or scroll (no score) as a hit."""
    payload = dict(record.payload or {}) if with_payload else {}
    return Hit(str(record.id), 0.0, payload)


def read_dense_vector(record: Any) -> list[float]:
    """A record's dense vector as plain floats; [] when it came back without one."""
    vector = record.vector.get(DENSE) if isinstance(record.vector, dict) else None
    if vector is None:
        return []
    return [float(x) for x in vector]


def read_term_ids(record: Any) -> frozenset[int]:
    """A record's keyword (sparse) vector's term ids; empty when it came back without one."""
    vector = record.vector.get(SPARSE) if isinstance(record.vector, dict) else None
    indices = getattr(vector, "indices", None)
    if indices is None and isinstance(vector, dict):
        indices = vector.get("indices")
    return frozenset(int(i) for i in indices or ())


def scroll_hits(
    read_page: Callable[[Any, int], tuple[Sequence[Any], Any]],
    limit: int,
    with_payload: bool = True,
) -> list[Hit]:
    """Every point a scroll yields, up to `limit`: `read_page(offset, size)` returns one page
    of records and the next offset (None at the end). Pages of ids alone can be long."""
    out: list[Hit] = []
    offset: Any = None
    page = SCROLL_PAGE if with_payload else SCROLL_IDS_PAGE
    while len(out) < limit:
        records, offset = read_page(offset, min(page, limit - len(out)))
        out.extend(hit_from_record(r, with_payload) for r in records)
        if offset is None:
            break
    return out


def count_facets(values_and_counts: Iterable[tuple[Any, int]]) -> dict[str, int]:
    """Facet counts by value, leaving out values with no points left."""
    return {str(value): int(count) for value, count in values_and_counts if count > 0}


def batch_chunks(chunks: Sequence[IndexedChunk]) -> Iterator[Sequence[IndexedChunk]]:
    """The chunks to write in batches small enough for one request each."""
    for start in range(0, len(chunks), UPSERT_BATCH):
        yield chunks[start : start + UPSERT_BATCH]


IndexKind = Literal["keyword", "integer", "text"]


def missing_indexes(existing: Collection[str] = ()) -> list[tuple[str, IndexKind]]:
    """The payload fields filters use that lack an index, and the kind each needs: every one
    for a new collection, those added since for an older one (without an index, a filter on
    the field scans every candidate)."""
    wanted: list[tuple[str, IndexKind]] = [(f, "keyword") for f in KEYWORD_FIELDS]
    wanted += [(f, "integer") for f in INTEGER_FIELDS]
    wanted += [(f, "text") for f in TEXT_FIELDS]
    return [(field, kind) for field, kind in wanted if field not in existing]
