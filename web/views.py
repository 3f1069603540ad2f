"""Turns search results and documents into the typed results of `web.models`. The HTML pages,
the JSON API (and its OpenAPI schema) and `kb search --json` all read these, so what they show
cannot drift apart."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from search.catalogue import DocumentRecord
from search.evidence.ranking import is_local_document
from search.evidence.strength import reads_as_prose
from search.pagetext import drop_running_lines, known_authors
from search.retrieval.passages import Passage, pages_of_part
from search.retrieval.related import RelatedDocument
from search.retrieval.searcher import DocumentResult, SearchResults
from search.retrieval.sentences import breaks_sentence, finishes_open_sentence
from search.schema import WITHDRAWN, Filters
from web.facets import FacetOption
from web.highlight import WordMatcher, excerpt_of, excerpt_span
from web.models import (
    DocumentAboutOut,
    DocumentHitOut,
    DocumentMetaOut,
    DocumentOut,
    ExcerptOut,
    ExcerptView,
    FacetOptionOut,
    FiltersOut,
    PageView,
    PassageView,
    RelatedDocumentOut,
    ResultsView,
    StoreFiltersOut,
    SummarySentenceView,
)
from web.search_form import SearchForm
from web.tags import document_determinants, evidence_tags, places_json
from web.vocabulary import Vocabulary, default_vocabulary

__all__ = [
    "ONE_PAGE_MIN_WORDS",
    "PDF_TYPE",
    "RELATED_WORDS",
    "SHORT_LINE",
    "WEB_SCHEMES",
    "about_json",
    "document_json",
    "document_passage_json",
    "document_url",
    "facets_json",
    "file_media_type",
    "file_type_name",
    "file_url",
    "filters_json",
    "first_words",
    "form_filters_json",
    "is_web_link",
    "metadata_json",
    "one_page_span",
    "page_json",
    "page_previews",
    "page_url",
    "paragraphs",
    "passage_json",
    "place_words",
    "related_json",
    "related_url",
    "result_json",
    "results_json",
    "scanned_pages",
    "section_headings",
    "sections_of",
    "shown_excerpt",
    "summary_json",
]

# Only web links are shown as links: a manifest could hold javascript: or file: URLs.
WEB_SCHEMES = ("https://", "http://")
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v]*\n")
# A contents page's dot leaders ("Smoking ........ 22", ". . . .", "…………"): four or more dots.
_DOT_LEADER = re.compile(r"[ \t]*(?:[.…·][ \t]?){4,}")
# A line under this share of the page's longest line ends a paragraph.
SHORT_LINE = 0.75
# How many of a paragraph's last lines tell whether it left a sentence open.
_OPEN_SENTENCE_LINES = 12


def is_web_link(url: str) -> bool:
    return url.strip().lower().startswith(WEB_SCHEMES)


# What `quote` leaves as it is: an id made only of these (every id the ingest gives) needs no
# quoting, and an answer of the API holds a few hundred links.
_UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]+")


def document_url(doc_id: str) -> str:
    shown = doc_id if _UNQUOTED.fullmatch(doc_id) else quote(doc_id, safe="")
    return f"/documents/{shown}"


# What the file route serves, by the file's extension. Only a PDF opens in the browser; a
# saved web page could run its scripts on our site, so it and a Word file are downloads.
PDF_TYPE = "application/pdf"
_DOWNLOAD_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
_BYTES = "application/octet-stream"


def file_media_type(file_name: str) -> str:
    """The media type the document's file is served as (a feed's enclosure says the same)."""
    suffix = Path(file_name).suffix.lower()
    return PDF_TYPE if suffix == ".pdf" else _DOWNLOAD_TYPES.get(suffix, _BYTES)


def file_url(doc_id: str, page: int | None = None) -> str:
    """The original PDF; `#page=N` makes browsers' PDF viewers open at that page."""
    url = f"{document_url(doc_id)}/file"
    return f"{url}#page={page}" if page else url


def page_url(doc_id: str, page: int) -> str:
    return f"{document_url(doc_id)}/pages/{page}"


def related_url(doc_id: str, chunk_id: str | None = None) -> str:
    """More like this document, or (with a chunk) like one of its passages."""
    url = f"{document_url(doc_id)}/related"
    return f"{url}?chunk={quote(chunk_id, safe='')}" if chunk_id else url


