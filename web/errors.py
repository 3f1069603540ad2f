"""Error pages: friendly GOV.UK-styled HTML for people, `{"detail": ...}` JSON under /api."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import cast
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException

from search.schema import is_point_id
from search.store.base import StoreError
from web.routes_pages import example_links
from web.search_form import EMPTY_QUERY, SearchForm, describe_problem

__all__ = [
    "API_PREFIXES",
    "BODY_PROBLEM",
    "FORM_PROBLEM",
    "PAGES",
    "SEARCH_PAGES",
    "SHOWN_QUERY_CHARS",
    "STORE_PROBLEM",
    "NewerEdition",
    "install",
    "is_api",
    "render_error",
    "render_search_problem",
]

log = logging.getLogger(__name__)

API_PREFIXES = ("/api/", "/healthz")
SEARCH_PAGES = ("/search", "/search/by-determinant")
# A too-long search comes back in the box: enough of it to see, not the whole of a pasted page.
SHOWN_QUERY_CHARS = 2_000
# A form's own pages answer what a person types; what FastAPI refuses in a form is a hidden
# field that was tampered with, or a form too old or odd to read. (A JSON body, from a program,
# gets its own words.)
FORM_PROBLEM = "Part of the form is not right. Go back, reload the page and try again."
BODY_PROBLEM = "Part of the request body is not right. Check it and send it again."
# A header a route reads (X-CSRF-Token) that is too long or of the wrong form: never the
# browser's doing, so the words are for whoever wrote the script.
HEADER_PROBLEM = "The request's {name} header is not right. Check it and send the request again."

# Heading and plain-English body for each status a person may meet.
PAGES = {
    400: ("There is a problem", "Go back to the page you came from and try again."),
    404: (
        "Page not found",
        "If you typed the web address, check it is correct. "
        "If you pasted the web address, check you copied the entire address.",
    ),
    405: ("This page cannot do that", "Go back to the page you came from and try again."),
    413: ("That is too much to send", "Go back to the page you came from and send less."),
    500: ("Sorry, there is a problem with the service", "Try again later."),
    503: ("Sorry, the service is unavailable", "Try again in a moment."),
}
# What a person is told when the index cannot answer (the engine's process being started again,
# the index folder held by a `kb` command): the store's own words name server folders and
# commands, so they go to the log for whoever runs the site.
STORE_PROBLEM = "The search index cannot answer just now. Try again in a moment."


def is_api(request: Request) -> bool:
    """API paths, and any client (like `kb ingest`) that asks for JSON and not HTML."""
    accept = request.headers.get("accept", "")
    asks_json = "application/json" in accept and "text/html" not in accept
    return request.url.path.startswith(API_PREFIXES) or asks_json


def render_error(request: Request, status: int, message: str | None = None) -> Response:
    """An error as JSON for the API, or as a page for a person."""
    heading, body = PAGES.get(status, PAGES[500] if status >= 500 else PAGES[400])
    if is_api(request):
        return JSONResponse({"detail": message or heading}, status_code=status)
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "error.html",
        {"heading": heading, "body": body, "message": message},
        status_code=status,
    )


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    # Starlette's own errors carry only the status phrase; ours carry a sentence worth showing.
    message = exc.detail if exc.detail != _phrase(exc.status_code) else None
    response = render_error(request, exc.status_code, message)
    if exc.headers:
        response.headers.update(exc.headers)
    return response


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


async def _invalid_request(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = []
    has_query_problem = False
    for error in exc.errors():
        # A list parameter's errors end with the item's index: ("query", "years", 0).
        location = error.get("loc") or ()
        name = next((str(p) for p in reversed(location) if isinstance(p, str)), "")
        if location[:1] == ("body",):
            problems.append(BODY_PROBLEM if is_api(request) else FORM_PROBLEM)
            continue
        if location[:1] == ("header",):
            problems.append(HEADER_PROBLEM.format(name=name[:40]))
            continue
        problem = describe_problem(name, str(error.get("type", "")))
        if name == "q":
            has_query_problem = True
            if not str(error.get("input") or "").strip():
                problem = EMPTY_QUERY
        problems.append(problem)
    message = " ".join(dict.fromkeys(problems))
    if has_query_problem and request.url.path in SEARCH_PAGES:
        return render_search_problem(request, message)
    return render_error(request, 400, message)


def render_search_problem(request: Request, message: str) -> Response:
    """The search page again, the words still in the box, the problem summarised above it."""
    # Nothing is searched for: the words go back in the box (control characters dropped, and a
    # pasted page cut short) for the person to change, as the error summary asks.
    typed = "".join(c for c in request.query_params.get("q", "") if c.isprintable() or c == " ")
    templates: Jinja2Templates = request.app.state.templates
    return templates.TemplateResponse(
        request,
        "search.html",
        {
            "form": SearchForm(q=typed[:SHOWN_QUERY_CHARS]),
            "error": message,
            "examples": example_links(),
        },
        status_code=400,
    )


class NewerEdition(Exception):
    """The document asked for was replaced by a new version of its file: the reader is sent
    on to it (`_to_newer_edition`)."""

    def __init__(self, old: str, new: str) -> None:
        super().__init__(f"{old} is now {new}")
        self.old = old
        self.new = new


async def _to_newer_edition(request: Request, exc: Exception) -> Response:
    """The same address for the newest version: its page, file, citation or API answer. A
    passage of the old version (`?chunk=`) leads to the passage that holds its words now
    (matched when the document was read again), or, with none, to the whole document. A
    temporary redirect: the newest version may yet change."""
    edition = cast(NewerEdition, exc)  # the only exception this handler is installed for
    path = request.url.path
    start = path.find(f"/{edition.old}")
    if start < 0:  # only routes with the id in their address raise it; any other is a miss
        return render_error(request, 404)
    target = f"{path[:start]}/{edition.new}{path[start + len(edition.old) + 1 :]}"
    kept = [(k, v) for k, v in request.query_params.multi_items() if k != "chunk"]
    moved = _moved_passage(request, request.query_params.get("chunk"))
    query = urlencode([*kept, ("chunk", moved)] if moved else kept)
    return RedirectResponse(f"{target}?{query}" if query else target, status_code=HTTPStatus.FOUND)


def _moved_passage(request: Request, chunk_id: str | None) -> str | None:
    """Where the old passage `chunk_id` went, if it was matched; only text shaped as a chunk id
    is looked up."""
    library = getattr(request.app.state, "library", None)
    if library is None or not chunk_id or not is_point_id(chunk_id):
        return None
    moved: str | None = library.catalogue.moved_passage(chunk_id)
    return moved


async def _store_unavailable(request: Request, exc: Exception) -> Response:
    log.warning("the index could not answer %s: %s", request.url.path, exc)
    # Answered inside the middleware (unlike a crash), so SecurityHeaders adds its headers.
    response = render_error(request, 503, STORE_PROBLEM)
    response.headers["Retry-After"] = "5"
    return response


async def _crash(request: Request, exc: Exception) -> Response:
    log.exception("error while serving %s", request.url.path, exc_info=exc)
    response = render_error(request, 500)
    response.headers.update(getattr(request.app.state, "security_headers", {}))
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(NewerEdition, _to_newer_edition)
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(StoreError, _store_unavailable)
    app.add_exception_handler(Exception, _crash)
