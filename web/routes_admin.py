"""Admin routes: ingest status and history (and taking a file that failed off it), browser
uploads, document corrections, withdrawal and the audit log; the ingest jobs `kb ingest` hands
to the site; and the pieces every admin page shares (accounts have their own module,
web.routes_users)."""

from __future__ import annotations

import json
import logging
import queue
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile

from search.catalogue import DocumentRecord
from search.curation import (
    TRACES_MARK,
    CurationError,
    clean_fields,
    correct_document,
    delete_document,
    has_deleted_traces,
    restore_document,
    restore_level,
    withdraw_document,
)
from search.library import STATUS_FILES, Library
from search.schema import ACCESS_LEVELS, WITHDRAWN, RunChoices
from search.settings import Settings
from web.admin import Viewer, check_csrf, require_admin
from web.deps import TemplatesDep, WholeLibraryDep
from web.ingest_lock import Holder, IngestLock, take_or_refuse
from web.jobs import Runner, is_progress
from web.kinds import kind_choices
from web.limits import MAX_LIMIT, MAX_OFFSET, MAX_PAGE_NUMBER
from web.paging import count_pages, pagination, past_last_offset, past_last_page
from web.params import refuse_unknown_parameters
from web.rereading import RereadJobs, files_to_read_again
from web.templating import error_list, first_radio_id
from web.trace_clearing import TraceClearing
from web.uploads import (
    ACCEPT,
    UploadJobs,
    accept_uploads,
    delete_upload,
    delete_uploads,
    is_upload,
)
from web.users import UserStore

__all__ = [
    "MAX_FIELD",
    "REMOVABLE_OUTCOMES",
    "SHOWN_CHARS",
    "UPLOAD_PATH",
    "AdminDep",
    "IngestRunner",
    "account_store",
    "admin_page",
    "back_to",
    "router",
]

log = logging.getLogger(__name__)

# The site does not import the ingest package: `kb serve` passes in a runner that
# takes the job's paths and options and calls back once per file (the one an upload uses).
IngestRunner = Runner

router = APIRouter(include_in_schema=False)
AdminDep = Annotated[Viewer, Depends(require_admin)]

# Hidden fields (a form's token, a user's name on a button) are never typed: a longer one is a
# forged form, refused with the site's error page.
MAX_FIELD = 300
# Boxes a person types or pastes into carry no cap of FastAPI's (Starlette still refuses a field
# over 1 MB): the form's own checks answer any length on the form, with a message beside the
# field. A long paste comes back in its box cut to this many characters.
SHOWN_CHARS = 2_000
MAX_PATHS = 1000
OUTSIDE_ROOTS = (
    "The site only ingests from its own folders. {path} is not in one. "
    "Add its folder to KB_INGEST__ROOTS, or upload the files on the admin page."
)
BROWSER_PATHS = "Upload files on the admin page: the site does not take paths from a browser."
NO_RUNNER = "This site cannot run ingest jobs."

ACCESS_CHOICES = {
    "public": "Everyone",
    "partner": "Partners and staff who have signed in",
    "internal": "Staff who have signed in",
}


class IngestJob(BaseModel):
    paths: list[str] = Field(min_length=1, max_length=MAX_PATHS)
    prune: bool = False
    retry_failed: bool = False
    reread: bool = False


def _when(ts: float | None) -> str:
    if not ts:
        return "never"
    return datetime.fromtimestamp(ts, tz=UTC).strftime("%d %B %Y at %H:%M UTC")


def account_store(request: Request) -> UserStore:
    """The site's accounts, sessions and audit log."""
    users: UserStore = request.app.state.users
    return users


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def _no_store(response: Response) -> Response:
    response.headers["Cache-Control"] = "no-store"
    return response


def admin_page(
    request: Request, templates: TemplatesDep, name: str, context: dict[str, Any], code: int = 200
) -> Response:
    """An admin template, given the session's form token, and never kept by a cache."""
    viewer: Viewer = request.state.viewer
    context = {"csrf": viewer.session.csrf if viewer.session else "", **context}
    return _no_store(templates.TemplateResponse(request, name, context, status_code=code))


