"""Cuts page text into overlapping chunks that know which page each of their characters is
on, and whether they are front matter, body or back matter."""

from __future__ import annotations

import re
from typing import NamedTuple

from ingest.matter import read_lines
from search.retrieval.sentences import BULLETS, ENDS_SENTENCE, breaks_place_name, runs_on
from search.schema import Chunk

__all__ = [
    "LEAD_WORDS",
    "chunk_pages",
]

# How far back a window's lead reaches for the start of the sentence it starts inside: past the
# overlap (30 words by default), since a sentence with a figure or a list in it runs long; 60
# words find the start for 97% of windows on the 100 real PDFs, 30 for 87%.
LEAD_WORDS = 60


class _Word(NamedTuple):
    # A tuple, not a frozen dataclass: one is made per word of every page, and a tuple is made
    # three times quicker.
    text: str
    page: int
    matter: str
    ends_block: bool


def _words(pages: list[str]) -> list[list[_Word]]:
    """Per page, its words; the last word of a heading or paragraph ends a block."""
    out: list[list[_Word]] = []
    for number, lines in enumerate(read_lines(pages), start=1):
        words: list[_Word] = []
        for line in lines:
            tokens = line.text.split()
            for i, token in enumerate(tokens):
                last = i == len(tokens) - 1
                words.append(_Word(token, number, line.matter, last and line.ends_block))
        out.append(words)
    return out


def _runs(pages: list[list[_Word]]) -> list[list[_Word]]:
    """Stretches of words on one page in one kind of matter, in reading order."""
    runs: list[list[_Word]] = []
    for words in pages:
        for word in words:
            if runs and runs[-1][-1].page == word.page and runs[-1][-1].matter == word.matter:
                runs[-1].append(word)
            else:
                runs.append([word])
    return runs


# A word that can open a sentence (a capital, a figure, a bullet, after an opening mark).
_OPENS = re.compile(rf"[\"“‘'(\[{BULLETS}-]?[A-Z0-9]|[{BULLETS}]$")


def _opens_sentence(words: list[_Word], i: int) -> bool:
    """Whether words[i] (not a page's first) starts a sentence: it opens like one, after a word
    that ends a sentence ("areas.", "(2021).”") or a heading or paragraph that does not run on
    ("… rose to" / "24%", `runs_on`), and not inside a place's name (`breaks_place_name`)."""
    before, word = words[i - 1], words[i].text
    if not _OPENS.match(word):
        return False
    return bool(ENDS_SENTENCE.search(before.text)) or (
        before.ends_block
        and not runs_on(before.text)
        # Nor inside a place's name broken over two lines ("… in Chichester and Mid" /
        # "Sussex (71.3%) …").
        and not breaks_place_name(before.text, word)
    )


def _lead(words: list[_Word], at: int, reach: int) -> list[_Word]:
    """The words before words[at] back to the nearest sentence start at most `reach` words
    earlier, when words[at] does not start one itself and one is in reach; else none. A page's
    first word is not taken for a sentence's start: it may go on from the page before."""
    if at == 0 or _opens_sentence(words, at):
        return []
    for i in range(at - 1, max(at - reach, 1) - 1, -1):
        if _opens_sentence(words, i):
            return words[i:at]
    return []


def _chunk(
    doc_id: str,
    index: int,
    window: list[_Word],
    lead: list[_Word] | None = None,
    opens: bool = False,
) -> Chunk:
    """Words joined by spaces, or a newline after a heading or paragraph end (same length, so
    offsets hold either way); `page_starts` records where each page begins in the text."""
    parts: list[str] = []
    starts: list[tuple[int, int]] = []
    offset = 0
    for i, word in enumerate(window):
        if not starts or starts[-1][1] != word.page:
            starts.append((offset, word.page))
        parts.append(word.text)
        offset += len(word.text)
        if i < len(window) - 1:
            parts.append("\n" if word.ends_block else " ")
            offset += 1
    matters = [w.matter for w in window]
    return Chunk(
        doc_id=doc_id,
        index=index,
        text="".join(parts),
        page_start=window[0].page,
        page_end=window[-1].page,
        page_starts=tuple(starts),
        matter=max(set(matters), key=matters.count),
        opens_sentence=opens,
        lead=_joined(lead) if lead else "",
        lead_page=lead[0].page if lead else 0,
    )


def _joined(words: list[_Word]) -> str:
    """Words as a chunk joins them, with the space or newline that follows the last."""
    return "".join(w.text + ("\n" if w.ends_block else " ") for w in words)


def chunk_pages(doc_id: str, pages: list[str], max_words: int, overlap_words: int) -> list[Chunk]:
    """Windows of up to max_words words, overlapping by overlap_words, within each page.

    A window that starts inside a sentence keeps, as its `lead`, the words before it back to
    the sentence's start (at most `LEAD_WORDS` of them): shown with it, a passage opens on a
    whole sentence, while what is embedded and matched stays the window.
    A page's short tail (under a third of a window) is carried onto the next
    page rather than left as a scrap; such a chunk records both pages and where
    the second begins, so a citation can name the page holding most of it.
    Front and back matter are never mixed into a body chunk.
    """
    step = max_words - overlap_words
    min_words = max(1, max_words // 3)
    chunks: list[Chunk] = []
    carry: list[_Word] = []
    runs = _runs(_words(pages))
    for number, run in enumerate(runs):
        words = carry + run
        carry = []
        following = runs[number + 1] if number + 1 < len(runs) else None
        start = 0
        while start < len(words):
            window = words[start : start + max_words]
            is_tail = start + max_words >= len(words)
            can_carry = following is not None and following[0].matter == run[0].matter
            if is_tail and len(window) < min_words and can_carry:
                carry = window
                break
            # A page's first window may go on from the page before: only a later one is known.
            opens = start > 0 and _opens_sentence(words, start)
            lead = _lead(words, start, LEAD_WORDS)
            chunks.append(_chunk(doc_id, len(chunks), window, lead, opens))
            if is_tail:
                break
            start += step
    if carry:
        chunks.append(_chunk(doc_id, len(chunks), carry))
    return chunks
