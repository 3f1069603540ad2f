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
from web.deps import DocumentLibraryDep, LibraryDep, read_site_url
from web.feeds import MEDIA_TYPE, Feed, FeedEntry, atom_feed
from web.highlight import WordMatcher, query_stems
from web.models import ExcerptView
from web.routes_documents import find_document
from web.search_form import SearchForm
from web.search_query import read_search_form
from web.searching import newest_documents, search_all
from web.templating import ORGANISATION, SERVICE_NAME
from web.views import document_passage_json, shown_excerpt, summary_json

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
def cite_ris(request: Request, doc_id: str, library: DocumentLibraryDep) -> Response:
    reference = _reference(request, library, doc_id)
    return download(ris([reference]), RIS_TYPE, f"{citation_key(reference)}.ris")


@router.get("/documents/{doc_id}/cite.bib")
def cite_bibtex(request: Request, doc_id: str, library: DocumentLibraryDep) -> Response:
    reference = _reference(request, library, doc_id)
    return download(bibtex([reference]), BIBTEX_TYPE, f"{citation_key(reference)}.bib")


# A search's results ---------------------------------------------------------------


def _found(library: Library, form: SearchForm) -> list[DocumentResult]:
    """Every document a download holds, in the page's order; a 400 for a search the page
    would refuse (words with nothing to search for; a year box holding no year is refused as
    the form is read, `read_search_form`)."""
    if form.problem:
        raise HTTPException(status_code=400, detail=form.problem)
    return search_all(library, form, EXPORT_LIMIT)


def _references(request: Request, library: Library, form: SearchForm) -> list[Reference]:
    base = _base(request)
    return [reference_for(d.document, base) for d in _found(library, form)]


@router.get("/search/export.csv")
def export_csv(request: Request, library: LibraryDep, form: FormDep) -> Response:
    """The results as a table, each with the part of its best passage the results page shows
    and the page that part is on (the whole passage may hold most of its words on the next)."""
    base = _base(request)
    stems = WordMatcher(query_stems(form.q))
    rows = [
        (reference_for(d.document, base), _shown_passage(d, stems), d.strength)
        for d in _found(library, form)
    ]
    return download(csv_table(rows, base), CSV_TYPE, "evidence-finder-results.csv")


def _shown_passage(result: DocumentResult, stems: WordMatcher) -> Passage | None:
    """A document's best passage cut to the part a results page shows, cited at its page."""
    shown = _best_shown(result, stems)
    if shown is None:
        return None
    best = result.passages[0]
    return Passage(
        best.chunk_id,
        shown["text"],
        shown["page_start"],
        shown["page_end"],
        best.score,
        page=shown["page"],
    )


def _best_shown(result: DocumentResult, stems: WordMatcher) -> ExcerptView | None:
    """The part of a document's best passage a results page shows, and its page."""
    if not result.passages:
        return None
    return shown_excerpt(document_passage_json(result.document, result.passages[0]), stems)


@router.get("/search/export.ris")
def export_ris(request: Request, library: LibraryDep, form: FormDep) -> Response:
    refs = _references(request, library, form)
    return download(ris(refs), RIS_TYPE, "evidence-finder-results.ris")


@router.get("/search/export.bib")
def export_bibtex(request: Request, library: LibraryDep, form: FormDep) -> Response:
    refs = _references(request, library, form)
    return download(bibtex(refs), BIBTEX_TYPE, "evidence-finder-results.bib")


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
    shown = _best_shown(result, stems)
    if shown is None:
        return FeedEntry(reference, _added(result.document.added_at), "")
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
    if not form.is_blank and form.problem:
        raise HTTPException(status_code=400, detail=form.problem)
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