def back_to(path: str) -> RedirectResponse:
    """After a form is done: the page to show next, fetched with GET."""
    return RedirectResponse(path, status_code=status.HTTP_303_SEE_OTHER)


# status and history ----------------------------------------------------------


@router.get("/admin", response_class=HTMLResponse)
def admin_home(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    deleted: Annotated[str, Query(max_length=MAX_FIELD)] = "",
    uploads_deleted: Annotated[int, Query(ge=0, le=1000)] = 0,
) -> Response:
    clearing: TraceClearing | None = request.app.state.trace_clearing
    context = {
        "deleted": deleted,
        "uploads_deleted": uploads_deleted,
        "clearing": clearing.state() if clearing is not None else None,
        "cleared": _cleared_lately(clearing),
        "uncleared": _uncleared(request),
    }
    return admin_page(request, templates, "admin_home.html", context)


# Files listed per page of the status page: a county's archive is thousands of files. The JSON
# status pages by offset and limit instead (web.params caps both).
FILES_PER_PAGE = STATUS_FILES
NO_SUCH_OUTCOME = "There is no file with that outcome. Choose one from the list."
# The outcomes (ingest.pipeline's) that leave a file with nothing in the library: only these
# can be removed from the status page, and only when no earlier version of it stays indexed.
REMOVABLE_OUTCOMES = frozenset({"failed"})
MAX_PATH = 4096
NOT_REMOVABLE = (
    "That file is not one whose last ingest failed, so it was not removed. Go back to the "
    "ingest status page."
)
NOT_DELETED = "The file could not be deleted from the upload folder, so it is still listed."
OutcomeParam = Annotated[
    str,
    Query(max_length=40, description="Only files the last ingest left with this outcome"),
]


def _read_status(library: Library, outcome: str, offset: int, limit: int) -> dict[str, Any]:
    """One page of the status, with a plain 400 for an outcome no file has."""
    status_now = library.status_view().status(outcome or None, offset, limit)
    if outcome and outcome not in status_now["file_counts"]:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, NO_SUCH_OUTCOME)
    return status_now


@router.get("/admin/status", response_class=HTMLResponse)
def admin_status(
    request: Request,
    viewer: AdminDep,
    library: WholeLibraryDep,
    templates: TemplatesDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE_NUMBER)] = 1,
    outcome: OutcomeParam = "",
    removed: Annotated[str, Query(max_length=MAX_PATH)] = "",
    deleted: Annotated[str, Query(max_length=3)] = "",
) -> Response:
    summary = _read_status(library, outcome, (page - 1) * FILES_PER_PAGE, FILES_PER_PAGE)
    listed = summary["listed"]
    pages = count_pages(listed, FILES_PER_PAGE)
    catalogue = library.catalogue
    files = summary["files"]
    last = summary["last_run"]

    def href(n: int) -> str:
        return "/admin/status?" + urlencode(
            {**({"outcome": outcome} if outcome else {}), "page": n}
        )

    context = {
        "status": summary,
        "files": files,
        "outcomes": list(summary["file_counts"].items()),
        "total_files": summary["total_files"],
        "outcome": outcome,
        "first": (page - 1) * FILES_PER_PAGE + 1,
        "last": (page - 1) * FILES_PER_PAGE + len(files),
        "listed": listed,
        "pagination": pagination(page, pages, href, "Pages of files"),
        "past": past_last_page(page, pages, href),
        "last_finished": _when(last["finished_at"] if last else None),
        # The removal's own rule, asked for this page's failed files only, so the page offers
        # Remove exactly where it works.
        "removable": catalogue.unindexed_files(
            [f["path"] for f in files if f["outcome"] in REMOVABLE_OUTCOMES], REMOVABLE_OUTCOMES
        ),
        # From the link the removal redirects to; shown only once the file is off the list.
        "removed": Path(removed).name if removed and catalogue.file(removed) is None else "",
        "deleted": deleted == "yes",
    }
    return admin_page(request, templates, "admin_status.html", context)


