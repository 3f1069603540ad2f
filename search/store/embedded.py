"""The embedded store: Qdrant's own engine in process (qdrant-edge), locked to one process."""

from __future__ import annotations

import functools
import logging
import shutil
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any, NamedTuple, ParamSpec, TypeVar

import qdrant_edge as qe

from search.analysis import STOP_WORDS, SparseVector
from search.schema import DENSE, SPARSE, Filters, Hit, IndexedChunk, engine_id
from search.store import core
from search.store.base import (
    CollectionLayout,
    StoreError,
    VectorQuery,
    check_layout,
)
from search.store.files import copy_tree_sparse
from search.store.folder import (
    LOCK_FILE,
    lock_store_dir,
    other_name,
    point_to,
    read_layout,
    recover_compaction,
    sync_folder,
    unlock_store_dir,
    write_layout,
)
from search.store.write_marks import WriteMarks

__all__ = ["EmbeddedStore", "build_filter"]

log = logging.getLogger(__name__)

# Points copied a step while compacting (with their vectors and payloads).
COMPACT_PAGE = 256
# Writers go on while a compaction copies the shard; what they change is copied again, in
# rounds, until a round has at most this many points left, which the last round copies while
# searches wait (for about as long as one step of the copy).
CATCH_UP_POINTS = COMPACT_PAGE
# Rounds of catching up before the last one, however much writers keep changing.
_CATCH_UP_ROUNDS = 5
# Point ids listed per scroll when a compaction lists what it will copy.
_ID_PAGE = 10_000
# The dense vectors are also kept as one byte a dimension (`_QUANTIZED`), which the graph walk
# compares: at 300k chunks a walk for 500 took 2.2 ms against 3.9-4.3 ms with the full vectors.
# The closest the walk finds are then scored again with the full vectors, so the scores are the
# cosines themselves. Near-copies of a passage differ by less than a byte can tell, so enough
# are scored again to hold the true closest: twice the number asked for, and at least
# `_RESCORED_AT_LEAST` (`rescored_count`). At 300k, asked for 10, recall@10 against exact
# search was 0.88 (16 questions), 0.88 (16 others) and 0.63 (30 passages' own vectors) with 20
# scored again, 0.99, 1.0 and 0.99 with 50, and 1.0 for all three with 100 or more (the walk
# took 1.5 ms either way); asked for 500, 0.999 of the closest 500 (0.997 with the full vectors
# alone). Exact search compares the full vectors alone.
_RESCORED_AT_LEAST = 100
_EXACT_SEARCH = qe.SearchParams(exact=True, quantization=qe.QuantizationSearchParams(ignore=True))
# Kept in memory: 384 bytes a chunk (115 MB at 300k), beside the full vectors.
_QUANTIZED = qe.ScalarQuantizationConfig(type=qe.ScalarType.Int8, always_ram=True)
# A search reads the shard's segments one at a time: the site runs several searches at once,
# and at 300k on 2 cores a pool of a thread a core cost the engine's process 1.2 ms more CPU a
# search (9.6-10.1 against 8.5-8.8 ms) and answered no more searches a second (58-61 both).
_SEARCH_THREADS = 1


def _condition(condition: core.Condition) -> Any:
    if isinstance(condition, core.AllWords):
        # One text condition for the words spelt one way, and one "any of" a word's spellings
        # for each word spelt two ways.
        plain = condition.plain()
        held: list[Any] = (
            [qe.FieldCondition(key="text", match=qe.MatchText(" ".join(plain)))] if plain else []
        )
        for spelt in condition.spelt_two_ways():
            any_of: list[Any] = [
                qe.FieldCondition(key="text", match=qe.MatchText(w)) for w in spelt
            ]
            held.append(qe.Filter(should=any_of))
        return held[0] if len(held) == 1 else qe.Filter(must=held)
    if isinstance(condition, core.Match):
        if len(condition.values) == 1:
            return qe.FieldCondition(key=condition.field, match=qe.MatchValue(condition.values[0]))
        return qe.FieldCondition(key=condition.field, match=qe.MatchAny(list(condition.values)))
    if isinstance(condition, core.YearRange):
        return qe.FieldCondition(
            key="year",
            range=qe.RangeFloat(
                gte=None if condition.first is None else float(condition.first),
                lte=None if condition.last is None else float(condition.last),
            ),
        )
    return qe.Filter(should=[_condition(span) for span in condition.ranges])


