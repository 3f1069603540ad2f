"""Brute force for the match rule (search.retrieval.matching), with no store query: a passage
matches when its text holds every analysed search word of the query or its stored vector's
cosine with the query's is at least min_cosine."""

from __future__ import annotations

import numpy as np

from search.analysis import terms
from search.library import Library
from search.schema import Filters, Hit


def brute_force_matches(library: Library, query: str) -> list[Hit]:
    searcher = library.searcher
    words = set(terms(query))
    wanted = np.asarray(library.encoder.encode_queries([query])[0], dtype=np.float64)
    chunks = library.store.chunks(Filters())
    vectors = library.store.chunk_vectors([h.id for h in chunks])
    out = []
    for hit in chunks:
        holds_all = bool(words) and words <= set(terms(hit.text))
        vector = np.asarray(vectors[hit.id], dtype=np.float64)
        cosine = float(vector @ wanted / (np.linalg.norm(vector) * np.linalg.norm(wanted)))
        if holds_all or cosine >= searcher.matching.min_cosine:
            out.append(hit)
    return out