@router.get("/api/admin/status", dependencies=[Depends(refuse_unknown_parameters)])
def admin_status_json(
    viewer: AdminDep,
    library: WholeLibraryDep,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = FILES_PER_PAGE,
    outcome: OutcomeParam = "",
) -> dict[str, Any]:
    """The counts and one page of files: `next_offset` asks for the next (null at the end);
    past the last file, no files and `problem` saying so, as every paged list answers."""
    answer = _read_status(library, outcome, offset, limit)
    return {**answer, "problem": past_last_offset(offset, answer["listed"], "file")}


@router.post("/admin/files/remove")
def admin_remove_file(
    request: Request,
    viewer: AdminDep,
    library: WholeLibraryDep,
    path: Annotated[str, Form(max_length=MAX_PATH)] = "",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """Take a file that failed off the list, deleting its stored copy if it was uploaded here,
    so the next ingest of the upload folder does not try it again. The path is only ever
    looked up among the catalogue's rows; no document, page or vector is touched."""
    check_csrf(viewer, csrf)
    lock: IngestLock = request.app.state.ingest_lock
    # While no ingest runs, no upload can put a new file where this one is being deleted.
    take_or_refuse(lock, Holder.DELETION)
    try:
        forgotten = library.catalogue.forget_unindexed_file(path, REMOVABLE_OUTCOMES)
        if forgotten is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, NOT_REMOVABLE)
        try:
            is_upload = delete_upload(_settings(request).uploads_dir, forgotten.path)
        except OSError:
            log.exception("deleting the upload %s failed", forgotten.file_name)
            library.catalogue.record_outcome(forgotten)  # listed again, as it was
            # A plain answer, not a server error: the file on disk stopped the removal (its
            # folder's permissions, say), and nothing changed.
            raise HTTPException(status.HTTP_409_CONFLICT, NOT_DELETED) from None
    finally:
        lock.release()
    done = "its upload deleted" if is_upload else "not an upload: its file left where it is"
    account_store(request).audit(
        viewer.name, "remove file", f"{forgotten.path} ({done}), failed: {forgotten.reason}"
    )
    query = {"removed": forgotten.path, "deleted": "yes" if is_upload else "no"}
    return back_to(f"/admin/status?{urlencode(query)}")


@router.get("/admin/history", response_class=HTMLResponse)
def admin_history(
    request: Request, viewer: AdminDep, library: WholeLibraryDep, templates: TemplatesDep
) -> Response:
    runs = [
        {**run, "started": _when(run["started_at"]), "finished": _when(run["finished_at"])}
        for run in library.catalogue.runs()
    ]
    return admin_page(request, templates, "admin_history.html", {"runs": runs})


@router.get("/admin/audit", response_class=HTMLResponse)
def admin_audit(request: Request, viewer: AdminDep, templates: TemplatesDep) -> Response:
    entries = [
        {"when": _when(e.at), "actor": e.actor, "action": e.action, "detail": e.detail}
        for e in account_store(request).audit_log()
    ]
    return admin_page(request, templates, "admin_audit.html", {"entries": entries})


# documents -------------------------------------------------------------------


NO_DOCUMENT = "That document is not in the library."


def find_record(library: WholeLibraryDep, doc_id: str) -> DocumentRecord:
    """The document by its id, withdrawn or not; a plain 404 for any other id."""
    record = library.catalogue.document(doc_id) if len(doc_id) <= 64 else None
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_DOCUMENT)
    return record


# The id the summary leads to for a field whose input is not its namesake: a radio group's
# first radio, and the title for a problem with no field of its own.
_ANCHORS = {"access": first_radio_id("access", ACCESS_LEVELS), "": "title"}


