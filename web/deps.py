"""Request dependencies: the library as the reader may see it, its vocabulary and the templates."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool

from search.access import levels_for
from search.library import Library
from search.settings import Settings
from web.admin import Viewer, current_viewer, is_viewer_known_without_reading
from web.vocabulary import Vocabulary, vocabulary_of

__all__ = [
    "DocumentLibraryDep",
    "LibraryDep",
    "TemplatesDep",
    "VocabularyDep",
    "WholeLibraryDep",
    "get_document_library",
    "get_library",
    "get_templates",
    "get_vocabulary",
    "get_whole_library",
    "read_site_url",
]


async def get_whole_library(request: Request) -> Library:
    """Every document whatever its level: only for admin routes and writes. (`async` though it
    never waits, like the other dependencies here that only read the request: see
    web.search_query.read_search_filters.)"""
    return _whole_library(request)


def _whole_library(request: Request) -> Library:
    library: Library | None = request.app.state.library
    if library is None:
        if getattr(request.app.state, "load_error", None):
            # Started without its index (see /healthz): a plain page, not a traceback.
            raise HTTPException(503, "Search is not working at the moment. Try again later.")
        raise RuntimeError("the library is not open: create_app's lifespan has not run")
    return library


def read_site_url(request: Request) -> str:
    """The site's public address for absolute links: KB_WEB__BASE_URL when set, otherwise the
    address asked for (its host already checked against KB_WEB__ALLOWED_HOSTS)."""
    settings: Settings = request.app.state.settings
    configured = settings.web.base_url
    return str(configured if configured is not None else request.base_url).rstrip("/") + "/"


async def get_library(request: Request) -> Library:
    """The library as this request's reader may see it: nothing above their access level.
    (`async`: only a signed-in reader's session is read from the user store, in a worker
    thread; a visitor's search is spared that hand-off, one of three a search made.)"""
    return _whole_library(request).scoped(levels_for((await _viewer(request)).role))


async def get_document_library(request: Request) -> Library:
    """As `get_library`, but an admin also sees withdrawn documents: for one document's own
    addresses, where an admin checks it and brings it back (its page, page text, file,
    citations and related page, and their twins in the API). Lists of other documents on
    them still come from `get_library`, which never holds withdrawn ones."""
    role = (await _viewer(request)).role
    return _whole_library(request).scoped(levels_for(role, with_withdrawn=True))


async def _viewer(request: Request) -> Viewer:
    """`current_viewer`, reading the user store (a file) in a worker thread, never on the
    event loop."""
    if is_viewer_known_without_reading(request):
        return current_viewer(request)
    return await run_in_threadpool(current_viewer, request)


async def get_templates(request: Request) -> Jinja2Templates:
    templates: Jinja2Templates = request.app.state.templates
    return templates


LibraryDep = Annotated[Library, Depends(get_library)]
WholeLibraryDep = Annotated[Library, Depends(get_whole_library)]
DocumentLibraryDep = Annotated[Library, Depends(get_document_library)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]


async def get_vocabulary(library: LibraryDep) -> Vocabulary:
    return vocabulary_of(library)


VocabularyDep = Annotated[Vocabulary, Depends(get_vocabulary)]
