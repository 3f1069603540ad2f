"""A document's pages: its details and list of pages, each page's text, and the original file."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from search.catalogue import DocumentRecord
from search.library import Library
from search.retrieval.passages import Passage, passage_from_hit
from search.retrieval.related import RelatedDocument, related_to_document, related_to_passage
from search.schema import is_point_id
from web.citations import harvard, in_text, reference_for
from web.deps import (
    DocumentLibraryDep,
    LibraryDep,
    TemplatesDep,
    VocabularyDep,
    read_site_url,
)
from web.errors import NewerEdition
from web.highlight import WordMatcher, query_stems
from web.limits import MAX_PAGE_NUMBER
from web.paging import count_pages, pagination, past_last_page
from web.params import PageNumber
from web.views import (
    PDF_TYPE,
    about_json,
    document_passage_json,
    document_url,
    file_media_type,
    file_type_name,
    is_web_link,
    metadata_json,
    page_json,
    page_previews,
    page_url,
    place_words,
    related_json,
    related_url,
    section_headings,
    sections_of,
)

__all__ = [
    "NO_PAGE",
    "RELATED_ON_PAGE",
    "find_document",
    "find_passage",
    "find_related",
    "router",
]

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGES_PER_LIST = 100
RELATED_ON_DOCUMENT = 5
RELATED_ON_PAGE = 10
NO_DOCUMENT = "We could not find that document. It may have been taken out of the library."
NO_PAGE = "That document does not have a page with that number."
NO_PASSAGE = "We could not find that passage in this document. It may have changed since."
NO_FILE = (
    "The PDF for this document is not available at the moment. "
    "You can still read its pages as text."
)


def find_document(library: Library, doc_id: str) -> DocumentRecord:
    record = library.document(doc_id)
    if record is None:
        newer = library.catalogue.current_edition(doc_id)
        if newer is not None:
            raise NewerEdition(doc_id, newer)
        raise HTTPException(status_code=404, detail=NO_DOCUMENT)
    return record


def find_passage(library: Library, doc_id: str, chunk_id: str) -> Passage:
    """One of the document's passages, by its chunk id; a 404 if the document has no such one."""
    find_document(library, doc_id)
    # Only text shaped as a chunk id (a number, or a UUID for documents stored before ids were
    # numbers) reaches the store; one read by id, whatever the document's size, and the
    # passage must be this document's own.
    if not is_point_id(chunk_id):
        raise HTTPException(status_code=404, detail=NO_PASSAGE)
    for hit in library.store.retrieve([chunk_id]):
        if hit.id == chunk_id and hit.payload.get("doc_id") == doc_id:
            return passage_from_hit(hit)
    raise HTTPException(status_code=404, detail=NO_PASSAGE)


def find_related(
    library: Library, doc_id: str, limit: int, chunk_id: str | None = None
) -> list[RelatedDocument]:
    """Documents like this one, or (with a chunk id) like one of its passages."""
    if chunk_id:
        return related_to_passage(library.store, library.catalogue, chunk_id, doc_id, limit)
    return related_to_document(library.store, library.catalogue, doc_id, limit)


def _first_upper(text: str) -> str:
    return text[:1].upper() + text[1:]


def citation(request: Request, record: DocumentRecord, page: int | None = None) -> dict[str, Any]:
    """What the "Cite this" box shows: a Harvard reference, the short form and the downloads."""
    reference = reference_for(record, read_site_url(request))
    url = document_url(record.doc_id)
    short = in_text(reference, page)
    if page and record.extra.get("sections"):
        # No page numbers in a Word file or web page: the citation names the section.
        short = in_text(reference).removesuffix(")") + f", section {page})"
    return {
        "harvard": harvard(reference, date.today()),
        "in_text": short,
        "ris_url": f"{url}/cite.ris",
        "bib_url": f"{url}/cite.bib",
    }