def _edit_page(
    request: Request,
    templates: TemplatesDep,
    library: Library,
    record: DocumentRecord,
    values: dict[str, Any],
    error: CurationError | None = None,
) -> Response:
    problems = error.every if error else []
    context = {
        "record": record,
        "values": values,
        "error": str(error or ""),
        # Every answer to change: a message beside each field, each in the summary, which
        # links to its input.
        "field_errors": {p.field: str(p) for p in problems},
        "error_list": error_list(((p.field, str(p)) for p in problems), _ANCHORS),
        "choices": [(level, ACCESS_CHOICES[level]) for level in ACCESS_LEVELS],
        "kinds": kind_choices(values["kind"], library.catalogue.kinds()),
        "withdrawn": record.meta.access == WITHDRAWN,
    }
    return admin_page(request, templates, "admin_document.html", context, 400 if error else 200)


@router.get("/admin/documents/{doc_id}", response_class=HTMLResponse)
def admin_document(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    templates: TemplatesDep,
) -> Response:
    record = find_record(library, doc_id)
    meta = record.meta
    level = meta.access
    if level == WITHDRAWN:
        level = restore_level(library.catalogue, doc_id)
    values = {
        "title": meta.title,
        "organisation": meta.organisation,
        "year": "" if meta.year is None else str(meta.year),
        "kind": meta.kind,
        "access": level,
        "authors": "\n".join(meta.authors),
    }
    return _edit_page(request, templates, library, record, values)