# What each file type the ingest reads is called on a document's page.
FILE_TYPE_NAMES = {".pdf": "PDF", ".docx": "Word document", ".html": "web page", ".htm": "web page"}


def file_type_name(record: DocumentRecord) -> str:
    """'PDF', 'Word document' or 'web page', from the stored file's ending."""
    suffix = "." + record.file_name.rsplit(".", 1)[-1].lower() if "." in record.file_name else ""
    return FILE_TYPE_NAMES.get(suffix, "file")


def sections_of(record: DocumentRecord) -> list[str]:
    """A Word file's or web page's section headings (its "pages"); none for a PDF."""
    return [str(heading) for heading in record.extra.get("sections") or []]


def scanned_pages(record: DocumentRecord) -> frozenset[int]:
    """The pages of a document whose text was read from a scan by OCR."""
    pages = record.extra.get("ocr_pages") or []
    return (
        frozenset(n for n in pages if isinstance(n, int))
        if isinstance(pages, list)
        else frozenset()
    )


def place_words(start: int, end: int, headings: Mapping[int, str] | None = None) -> str:
    """Where words are, as a citation says it: "page 3", "pages 3 to 4", or for a file with
    sections instead of pages "section 2: Cold homes", "sections 2 to 3"."""
    if headings is None:
        return f"page {start}" if start == end else f"pages {start} to {end}"
    if start != end:
        return f"sections {start} to {end}"
    heading = headings.get(start, "")
    return f"section {start}: {heading}" if heading else f"section {start}"


def passage_json(
    doc_id: str,
    passage: Passage,
    sections: Sequence[str] = (),
    scanned: Collection[int] = frozenset(),
) -> PassageView:
    """A passage with the page holding most of its text (`page`, which both links open at)
    and the pages it runs over; `page_starts` says where each page begins in `text`. For a file
    with sections instead of pages (`unit` "section"), each number is a section, and
    `headings` gives the headings of those it runs over. `ocr_pages` are those of its pages
    read from a scan (`scanned`, the document's)."""
    page = passage.cited_page
    numbers = range(passage.page_start, passage.page_end + 1)
    return {
        "doc_id": doc_id,
        "chunk_id": passage.chunk_id,
        "related_url": related_url(doc_id, passage.chunk_id),
        "text": passage.text,
        "page": page,
        "page_start": passage.page_start,
        "page_end": passage.page_end,
        "pages": list(numbers),
        "page_starts": [[offset, number] for offset, number in passage.page_starts],
        "unit": "section" if sections else "page",
        "headings": [(n, sections[n - 1]) for n in numbers if 0 < n <= len(sections)],
        "ocr_pages": [n for n in numbers if n in scanned],
        # A Word file or web page opens at its start: "#page=" means nothing to it.
        "file_url": file_url(doc_id, None if sections else page),
        "page_url": page_url(doc_id, page),
        "score": passage.score,
    }


def document_passage_json(record: DocumentRecord, passage: Passage) -> PassageView:
    """`passage_json` for a passage of `record`, with its sections and scanned pages."""
    return passage_json(record.doc_id, passage, sections_of(record), scanned_pages(record))


# Whether a shown part reads as prose, remembered by its text across requests (pages of one
# search, and its API twin, show the same parts; about 23 us a part otherwise).
_reads_as_prose = lru_cache(maxsize=2_048)(reads_as_prose)


# A part kept to one page holds at least this many words; fewer read as a fragment, and the
# part is shown over both pages instead.
ONE_PAGE_MIN_WORDS = 12


