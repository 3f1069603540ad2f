"""The server store: a Qdrant server or cluster through qdrant-client (':memory:' in tests)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from search.analysis import STOP_WORDS, SparseVector
from search.schema import DENSE, SPARSE, Filters, Hit, IndexedChunk, engine_id
from search.settings import ClusterSettings, QdrantSettings
from search.store import core
from search.store.base import CollectionLayout, StoreError, VectorQuery, check_layout

__all__ = ["ServerStore", "build_filter"]

log = logging.getLogger(__name__)

# Read as the embedded store's text index reads words (see search.store.embedded).
_TEXT_INDEX = models.TextIndexParams(
    type=models.TextIndexType.TEXT,
    tokenizer=models.TokenizerType.WORD,
    lowercase=True,
    ascii_folding=True,
    stopwords=models.StopwordsSet(custom=sorted(STOP_WORDS)),
    stemmer=models.SnowballParams(
        type=models.Snowball.SNOWBALL, language=models.SnowballLanguage.ENGLISH
    ),
    on_disk=True,
)
_INDEX_TYPES: dict[str, Any] = {
    "keyword": models.PayloadSchemaType.KEYWORD,
    "integer": models.PayloadSchemaType.INTEGER,
    "text": _TEXT_INDEX,
}


def _condition(condition: core.Condition) -> Any:
    if isinstance(condition, core.AllWords):
        # As the embedded store: one text condition for the words spelt one way, "any of" the
        # spellings of each word spelt two ways.
        plain = condition.plain()
        held: list[Any] = (
            [models.FieldCondition(key="text", match=models.MatchText(text=" ".join(plain)))]
            if plain
            else []
        )
        for spelt in condition.spelt_two_ways():
            any_of: list[Any] = [
                models.FieldCondition(key="text", match=models.MatchText(text=w)) for w in spelt
            ]
            held.append(models.Filter(should=any_of))
        return held[0] if len(held) == 1 else models.Filter(must=held)
    if isinstance(condition, core.Match):
        if len(condition.values) == 1:
            match: Any = models.MatchValue(value=condition.values[0])
        else:
            match = models.MatchAny(any=list(condition.values))
        return models.FieldCondition(key=condition.field, match=match)
    if isinstance(condition, core.YearRange):
        return models.FieldCondition(
            key="year", range=models.Range(gte=condition.first, lte=condition.last)
        )
    return models.Filter(should=[_condition(span) for span in condition.ranges])


def build_filter(filters: Filters | None) -> models.Filter | None:
    """The core's filter rule as qdrant-client's filter."""
    return core.translate_filter(
        filters, _condition, lambda must, must_not: models.Filter(must=must, must_not=must_not)
    )


class ServerStore:
    """One collection on a Qdrant server (or qdrant-client's in-process stand-in)."""

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        is_local: bool = False,
        cluster: ClusterSettings | None = None,
    ) -> None:
        self._client = client
        self._collection = collection
        self._is_local = is_local
        self._cluster = cluster or ClusterSettings()
        self._is_seen = False

    @classmethod
    def connect(
        cls, settings: QdrantSettings, cluster: ClusterSettings | None = None
    ) -> ServerStore:
        if settings.mode == "memory":
            return cls(QdrantClient(location=":memory:"), settings.collection, is_local=True)
        else:
            key = settings.api_key.get_secret_value() if settings.api_key else None
            client = QdrantClient(url=settings.url, api_key=key, timeout=settings.timeout_s)
            try:
                client.get_collections()
            except (ResponseHandlingException, UnexpectedResponse, OSError) as error:
                raise StoreError(
                    f"Cannot reach the Qdrant server at {settings.url}: {error}. "
                    "Check KB_QDRANT__URL and that the server is running."
                ) from error
        store = cls(client, settings.collection, cluster=cluster)
        store._add_missing_indexes()
        return store

    def _add_missing_indexes(self) -> None:
        """Index payload fields added since the collection was built (e.g. `access`), so
        filters on them do not scan every candidate."""
        if self._is_local or not self._exists():
            return
        self._create_indexes(
            set(self._client.get_collection(self._collection).payload_schema or {})
        )

    def _create_indexes(self, existing: set[str]) -> None:
        for field, kind in core.missing_indexes(existing):
            self._client.create_payload_index(self._collection, field, _INDEX_TYPES[kind])

    def _exists(self) -> bool:
        # Once seen, the collection is taken to stay (nothing here deletes one): asking the
        # server again before every read added a round trip to each of a search's requests.
        if not self._is_seen:
            self._is_seen = bool(self._client.collection_exists(self._collection))
        return self._is_seen

    def layout(self) -> CollectionLayout | None:
        if not self._exists():
            return None
        info = self._client.get_collection(self._collection)
        meta = info.config.metadata or {}
        if "model_id" not in meta:
            return None
        return CollectionLayout(model_id=str(meta["model_id"]), dimension=int(meta["dimension"]))

    def ensure_collection(self, layout: CollectionLayout) -> None:
        if not check_layout(self.layout(), layout, f"collection '{self._collection}'"):
            return
        self._client.create_collection(
            self._collection,
            vectors_config={
                DENSE: models.VectorParams(size=layout.dimension, distance=models.Distance.COSINE)
            },
            sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            metadata={"model_id": layout.model_id, "dimension": layout.dimension},
            # Local mode has no shards or copies: it is given none.
            shard_number=None if self._is_local else self._cluster.shard_number,
            replication_factor=None if self._is_local else self._cluster.replication_factor,
            write_consistency_factor=(
                None if self._is_local else self._cluster.write_consistency_factor
            ),
        )
        self._is_seen = True
        if not self._is_local:  # the in-process stand-in has no payload indexes (it scans)
            self._create_indexes(set())

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None:
        for batch in core.batch_chunks(chunks):
            points = [
                models.PointStruct(
                    id=engine_id(c.id),
                    vector={
                        DENSE: c.dense,
                        SPARSE: models.SparseVector(
                            indices=c.sparse.indices, values=c.sparse.values
                        ),
                    },
                    payload=c.payload,
                )
                for c in batch
            ]
            self._client.upsert(self._collection, points=points, wait=True)

    def query(self, request: VectorQuery) -> list[Hit]:
        legs = core.plan_legs(request)
        if not legs or not self._exists():
            return []
        flt = build_filter(request.filters)
        payload: Any = core.payload_selector(request.payload_fields)
        shape: dict[str, Any]  # the query's fields but its limit
        if len(legs) == 1:
            shape = dict(
                query=_vector(legs[0]),
                using=legs[0].using,
                query_filter=flt,
                with_payload=payload,
                score_threshold=request.score_threshold,
                # Local mode always compares with every vector (and warns at the parameter).
                search_params=(
                    models.SearchParams(exact=True)
                    if request.exact and not self._is_local
                    else self._beam(legs[0])
                ),
            )
        else:
            prefetches = [
                models.Prefetch(
                    query=_vector(leg),
                    using=leg.using,
                    limit=request.candidates,
                    filter=_leg_filter(leg, request, flt),
                    params=self._beam(leg),
                )
                for leg in legs
            ]
            fusion: Any = (
                models.RrfQuery(
                    rrf=models.Rrf(k=request.rrf_k, weights=[1.0, request.sparse_weight])
                )
                if request.fusion == "rrf"
                else models.FusionQuery(fusion=models.Fusion.DBSF)
            )
            shape = dict(prefetch=prefetches, query=fusion, with_payload=payload)
        return core.settled_hits(
            lambda limit: self._client.query_points(self._collection, limit=limit, **shape).points,
            request.limit,
            settle=not request.any_of_ties,
        )

    def _beam(self, leg: core.Leg) -> models.SearchParams | None:
        """The same graph beam as the embedded store's for a dense leg (local mode has no
        graph: it always compares with every vector)."""
        if leg.using != DENSE or self._is_local:
            return None
        return models.SearchParams(hnsw_ef=core.DENSE_BEAM)

    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        if not self._exists() or not positive_ids:
            return []
        response = self._client.query_points(
            self._collection,
            query=models.RecommendQuery(
                recommend=models.RecommendInput(positive=core.engine_ids(positive_ids))
            ),
            using=DENSE,
            query_filter=build_filter(filters),
            limit=limit,
            with_payload=True,
        )
        return core.ranked_hits(response.points)

    def chunks(
        self, filters: Filters, limit: int = 10_000, fields: Sequence[str] | None = None
    ) -> list[Hit]:
        if not self._exists():
            return []
        flt = build_filter(filters)
        payload: Any = core.payload_selector(fields)

        def read_page(offset: Any, size: int) -> tuple[Any, Any]:
            return self._client.scroll(
                self._collection, scroll_filter=flt, limit=size, offset=offset, with_payload=payload
            )

        return core.scroll_hits(read_page, limit, payload is not False)

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]:
        if not self._exists() or not ids:
            return {}
        records = self._client.retrieve(
            self._collection, ids=core.engine_ids(ids), with_vectors=[DENSE]
        )
        return {str(r.id): core.read_dense_vector(r) for r in records}

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        if not self._exists() or not ids:
            return {}
        records = self._client.retrieve(
            self._collection, ids=core.engine_ids(ids), with_vectors=[SPARSE]
        )
        return {str(r.id): core.read_term_ids(r) for r in records}

    def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        if not self._exists() or not ids:
            return []
        payload: Any = core.payload_selector(fields)
        records = self._client.retrieve(
            self._collection, ids=core.engine_ids(ids), with_payload=payload
        )
        return [core.hit_from_record(r) for r in records]

    def optimize(self) -> None:
        """The server optimises in the background; nothing to do."""

    def compact(self, report: Callable[[int, int], None] | None = None) -> int | None:
        """A server rebuilds a segment once its share of deleted points passes the collection's
        `deleted_threshold` (0.2 by default): set it lower on the server to clear deleted
        documents sooner. Nothing is done from here."""
        log.info("a Qdrant server clears deleted points by its own vacuum settings")
        return None

    def set_payload(self, payloads: Mapping[str, Mapping[str, Any]]) -> None:
        """Merge fields into each point's payload, keeping the rest."""
        operations: list[Any] = [
            models.SetPayloadOperation(
                set_payload=models.SetPayload(payload=dict(fields), points=[engine_id(point)])
            )
            for point, fields in payloads.items()
        ]
        if operations:
            self._client.batch_update_points(self._collection, operations, wait=True)

    def delete_documents(self, doc_ids: Sequence[str]) -> None:
        if not self._exists() or not doc_ids:
            return
        flt = build_filter(Filters(doc_ids=tuple(doc_ids)))
        assert flt is not None
        self._client.delete(
            self._collection, points_selector=models.FilterSelector(filter=flt), wait=True
        )

    def count(self, filters: Filters | None = None) -> int:
        if not self._exists():
            return 0
        return int(
            self._client.count(
                self._collection, count_filter=build_filter(filters), exact=True
            ).count
        )

    def facet(self, field: str, filters: Filters | None = None, limit: int = 100) -> dict[str, int]:
        if not self._exists():
            return {}
        response = self._client.facet(
            self._collection, key=field, facet_filter=build_filter(filters), limit=limit, exact=True
        )
        return core.count_facets((h.value, h.count) for h in response.hits)

    def close(self) -> None:
        self._client.close()


def _leg_filter(
    leg: core.Leg, request: VectorQuery, flt: models.Filter | None
) -> models.Filter | None:
    """The request's filter, narrowed for the dense leg to `dense_among` when it is given."""
    if leg.using != DENSE or request.dense_among is None:
        return flt
    among = models.HasIdCondition(has_id=core.engine_ids(request.dense_among))
    return models.Filter(must=[among] if flt is None else [among, flt])


def _vector(leg: core.Leg) -> Any:
    if isinstance(leg.vector, SparseVector):
        return models.SparseVector(indices=leg.vector.indices, values=leg.vector.values)
    return leg.vector
