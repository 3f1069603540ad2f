"""Query vectors kept for the questions asked last, so a question is encoded once.

A results page asks the same question again for every page turned, filter ticked, sort chosen
and export made; each ask would spend the 3-5 ms the model takes on one short query (most of a
search's cost on a small library). A vector depends only on the model and the text, never on
the library, so what is kept never goes stale while the model stays loaded.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from search.models.encoder import Encoder

__all__ = ["QueryVectors"]


class QueryVectors:
    """The encoder's query vector for a text, remembered for the last `size` texts (none when
    `size` is 0). Safe to share between threads."""

    def __init__(self, encoder: Encoder, size: int) -> None:
        self.encoder = encoder
        self.size = size
        self._kept: OrderedDict[str, tuple[float, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, text: str) -> list[float]:
        """The query's vector as plain floats (a fresh list each time: callers may keep it)."""
        with self._lock:
            kept = self._kept.get(text)
            if kept is not None:
                self._kept.move_to_end(text)
                return list(kept)
        encoded = tuple(self.encoder.encode_queries([text])[0].tolist())
        if self.size > 0:
            with self._lock:
                self._kept[text] = encoded
                self._kept.move_to_end(text)
                while len(self._kept) > self.size:
                    self._kept.popitem(last=False)
        return list(encoded)

    def __len__(self) -> int:
        return len(self._kept)