def build_filter(filters: Filters | None) -> qe.Filter | None:
    """The core's filter rule as the engine's filter."""
    return core.translate_filter(
        filters, _condition, lambda must, must_not: qe.Filter(must=must, must_not=must_not)
    )


class _SwapGate:
    """Any number of calls on the shard at once, or one swap of the shard with none: a call
    waits while a swap runs, and a swap waits for the calls under way. A thread already in a
    call may call again (a swap waiting for it would otherwise wait for ever)."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._calls = 0
        self._is_swapping = False
        self._depth = threading.local()

    @contextmanager
    def calling(self) -> Iterator[None]:
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            with self._changed:
                while self._is_swapping:
                    self._changed.wait()
                self._calls += 1
        self._depth.n = depth + 1
        try:
            yield
        finally:
            self._depth.n = depth
            if depth == 0:
                with self._changed:
                    self._calls -= 1
                    if not self._calls:
                        self._changed.notify_all()

    @contextmanager
    def swapping(self) -> Iterator[None]:
        with self._changed:
            while self._is_swapping:
                self._changed.wait()
            self._is_swapping = True  # no new call starts
            while self._calls:
                self._changed.wait()
        try:
            yield
        finally:
            with self._changed:
                self._is_swapping = False
                self._changed.notify_all()


_P = ParamSpec("_P")
_R = TypeVar("_R")


def _within(
    context: Callable[[EmbeddedStore], AbstractContextManager[object]],
) -> Callable[[Callable[_P, _R]], Callable[_P, _R]]:
    """A decorator running a store method inside `context(store)`."""

    def decorate(method: Callable[_P, _R]) -> Callable[_P, _R]:
        @functools.wraps(method)
        def call(*args: _P.args, **kwargs: _P.kwargs) -> _R:
            store = args[0]
            assert isinstance(store, EmbeddedStore)
            with context(store):
                return method(*args, **kwargs)

        return call

    return decorate


# A store method as one call through the store's swap gate.
_gated = _within(lambda store: store._gate.calling())
_counted = _within(lambda store: store._writes.writing())


class _LevelCounts(NamedTuple):
    """How many points the shard held at some access levels, as of a write mark."""

    mark: int
    counts: dict[tuple[str, ...], int]  # by the levels counted together


def _writing(method: Callable[_P, _R]) -> Callable[_P, _R]:
    """`_gated`, and counted as a write (see `EmbeddedStore._levels_left_out`): for a store
    method that changes points."""
    return _gated(_counted(method))


class _Journal:
    """What writers changed while a compaction copies the shard: the points written (added,
    changed or gone) and the documents deleted, to be copied again from the live shard."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._points: set[str] = set()
        self._doc_ids: set[str] = set()

    def note_points(self, chunk_ids: Iterable[str]) -> None:
        with self._guard:
            self._points.update(chunk_ids)

    def note_documents(self, doc_ids: Sequence[str]) -> None:
        with self._guard:
            self._doc_ids.update(doc_ids)

    def take(self) -> tuple[list[str], list[str]]:
        """What was noted since the last take, in id order; the journal starts again empty."""
        with self._guard:
            points, doc_ids = sorted(self._points), sorted(self._doc_ids)
            self._points, self._doc_ids = set(), set()
        return points, doc_ids


