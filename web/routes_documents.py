"""A document's pages: its details and list of pages, each page's text, and the original PDF."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from search.catalogue import DocumentRecord
from search.library import Library
from web.deps import LibraryDep, TemplatesDep
from web.paging import pagination
from web.views import document_url, metadata_json, page_json, page_previews, page_url

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

PAGES_PER_LIST = 100
# Only web links become a "Source" link: a manifest could hold javascript: or file: URLs.
SAFE_SCHEMES = ("https://", "http://")
NO_DOCUMENT = "We could not find that document. It may have been taken out of the library."
NO_PAGE = "That document does not have a page with that number."
NO_FILE = (
    "The PDF for this document is not available at the moment. "
    "You can still read its pages as text."
)


def find_document(library: Library, doc_id: str) -> DocumentRecord:
    record = library.document(doc_id)
    if record is None:
        raise HTTPException(status_code=404, detail=NO_DOCUMENT)
    return record


@router.get("/documents/{doc_id}")
def document_page(
    request: Request,
    doc_id: str,
    library: LibraryDep,
    templates: TemplatesDep,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    record = find_document(library, doc_id)
    count = len(library.catalogue.page_lengths(doc_id))
    lists = max(1, -(-count // PAGES_PER_LIST))
    if page > lists:
        raise HTTPException(status_code=404, detail=NO_PAGE)
    first = (page - 1) * PAGES_PER_LIST + 1
    numbers = range(first, min(count, first + PAGES_PER_LIST - 1) + 1)
    # Running headers are found among the pages listed, so one request reads at most a
    # list's worth of pages however long the document is.
    previews = page_previews([library.catalogue.page_text(doc_id, n) or "" for n in numbers])
    pages = [
        {"number": n, "url": page_url(doc_id, n), "preview": preview}
        for n, preview in zip(numbers, previews, strict=True)
    ]
    return templates.TemplateResponse(
        request,
        "document.html",
        {
            "document": metadata_json(record),
            "page_count": count,
            "pages": pages,
            "source_url": record.meta.url if record.meta.url.startswith(SAFE_SCHEMES) else "",
            "pagination": pagination(
                page,
                lists,
                lambda n: f"{document_url(doc_id)}?page={n}",
                label="Pages of this list",
            ),
        },
    )


@router.get("/documents/{doc_id}/pages/{number}")
def page_text(
    request: Request, doc_id: str, number: int, library: LibraryDep, templates: TemplatesDep
) -> Response:
    record = find_document(library, doc_id)
    text = library.catalogue.page_text(doc_id, number)
    if text is None:
        raise HTTPException(status_code=404, detail=NO_PAGE)
    page = page_json(record, number, text)
    prev_next: dict[str, object] = {"landmarkLabel": "Other pages"}
    if page["previous_url"]:
        prev_next["previous"] = {"href": page["previous_url"], "labelText": f"Page {number - 1}"}
    if page["next_url"]:
        prev_next["next"] = {"href": page["next_url"], "labelText": f"Page {number + 1}"}
    return templates.TemplateResponse(
        request,
        "page.html",
        {
            "document": metadata_json(record),
            "page": page,
            "prev_next": prev_next if len(prev_next) > 1 else None,
        },
    )


@router.api_route("/documents/{doc_id}/file", methods=["GET", "HEAD"])
def document_file(doc_id: str, library: LibraryDep) -> FileResponse:
    record = find_document(library, doc_id)
    path = Path(record.path)
    if not path.is_file():
        raise HTTPException(status_code=404, detail=NO_FILE)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=record.file_name,
        content_disposition_type="inline",
    )
