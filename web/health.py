"""What /healthz says: whether the store and the model loaded, and how much is in the index."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from starlette.datastructures import State

from web.models import HealthOut

__all__ = ["MODEL_FAILED", "STORE_FAILED", "check_health"]

log = logging.getLogger(__name__)

STORE_FAILED = "The search index could not be opened."
MODEL_FAILED = "The language model could not be loaded."


def check_health(state: State, levels: Sequence[str] | None = None) -> tuple[int, HealthOut]:
    """The status code (200 or 503) and the body for /healthz; counts only what `levels` see."""
    library = state.library
    problems: list[str] = []
    documents = chunks = 0
    store = model = "failed"
    if library is None:
        problems.append(STORE_FAILED)
    else:
        # Anyone may ask, often: the counts come from the catalogue's running totals, a row per
        # access level (the same totals /metrics and `kb status` show, so all three agree while
        # an ingest is writing), and the store is only asked for its unfiltered count, to see
        # that it answers: that reads no points (counting a reader's level in the store would
        # visit every chunk at that level).
        catalogue = library.catalogue if levels is None else library.catalogue.scoped(levels)
        try:
            stats = catalogue.stats()
            documents, chunks = stats["documents"], stats["chunks"]
            library.store.count()
            store = "ok"
        except Exception:
            log.exception("health check: the index did not answer")
            problems.append(STORE_FAILED)
        model = _model_state(library.encoder)
        if model == "failed":
            problems.append(MODEL_FAILED)
    body: HealthOut = {
        "status": "error" if problems else "ok",
        "documents": documents,
        "chunks": chunks,
        "store": store,
        "model": model,
        "read_ahead": _read_ahead_state(state),
        "problems": problems,
    }
    return (503 if problems else 200), body


def _model_state(encoder: object) -> str:
    if getattr(encoder, "load_error", None):
        return "failed"
    loaded = getattr(encoder, "is_loaded", True)
    return "loaded" if loaded else "loading"


def _read_ahead_state(state: State) -> str:
    reader = getattr(state, "read_ahead", None)
    if reader is None:
        return "off"
    try:
        return "done" if reader.is_current() else "reading"
    except Exception:  # the catalogue is failing: the store check above says so
        return "reading"
