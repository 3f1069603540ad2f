"""Query vectors kept for the questions asked last, so a question is encoded once.

A results page asks the same question again for every page turned, filter ticked, sort chosen
and export made; each ask would spend the 3-5 ms the model takes on one short query (most of a
search's cost on a small library). A vector depends only on the model and the text, never on
the library, so what is kept never goes stale while the model stays loaded.

The model reads a query without the marks that only tell the keyword search how to match:
quotes around a phrase, brackets, asterisks. The model reads them as words: "housing" in
quotes was about 0.03 less close to every passage than housing, which took a search's strong
matches from 9 to 5 (and "((housing" to 0), for the same question.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

from search.models.encoder import Encoder

__all__ = ["QueryVectors", "meaning_text"]

# Marks with no meaning of their own: quotes, brackets and the symbols people type around or
# between words. Full stops, commas, question marks, hyphens, %, £ and & stay: they are
# part of how a question reads.
_MARKS = re.compile(r"[\"“”„«»‹›()\[\]{}<>*`~^|\\_=+#]+")
# A single quote that is not an apostrophe (not between two letters or digits).
_SINGLE_QUOTE = re.compile(r"(?<![^\W_])['‘’]|['‘’](?![^\W_])")
_SPACES = re.compile(r"\s+")


def meaning_text(query: str) -> str:
    """`query` as the model should read it: its quote marks, brackets and stray symbols
    dropped, spaces closed up. A query of marks alone comes back as it was."""
    text = _SPACES.sub(" ", _SINGLE_QUOTE.sub(" ", _MARKS.sub(" ", query))).strip()
    return text or query


class QueryVectors:
    """The encoder's query vector for a text, remembered for the last `size` texts (none when
    `size` is 0). Safe to share between threads."""

    def __init__(self, encoder: Encoder, size: int) -> None:
        self.encoder = encoder
        self.size = size
        self._kept: OrderedDict[str, tuple[float, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def vector(self, text: str) -> list[float]:
        """The query's vector as plain floats (a fresh list each time: callers may keep it),
        read by the model as `meaning_text` gives it."""
        text = meaning_text(text)
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
