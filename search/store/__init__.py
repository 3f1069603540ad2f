"""The vector store: one interface, its shared core and the embedded and server adapters.

- `base`: the interface (Store, VectorQuery, CollectionLayout), its errors and `open_store`;
- `core`: what both adapters share (the filter rule, query legs, hits, facet conventions);
- `embedded` (qdrant-edge, in process) and `server` (qdrant-client): the adapters, imported
  only by `open_store` and the tests, so the engines load only when used;
- `engine_process`: the embedded adapter run in a child process (the site's way), so the
  engine's reads do not hold the site's interpreter lock;
- `files`: copying a store's files with their preallocated holes left unwritten;
- `folder`: a store folder's lock, layout file and live-shard pointer, without the engine;
- `write_marks`: whether a store call overlapped any write.
"""

from search.store.base import (
    CollectionLayout,
    ModelMismatchError,
    Store,
    StoreBusyError,
    StoreError,
    VectorQuery,
    open_store,
)

__all__ = [
    "CollectionLayout",
    "ModelMismatchError",
    "Store",
    "StoreBusyError",
    "StoreError",
    "VectorQuery",
    "base",
    "core",
    "embedded",
    "engine_process",
    "files",
    "folder",
    "open_store",
    "server",
    "write_marks",
]