def one_page_span(
    text: str,
    starts: Sequence[Sequence[int]],
    stems: Iterable[str] | WordMatcher,
    max_words: int = 45,
    also: WordMatcher | None = None,
) -> tuple[int, int, tuple[int, int, int]]:
    """Where the part of a passage to show starts and ends (`excerpt_span`), kept to one page
    when it can be, and its pages as `pages_of_part` gives them (cited, first, last): a part
    that runs over a page break, whose words on the other pages add no word searched for to
    those on the page holding most of it, is chosen again from that page's text alone. A quote
    cited to one page is then all on that page (an officer read "page 13" under a quote that
    opened on page 12 as the wrong page). A part that needs both pages for the words searched
    for (or for `also`'s, a determinant's own) keeps them, and says it spans them."""
    matches = stems if isinstance(stems, WordMatcher) else WordMatcher(stems)
    start, end = excerpt_span(text, matches, max_words, also)
    # The page it is cited to, by the one rule for that (the page holding most of its letters).
    cited = main, first, last = pages_of_part(starts, text, start, end)
    if first == last:
        return start, end, cited
    pages = sorted((int(offset), int(page)) for offset, page in starts)
    ends = [offset for offset, _ in pages[1:]] + [len(text)]
    spans = {page: (offset, stop) for (offset, page), stop in zip(pages, ends, strict=True)}
    lo, hi = spans[main]
    others = [text[max(a, start) : min(b, end)] for p, (a, b) in spans.items() if p != main]
    for words in (matches, also) if also is not None else (matches,):
        on_main = _stems_of(words, text[max(lo, start) : min(hi, end)])
        if not all(_stems_of(words, other) <= on_main for other in others):
            return start, end, cited
    inner_start, inner_end = excerpt_span(text[lo:hi], matches, max_words, also)
    on_page = lo + inner_start, lo + inner_end
    if len(text[slice(*on_page)].split()) < ONE_PAGE_MIN_WORDS:
        return start, end, cited  # a page's few words are a fragment: show both pages' instead
    return *on_page, pages_of_part(starts, text, *on_page)


def _stems_of(matches: WordMatcher, part: str) -> frozenset[str]:
    return frozenset().union(*(matches.stems_in(word) for word in part.split()))


def shown_excerpt(
    passage: Mapping[str, Any],
    stems: Iterable[str] | WordMatcher,
    max_words: int = 45,
    also: WordMatcher | None = None,
) -> ExcerptView:
    """The part of a passage a results page shows, and the page holding most of that part:
    the links point where the words on screen are, not where the whole chunk starts. With
    `also`, the part with most query words that holds most of those words too."""
    text = str(passage["text"])
    starts = passage.get("page_starts") or [[0, passage["page"]]]
    start, end, (page, first, last) = one_page_span(text, starts, stems, max_words, also)
    doc_id = str(passage["doc_id"])
    scanned = passage.get("ocr_pages") or ()
    is_section = passage.get("unit") == "section"
    headings = {int(n): str(h) for n, h in passage.get("headings") or []} if is_section else None
    return {
        "text": excerpt_of(text, start, end),
        "page": page,
        "page_start": first,
        "page_end": last,
        "unit": "section" if is_section else "page",
        # How the links name the place: "page 3" or "section 2: Cold homes".
        "where": place_words(page, page, headings),
        "where_all": place_words(first, last, headings),
        "is_ocr": any(first <= n <= last for n in scanned),
        "reads_as_prose": _reads_as_prose(text[start:end]),
        "file_url": file_url(doc_id, None if is_section else page),
        "page_url": page_url(doc_id, page),
    }


def metadata_json(record: DocumentRecord) -> DocumentMetaOut:
    meta = record.meta
    return {
        "doc_id": record.doc_id,
        "title": meta.title,
        "organisation": meta.organisation,
        "year": meta.year,
        "kind": meta.kind,
        "authors": known_authors(meta.authors),
        "file_name": record.file_name,
        "url": meta.url,
        "document_url": document_url(record.doc_id),
        "file_url": file_url(record.doc_id),
        "page_count": record.page_count,
    }


def result_json(
    result: DocumentResult,
    vocabulary: Vocabulary | None = None,
    stems: WordMatcher | None = None,
) -> DocumentHitOut:
    """A matching document; with the query's `stems`, each passage also carries the part
    around the words searched for (`excerpt`), as the results page shows it."""
    sections, scanned = sections_of(result.document), scanned_pages(result.document)
    passages = [passage_json(result.doc_id, p, sections, scanned) for p in result.passages]
    if stems is not None:
        for passage in passages:
            passage["excerpt"] = excerpt_json(passage, stems)
    return {
        **metadata_json(result.document),
        **evidence_tags(result.document, vocabulary or default_vocabulary()),
        "rank": result.rank,
        "score": result.score,
        "strength": result.strength,
        "passages": list(passages),
    }


def excerpt_json(passage: PassageView, stems: WordMatcher) -> ExcerptOut:
    """The API's shape of `shown_excerpt`."""
    return excerpt_out(shown_excerpt(passage, stems))


