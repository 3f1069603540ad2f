"""The one small interface every vector store implements, and the factory that opens one."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from search.analysis import SparseVector
from search.schema import Filters, Hit, IndexedChunk
from search.settings import Settings

__all__ = [
    "ACTIVE_FILE",
    "BUSY_MESSAGE",
    "CollectionLayout",
    "Fusion",
    "Mode",
    "ModelMismatchError",
    "Store",
    "StoreBusyError",
    "StoreError",
    "VectorQuery",
    "active_collection",
    "check_layout",
    "document_chunks",
    "is_collection_name",
    "open_store",
    "switch_collection",
]

Fusion = Literal["rrf", "dbsf"]
Mode = Literal["hybrid", "dense", "sparse"]


class StoreError(RuntimeError):
    """A store problem a person can act on; the message says what to do."""


class StoreBusyError(StoreError):
    """Another process owns the embedded store."""


class ModelMismatchError(StoreError):
    """The collection holds vectors from a different model."""


@dataclass(frozen=True)
class CollectionLayout:
    """What the collection was built with; two layouts never mix."""

    model_id: str
    dimension: int


@dataclass(frozen=True)
class VectorQuery:
    """One retrieval request in the store's own terms."""

    dense: list[float] | None
    sparse: SparseVector | None
    mode: Mode = "hybrid"
    fusion: Fusion = "rrf"
    limit: int = 10
    candidates: int = 100
    filters: Filters = field(default_factory=Filters)
    rrf_k: int = 60
    sparse_weight: float = 1.0  # relative to dense = 1.0, for RRF
    # Single-vector queries only: leave out points scoring below it (a cosine for dense).
    score_threshold: float | None = None
    # Only these payload fields (None: all). Reading payloads is most of a wide query's time.
    payload_fields: tuple[str, ...] | None = None
    # Dense search compares with every vector instead of walking the graph: for counting
    # everything over a cosine, where the graph would miss a few and a wide beam is slower.
    exact: bool = False
    # The query's search words (stop words left out), each with its other spellings after it
    # ("behavior", "behaviour"), for the keyword match rule.
    words: tuple[tuple[str, ...], ...] = ()
    # Hybrid queries only: the dense leg ranks just these points. A search that has already
    # walked the graph with the same vector and filters (to count its matches) passes the
    # walk's closest `candidates` here, so the graph is not walked a second time.
    dense_among: tuple[str, ...] | None = None
    # Which of equally scored points come back does not matter (whether any passage holds a
    # word): the engine's cut is taken as it is, not asked again for a group of ties that
    # runs across it (`core.settled_hits`).
    any_of_ties: bool = False


BUSY_MESSAGE = (
    "The index in {path} is in use by a running site (or another kb command). "
    "While the site runs, use it instead: search on its pages, and withdraw or correct "
    "documents on its admin pages. kb status, kb ingest, kb remove and kb backup work beside it."
)


class Store(Protocol):
    """What search and ingest need from Qdrant, whichever way it runs."""

    def layout(self) -> CollectionLayout | None: ...

    def ensure_collection(self, layout: CollectionLayout) -> None: ...

    def upsert(self, chunks: Sequence[IndexedChunk]) -> None: ...

    def query(self, request: VectorQuery) -> list[Hit]: ...

    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]: ...

    def chunks(
        self, filters: Filters, limit: int = 10_000, fields: Sequence[str] | None = None
    ) -> list[Hit]:
        """Up to `limit` chunks under the filters in id order, with their payloads (only
        `fields` when given; none for an empty tuple)."""
        ...

    def chunk_vectors(self, ids: Sequence[str]) -> dict[str, list[float]]: ...

    def chunk_terms(self, ids: Sequence[str]) -> dict[str, frozenset[int]]:
        """The term ids (search.analysis.term_index) of each chunk's keyword vector, read by
        id: which search words a passage holds, without reading its text."""
        ...

    def retrieve(self, ids: Sequence[str], fields: Sequence[str] | None = None) -> list[Hit]:
        """The chunks with these ids (those that exist), with their payloads (only `fields`
        when given: reading whole payloads is most of the time), by id lookup."""
        ...

    def optimize(self) -> None:
        """Build the search indexes for what was written (a server does this by itself)."""
        ...

    def compact(self, report: Callable[[int, int], None] | None = None) -> int | None:
        """Clear deleted points' text and vectors from the store's files; the points kept
        (None when the store cannot: a server clears them by its own vacuum settings).
        `report(done, total)` follows the work. The caller keeps writers out."""
        ...

    def set_payload(self, payloads: Mapping[str, Mapping[str, Any]]) -> None: ...

    def delete_documents(self, doc_ids: Sequence[str]) -> None: ...

    def count(self, filters: Filters | None = None) -> int: ...

    def facet(
        self, field: str, filters: Filters | None = None, limit: int = 100
    ) -> dict[str, int]: ...

    def close(self) -> None: ...