class EmbeddedStore:
    """One shard directory, opened by one process at a time (a lock file enforces it)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock_fd = lock_store_dir(path)
        self._shard: qe.EdgeShard | None = None
        self._gate: _SwapGate = _SwapGate()
        self._writes: WriteMarks = WriteMarks()
        self._level_counts: _LevelCounts | None = None
        # Set while a compaction copies the shard (under the gate, so no write is half noted).
        self._journal: _Journal | None = None
        self._compacting = threading.Lock()  # one compaction at a time
        try:
            self._live_name = recover_compaction(path)
            if self.layout() is not None:
                self._shard = qe.EdgeShard.load(str(self._shard_dir))
                self._add_missing_indexes(self._shard)
        except BaseException:
            # No store to close: let the folder's lock go, so a corrected folder can open.
            unlock_store_dir(self._lock_fd)
            raise

    @staticmethod
    def _add_missing_indexes(shard: qe.EdgeShard) -> None:
        """Index payload fields added since the collection was built (e.g. `access`), and move
        each index an older build placed otherwise to where `_index_params` places it now (to
        disk, mostly)."""
        schema = shard.info().payload_schema or {}
        kinds = dict(core.missing_indexes())
        misplaced = [
            f
            for f, info in schema.items()
            if f in kinds and _is_on_disk(info) != (f not in _IN_MEMORY_FIELDS)
        ]
        if misplaced:
            log.warning(
                "Moving %d payload indexes of the existing index (%s) to where this version "
                "keeps them, on disk or, for the access index, in memory (once; about two "
                "minutes at 300,000 passages)",
                len(misplaced),
                ", ".join(sorted(misplaced)),
            )
        for field in misplaced:
            try:
                # Between the two a filter on the field reads every candidate: slower, never
                # wrong; a stop or a failure there leaves it missing, and the next opening
                # makes it.
                shard.update(qe.UpdateOperation.delete_field_index(field))
                shard.update(
                    qe.UpdateOperation.create_field_index(field, _index_params(field, kinds[field]))
                )
            except Exception:
                log.exception(
                    "The index of %r could not be moved; searches go on, and the next opening "
                    "tries again",
                    field,
                )
        _create_indexes(shard, set(schema))

    @property
    def _shard_dir(self) -> Path:
        return self._path / self._live_name

    def layout(self) -> CollectionLayout | None:
        return read_layout(self._path)

    @_writing
    def ensure_collection(self, layout: CollectionLayout) -> None:
        if not check_layout(self.layout(), layout, str(self._path)):
            return
        self._shard = qe.EdgeShard.create(str(self._shard_dir), _config(layout))
        _create_indexes(self._shard)
        write_layout(self._path, layout)

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise StoreError("The index is empty: run 'kb ingest' first.")
        return self._shard

    @_writing
    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        try:
            for batch in core.batch_chunks(chunks):
                points = [_indexed_point(c) for c in batch]
                self.shard.update(qe.UpdateOperation.upsert_points(points))
        finally:
            self._note(points=[c.id for c in chunks])

    def _note(self, points: Iterable[str] = (), doc_ids: Sequence[str] = ()) -> None:
        """Tell a compaction under way which points were written and which documents deleted.
        Noted after the write (even one that failed part-way), so a round that takes the note
        reads the live shard as written."""
        journal = self._journal
        if journal is not None:
            journal.note_points(points)
            journal.note_documents(doc_ids)

    @_gated
    def query(self, request: VectorQuery) -> list[Hit]:
        legs = core.plan_legs(request)
        if self._shard is None or not legs:
            return []
        return self._read(
            request.filters,
            lambda f: self._query(replace(request, filters=f or Filters()), legs),
        )

    def _query(self, request: VectorQuery, legs: list[core.Leg]) -> list[Hit]:
        """`request` asked of the engine as its legs (`core.plan_legs`, which the filters
        leave unchanged) say."""
        flt = build_filter(request.filters)
        payload: Any = core.payload_selector(request.payload_fields)
        shape: dict[str, Any]  # the query's fields but its limit
        if len(legs) == 1:
            shape = {
                "query": _nearest(legs[0]),
                "filter": flt,
                "params": _params(legs[0], request, request.limit),
                "with_payload": payload,
                "score_threshold": request.score_threshold,
            }
        else:
            prefetches = [
                qe.Prefetch(
                    limit=request.candidates,
                    query=_nearest(leg),
                    filter=_leg_filter(leg, request, flt),
                    params=_params(leg, request, request.candidates),
                )
                for leg in legs
            ]
            fusion: Any = (
                qe.Fusion.Rrf(k=request.rrf_k, weights=[1.0, request.sparse_weight])
                if request.fusion == "rrf"
                else qe.Fusion.Dbsf()
            )
            shape = {"prefetches": prefetches, "query": fusion, "with_payload": payload}
        return core.settled_hits(
            lambda limit: self.shard.query(qe.QueryRequest(limit=limit, **shape)),
            request.limit,
            payload is not False,
            settle=not request.any_of_ties,
        )

    @_gated
    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        if self._shard is None or not positive_ids:
            return []
        records = self.shard.retrieve(
            core.engine_ids(positive_ids), with_payload=False, with_vector=[DENSE]
        )
        vectors: list[Any] = [v for v in (core.read_dense_vector(r) for r in records) if v]
        if not vectors:
            return []

        def read(chosen: Filters | None) -> list[Hit]:
            query = qe.QueryRequest(
                limit=limit,
                query=qe.Query.RecommendBestScore(
                    qe.RecommendQuery(positives=vectors, negatives=[]), using=DENSE
                ),
                filter=build_filter(chosen),
                # The engine's own beam, as before; the closest scored with the full vectors.
                params=qe.SearchParams(quantization=_rescored(limit)),
                with_payload=True,
            )
            return core.ranked_hits(self.shard.query(query))

        return self._read(filters, read)

    @_gated
    def chunks(
        self, filters: Filters, limit: int = 10_000, fields: Sequence[str] | None = None
    ) -> list[Hit]:
        if self._shard is None:
            return []
        payload: Any = core.payload_selector(fields)

        def read(chosen: Filters | None) -> list[Hit]:
            flt = build_filter(chosen)

            def read_page(offset: Any, size: int) -> tuple[Any, Any]:
                request = qe.ScrollRequest(
                    offset=offset, limit=size, filter=flt, with_payload=payload
                )
                return self.shard.scroll(request)

            return core.scroll_hits(read_page, limit, payload is not False)

        return self._read(filters, read)

    @_gated
    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if self._shard is None or not ids:
            return {}
        records = self.shard.retrieve(core.engine_ids(ids), with_payload=False, with_vector=[DENSE])
        return {str(r.id): core.read_dense_vector(r) for r in records}

    @_gated
    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        if self._shard is None or not ids:
            return {}
        records = self.shard.retrieve(
            core.engine_ids(ids), with_payload=False, with_vector=[SPARSE]
        )
        return {str(r.id): core.read_term_ids(r) for r in records}

    @_gated
    def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        if self._shard is None or not ids:
            return []
        payload: Any = core.payload_selector(fields)
        records = self.shard.retrieve(core.engine_ids(ids), with_payload=payload, with_vector=False)
        return [core.hit_from_record(r, payload is not False) for r in records]

    @_gated
    def optimize(self) -> None:
        # The engine in process has no background optimiser: without this, every segment
        # stays a plain one and each query compares against every vector.
        if self._shard is not None:
            self._shard.optimize()

    @_writing
    def set_payload(self, payloads: Mapping[str, Mapping[str, Any]]) -> None:
        """Merge fields into each point's payload, keeping the rest."""
        try:
            for point, fields in payloads.items():
                self.shard.update(qe.UpdateOperation.set_payload([engine_id(point)], dict(fields)))
        finally:
            self._note(points=payloads)

    @_writing
    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if self._shard is None or not doc_ids:
            return
        try:
            flt = _documents_filter(doc_ids)
            self.shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
        finally:
            self._note(doc_ids=doc_ids)

    @_gated
    def count(self, filters: Filters | None = None) -> int:
        if self._shard is None:
            return 0
        return self._read(filters, self._count)

    def _count(self, filters: Filters | None) -> int:
        flt = build_filter(filters)
        if flt is None:
            # The shard keeps its point count: an unfiltered exact count visits every point
            # (30 ms at 300k, on every /healthz), this reads a number (0.2 ms).
            return int(self.shard.info().points_count)
        return int(self.shard.count(qe.CountRequest(exact=True, filter=flt)))

    @_gated
    def facet(self, field: str, filters: Filters | None = None, limit: int = 100) -> dict[str, int]:
        if self._shard is None:
            return {}

        def read(chosen: Filters | None) -> dict[str, int]:
            response = self.shard.facet(
                qe.FacetRequest(key=field, limit=limit, exact=True, filter=build_filter(chosen))
            )
            # The engine may report a value whose points were all deleted, with count 0.
            return core.count_facets((h.value, h.count) for h in response.hits)

        return self._read(filters, read)

    def _read(self, filters: Filters | None, run: Callable[[Filters | None], _R]) -> _R:
        """`run(filters)`, or `run` without the access levels the filters leave out when
        that gives the same answer: when the shard holds no point at any of those levels, and
        no write began while `run` read it (else it reads again with the levels checked)."""
        lighter, mark = self._levels_left_out(filters)
        if mark is None:
            return run(filters)
        found = run(lighter)
        # A write that began meanwhile may have put a point at a left-out level where the
        # engine was reading.
        return found if self._writes.holds(mark) else run(filters)

    def _levels_left_out(self, filters: Filters | None) -> tuple[Filters | None, int | None]:
        """`filters` without their access levels, and the write mark that holds as of, when
        the shard holds no point at a level they leave out; else `filters` and None.

        A reader's filter leaves out the levels it may not see, and the engine checks the
        level of every point a query meets: at 300,000 points that cost a visitor's search
        about 2 ms (bench/RESULTS.md, forty-second session), in the usual library where every
        document is public and none withdrawn, for nothing. Whether any point is at those
        levels is counted once after each write (an exact count on the in-memory index)."""
        hidden = filters.hidden_access() if filters is not None else ()
        mark = self._writes.mark() if hidden else None
        if filters is None or mark is None:
            return filters, None
        known = self._level_counts
        if known is None or known.mark != mark:
            known = _LevelCounts(mark, {})
        held = known.counts.get(hidden)
        if held is None:
            at_levels = qe.Filter(must=[_condition(core.Match("access", hidden))])
            held = int(self.shard.count(qe.CountRequest(exact=True, filter=at_levels)))
            if not self._writes.holds(mark):
                return filters, None  # counted while a write began: not known as of the mark
            known.counts[hidden] = held
            self._level_counts = known
        if held:
            return filters, None
        return replace(filters, access_levels=()), mark

    @_gated
    def copy_to(self, target: Path) -> None:
        """Flush, then copy the collection's files; the caller keeps writers out meanwhile."""
        if self._shard is not None:
            self._shard.flush()
        # Not the lock, nor a compaction's copy in the making (in the store's own folder
        # only: a name inside the shard is the engine's): the live shard is the library.
        top, spare = str(self._path), other_name(self._live_name)

        def ignore(folder: str, names: list[str]) -> set[str]:
            left_out = {LOCK_FILE, spare} if folder == top else {LOCK_FILE}
            return left_out & set(names)

        copy_tree_sparse(self._path, target, ignore=ignore)

    def compact(self, report: Callable[[int, int], None] | None = None) -> int:
        """Write the points the shard holds now into a fresh shard and put it in the old one's
        place; the number of points it then holds. Deleting only marks points deleted: their
        text and vectors stay in the shard's segments and its write-ahead log until a segment
        is rebuilt, which the engine does only once a fifth of it is deleted. This clears them.

        Searches and writers go on meanwhile. What writers change while the copy runs is noted
        and copied again from the live shard (rounds of it, the last while store calls wait),
        so the fresh shard holds every write; but a point deleted after it was copied leaves a
        trace in the fresh shard as in any other, which the next compaction clears. It needs
        free disk for a second copy of the shard; if anything fails before the swap, the fresh
        copy is dropped and the live shard is untouched. One compaction runs at a time.
        `report(copied, total)` follows the copying."""
        with self._compacting:
            if self._shard is None or self.layout() is None:
                return 0
            # No write is under way while the noting starts and the points to copy are listed
            # (ids only: about 0.2 s at 300,000 points). The copy is then bounded by that list:
            # a writer that never pauses once kept adding points ahead of a scroll's cursor,
            # and the copy never ended. What is written later is noted and copied again.
            with self._gate.swapping():
                self._journal = _Journal()
                listed = self._point_ids()
            try:
                return self._compact(listed, report)
            finally:
                self._journal = None

    def _point_ids(self) -> list[Any]:
        """The engine ids of every point the live shard holds, in id order."""
        ids: list[Any] = []
        offset: Any = None
        while True:
            request = qe.ScrollRequest(
                offset=offset, limit=_ID_PAGE, with_payload=False, with_vector=False
            )
            records, offset = self.shard.scroll(request)
            ids.extend(r.id for r in records)
            if offset is None:
                return ids

    def _compact(self, listed: Sequence[Any], report: Callable[[int, int], None] | None) -> int:
        layout = self.layout()
        assert layout is not None and self._journal is not None
        fresh_name = other_name(self._live_name)
        fresh = self._path / fresh_name
        shutil.rmtree(fresh, ignore_errors=True)
        copy = qe.EdgeShard.create(str(fresh), _config(layout))
        is_live = False
        try:
            self._copy_live_points(copy, listed, report)
            # Catch up in rounds while writers go on, until little is left. A round whose
            # changes are no fewer than the round before's is not copied while writers go on:
            # more rounds would only grow (a writer that never pauses outran them, round after
            # round, to millions of points), so the last round copies it while writes wait.
            left: tuple[list[str], list[str]] = ([], [])
            previous: int | None = None
            for _ in range(_CATCH_UP_ROUNDS):
                points, doc_ids = self._journal.take()
                if len(points) <= CATCH_UP_POINTS or (
                    previous is not None and len(points) >= previous
                ):
                    left = (points, doc_ids)
                    break
                with self._gate.calling():
                    self._copy_again(copy, points, doc_ids)
                previous = len(points)
            with self._gate.swapping(), self._writes.writing():
                points, doc_ids = self._journal.take()
                self._copy_again(copy, sorted({*left[0], *points}), sorted({*left[1], *doc_ids}))
                self._journal = None  # writes from here on reach the fresh shard itself
                copy.flush()
                # From this rename on the fresh shard is the live one, on disk as here, whatever
                # fails next; it is open already, so store calls wait for the last round and a
                # flush only.
                point_to(self._path, fresh_name)
                old, self._shard, self._live_name = self.shard, copy, fresh_name
                is_live = True
                # Durable before any write reaches the copy: until then a crash could bring
                # the old pointer back.
                sync_folder(self._path)
        except BaseException:
            if not is_live:
                copy.close()
                shutil.rmtree(fresh, ignore_errors=True)
            else:
                # The old shard's files stay: the next open deletes whichever shard the
                # pointer does not name.
                old.close()
            raise
        # No call can reach the old shard now: it is closed and its files go once searches
        # and writes are free again (deleting a large one takes seconds).
        old.close()
        shutil.rmtree(self._path / other_name(fresh_name), ignore_errors=True)
        self.optimize()  # points copied again sit in an unindexed segment until then
        return self.count()

    def _copy_live_points(
        self, copy: qe.EdgeShard, listed: Sequence[Any], report: Callable[[int, int], None] | None
    ) -> None:
        """The listed points into `copy` as the live shard has them now, a page at a time, then
        index it. A listed point deleted meanwhile is not found, and stays out."""
        _create_indexes(copy)
        for start in range(0, len(listed), COMPACT_PAGE):
            with self._gate.calling():
                records = self.shard.retrieve(
                    list(listed[start : start + COMPACT_PAGE]), with_payload=True, with_vector=True
                )
            if records:
                copy.update(qe.UpdateOperation.upsert_points([_point(r) for r in records]))
            if report is not None:
                report(min(start + COMPACT_PAGE, len(listed)), len(listed))
        if report is not None and not listed:
            report(0, 0)
        copy.optimize()

    def _copy_again(
        self, copy: qe.EdgeShard, points: Sequence[str], doc_ids: Sequence[str]
    ) -> None:
        """Bring `copy` level with the live shard for the points and documents writers
        changed: deleted documents go, and each point noted is copied as the live shard has
        it now, or deleted when it has gone. The caller holds the gate (a call, or the swap
        for the last round)."""
        if doc_ids:
            copy.update(qe.UpdateOperation.delete_points_by_filter(_documents_filter(doc_ids)))
        for start in range(0, len(points), COMPACT_PAGE):
            page = points[start : start + COMPACT_PAGE]
            records = self.shard.retrieve(
                core.engine_ids(page), with_payload=True, with_vector=True
            )
            if records:
                copy.update(qe.UpdateOperation.upsert_points([_point(r) for r in records]))
            gone = set(page) - {str(r.id) for r in records}
            if gone:
                copy.update(qe.UpdateOperation.delete_points(core.engine_ids(sorted(gone))))

    def close(self) -> None:
        with self._gate.swapping():
            if self._shard is not None:
                self._shard.flush()
                self._shard.close()
                self._shard = None
        if self._lock_fd >= 0:
            unlock_store_dir(self._lock_fd)
            self._lock_fd = -1