@router.get("/documents/{doc_id}")
def document_page(
    request: Request,
    doc_id: str,
    library: DocumentLibraryDep,
    reading: LibraryDep,
    vocabulary: VocabularyDep,
    templates: TemplatesDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE_NUMBER)] = 1,
) -> Response:
    record = find_document(library, doc_id)
    count = library.catalogue.page_count(doc_id)
    lists = count_pages(count, PAGES_PER_LIST)

    def href(n: int) -> str:
        return f"{document_url(doc_id)}?page={n}"

    # A list page past the last shows the document with no pages listed, and says so.
    past = past_last_page(page, lists, href)
    first = (page - 1) * PAGES_PER_LIST + 1
    numbers = range(0) if past else range(first, min(count, first + PAGES_PER_LIST - 1) + 1)
    # Running headers are found among the pages listed, so one request reads at most a
    # list's worth of pages however long the document is.
    texts = library.catalogue.page_texts(doc_id, numbers.start, numbers.stop - 1)
    previews = page_previews([texts.get(n, "") for n in numbers])
    sections = sections_of(record)
    pages = [
        {
            "number": n,
            "url": page_url(doc_id, n),
            "preview": preview,
            # A Word file or web page is listed by its sections, each named by its heading.
            "label": _first_upper(place_words(n, n, section_headings(sections, n))),
        }
        for n, preview in zip(numbers, previews, strict=True)
    ]
    # Other documents come from the reader's view, which never holds withdrawn ones.
    related = find_related(reading, doc_id, RELATED_ON_DOCUMENT)
    return templates.TemplateResponse(
        request,
        "document.html",
        {
            "document": metadata_json(record),
            "access": record.meta.access,
            "page_count": count,
            # A Word file or web page has sections, not pages, and is downloaded, not opened.
            "unit": "section" if sections else "page",
            "file_type": file_type_name(record),
            "pages": pages,
            **about_json(record, vocabulary),
            "related": [related_json(r) for r in related],
            "related_url": related_url(doc_id),
            "citation": citation(request, record),
            "source_url": record.meta.url.strip() if is_web_link(record.meta.url) else "",
            "pagination": pagination(page, lists, href, label="Pages of this list"),
            "past": past,
        },
    )


@router.get("/documents/{doc_id}/pages/{number}")
def page_text(
    request: Request,
    doc_id: str,
    number: PageNumber,
    library: DocumentLibraryDep,
    templates: TemplatesDep,
) -> Response:
    record = find_document(library, doc_id)
    text = library.catalogue.page_text(doc_id, number)
    if text is None:
        raise HTTPException(status_code=404, detail=NO_PAGE)
    page = page_json(record, number, text)
    unit = page["unit_label"]  # "Page", or "Section" for a Word file or web page
    prev_next: dict[str, object] = {"landmarkLabel": f"Other {unit.lower()}s"}
    if page["previous_url"]:
        prev_next["previous"] = {"href": page["previous_url"], "labelText": f"{unit} {number - 1}"}
    if page["next_url"]:
        prev_next["next"] = {"href": page["next_url"], "labelText": f"{unit} {number + 1}"}
    return templates.TemplateResponse(
        request,
        "page.html",
        {
            "document": metadata_json(record),
            "page": page,
            "prev_next": prev_next if len(prev_next) > 1 else None,
            "citation": citation(request, record, number),
        },
    )


@router.get("/documents/{doc_id}/related")
def related_page(
    request: Request,
    doc_id: str,
    library: DocumentLibraryDep,
    reading: LibraryDep,
    templates: TemplatesDep,
    chunk: str | None = None,
) -> Response:
    record = find_document(library, doc_id)
    passage = find_passage(library, doc_id, chunk) if chunk else None
    related = find_related(reading, doc_id, RELATED_ON_PAGE, chunk)
    return templates.TemplateResponse(
        request,
        "related.html",
        {
            "document": metadata_json(record),
            "passage": document_passage_json(record, passage) if passage else None,
            "related": [related_json(r) for r in related],
            # Each related passage is shown from its part sharing most words with this one.
            "like": WordMatcher(query_stems(passage.text)) if passage else [],
        },
    )


@router.api_route("/documents/{doc_id}/file", methods=["GET", "HEAD"])
def document_file(doc_id: str, library: DocumentLibraryDep) -> FileResponse:
    record = find_document(library, doc_id)
    path = Path(record.path)
    if not path.is_file():
        raise HTTPException(status_code=404, detail=NO_FILE)
    # Only a PDF opens in the browser (`file_media_type` says why the rest are downloads).
    media_type = file_media_type(path.name)
    return FileResponse(
        path,
        media_type=media_type,
        filename=record.file_name,
        content_disposition_type="inline" if media_type == PDF_TYPE else "attachment",
    )
