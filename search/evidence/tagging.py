"""Tags each document's chunks with determinants, lenses and places as they are indexed."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy.typing as npt

from search.evidence.determinants import DEFAULT_TAXONOMY, Tagger, Taxonomy, load_taxonomy
from search.evidence.places import DEFAULT_GAZETTEER, Gazetteer, load_gazetteer
from search.evidence.strength import find_strongest_passages
from search.models.encoder import Encoder

__all__ = [
    "DocumentTagger",
    "count_lens_passages",
    "determinant_shares",
    "document_lenses",
    "tag_rollup",
]


class DocumentTagger:
    """Taxonomy and gazetteer are read (and checked) at once; the tagger's prototype
    vectors are embedded on first use, so commands that never index stay quick."""

    def __init__(
        self,
        encoder: Encoder,
        taxonomy_path: Path | None = None,
        places_path: Path | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.taxonomy: Taxonomy = load_taxonomy(taxonomy_path or DEFAULT_TAXONOMY)
        self.gazetteer: Gazetteer = load_gazetteer(places_path or DEFAULT_GAZETTEER)
        self._encoder = encoder
        # Where the prototype vectors are kept between runs (None: embedded every time).
        self._cache_dir = cache_dir
        self._tagger: Tagger | None = None
        self._lock = threading.Lock()
        # The last document's texts and the places they name (`_document_mentions`).
        self._last_document: tuple[tuple[str, ...], Counter[str]] | None = None

    @property
    def tagger(self) -> Tagger:
        with self._lock:
            if self._tagger is None:
                self._tagger = Tagger(self.taxonomy, self._encoder, cache_dir=self._cache_dir)
            return self._tagger

    def chunk_fields(
        self, title: str, texts: Sequence[str], vectors: npt.ArrayLike
    ) -> list[dict[str, Any]]:
        """Payload fields per chunk: determinants, scores, lenses, and the document's places."""
        places = self.gazetteer.frequent_places(self._document_mentions(title, texts))
        return [
            {**tags.payload(), "places": places} for tags in self.tagger.tag(list(texts), vectors)
        ]

    def place_counts(self, title: str, texts: Sequence[str]) -> dict[str, int]:
        """How often the document names each place (itself, not the places containing it),
        most named first; stored per document so "local first" reads counts, not list order."""
        return dict(self._document_mentions(title, texts).most_common())

    def _document_mentions(self, title: str, texts: Sequence[str]) -> Counter[str]:
        """How often the title and texts name each place. Ingest and `kb retag` ask it of one
        document twice in a row (`chunk_fields`, then `place_counts`), so the last document's
        answer is kept (callers only read it): every chunk is read for places once."""
        read = (title, *texts)
        last = self._last_document
        if last is None or last[0] != read:
            total: Counter[str] = Counter()
            for text in read:
                total.update(self.gazetteer.mentions(text))
            last = self._last_document = (read, total)
        return last[1]


def document_lenses(payloads: Sequence[dict[str, Any]]) -> list[str]:
    """Every lens any of the document's chunks is tagged with, sorted."""
    return sorted({str(x) for p in payloads for x in p.get("lenses") or []})


def tag_rollup(chunks: Sequence[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """A document's roll-up of its chunks' tags, from (chunk id, payload) pairs: what the
    catalogue keeps per document. Ingest and `kb retag` both store this, so a new roll-up is
    added here once rather than in each of them."""
    payloads = [payload for _, payload in chunks]
    return {
        "determinants": determinant_shares(payloads),
        "strongest": find_strongest_passages(chunks),
        "places": list(payloads[0].get("places", [])) if payloads else [],
        "lenses": document_lenses(payloads),
        "lens_passages": count_lens_passages(payloads),
    }


def count_lens_passages(payloads: Sequence[dict[str, Any]]) -> dict[str, int]:
    """How many of the document's chunks carry each lens value, as the store would count them:
    stored per document, so the determinants overview sums rows instead of every chunk."""
    counts = Counter(str(x) for p in payloads for x in set(p.get("lenses") or []))
    return dict(sorted(counts.items()))


def determinant_shares(payloads: Sequence[dict[str, Any]]) -> dict[str, float]:
    """Each determinant's share of a document's chunks (0..1), largest first, ties by id."""
    if not payloads:
        return {}
    counts = Counter(str(d) for p in payloads for d in p.get("determinants") or [])
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return {d: round(n / len(payloads), 3) for d, n in ordered}