@router.post("/admin/documents/{doc_id}", response_class=HTMLResponse)
def admin_correct_document(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    templates: TemplatesDep,
    title: Annotated[str, Form()] = "",
    organisation: Annotated[str, Form()] = "",
    year: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "",
    access: Annotated[str, Form()] = "",
    authors: Annotated[str, Form()] = "",
    with_authors: Annotated[str, Form(max_length=1)] = "",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    record = find_record(library, doc_id)
    # The form marks that it has the authors' box (an emptied box arrives as no field at all);
    # a post without it, from a script or an older page, leaves the authors as they are.
    typed_authors = authors if with_authors == "1" else None
    typed = {
        "title": title,
        "organisation": organisation,
        "year": year,
        "kind": kind,
        "access": access,
        "authors": "\n".join(record.meta.authors) if typed_authors is None else authors,
    }
    values = {name: value[:SHOWN_CHARS] for name, value in typed.items()}
    known = {value for value, _ in kind_choices(record.meta.kind, library.catalogue.kinds())}
    try:
        fields = clean_fields(title, organisation, year, kind, access, typed_authors, known)
    except CurationError as error:
        return _edit_page(request, templates, library, record, values, error)
    before = record.meta
    # What was written, not what was asked: a withdrawn document keeps its level until it is
    # brought back, so the log must not say its access changed.
    after = correct_document(library.store, library.catalogue, doc_id, fields).meta
    changes = [
        f"{name} {getattr(before, name)!r} to {getattr(after, name)!r}"
        for name in fields
        if getattr(before, name) != getattr(after, name)
    ]
    if after.access == WITHDRAWN:
        changes.append(f"level when brought back {fields['access']!r}")
    action = "access change" if before.access != after.access else "edit"
    account_store(request).audit(
        viewer.name, action, f"{doc_id}: " + ("; ".join(changes) or "confirmed")
    )
    return back_to(f"/documents/{doc_id}")


def withdraw_recorded(
    request: Request, viewer: Viewer, library: Library, doc_id: str
) -> DocumentRecord:
    """Withdraw a document (a 404 for an unknown id) and say who did in the audit log."""
    record = find_record(library, doc_id)
    changed = withdraw_document(library.store, library.catalogue, doc_id)
    account_store(request).audit(viewer.name, "withdraw", f"{doc_id}: {record.meta.title}")
    return changed


def restore_recorded(
    request: Request, viewer: Viewer, library: Library, doc_id: str
) -> DocumentRecord:
    """Bring a withdrawn document back (a 404 for an unknown id), in the audit log."""
    record = find_record(library, doc_id)
    restored = restore_document(library.store, library.catalogue, doc_id)
    account_store(request).audit(
        viewer.name, "restore", f"{doc_id}: {record.meta.title} (now {restored.meta.access})"
    )
    return restored


def delete_recorded(
    request: Request, viewer: Viewer, library: Library, doc_id: str
) -> tuple[DocumentRecord, int]:
    """Delete a document for good (a 404 for an unknown id, a 409 while an ingest runs), with
    the copies of its files uploaded on this site, and say so in the audit log; the record and
    how many uploaded copies were deleted. Files `kb ingest` read from other folders stay."""
    find_record(library, doc_id)
    lock: IngestLock = request.app.state.ingest_lock
    take_or_refuse(lock, Holder.DELETION)
    try:
        try:
            record, paths = delete_document(library.store, library.catalogue, doc_id)
        except CurationError:  # deleted by another request a moment ago
            raise HTTPException(status.HTTP_404_NOT_FOUND, NO_DOCUMENT) from None
        uploads = delete_uploads(_settings(request).uploads_dir, paths)
    finally:
        lock.release()
    clearing: TraceClearing | None = request.app.state.trace_clearing
    if clearing is not None:
        clearing.request()  # its words out of the index's files, in the background
    kept = len(paths) - uploads
    account_store(request).audit(
        viewer.name,
        "delete",
        f"{doc_id}: {record.meta.title} ({uploads} uploaded copy(ies) deleted,"
        f" {kept} file(s) elsewhere left where they are)",
    )
    return record, uploads


# How long the admin page says that a clearing finished.
CLEARED_NOTICE = timedelta(hours=1)


def _cleared_lately(clearing: TraceClearing | None) -> str:
    """ "HH:MM UTC" when a clearing finished within the last hour and none runs now, else ""."""
    if clearing is None or clearing.state() is not None:
        return ""
    finished = clearing.finished()
    if finished is None or datetime.now(UTC) - finished[0] > CLEARED_NOTICE:
        return ""
    return finished[0].strftime("%H:%M UTC")


def _uncleared(request: Request) -> bool:
    """Whether a deletion's words may still be in the index files with no clearing under way
    (the last one stopped part-way, for example for want of memory)."""
    library: Library | None = request.app.state.library
    return library is not None and has_deleted_traces(library.catalogue)


@router.post("/admin/clear-deleted")
def admin_clear_deleted(
    request: Request,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """Clear what documents deleted for good left in the index files (once, for deletions an
    older version made; newer deletions are cleared as they happen)."""
    check_csrf(viewer, csrf)
    clearing: TraceClearing | None = request.app.state.trace_clearing
    if clearing is None:
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, NO_RUNNER)
    if clearing.state() is not None:
        # One is under way, and it clears every deleted document: nothing to add, and no
        # write here that would wait behind its rewrite of the catalogue.
        return back_to("/admin")
    library.catalogue.bump_mark(TRACES_MARK)  # a stop before it ends: the next start does it
    clearing.request()
    account_store(request).audit(viewer.name, "clear-deleted", "asked to rewrite the index files")
    return back_to("/admin")


@router.get("/admin/documents/{doc_id}/delete", response_class=HTMLResponse)
def admin_confirm_delete(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    templates: TemplatesDep,
) -> Response:
    record = find_record(library, doc_id)
    uploads_dir = _settings(request).uploads_dir
    elsewhere = [p for p in library.catalogue.paths_for(doc_id) if not is_upload(uploads_dir, p)]
    context = {"document": record, "elsewhere": elsewhere}
    return admin_page(request, templates, "admin_document_delete.html", context)


@router.post("/admin/documents/{doc_id}/delete")
def admin_delete(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    record, uploads = delete_recorded(request, viewer, library, doc_id)
    query = {"deleted": record.meta.title[:MAX_FIELD], "uploads_deleted": uploads}
    return back_to(f"/admin?{urlencode(query)}")


@router.post("/admin/documents/{doc_id}/withdraw")
def admin_withdraw(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    withdraw_recorded(request, viewer, library, doc_id)
    return back_to(f"/documents/{doc_id}")


@router.post("/admin/documents/{doc_id}/restore")
def admin_restore(
    request: Request,
    doc_id: str,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    restore_recorded(request, viewer, library, doc_id)
    return back_to(f"/documents/{doc_id}")


# uploads ---------------------------------------------------------------------


def _jobs(request: Request) -> UploadJobs:
    jobs: UploadJobs = request.app.state.upload_jobs
    return jobs


def _upload_form(
    request: Request,
    templates: TemplatesDep,
    chosen: str,
    error: str = "",
    code: int = 200,
    field: str = "files",
) -> Response:
    settings = _settings(request)
    context = {
        "field": field,  # the answer to change: the files, or who can see them
        "choices": [(level, ACCESS_CHOICES[level]) for level in ACCESS_LEVELS],
        "chosen": chosen if chosen in ACCESS_LEVELS else settings.access.default,
        "limits": settings.accounts,
        "accept": ACCEPT,
        "error": error,
    }
    return admin_page(request, templates, "admin_upload.html", context, code)


@router.get("/admin/upload", response_class=HTMLResponse)
def admin_upload_form(request: Request, viewer: AdminDep, templates: TemplatesDep) -> Response:
    return _upload_form(request, templates, _settings(request).access.default)


# The one route that takes files: it has its own cap on a body, past the site's (web.body_cap).
UPLOAD_PATH = "/admin/upload"


@router.post(UPLOAD_PATH, response_class=HTMLResponse)
async def admin_upload(
    request: Request, viewer: AdminDep, library: WholeLibraryDep, templates: TemplatesDep
) -> Response:
    # The form is read here, after the sign-in check, so nobody else can fill the disk.
    settings = _settings(request)
    limits = settings.accounts
    most_bytes = limits.upload_max_files * (limits.upload_max_mb + 1) * 1024 * 1024
    length = request.headers.get("content-length", "")
    if not (length.isascii() and length.isdigit()):  # '²' is a digit to isdigit, not to int
        raise HTTPException(status.HTTP_411_LENGTH_REQUIRED, "Send the files in one form.")
    if int(length) > most_bytes:
        raise HTTPException(
            status.HTTP_413_CONTENT_TOO_LARGE,
            f"That is too much at once. Upload at most {limits.upload_max_files} files "
            f"of up to {limits.upload_max_mb} MB each.",
        )
    form = await request.form(max_files=limits.upload_max_files + 1, max_fields=10)
    try:
        check_csrf(viewer, str(form.get("csrf") or ""))
        access = str(form.get("access") or "")
        files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
        runner: IngestRunner | None = request.app.state.ingest_runner
        problem = ""
        if runner is None:
            problem = NO_RUNNER
        elif access not in ACCESS_LEVELS:
            problem = "Choose who can see the documents."
            return _upload_form(request, templates, access, problem, 400, field="access")
        elif not files:
            problem = "Choose at least one file to upload."
        elif len(files) > limits.upload_max_files:
            problem = f"Upload at most {limits.upload_max_files} files at once."
        if problem or runner is None:
            return _upload_form(request, templates, access, problem, 400)
        job = await accept_uploads(
            files, access, settings.uploads_dir, limits.upload_max_mb, library.catalogue
        )
    finally:
        await form.close()
    account_store(request).audit(viewer.name, "upload", job.audit_detail())
    _jobs(request).start(job, runner, request.app.state.ingest_lock, library.catalogue)
    return back_to(f"/admin/uploads/{job.id}")


@router.get("/admin/uploads/{job_id}", response_class=HTMLResponse)
def admin_upload_progress(
    request: Request, job_id: str, viewer: AdminDep, templates: TemplatesDep
) -> Response:
    job = _jobs(request).get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "We could not find that upload.")
    return admin_page(request, templates, "admin_upload_job.html", {"job": job.view()})


# reading again ---------------------------------------------------------------


@router.post("/admin/reread")
def admin_reread(
    request: Request,
    viewer: AdminDep,
    library: WholeLibraryDep,
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    """Read again the files an older edition of the reading rules read, as `kb ingest
    --reread` does; the files come from the catalogue, never from the request."""
    check_csrf(viewer, csrf)
    runner: IngestRunner | None = request.app.state.ingest_runner
    if runner is None:
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, NO_RUNNER)
    jobs: RereadJobs = request.app.state.reread_jobs
    unfinished = jobs.unfinished()
    if unfinished is not None:  # pressed again, or by another admin: follow the one job
        return back_to(f"/admin/reread/{unfinished.id}")
    paths, missing = files_to_read_again(library.catalogue)
    if not paths and not missing:
        return back_to("/admin/status")  # nothing older left (another admin was first)
    job = jobs.start(paths, missing, runner, request.app.state.ingest_lock)
    account_store(request).audit(
        viewer.name, "read again", f"{len(paths)} file(s), {missing} not found"
    )
    return back_to(f"/admin/reread/{job.id}")


@router.get("/admin/reread/{job_id}", response_class=HTMLResponse)
def admin_reread_progress(
    request: Request, job_id: str, viewer: AdminDep, templates: TemplatesDep
) -> Response:
    jobs: RereadJobs = request.app.state.reread_jobs
    job = jobs.get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "We could not find that job.")
    return admin_page(request, templates, "admin_upload_job.html", {"job": job.view()})


# the hand-off from `kb ingest` -------------------------------------------------


def _allowed_roots(settings: Settings) -> list[Path]:
    roots = settings.ingest.roots or [settings.corpus_dir]
    return [root.resolve() for root in roots]


def check_paths(paths: list[str], settings: Settings) -> list[str]:
    """Every path resolved, and each under an allowed folder; raise 403 naming the first not."""
    roots = _allowed_roots(settings)
    resolved: list[str] = []
    for raw in paths:
        if not raw or "\x00" in raw or len(raw) > 4096:
            raise HTTPException(status.HTTP_400_BAD_REQUEST, "One of the paths is not a path.")
        path = Path(raw).resolve()
        if not any(path.is_relative_to(root) for root in roots):
            raise HTTPException(status.HTTP_403_FORBIDDEN, OUTSIDE_ROOTS.format(path=raw[:300]))
        resolved.append(str(path))
    return resolved


@router.post("/admin/ingest")
def admin_ingest(job: IngestJob, request: Request, viewer: AdminDep) -> StreamingResponse:
    if not viewer.by_machine_token:
        raise HTTPException(status.HTTP_403_FORBIDDEN, BROWSER_PATHS)
    paths = check_paths(job.paths, _settings(request))
    runner: IngestRunner | None = getattr(request.app.state, "ingest_runner", None)
    lock: IngestLock = request.app.state.ingest_lock
    if runner is None:
        raise HTTPException(status.HTTP_501_NOT_IMPLEMENTED, NO_RUNNER)
    take_or_refuse(lock, Holder.INGEST)
    lines: queue.Queue[dict[str, Any] | None] = queue.Queue()

    def put(line: dict[str, Any]) -> None:
        # `kb ingest` reads each line but the last as a file's outcome: progress stays here.
        if not is_progress(line):
            lines.put(line)

    def work() -> None:
        try:
            choices = RunChoices(prune=job.prune, retry_failed=job.retry_failed, reread=job.reread)
            summary = runner(paths, choices, put)
            lines.put({"summary": summary})
        except Exception as error:
            lines.put({"error": f"The ingest stopped: {error}"})
        finally:
            lock.release()
            lines.put(None)

    threading.Thread(target=work, name="ingest-job", daemon=True).start()

    def stream() -> Iterator[str]:
        while (line := lines.get()) is not None:
            yield json.dumps(line) + "\n"

    return StreamingResponse(stream(), media_type="application/x-ndjson")
