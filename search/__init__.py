"""The index and everything that reads it: schema, encoders, store, retrieval.

Others (web, ingest, kb) open everything through `search.library` (Library), write through
`search.index` (the write side), configure it with `search.settings` (Settings) and speak its
vocabulary from `search.schema`. Each sub-package says what it offers in its own `__init__`.
"""

__all__ = [
    "access",
    "analysis",
    "backup",
    "catalogue",
    "catalogue_held",
    "catalogue_totals",
    "curation",
    "evidence",
    "folding",
    "index",
    "interpreter_lock",
    "library",
    "models",
    "pagetext",
    "passage_moves",
    "retrieval",
    "schema",
    "settings",
    "signatures",
    "store",
]
