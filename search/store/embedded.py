"""The embedded store: Qdrant's own engine in process (qdrant-edge), locked to one process."""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import qdrant_edge as qe

from search.schema import (
    DENSE,
    INTEGER_FIELDS,
    KEYWORD_FIELDS,
    NON_BODY,
    SPARSE,
    Filters,
    Hit,
    IndexedChunk,
)
from search.store.base import (
    BUSY_MESSAGE,
    CollectionLayout,
    StoreBusyError,
    StoreError,
    VectorQuery,
    check_layout,
)

log = logging.getLogger(__name__)

_LAYOUT_FILE = "collection.json"
LOCK_FILE = ".lock"
_UPSERT_BATCH = 256
# The HNSW beam for dense search: 128 kept recall@10 against exact search at 0.99 on 100k
# chunks copied from the real corpus (64 gave 0.96); see bench/RESULTS.md, Scale.
_DENSE_SEARCH = qe.SearchParams(hnsw_ef=128)


def _match(field: str, values: Sequence[str] | Sequence[int]) -> qe.FieldCondition:
    if len(values) == 1:
        return qe.FieldCondition(key=field, match=qe.MatchValue(values[0]))
    return qe.FieldCondition(key=field, match=qe.MatchAny(list(values)))  # type: ignore[arg-type]


def build_filter(filters: Filters | None) -> qe.Filter | None:
    """AND across fields, OR within one field."""
    if filters is None or filters.is_empty():
        return None
    must: list[Any] = []
    for field, values in (
        ("organisation", filters.organisations),
        ("kind", filters.kinds),
        ("determinants", filters.determinants),
        ("places", filters.places),
        ("lenses", filters.lenses),
        ("doc_id", filters.doc_ids),
    ):
        if values:
            must.append(_match(field, values))
    if filters.year_from is not None or filters.year_to is not None:
        must.append(
            qe.FieldCondition(
                key="year",
                range=qe.RangeFloat(
                    gte=None if filters.year_from is None else float(filters.year_from),
                    lte=None if filters.year_to is None else float(filters.year_to),
                ),
            )
        )
    if filters.year_spans:
        must.append(
            qe.Filter(should=[_year_range(first, last) for first, last in filters.year_spans])
        )
    must_not: list[Any] = []
    if filters.exclude_doc_ids:
        must_not.append(_match("doc_id", filters.exclude_doc_ids))
    if filters.body_only:
        must_not.append(_match("matter", NON_BODY))
    if hidden := filters.hidden_access():
        # Leaving levels out (rather than naming the allowed ones) keeps points written
        # before access levels existed, which have no `access`, visible as public.
        must_not.append(_match("access", hidden))
    return qe.Filter(must=must or None, must_not=must_not or None)