def _indexed_point(chunk: IndexedChunk) -> qe.Point:
    """A chunk as the engine stores it: its dense and keyword vectors and its payload."""
    sparse = qe.SparseVector(indices=chunk.sparse.indices, values=chunk.sparse.values)
    return qe.Point(
        id=engine_id(chunk.id), vector={DENSE: chunk.dense, SPARSE: sparse}, payload=chunk.payload
    )


def _point(record: Any) -> qe.Point:
    """A stored point as it is, to write into another shard."""
    return qe.Point(id=record.id, vector=record.vector or {}, payload=record.payload)


def _documents_filter(doc_ids: Sequence[str]) -> qe.Filter:
    flt = build_filter(Filters(doc_ids=tuple(doc_ids)))
    assert flt is not None
    return flt


def _config(layout: CollectionLayout) -> qe.EdgeConfig:
    """A new shard's settings: the model's dense vectors (and their one-byte copies) and keyword
    vectors weighted by IDF."""
    return qe.EdgeConfig(
        vectors={
            DENSE: qe.EdgeVectorParams(
                size=layout.dimension, distance=qe.Distance.Cosine, quantization_config=_QUANTIZED
            )
        },
        sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        max_search_threads=_SEARCH_THREADS,
    )


# The text index reads words as keyword search does: folded, its stop words left out, English
# stems. It lives on disk (memory-mapped): at 300k chunks it added ~50 MB to the resident
# memory of an opened store, and took ~75 s to build over an existing collection.
_TEXT_INDEX = qe.TextIndexParams(
    tokenizer=qe.TokenizerType.Word,
    lowercase=True,
    ascii_folding=True,
    stopwords=qe.StopwordsSet(custom=set(STOP_WORDS)),
    stemmer=qe.SnowballParams(qe.SnowballLanguage.English),
    on_disk=True,
)
# Keyword and number indexes live on disk too. Held in memory, the engine rebuilt them from
# their files at every opening: at 300k chunks 2.5 of the 3.1 s `EdgeShard.load` took, and
# 240 MB of the site's resident memory; searches are as fast either way (bench/RESULTS.md,
# Scale, thirty-third session). Except the one every reader's query filters on: a visitor's
# search at 300k spent 3.0-3.5 ms on its access filter with the index on disk, 1.8-2.2 ms with
# it in memory, for about 0.05 s more to open.
_IN_MEMORY_FIELDS = frozenset({"access"})