def excerpt_out(shown: ExcerptView) -> ExcerptOut:
    """The API's shape of a shown excerpt: the part and its pages, not how a page words them."""
    return {
        "text": shown["text"],
        "page": shown["page"],
        "page_start": shown["page_start"],
        "page_end": shown["page_end"],
        "reads_as_prose": shown["reads_as_prose"],
        "file_url": shown["file_url"],
        "page_url": shown["page_url"],
    }


# Words of a related document's passage its page shows.
RELATED_WORDS = 40


def related_json(related: RelatedDocument, like: WordMatcher | None = None) -> RelatedDocumentOut:
    """A related document and its passage closest to the document it is related to, with the
    part of it the page shows (`excerpt`) and that part's page: with the words of a passage it
    is like (`like`), its part sharing most of them; else its opening."""
    passage = document_passage_json(related.document, related.passage)
    passage["excerpt"] = excerpt_out(shown_excerpt(passage, like or (), RELATED_WORDS))
    return {**metadata_json(related.document), "passage": passage}


def summary_json(record: DocumentRecord) -> list[SummarySentenceView]:
    """The sentences chosen at ingest to sum the document up, each with the page to check."""
    out: list[SummarySentenceView] = []
    sections = sections_of(record)
    for sentence in record.extra.get("summary") or []:
        if not isinstance(sentence, dict) or not str(sentence.get("text") or "").strip():
            continue
        page = sentence.get("page")
        number = page if isinstance(page, int) and 1 <= page <= record.page_count else 1
        shown: SummarySentenceView = {
            "text": " ".join(str(sentence["text"]).split()),
            "page": number,
            "unit": "section" if sections else "page",
            "where": place_words(number, number, section_headings(sections, number)),
            "file_url": file_url(record.doc_id, None if sections else number),
            "page_url": page_url(record.doc_id, number),
        }
        out.append(shown)
    return out


def section_headings(sections: Sequence[str], *numbers: int) -> dict[int, str] | None:
    """The headings of the numbered sections, for `place_words`; None for a file with pages."""
    if not sections:
        return None
    return {n: sections[n - 1] for n in numbers if 0 < n <= len(sections)}


def filters_json(filters: Filters) -> StoreFiltersOut:
    return {
        "determinants": list(filters.determinants),
        "places": list(filters.places),
        "organisations": list(filters.organisations),
        "kinds": list(filters.kinds),
        "year_from": filters.year_from,
        "year_to": filters.year_to,
    }


def form_filters_json(form: SearchForm) -> FiltersOut:
    """The filters as the user chose them (year bands and local-first included)."""
    return {
        "determinants": list(form.determinants),
        "places": list(form.places),
        "organisations": list(form.organisations),
        "kinds": list(form.kinds),
        "lenses": list(form.lenses),
        "years": list(form.year_bands),
        "year_from": form.year_from,
        "year_to": form.year_to,
        "local": form.is_local_first,
    }


def facets_json(facets: Mapping[str, list[FacetOption]]) -> dict[str, list[FacetOptionOut]]:
    return {
        group: [
            {"value": o.value, "label": o.text, "count": o.count, "selected": o.is_selected}
            for o in options
        ]
        for group, options in facets.items()
    }


def results_json(
    results: SearchResults,
    vocabulary: Vocabulary | None = None,
    stems: WordMatcher | None = None,
) -> ResultsView:
    """One page of results, each document with its best passages and the pages to cite; with
    the query's `stems`, each passage also has its excerpt around the words searched for."""
    return {
        "query": results.query,
        "total": results.total,
        "strong_total": results.strong_total,
        "total_is_floor": results.is_total_capped,
        "strong_total_is_floor": results.is_strong_capped,
        "closest_only": results.is_closest_only,
        "unused_words": list(results.unused_words),
        "places_asked": list(results.places_asked),
        "pulled_words": list(results.pulled_words),
        "suggested_query": results.suggested_query,
        "page": results.page,
        "page_size": results.page_size,
        "page_count": results.page_count,
        "first": results.first,
        "last": results.last,
        "took_ms": round(results.took_ms, 1),
        "filters": filters_json(results.filters),
        "documents": [result_json(r, vocabulary, stems) for r in results.documents],
    }