def document_chunks(
    store: Store, doc_id: str, chunk_count: int, fields: Sequence[str] | None = None
) -> list[Hit]:
    """Every stored chunk of one document, whose catalogue row says it has `chunk_count`
    (`fields` of each payload only, when given; `()` for ids alone)."""
    return store.chunks(Filters(doc_ids=(doc_id,)), limit=max(chunk_count, 1), fields=fields)


def check_layout(existing: CollectionLayout | None, wanted: CollectionLayout, where: str) -> bool:
    """True when the collection must be created; raise when it was built by another model."""
    if existing is None:
        return True
    if existing != wanted:
        raise ModelMismatchError(
            f"The collection in {where} was built with {existing.model_id} "
            f"({existing.dimension}-d) but this run uses {wanted.model_id} "
            f"({wanted.dimension}-d). Use the same KB_MODEL__NAME, or a new "
            "KB_QDRANT__COLLECTION / KB_DATA_DIR to rebuild with the new model."
        )
    return False


ACTIVE_FILE = "active.json"
_COLLECTION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


def active_collection(settings: Settings) -> str:
    """The collection searches read: the configured one, or the one `kb reembed` switched to
    (a pointer file beside the collections, written only once the new one is complete)."""
    try:
        data = json.loads((settings.store_dir / ACTIVE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return settings.qdrant.collection
    if not isinstance(data, dict):
        return settings.qdrant.collection
    name = data.get("collection")
    if data.get("base") != settings.qdrant.collection or not isinstance(name, str):
        return settings.qdrant.collection
    return name if is_collection_name(name) else settings.qdrant.collection


def is_collection_name(name: str) -> bool:
    """A plain folder name: letters, digits, '.', '_', '-' and no way out of the store folder."""
    return bool(_COLLECTION_NAME.match(name)) and ".." not in name


def switch_collection(settings: Settings, name: str) -> None:
    """Point searches at `name` in one atomic step."""
    settings.store_dir.mkdir(parents=True, exist_ok=True)
    tmp = settings.store_dir / (ACTIVE_FILE + ".tmp")
    tmp.write_text(json.dumps({"base": settings.qdrant.collection, "collection": name}))
    tmp.replace(settings.store_dir / ACTIVE_FILE)


def open_store(
    settings: Settings, collection: str | None = None, engine_process: bool = False
) -> Store:
    """Open the active store (or another collection in it); embedded ones are process-locked,
    and with `engine_process` run in a child process (`search.store.engine_process`)."""
    name = collection or active_collection(settings)
    if settings.qdrant.mode == "embedded":
        if engine_process:
            from search.store.engine_process import ProcessStore

            return ProcessStore(settings.store_dir / name)
        from search.store.embedded import EmbeddedStore

        return EmbeddedStore(settings.store_dir / name)
    from search.store.server import ServerStore

    return ServerStore.connect(
        settings.qdrant.model_copy(update={"collection": name}), settings.cluster
    )