def _index_params(field: str, kind: core.IndexKind) -> Any:
    """How the engine indexes a payload field (see `_IN_MEMORY_FIELDS`)."""
    on_disk = field not in _IN_MEMORY_FIELDS
    if kind == "keyword":
        return qe.KeywordIndexParams(on_disk=on_disk)
    if kind == "integer":
        return qe.IntegerIndexParams(lookup=True, range=True, on_disk=on_disk)
    return _TEXT_INDEX


def _is_on_disk(info: Any) -> bool:
    """Whether a payload index (`PayloadIndexInfo`) lives on disk: an index built with only
    its type, as before the thirty-third session, carries no parameters and is held in
    memory."""
    return getattr(getattr(info, "params", None), "on_disk", None) is True


def _create_indexes(shard: qe.EdgeShard, existing: set[str] | None = None) -> None:
    for field, kind in core.missing_indexes(existing or set()):
        if existing:  # an older collection: say why this opening is slow
            log.warning(
                "Indexing the field %r of the existing index (once; a %s index over 300,000 "
                "passages takes about a minute)",
                field,
                kind,
            )
        shard.update(qe.UpdateOperation.create_field_index(field, _index_params(field, kind)))


def _leg_filter(leg: core.Leg, request: VectorQuery, flt: qe.Filter | None) -> qe.Filter | None:
    """The request's filter, narrowed for the dense leg to `dense_among` when it is given."""
    if leg.using != DENSE or request.dense_among is None:
        return flt
    among = qe.HasIdCondition(set(core.engine_ids(request.dense_among)))
    return qe.Filter(must=[among] if flt is None else [among, flt])


