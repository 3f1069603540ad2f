"""An admin's changes to one document over the JSON API: withdraw it, bring it back, or remove
it for good (what `kb remove` asks of a running site). The same changes as the document's
admin page, recorded in the same audit log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from pydantic import BaseModel

from search.catalogue import DocumentRecord
from web.admin import Viewer, check_csrf
from web.deps import WholeLibraryDep
from web.models import ErrorOut
from web.params import refuse_unknown_parameters
from web.routes_admin import (
    AdminDep,
    delete_recorded,
    restore_recorded,
    withdraw_recorded,
)

__all__ = ["DocumentChangeOut", "router"]

router = APIRouter(tags=["admin"], dependencies=[Depends(refuse_unknown_parameters)])

# A signed-in admin's session token, sent as a header by a script that signed in (the
# machine token `kb` uses needs none: no browser sends it by itself).
CsrfHeader = Annotated[str, Header(alias="X-CSRF-Token", max_length=300)]

ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "Not signed in as an admin"},
    403: {"model": ErrorOut, "description": "Not an admin, or the session token is missing"},
    404: {"model": ErrorOut, "description": "No such document"},
    409: {
        "model": ErrorOut,
        "description": "The library is busy with another change (removal only)",
    },
}


class DocumentChangeOut(BaseModel):
    """The document after the change: its id, title and who can see it now ("removed" when it
    is gone for good)."""

    doc_id: str
    title: str
    access: str


# Said to a script whose session's token is missing or stale (a browser's form says it ran out
# of time; a script has no page to reload).
BAD_TOKEN_HEADER = (
    "Send the form token of this session in the X-CSRF-Token header (it is on every admin"
    " page's form, as csrf), or use the machine token as a Bearer token."
)


def _check(viewer: Viewer, csrf: str) -> None:
    if viewer.by_machine_token:
        return
    try:
        check_csrf(viewer, csrf)
    except HTTPException as refused:
        raise HTTPException(refused.status_code, BAD_TOKEN_HEADER) from None


def _answer(record: DocumentRecord, access: str | None = None) -> DocumentChangeOut:
    return DocumentChangeOut(
        doc_id=record.doc_id, title=record.meta.title, access=access or record.meta.access
    )


@router.post(
    "/api/admin/documents/{doc_id}/withdraw", response_model=DocumentChangeOut, responses=ERRORS
)
def withdraw(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: CsrfHeader = "",
) -> DocumentChangeOut:
    """Hide a document from everyone but admins, keeping it so it can be brought back."""
    _check(viewer, csrf)
    return _answer(withdraw_recorded(request, viewer, library, doc_id))


@router.post(
    "/api/admin/documents/{doc_id}/restore", response_model=DocumentChangeOut, responses=ERRORS
)
def restore(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: CsrfHeader = "",
) -> DocumentChangeOut:
    """Bring a withdrawn document back at the level it had."""
    _check(viewer, csrf)
    return _answer(restore_recorded(request, viewer, library, doc_id))


@router.delete("/api/admin/documents/{doc_id}", response_model=DocumentChangeOut, responses=ERRORS)
def remove(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: CsrfHeader = "",
) -> DocumentChangeOut:
    """Take a document out of the library for good, with the copies of its files uploaded on
    this site, and forget its files, so the next ingest of another folder reads them as new.
    Refused while an ingest runs."""
    _check(viewer, csrf)
    record, _uploads = delete_recorded(request, viewer, library, doc_id)
    return _answer(record, "removed")
