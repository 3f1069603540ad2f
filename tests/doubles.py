"""Test doubles for plumbing tests: a deterministic encoder that needs no model.

It proves nothing about search quality. Tests that show search, tagging or ingest work
use the real model (the `encoder` fixture); this one is for tests of wiring, HTTP shapes,
storage and limits, so the inner loop (`make test-fast`) stays under a minute.
"""

from __future__ import annotations

import hashlib

import numpy as np

from search.analysis import terms
from search.models.encoder import Encoder, Vectors


class HashingEncoder:
    """Each stemmed word lights one of `dimension` slots; vectors are unit length.

    Texts that share words get a higher cosine, so ranking behaves sensibly enough
    for plumbing, and the same text always gives the same vector.
    """

    def __init__(self, dimension: int = 384, model_id: str = "hashing-test-double") -> None:
        self._dimension = dimension
        self._model_id = model_id

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def _encode(self, texts: list[str]) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in terms(text):
                digest = hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest()
                out[row, int.from_bytes(digest, "little") % self._dimension] += 1.0
            norm = float(np.linalg.norm(out[row]))
            # An empty text still needs a unit vector: Qdrant's cosine rejects zeros.
            out[row] = out[row] / norm if norm else np.eye(1, self._dimension, 0, np.float32)[0]
        return out

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode(texts)


class WrappedEncoder:
    """Passes everything to a real encoder; a test overrides the method it watches or breaks
    (counting the passages encoded, failing on one document)."""

    def __init__(self, real: Encoder) -> None:
        self.real = real

    @property
    def model_id(self) -> str:
        return self.real.model_id

    @property
    def dimension(self) -> int:
        return self.real.dimension

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self.real.encode_documents(texts)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self.real.encode_queries(texts)
