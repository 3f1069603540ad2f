"""Cuts page text into overlapping chunks that always know which page(s) they came from."""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.schema import Chunk

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class _Word:
    text: str
    page: int


def _words_of(pages: list[str]) -> list[_Word]:
    return [_Word(w, number) for number, text in enumerate(pages, start=1) for w in text.split()]


def chunk_pages(doc_id: str, pages: list[str], max_words: int, overlap_words: int) -> list[Chunk]:
    """Chunks of up to max_words words that overlap by overlap_words.

    A chunk that runs over a page break records both pages, so a citation
    can say "pages 4–5" rather than point at the wrong one. A chunk starts on
    the page where most of its words are when that keeps it on one page.
    """
    words = _words_of(pages)
    chunks: list[Chunk] = []
    step = max_words - overlap_words
    start = 0
    while start < len(words):
        window = words[start : start + max_words]
        # Prefer not to straddle a page break when the remainder is a small tail.
        first, last = window[0].page, window[-1].page
        if first != last:
            head = [w for w in window if w.page == first]
            if len(head) <= overlap_words and start + len(head) < len(words):
                start += len(head)
                continue
        chunks.append(
            Chunk(
                doc_id=doc_id,
                index=len(chunks),
                text=" ".join(w.text for w in window),
                page_start=first,
                page_end=last,
            )
        )
        if start + max_words >= len(words):
            break
        start += step
    return chunks