def _params(leg: core.Leg, request: VectorQuery, asked: int) -> qe.SearchParams | None:
    """The dense leg walks the graph with a wide beam for the `asked` closest, or compares with
    every vector when the request asks for exact search; the sparse leg needs nothing."""
    if leg.using != DENSE:
        return None
    if request.exact:
        return _EXACT_SEARCH
    return qe.SearchParams(hnsw_ef=core.DENSE_BEAM, quantization=_rescored(asked))


def _rescored(asked: int) -> qe.QuantizationSearchParams:
    """Score again with the full vectors the closest by their one-byte copies (see
    `rescored_count`)."""
    asked = max(1, asked)
    return qe.QuantizationSearchParams(rescore=True, oversampling=rescored_count(asked) / asked)


def rescored_count(asked: int) -> int:
    """How many of the closest by the one-byte copies a walk for `asked` scores again: twice
    as many, and at least `_RESCORED_AT_LEAST`, but no more than the beam walked anyway (or
    `asked` itself past it): the engine widens its beam to what it scores again, so a walk
    asked for thousands (`KB_MATCH__GRAPH_MAX_CHUNKS`) costs what it did with the full vectors
    instead of twice that."""
    return max(_RESCORED_AT_LEAST, min(2 * asked, max(asked, core.DENSE_BEAM)))


def _nearest(leg: core.Leg) -> Any:
    if isinstance(leg.vector, SparseVector):
        sparse = qe.SparseVector(indices=leg.vector.indices, values=leg.vector.values)
        return qe.Query.Nearest(sparse, using=leg.using)
    return qe.Query.Nearest(leg.vector, using=leg.using)
