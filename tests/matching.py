"""Brute force for the match rule (search.retrieval.matching), with no store query: a passage
matches when it shares an analysed search word with the query or its stored vector's cosine
with the query's is at least min_cosine."""

from __future__ import annotations

import numpy as np

from search.library import Library
from search.schema import Filters, Hit


def brute_force_matches(library: Library, query: str) -> list[Hit]:
    searcher = library.searcher
    words = set(searcher.weighting.query_vector(query, searcher.synonyms).indices)
    wanted = np.asarray(library.encoder.encode_queries([query])[0], dtype=np.float64)
    chunks = library.store.chunks(Filters())
    vectors = library.store.chunk_vectors([h.id for h in chunks])
    out = []
    for hit in chunks:
        text = f"{hit.payload.get('title', '')}\n{hit.text}"
        shares = bool(words & set(searcher.weighting.document_vector(text).indices))
        vector = np.asarray(vectors[hit.id], dtype=np.float64)
        cosine = float(vector @ wanted / (np.linalg.norm(vector) * np.linalg.norm(wanted)))
        if shares or cosine >= searcher.matching.min_cosine:
            out.append(hit)
    return out
