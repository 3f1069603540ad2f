"""Files to take away: a document's citation (RIS, BibTeX), a search's results (CSV, RIS,
BibTeX), and Atom feeds that follow a search or the whole library."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from search.catalogue import DocumentRecord
from search.library import Library
from search.retrieval.passages import Passage
from search.retrieval.searcher import DocumentResult
from web.citations import Reference, bibtex, citation_key, csv_table, reference_for, ris
from web.deps import LibraryDep, read_site_url
from web.feeds import MEDIA_TYPE, Feed, FeedEntry, atom_feed
from web.highlight import WordMatcher, query_stems
from web.routes_documents import find_document
from web.search_form import SearchForm
from web.search_query import read_search_form
from web.searching import newest_documents, search_all
from web.templating import ORGANISATION, SERVICE_NAME
from web.views import passage_json, scanned_pages, sections_of, shown_excerpt, summary_json

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

EXPORT_LIMIT = 200
FEED_LIMIT = 50
RIS_TYPE = "application/x-research-info-systems; charset=utf-8"
BIBTEX_TYPE = "application/x-bibtex; charset=utf-8"
CSV_TYPE = "text/csv; charset=utf-8"

FormDep = Annotated[SearchForm, Depends(read_search_form)]


def download(body: str | bytes, media_type: str, file_name: str) -> Response:
    """A file the browser saves rather than shows."""
    headers = {"Content-Disposition": f'attachment; filename="{file_name}"'}
    return Response(body, media_type=media_type, headers=headers)


def _base(request: Request) -> str:
    return read_site_url(request)


# One document's citation --------------------------------------------------------


def _reference(request: Request, library: Library, doc_id: str) -> Reference:
    return reference_for(find_document(library, doc_id), _base(request))


@router.get("/documents/{doc_id}/cite.ris")
def cite_ris(request: Request, doc_id: str, library: LibraryDep) -> Response:
    reference = _reference(request, library, doc_id)
    return download(ris([reference]), RIS_TYPE, f"{citation_key(reference)}.ris")


@router.get("/documents/{doc_id}/cite.bib")
def cite_bibtex(request: Request, doc_id: str, library: LibraryDep) -> Response:
    reference = _reference(request, library, doc_id)
    return download(bibtex([reference]), BIBTEX_TYPE, f"{citation_key(reference)}.bib")


# A search's results ---------------------------------------------------------------


def _results(
    request: Request, library: Library, form: SearchForm
) -> list[tuple[Reference, Passage | None, str]]:
    if form.problem or form.year_problem:
        raise HTTPException(status_code=400, detail=form.problem or form.year_problem)
    documents = search_all(library, form, EXPORT_LIMIT)
    base = _base(request)
    return [
        (reference_for(d.document, base), d.passages[0] if d.passages else None, d.strength)
        for d in documents
    ]


@router.get("/search/export.csv")
def export_csv(request: Request, library: LibraryDep, form: FormDep) -> Response:
    """The results as a table, each with the part of its best passage the results page shows
    and the page that part is on (the whole passage may hold most of its words on the next)."""
    if form.problem or form.year_problem:
        raise HTTPException(status_code=400, detail=form.problem or form.year_problem)
    base = _base(request)
    stems = WordMatcher(query_stems(form.q))
    rows = [
        (reference_for(d.document, base), _shown_passage(d, stems), d.strength)
        for d in search_all(library, form, EXPORT_LIMIT)
    ]
    return download(csv_table(rows, base), CSV_TYPE, "evidence-finder-results.csv")


def _shown_passage(result: DocumentResult, stems: WordMatcher) -> Passage | None:
    """A document's best passage cut to the part a results page shows, cited at its page."""
    if not result.passages:
        return None
    best = result.passages[0]
    shown = shown_excerpt(
        passage_json(
            result.doc_id, best, sections_of(result.document), scanned_pages(result.document)
        ),
        stems,
    )
    return Passage(
        best.chunk_id,
        shown["text"],
        shown["page_start"],
        shown["page_end"],
        best.score,
        page=shown["page"],
    )


@router.get("/search/export.ris")
def export_ris(request: Request, library: LibraryDep, form: FormDep) -> Response:
    rows = _results(request, library, form)
    return download(ris(r for r, _, _ in rows), RIS_TYPE, "evidence-finder-results.ris")


@router.get("/search/export.bib")
def export_bibtex(request: Request, library: LibraryDep, form: FormDep) -> Response:
    rows = _results(request, library, form)
    return download(bibtex(r for r, _, _ in rows), BIBTEX_TYPE, "evidence-finder-results.bib")


# Feeds ----------------------------------------------------------------------------


def _added(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


def _summary_entry(record: DocumentRecord, base: str) -> FeedEntry:
    """A new document's entry, with its first summary sentence and that sentence's page."""
    sentences = summary_json(record)
    first = sentences[0] if sentences else None
    return FeedEntry(
        reference_for(record, base),
        _added(record.added_at),
        first["text"] if first else "",
        first["where"] if first else "",
        base + first["file_url"] if first else "",
    )


def _search_entry(result: DocumentResult, stems: WordMatcher, base: str) -> FeedEntry:
    """A matching document's entry, with its best passage's words and the page they are on."""
    reference = reference_for(result.document, base)
    if not result.passages:
        return FeedEntry(reference, _added(result.document.added_at), "")
    shown = shown_excerpt(
        passage_json(
            result.doc_id,
            result.passages[0],
            sections_of(result.document),
            scanned_pages(result.document),
        ),
        stems,
    )
    return FeedEntry(
        reference,
        _added(result.document.added_at),
        shown["text"],
        shown["where"],
        base + shown["file_url"],
    )


@router.get("/search/feed.atom")
def search_feed(request: Request, library: LibraryDep, form: FormDep) -> Response:
    """A search's documents; with no words, the documents most recently added (words with
    nothing to search for, like 'the', are refused as the search page refuses them)."""
    base = _base(request).rstrip("/")
    form = replace(form, page=1)
    if form.year_problem or (not form.is_blank and form.problem):
        raise HTTPException(status_code=400, detail=form.year_problem or form.problem)
    if form.is_blank:
        records = newest_documents(library, form, FEED_LIMIT)
        entries = [_summary_entry(r, base) for r in records]
        title, subtitle, page = f"New in {SERVICE_NAME}", "Documents just added.", base + "/"
    else:
        # One matcher for the whole feed, as for a page: stemming each word once.
        stems = WordMatcher(query_stems(form.q))
        entries = [_search_entry(d, stems, base) for d in search_all(library, form, FEED_LIMIT)]
        title = f"{SERVICE_NAME}: ‘{form.q}’"
        subtitle = f"Documents that match ‘{form.q}’."
        page = base + form.url()
    feed = Feed(
        title=title,
        subtitle=subtitle,
        self_url=base + form.url("/search/feed.atom"),
        page_url=page,
        author=ORGANISATION,
        entries=entries,
    )
    body = atom_feed(feed, now=datetime.now(UTC))
    return Response(body, media_type=f"{MEDIA_TYPE}; charset=utf-8")
