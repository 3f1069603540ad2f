"""Keeps, in columns, each matched chunk's document and the values filter counts use, so a
search asks the engine for ids and scores only and counts with numpy.

Rows are read once per chunk, by id, the first time a search matches it (or ahead of any
search, see read_ahead), and kept until the catalogue says the chunk's document was written
again (a correction, a retag, a new access level or a withdrawal all change a `documents` row,
and the catalogue logs which document each change touched). A search works on the table as it
stood when it began; a change that lands meanwhile drops the changed documents' rows for the
next search and keeps every other row, so an ingest adding documents one by one never makes
searches read the rest of the library again.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from search.schema import Filters, Hit
from search.store.base import Store

__all__ = ["COUNTED_FIELDS", "ChunkTable", "TableRows"]

# Payload fields that filter options count documents by.
COUNTED_FIELDS = ("determinants", "lenses", "places", "organisation", "kind", "year")
# Kept too: whether a chunk is body text, so a ranking can be read as ids and scores and
# grouped from the table (`ChunkTable.outline`) with no payload read.
_KEPT_FIELDS = (*COUNTED_FIELDS, "matter")
_READ_FIELDS = ("doc_id", *_KEPT_FIELDS)
_READ_BATCH = 2_000
_FILL_LIMIT = 10_000_000  # every chunk of a few documents
_WORD_BITS = 64
# A changed document's rows are dropped but keep their space; past this many dropped rows
# (and more than are kept) the table starts empty instead, and is read again.
_DEAD_ROWS_KEPT = 20_000

IntArray = np.ndarray[Any, np.dtype[np.int64]]
BoolTable = np.ndarray[Any, np.dtype[np.bool_]]


def _values_of(payload: Mapping[str, Any], name: str) -> list[str]:
    value = payload.get(name)
    if isinstance(value, list):
        return [str(v) for v in value if v not in (None, "")]
    return [] if value in (None, "") else [str(value)]


class _BitColumn:
    """One field: a bit per known value for every row (several bits for a list field)."""

    def __init__(self) -> None:
        self.codes: dict[str, int] = {}
        self.values: list[str] = []
        self.bits = np.zeros((0, 1), dtype=np.uint64)

    def fit(self, rows: int) -> None:
        if rows > self.bits.shape[0]:
            grown = np.zeros((max(rows, 2 * self.bits.shape[0], 1024), self.bits.shape[1]),
                             dtype=np.uint64)  # fmt: skip
            grown[: self.bits.shape[0]] = self.bits
            self.bits = grown

    def set(self, row: int, values: Iterable[str]) -> None:
        for value in values:
            code = self.codes.get(value)
            if code is None:
                code = self.codes[value] = len(self.values)
                self.values.append(value)
                if len(self.values) > self.bits.shape[1] * _WORD_BITS:
                    wider = np.zeros((self.bits.shape[0], self.bits.shape[1] + 1), dtype=np.uint64)
                    wider[:, : self.bits.shape[1]] = self.bits
                    self.bits = wider
            word, bit = divmod(code, _WORD_BITS)
            self.bits[row, word] |= np.uint64(1 << bit)

    def flags(self, rows: IntArray) -> BoolTable:
        """A (rows × values) table of which row has which value."""
        return _unpack(self.bits[rows], len(self.values))

    def flags_per_group(self, rows: IntArray, starts: IntArray) -> BoolTable:
        """A (groups × values) table of which group of rows has which value: `rows` runs of
        rows, each beginning at one of `starts`. The groups' words are or-ed before they are
        unpacked, so the work grows with the words a row takes (one for up to 64 values), not
        with the values (unpacked first, or-ing a row's hundred values cost ten times more)."""
        return _unpack(np.bitwise_or.reduceat(self.bits[rows], starts, axis=0), len(self.values))


def _unpack(words: np.ndarray[Any, np.dtype[np.uint64]], count: int) -> BoolTable:
    """Rows of packed bits as a (rows × count) table of booleans."""
    chosen = np.ascontiguousarray(words)
    unpacked = np.unpackbits(chosen.view(np.uint8), axis=1, bitorder="little")
    return unpacked[:, :count].astype(bool)


@dataclass
class _State:
    """The table as of one catalogue version (moved on in place, see `drop`)."""

    version: int
    rows: dict[str, int] = field(default_factory=dict)
    # Every row's chunk id, kept or dropped (rows are never reused or rewritten, so a search
    # that holds rows from before a drop still reads the values it began with).
    row_ids: list[str] = field(default_factory=list)
    doc_codes: dict[str, int] = field(default_factory=dict)
    doc_ids: list[str] = field(default_factory=list)
    docs: IntArray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    columns: dict[str, _BitColumn] = field(
        default_factory=lambda: {name: _BitColumn() for name in _KEPT_FIELDS}
    )
    # Each document's rows since its last drop (8 bytes a row), so a change touches only its
    # own rows, not every row of the library.
    doc_rows: dict[str, array[int]] = field(default_factory=dict)
    # Documents whose every chunk has a row (read ahead by `ChunkTable.fill`).
    filled: set[str] = field(default_factory=set)
    # The version at which each document's rows were last dropped: a payload read before it
    # is out of date and is not kept.
    dropped_at: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def drop(self, doc_ids: Collection[str], version: int) -> bool:
        """Move on to `version`, forgetting the rows of these documents; False when so many
        rows are dropped ones that the table had better start again. Called with the lock
        held."""
        for doc_id in doc_ids:
            for row in self.doc_rows.pop(doc_id, ()):
                chunk_id = self.row_ids[row]
                if self.rows.get(chunk_id) == row:
                    del self.rows[chunk_id]
        self.dropped_at.update(dict.fromkeys(doc_ids, version))
        self.filled.difference_update(doc_ids)
        self.version = version
        dead = len(self.row_ids) - len(self.rows)
        return dead <= max(_DEAD_ROWS_KEPT, len(self.rows))

    def add(self, chunk_id: str, payload: Mapping[str, Any], read_at: int) -> int | None:
        """The row of a chunk whose payload was read when the table was at `read_at`: kept
        for later searches unless its document changed since (then only the asking search
        sees it). None for a payload without a document. Called with the lock held."""
        known = self.rows.get(chunk_id)
        if known is not None:
            return known
        if "doc_id" not in payload:
            return None
        row = len(self.row_ids)
        self.row_ids.append(chunk_id)
        doc_id = str(payload["doc_id"])
        code = self.doc_codes.get(doc_id)
        if code is None:
            code = self.doc_codes[doc_id] = len(self.doc_ids)
            self.doc_ids.append(doc_id)
        if row >= self.docs.shape[0]:
            grown = np.zeros(max(1024, 2 * self.docs.shape[0]), dtype=np.int64)
            grown[: self.docs.shape[0]] = self.docs
            self.docs = grown
        self.docs[row] = code
        own = self.doc_rows.get(doc_id)
        if own is None:
            own = self.doc_rows[doc_id] = array("q")
        own.append(row)
        for name, column in self.columns.items():
            column.fit(row + 1)
            column.set(row, _values_of(payload, name))
        if self.dropped_at.get(doc_id, read_at) <= read_at:
            self.rows[chunk_id] = row
        return row


@dataclass(frozen=True)
class TableRows:
    """Some chunks' rows in one state of the table (those found, in the order asked), and
    counts over them."""

    state: _State
    ids: list[str]
    rows: IntArray
    doc_ids: list[str]
    # The codes of the last `visible` asked about (a page counts every group over one set);
    # the set itself is kept, so another one made later is never mistaken for it.
    _allowed: list[tuple[Collection[str], IntArray]] = field(default_factory=list, compare=False)
    # The same for `_by_document`: the rows of the last `visible` asked about, by document.
    _grouped: list[tuple[Collection[str], IntArray, IntArray]] = field(
        default_factory=list, compare=False
    )

    def _allowed_codes(self, visible: Collection[str]) -> IntArray:
        if not self._allowed or self._allowed[0][0] is not visible:
            codes = self.state.doc_codes
            allowed = np.asarray([codes[d] for d in visible if d in codes], dtype=np.int64)
            self._allowed[:] = [(visible, allowed)]
        return self._allowed[0][1]

    def _by_document(self, visible: Collection[str]) -> tuple[IntArray, IntArray]:
        """These rows of visible documents, each document's together, and where each
        document's rows begin: the same for every field a page counts. Called with the lock
        held (rows once made never change, so what it keeps stays true)."""
        if not self._grouped or self._grouped[0][0] is not visible:
            docs = self.state.docs[self.rows]
            keep = np.isin(docs, self._allowed_codes(visible))
            rows, docs = self.rows[keep], docs[keep]
            order = np.argsort(docs, kind="stable")
            rows, docs = rows[order], docs[order]
            starts = np.flatnonzero(np.r_[True, docs[1:] != docs[:-1]])
            self._grouped[:] = [(visible, rows, starts)]
        return self._grouped[0][1], self._grouped[0][2]

    def count_documents(
        self, name: str, visible: Collection[str], label: Callable[[str], str | None] | None = None
    ) -> dict[str, int]:
        """How many of the visible documents have each value of `name` among these chunks
        (a document counts once per value however many of its chunks have it); `label` may
        merge values (years into bands) or drop them (None)."""
        state = self.state
        with state.lock:
            rows, starts = self._by_document(visible)
            if rows.size == 0:
                return {}
            column = state.columns[name]
            values = list(column.values)
            per_document = column.flags_per_group(rows, starts)
        per_value = per_document.sum(axis=0)
        # Only the values these documents have: a field can hold thousands (organisations),
        # and a loop over every one of them cost milliseconds a search.
        by_label: dict[str, list[int]] = {}
        for code in np.flatnonzero(per_value).tolist():
            shown = values[code] if label is None else label(values[code])
            if shown is not None:
                by_label.setdefault(shown, []).append(code)
        return {
            shown: int(per_value[codes[0]])
            if len(codes) == 1
            else int(per_document[:, codes].any(axis=1).sum())
            for shown, codes in by_label.items()
        }

    def values(self, name: str) -> list[list[str]]:
        """Each of these chunks' values of a kept field, in the order asked (a list field's
        values in the order the table first met them, not the payload's)."""
        state = self.state
        with state.lock:
            column = state.columns[name]
            values = list(column.values)
            flags = column.flags(self.rows)
        out: list[list[str]] = [[] for _ in range(len(self.ids))]
        for row, code in zip(*(axis.tolist() for axis in np.nonzero(flags)), strict=True):
            out[row].append(values[code])  # row by row, each row's codes in order
        return out

    def first_with(
        self, name: str, values: Collection[str], visible: Collection[str], limit: int
    ) -> dict[str, list[str]]:
        """For each of `values` of field `name`: the first `limit` of these chunks (in the order
        asked) of visible documents that have it; values none of them has are left out."""
        state = self.state
        with state.lock:
            docs = state.docs[self.rows]
            keep = np.flatnonzero(np.isin(docs, self._allowed_codes(visible)))
            column = state.columns[name]
            codes = {v: column.codes[v] for v in values if v in column.codes}
            if keep.size == 0 or not codes:
                return {}
            flags = column.flags(self.rows[keep])
        out: dict[str, list[str]] = {}
        for value, code in codes.items():
            found = keep[np.flatnonzero(flags[:, code])[:limit]]
            if found.size:
                out[value] = [self.ids[i] for i in found.tolist()]
        return out


class ChunkTable:
    """Shared by every search of one library (and its readers' scoped views)."""

    def __init__(self, changed_since: Callable[[int], Collection[str] | None] | None = None):
        """`changed_since(version)` names the documents written since the catalogue was at
        `version` (None when it cannot tell); without it every change empties the table."""
        self._lock = threading.Lock()
        self._state = _State(version=-1)
        self._changed_since = changed_since

    def _state_at(self, version: int) -> _State:
        """The table at `version`: the newest one, moved on when the catalogue has (a search
        that began before the newest change gets it too: its rows are at least as current)."""
        with self._lock:
            state = self._state
            if version <= state.version:
                return state
            changed = self._changed_since(state.version) if self._changed_since else None
            with state.lock:
                if changed is not None and state.drop(changed, version):
                    return state
            self._state = _State(version=version)
            return self._state

    def fill(
        self,
        store: Store,
        doc_ids: Sequence[str],
        version: int,
        is_current: Callable[[], bool],
        batch: int = 8,
        pause_s: float = 0.0,
    ) -> int:
        """Read the rows of every chunk of these documents ahead of any search (a few
        documents a request, pausing `pause_s` between them so searches get their turn),
        skipping documents already read whole; stop as soon as `is_current()` says the
        catalogue has moved on from `version`. How many rows were added."""
        state = self._state_at(version)
        with state.lock:
            unread = [d for d in doc_ids if d not in state.filled]
        added = 0
        for start in range(0, len(unread), batch):
            if not is_current():
                break
            chosen = tuple(unread[start : start + batch])
            with state.lock:
                read_at = state.version
            hits = store.chunks(Filters(doc_ids=chosen), limit=_FILL_LIMIT, fields=_READ_FIELDS)
            with state.lock:
                before = len(state.rows)
                for hit in hits:
                    state.add(hit.id, hit.payload, read_at)
                state.filled.update(d for d in chosen if state.dropped_at.get(d, -1) <= read_at)
                added += len(state.rows) - before
            if pause_s:
                time.sleep(pause_s)
        return added

    def size(self) -> int:
        """Rows kept in the current state."""
        with self._lock:
            state = self._state
        with state.lock:
            return len(state.rows)

    def outline(self, store: Store, hits: Sequence[Hit], version: int) -> list[Hit]:
        """Hits read as ids and scores, each given from its row what grouping a ranking needs:
        its document, matter (to keep cover and reference text from beside body text) and
        determinants (for the best passage per determinant). A row the table has not got yet is
        read by id; a hit whose chunk is gone (or hidden from this reader) is left out. The
        determinants come in the table's order, not the payload's (best first): read a hit
        whole where that matters (`search.retrieval.searcher.read_whole`)."""
        rows = self.rows(store, [hit.id for hit in hits], version)
        scores = {hit.id: hit.score for hit in hits}
        matter, determinants = rows.values("matter"), rows.values("determinants")
        out = []
        for chunk_id, doc_id, kind, tags in zip(
            rows.ids, rows.doc_ids, matter, determinants, strict=True
        ):
            payload: dict[str, Any] = {"doc_id": doc_id, "determinants": tags}
            if kind:
                payload["matter"] = kind[0]
            out.append(Hit(chunk_id, scores[chunk_id], payload))
        return out

    def rows(self, store: Store, chunk_ids: Sequence[str], version: int) -> TableRows:
        """The rows of these chunks (those that still exist and the store lets this reader
        see), reading the payloads of chunks not seen before, by id."""
        state = self._state_at(version)
        with state.lock:
            read_at = state.version
            known = list(map(state.rows.get, chunk_ids))
        if None not in known:
            # Once the table is read ahead, every chunk a search matches has its row already.
            return self._at(state, list(chunk_ids), cast("list[int]", known))
        found = {c: row for c, row in zip(chunk_ids, known, strict=True) if row is not None}
        missing = [c for c in chunk_ids if c not in found]
        for start in range(0, len(missing), _READ_BATCH):
            hits = store.retrieve(missing[start : start + _READ_BATCH], _READ_FIELDS)
            with state.lock:
                for hit in hits:
                    row = state.add(hit.id, hit.payload, read_at)
                    if row is not None:
                        found[hit.id] = row
        ids = [c for c in chunk_ids if c in found]
        return self._at(state, ids, list(map(found.__getitem__, ids)))

    @staticmethod
    def _at(state: _State, ids: list[str], rows: Sequence[int]) -> TableRows:
        """These chunks' rows (`rows`, one for each of `ids`) as read from `state`."""
        at = np.fromiter(rows, dtype=np.int64, count=len(ids))
        with state.lock:
            doc_ids = list(map(state.doc_ids.__getitem__, state.docs[at].tolist()))
        return TableRows(state, ids, at, doc_ids)