def first_words(text: str, count: int = 15) -> str:
    words = text.split()
    return " ".join(words[:count]) + (" …" if len(words) > count else "")


def about_json(record: DocumentRecord, vocabulary: Vocabulary) -> DocumentAboutOut:
    """What a document is about and where, and the sentences that sum it up: the document page
    and the API's document both show these."""
    return {
        "determinants": document_determinants(record, vocabulary),
        "places": places_json(record.extra.get("places") or [], vocabulary),
        "is_local": is_local_document(record, vocabulary.gazetteer),
        # The API's shape leaves out how the page names the place.
        "summary": list(summary_json(record)),
    }


def document_json(
    record: DocumentRecord, page_lengths: list[int], vocabulary: Vocabulary | None = None
) -> DocumentOut:
    """A document's metadata, what it is about, and its pages with how much text each has."""
    return {
        **metadata_json(record),
        "chunk_count": record.chunk_count,
        **about_json(record, vocabulary or default_vocabulary()),
        "pages": [
            {
                "number": n,
                "chars": chars,
                "page_url": page_url(record.doc_id, n),
                "file_url": file_url(record.doc_id, n),
            }
            for n, chars in enumerate(page_lengths, start=1)
        ],
        "withdrawn": record.meta.access == WITHDRAWN,
    }


def page_json(record: DocumentRecord, number: int, text: str) -> PageView:
    sections = record.extra.get("sections") or []
    ocr_pages = record.extra.get("ocr_pages") or []
    return {
        "doc_id": record.doc_id,
        # Word files and web pages have sections (named by their heading) instead of pages.
        "unit": "section" if sections else "page",
        "unit_label": "Section" if sections else "Page",
        "heading": str(sections[number - 1]) if 0 < number <= len(sections) else "",
        "is_ocr": number in ocr_pages,
        "title": record.meta.title,
        "number": number,
        "page_count": record.page_count,
        "text": text,
        "paragraphs": paragraphs(text),
        "page_url": page_url(record.doc_id, number),
        "file_url": file_url(record.doc_id, number),
        "previous_url": page_url(record.doc_id, number - 1) if number > 1 else None,
        "next_url": page_url(record.doc_id, number + 1) if number < record.page_count else None,
    }


def paragraphs(text: str) -> list[str]:
    """Paragraphs of a page's text, rebuilt from a PDF's lines.

    PDFs rarely keep blank lines, so a line much shorter than the page's longest
    also ends a paragraph: that is how a paragraph's last line or a heading looks.
    Unless its sentence goes on (`breaks_sentence`): a chart's or a poster's short lines
    ("849" / "households owed a duty" / "under the Homelessness") read as one. One wide
    line (a source, a caption) makes every line of the text under it short, so the
    sentence's rule is all that holds those lines together.
    """
    out: list[str] = []
    for block in _BLANK_LINE.split(text):
        lines = [line.strip() for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        full = max(len(line) for line in lines)
        current: list[str] = []
        for at, line in enumerate(lines):
            current.append(line)
            if len(line) < SHORT_LINE * full and not _goes_on(current, lines[at + 1 : at + 2]):
                out.append(" ".join(" ".join(current).split()))
                current = []
        if current:
            out.append(" ".join(" ".join(current).split()))
    return out


def _goes_on(current: list[str], following: list[str]) -> bool:
    """Whether the paragraph so far (`current`, its lines) goes on in the next line (none: it
    does not): its last line runs on, or the next finishes a sentence it left open, which a
    line alone cannot tell ("… or emergency bed and breakfast" / "(B&B) placements.")."""
    if not following:
        return False
    line, after = current[-1], following[0]
    if not breaks_sentence(f"{line}\n{after}", len(line)):
        return True
    # Its last lines hold enough of the open sentence, and keep a page of a thousand
    # bracketed figures from joining its growing paragraph again at every line.
    return finishes_open_sentence(" ".join(current[-_OPEN_SENTENCE_LINES:]), after)


def page_previews(texts: list[str], count: int = 15) -> list[str]:
    """The first words of each page, skipping running headers and footers and a contents
    page's dot leaders (a phone's screen of dots, read out one by one)."""
    # Anywhere on at least half the pages, as the chunker drops them (ingest/matter.py).
    return [
        first_words(_DOT_LEADER.sub(" ", " ".join(kept)), count)
        for kept in drop_running_lines(texts)
    ]