def lock_store_dir(path: Path) -> int:
    """Take the folder's owner lock (a file descriptor); raise StoreBusyError when it is held."""
    path.mkdir(parents=True, exist_ok=True)
    fd = os.open(path / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StoreBusyError(BUSY_MESSAGE.format(path=path)) from None
    return fd


def unlock_store_dir(fd: int) -> None:
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


def _year_range(first: int | None, last: int | None) -> qe.FieldCondition:
    return qe.FieldCondition(
        key="year",
        range=qe.RangeFloat(
            gte=None if first is None else float(first), lte=None if last is None else float(last)
        ),
    )


class EmbeddedStore:
    """One shard directory, opened by one process at a time (a lock file enforces it)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock_fd = lock_store_dir(path)
        self._shard: qe.EdgeShard | None = None
        layout = self.layout()
        if layout is not None:
            self._shard = qe.EdgeShard.load(str(self._shard_dir))
            self._add_missing_indexes(self._shard)

    @staticmethod
    def _add_missing_indexes(shard: qe.EdgeShard) -> None:
        """Index payload fields added since the collection was built (e.g. `access`): filters
        on a field with no index scan every candidate and make each query several times slower."""
        existing = set(shard.info().payload_schema or {})
        for field in KEYWORD_FIELDS:
            if field not in existing:
                shard.update(
                    qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword)
                )
        for field in INTEGER_FIELDS:
            if field not in existing:
                shard.update(
                    qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Integer)
                )

    @property
    def _shard_dir(self) -> Path:
        return self._path / "shard"

    def layout(self) -> CollectionLayout | None:
        file = self._path / _LAYOUT_FILE
        if not file.exists():
            return None
        data = json.loads(file.read_text())
        return CollectionLayout(model_id=data["model_id"], dimension=int(data["dimension"]))

    def ensure_collection(self, layout: CollectionLayout) -> None:
        if not check_layout(self.layout(), layout, str(self._path)):
            return
        config = qe.EdgeConfig(
            vectors={
                DENSE: qe.EdgeVectorParams(size=layout.dimension, distance=qe.Distance.Cosine)
            },
            sparse_vectors={SPARSE: qe.EdgeSparseVectorParams(modifier=qe.Modifier.Idf)},
        )
        self._shard = qe.EdgeShard.create(str(self._shard_dir), config)
        for field in KEYWORD_FIELDS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Keyword)
            )
        for field in INTEGER_FIELDS:
            self._shard.update(
                qe.UpdateOperation.create_field_index(field, qe.PayloadSchemaType.Integer)
            )
        tmp = self._path / (_LAYOUT_FILE + ".tmp")
        tmp.write_text(json.dumps({"model_id": layout.model_id, "dimension": layout.dimension}))
        tmp.replace(self._path / _LAYOUT_FILE)

    @property
    def shard(self) -> qe.EdgeShard:
        if self._shard is None:
            raise StoreError("The index is empty: run 'kb ingest' first.")
        return self._shard

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        for start in range(0, len(chunks), _UPSERT_BATCH):
            points = [
                qe.Point(
                    id=c.id,
                    vector={
                        DENSE: c.dense,
                        SPARSE: qe.SparseVector(indices=c.sparse.indices, values=c.sparse.values),
                    },
                    payload=c.payload,
                )
                for c in chunks[start : start + _UPSERT_BATCH]
            ]
            self.shard.update(qe.UpdateOperation.upsert_points(points))

    def query(self, request: VectorQuery) -> list[Hit]:
        if self._shard is None:
            return []
        flt = build_filter(request.filters)
        payload: Any = True if request.payload_fields is None else list(request.payload_fields)
        prefetches: list[qe.Prefetch] = []
        if request.mode in ("hybrid", "dense") and request.dense is not None:
            prefetches.append(
                qe.Prefetch(
                    limit=request.candidates,
                    query=qe.Query.Nearest(request.dense, using=DENSE),
                    filter=flt,
                    params=_DENSE_SEARCH,
                )
            )
        if (
            request.mode in ("hybrid", "sparse")
            and request.sparse is not None
            and not request.sparse.is_empty()
        ):
            sparse = qe.SparseVector(indices=request.sparse.indices, values=request.sparse.values)
            prefetches.append(
                qe.Prefetch(
                    limit=request.candidates,
                    query=qe.Query.Nearest(sparse, using=SPARSE),
                    filter=flt,
                )
            )
        if not prefetches:
            return []
        if len(prefetches) == 1:
            only = prefetches[0]
            query = qe.QueryRequest(
                limit=request.limit,
                query=only.query,
                filter=flt,
                with_payload=payload,
                score_threshold=request.score_threshold,
            )
        else:
            fusion: Any = (
                qe.Fusion.Rrf(k=request.rrf_k, weights=[1.0, request.sparse_weight])
                if request.fusion == "rrf"
                else qe.Fusion.Dbsf()
            )
            query = qe.QueryRequest(
                limit=request.limit, prefetches=prefetches, query=fusion, with_payload=payload
            )
        return [_hit(p) for p in self.shard.query(query)]

    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        if self._shard is None or not positive_ids:
            return []
        records = self.shard.retrieve(list(positive_ids), with_payload=False, with_vector=[DENSE])
        vectors: list[Any] = [v for v in (_dense_of(r) for r in records) if v]
        if not vectors:
            return []
        query = qe.QueryRequest(
            limit=limit,
            query=qe.Query.RecommendBestScore(
                qe.RecommendQuery(positives=vectors, negatives=[]), using=DENSE
            ),
            filter=build_filter(filters),
            with_payload=True,
        )
        return [_hit(p) for p in self.shard.query(query)]

    def chunks(self, filters: Filters, limit: int = 10_000) -> list[Hit]:
        if self._shard is None:
            return []
        out: list[Hit] = []
        offset: Any = None
        while len(out) < limit:
            records, offset = self.shard.scroll(
                qe.ScrollRequest(
                    offset=offset,
                    limit=min(256, limit - len(out)),
                    filter=build_filter(filters),
                    with_payload=True,
                )
            )
            out.extend(Hit(id=str(r.id), score=0.0, payload=dict(r.payload or {})) for r in records)
            if offset is None:
                break
        return out

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if self._shard is None or not ids:
            return {}
        records = self.shard.retrieve(list(ids), with_payload=False, with_vector=[DENSE])
        return {str(r.id): _dense_of(r) for r in records}

    def retrieve(self, ids: Sequence[str]) -> list[Hit]:
        if self._shard is None or not ids:
            return []
        records = self.shard.retrieve(list(ids), with_payload=True, with_vector=False)
        return [Hit(id=str(r.id), score=0.0, payload=dict(r.payload or {})) for r in records]

    def optimize(self) -> None:
        # The engine in process has no background optimiser: without this, every segment
        # stays a plain one and each query compares against every vector.
        if self._shard is not None:
            self._shard.optimize()

    def set_payload(self, payloads: Mapping[str, Mapping[str, Any]]) -> None:
        """Merge fields into each point's payload, keeping the rest."""
        for point, fields in payloads.items():
            self.shard.update(qe.UpdateOperation.set_payload([point], dict(fields)))

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if self._shard is None or not doc_ids:
            return
        flt = build_filter(Filters(doc_ids=tuple(doc_ids)))
        assert flt is not None
        self.shard.update(qe.UpdateOperation.delete_points_by_filter(flt))

    def count(self, filters: Filters | None = None) -> int:
        if self._shard is None:
            return 0
        return int(self.shard.count(qe.CountRequest(exact=True, filter=build_filter(filters))))

    def facet(self, field: str, filters: Filters | None = None, limit: int = 100) -> dict[str, int]:
        if self._shard is None:
            return {}
        response = self.shard.facet(
            qe.FacetRequest(key=field, limit=limit, exact=True, filter=build_filter(filters))
        )
        # The engine may report a value whose points were all deleted, with count 0.
        return {str(h.value): int(h.count) for h in response.hits if h.count > 0}

    def copy_to(self, target: Path) -> None:
        """Flush, then copy the collection's files; the caller keeps writers out meanwhile."""
        if self._shard is not None:
            self._shard.flush()
        shutil.copytree(self._path, target, ignore=shutil.ignore_patterns(LOCK_FILE))

    def close(self) -> None:
        if self._shard is not None:
            self._shard.flush()
            self._shard.close()
            self._shard = None
        if self._lock_fd >= 0:
            unlock_store_dir(self._lock_fd)
            self._lock_fd = -1


def _dense_of(record: Any) -> list[float]:
    vector = record.vector
    if isinstance(vector, dict):
        dense = vector.get(DENSE)
        return list(dense) if dense is not None else []
    return []


def _hit(point: Any) -> Hit:
    return Hit(id=str(point.id), score=float(point.score), payload=dict(point.payload or {}))
