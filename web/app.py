"""Builds the FastAPI application: templates, assets, routes and error pages, wired to a library."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from search.library import Library
from search.settings import Settings
from web import errors, routes_api, routes_documents, routes_pages
from web.templating import build_templates

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).parent
GOVUK_DIST = WEB_DIR / "frontend" / "node_modules" / "govuk-frontend" / "dist" / "govuk"
COMPILED_ASSETS = ("govuk-frontend.min.css", "govuk-frontend.min.js")


def create_app(settings: Settings, library: Library | None = None) -> FastAPI:
    """The site over `library`; without one, the app opens (and closes) its own."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if library is not None:
            yield
            return
        app.state.library = Library.open(settings)
        try:
            yield
        finally:
            app.state.library.close()

    app = FastAPI(
        title="Evidence Finder",
        summary="Search local research evidence and cite the exact page.",
        version="0.1.0",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.library = library
    app.state.templates = build_templates()
    errors.install(app)
    app.include_router(routes_pages.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_api.router)
    mount_assets(app, app.state.templates, GOVUK_DIST)
    return app


def mount_assets(app: FastAPI, templates: Jinja2Templates, dist: Path) -> None:
    """Serve GOV.UK Frontend at /assets and our brand files at /static."""
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    if not (dist / "assets").is_dir():
        log.warning(
            "GOV.UK Frontend assets not found in %s; pages will have no styles. "
            "Run `npm install --prefix web/frontend` to fetch them.",
            dist,
        )
        templates.env.globals["has_govuk_assets"] = False
        return
    # The compiled CSS and JS sit beside the assets folder, not in it; routes
    # added before the /assets mount answer for them first.
    for name in COMPILED_ASSETS:
        app.add_api_route(f"/assets/{name}", _file_endpoint(dist / name), include_in_schema=False)
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    templates.env.globals["has_govuk_assets"] = True


def _file_endpoint(path: Path) -> Callable[[], FileResponse]:
    def send_file() -> FileResponse:
        return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})

    return send_file
