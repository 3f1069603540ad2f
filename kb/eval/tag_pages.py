"""Reads labelled pages straight from their PDFs, so tags can be scored (and the tagger tuned)
without building an index first.

Each labelled file is looked for in the given folders in order (for example the
real PDFs, then the rendered briefs) and read with ingest's own PDF reader, so a
page's text is cleaned exactly as ingest cleans it. `read_labelled_chunks` goes one
step further and cuts the whole document with ingest's chunker, so the tagger sees
the very chunks an index would hold, and `tag_labelled_pages` tags them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from ingest.chunking import chunk_pages
from ingest.pdf import UnreadablePdf, read_pdf
from kb.eval.tags import LabelRow, PageKey, predict_chunks

if TYPE_CHECKING:
    from search.evidence.determinants import Tagger
    from search.evidence.tagging import DocumentTagger
    from search.models.encoder import Encoder
    from search.settings import Settings

__all__ = [
    "configured_tagging",
    "find_pdf",
    "read_labelled_chunks",
    "read_labelled_pages",
    "tag_labelled_pages",
]

log = logging.getLogger(__name__)


def configured_tagging(models: Path | None = None) -> tuple[Settings, Encoder, DocumentTagger]:
    """The library's settings, its encoder run as `kb ingest` runs it (ingest's threads) and its
    tagger (taxonomy from KB_TAXONOMY_PATH): what the harnesses tune and score, so their
    numbers are for the tagger ingest runs. `models` overrides KB_DATA_DIR/models."""
    from kb.config import load_settings
    from search.index import load_tagging
    from search.models.encoder import load_encoder

    settings = load_settings()
    model = settings.model.model_copy(update={"threads": settings.model.ingest_threads})
    encoder = load_encoder(model, models or settings.data_dir / "models")
    return settings, encoder, load_tagging(settings, encoder)


def find_pdf(name: str, folders: Sequence[Path]) -> Path | None:
    """The first folder's file with this exact name; names with folder parts are refused."""
    if Path(name).name != name:
        return None
    return next((folder / name for folder in folders if (folder / name).is_file()), None)


def _labelled_documents(
    rows: Sequence[LabelRow], folders: Sequence[Path]
) -> Iterator[tuple[str, list[str], list[int]]]:
    """(file name, every page's text, its labelled page numbers) for each labelled file that
    could be read; the others are logged and skipped."""
    wanted: dict[str, set[int]] = {}
    for row in rows:
        wanted.setdefault(row.file, set()).add(row.page)
    for name in sorted(wanted):
        path = find_pdf(name, folders)
        if path is None:
            log.warning("%s is not in %s", name, ", ".join(str(f) for f in folders))
            continue
        try:
            pages = read_pdf(path).pages
        except (UnreadablePdf, OSError) as error:
            log.warning("%s cannot be read: %s", name, error)
            continue
        for page in sorted(wanted[name]):
            if page > len(pages):
                log.warning("%s has no page %d", name, page)
        yield name, pages, sorted(p for p in wanted[name] if p <= len(pages))


def read_labelled_pages(rows: Sequence[LabelRow], folders: Sequence[Path]) -> dict[PageKey, str]:
    """Text of every labelled page that could be read; the others are left out (and logged),
    so scoring lists them as missing rather than as pages with no tags."""
    out: dict[PageKey, str] = {}
    for name, pages, numbers in _labelled_documents(rows, folders):
        for page in numbers:
            out[(name, page)] = pages[page - 1]
    return out


def read_labelled_chunks(
    rows: Sequence[LabelRow], folders: Sequence[Path], max_words: int, overlap_words: int
) -> dict[PageKey, list[str]]:
    """The texts of the chunks that cover each labelled page that could be read, cut from the
    whole document by ingest's chunker: a short page tail carried onto the next page, and
    front or back matter kept out of body chunks, are as in the index. A chunk over two
    labelled pages is listed under both, as search joins chunk tags per page."""
    out: dict[PageKey, list[str]] = {}
    for name, pages, numbers in _labelled_documents(rows, folders):
        for page in numbers:
            out[(name, page)] = []
        for chunk in chunk_pages(name, pages, max_words, overlap_words):
            for page in numbers:
                if chunk.page_start <= page <= chunk.page_end:
                    out[(name, page)].append(chunk.text)
    return out


def tag_labelled_pages(
    rows: Sequence[LabelRow],
    folders: Sequence[Path],
    settings: Settings,
    tagger: Tagger,
    encoder: Encoder,
) -> dict[PageKey, set[str]]:
    """The tagger's tags on each labelled page that could be read, with documents cut by
    ingest's chunker at the settings' sizes and each page's chunk tags joined: the tags an
    index of the same PDFs would hold. Pages that could not be read are left out."""
    chunks = read_labelled_chunks(
        rows, folders, settings.chunks.max_words, settings.chunks.overlap_words
    )
    return predict_chunks(chunks, tagger, encoder)
