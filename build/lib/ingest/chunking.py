"""Cuts page text into overlapping chunks that always know which page(s) they came from."""

from __future__ import annotations

from dataclasses import dataclass

from search.schema import Chunk


@dataclass(frozen=True)
class _Word:
    text: str
    page: int


def chunk_pages(doc_id: str, pages: list[str], max_words: int, overlap_words: int) -> list[Chunk]:
    """Windows of up to max_words words, overlapping by overlap_words, within each page.

    A page's short tail (under a third of a window) is carried onto the next
    page rather than left as a scrap; such a chunk records both pages, so a
    citation can say "pages 4–5" rather than point at only one of them.
    """
    step = max_words - overlap_words
    min_words = max(1, max_words // 3)
    chunks: list[Chunk] = []
    carry: list[_Word] = []

    def emit(window: list[_Word]) -> None:
        chunks.append(
            Chunk(
                doc_id=doc_id,
                index=len(chunks),
                text=" ".join(w.text for w in window),
                page_start=window[0].page,
                page_end=window[-1].page,
            )
        )

    for number, text in enumerate(pages, start=1):
        words = carry + [_Word(w, number) for w in text.split()]
        carry = []
        start = 0
        while start < len(words):
            window = words[start : start + max_words]
            is_tail = start + max_words >= len(words)
            if is_tail and len(window) < min_words and number < len(pages):
                carry = window
                break
            emit(window)
            if is_tail:
                break
            start += step
    if carry:
        emit(carry)
    return chunks
