"""Encoders for tests: a deterministic double that needs no model, and wrappers around the
real one.

The double proves nothing about search quality. Tests that show search, tagging or ingest work
use the real model (the `encoder` fixture); the double is for tests of wiring, HTTP shapes,
storage and limits, so the inner loop (`make test-fast`) stays under a minute.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

import numpy as np

from search.analysis import terms
from search.models.encoder import Encoder, PrefixedEncoder, Vectors


class HashingEncoder(PrefixedEncoder):
    """Each stemmed word lights one of `dimension` slots; vectors are unit length.

    Texts that share words get a higher cosine, so ranking behaves sensibly enough
    for plumbing, and the same text always gives the same vector. Queries carry no
    instruction, so a query and a document of the same words get the same vector.
    """

    def __init__(self, dimension: int = 384, model_id: str = "hashing-test-double") -> None:
        super().__init__(model_id, dimension)

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


class RememberingEncoder(WrappedEncoder):
    """The real model, remembering the vector it gave each text so the suite asks it once.

    Every library built in a test embeds the taxonomy's ~600 tagging prototypes (seconds with
    the real model); remembered, that is paid once a session. The answers are the model's own:
    at the default batch size of one a text's vector does not depend on the texts encoded
    beside it (tests/search/test_encoder.py checks both that and this wrapper).
    """

    def __init__(self, real: Encoder) -> None:
        super().__init__(real)
        self._documents: dict[str, Vectors] = {}
        self._queries: dict[str, Vectors] = {}
        self._lock = threading.Lock()  # ingest encodes on its own thread while tests search

    def _recall(
        self,
        texts: list[str],
        known: dict[str, Vectors],
        encode: Callable[[list[str]], Vectors],
    ) -> Vectors:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in known))
        if missing:
            fresh = encode(missing)
            with self._lock:
                known.update(zip(missing, np.asarray(fresh, dtype=np.float32), strict=True))
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        with self._lock:
            for row, text in enumerate(texts):
                out[row] = known[text]
        return out

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self._recall(texts, self._documents, self.real.encode_documents)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._recall(texts, self._queries, self.real.encode_queries)
