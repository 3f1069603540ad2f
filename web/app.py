"""Builds the FastAPI application: templates, assets, routes and error pages, wired to a library."""

from __future__ import annotations

import logging
import math
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from search.curation import clearings_unfinished, has_deleted_traces
from search.index import refresh_strongest
from search.library import Library
from search.settings import Settings
from web import (
    errors,
    routes_accounts,
    routes_admin,
    routes_api,
    routes_backup,
    routes_curation_api,
    routes_determinants,
    routes_documents,
    routes_exports,
    routes_pages,
    routes_user_changes,
    routes_users,
)
from web.body_cap import TOO_LARGE, BodyCap
from web.head import HeadAsGet
from web.headers import (
    SecurityHeaders,
    build_policy,
    build_security_headers,
    read_govuk_script_hashes,
)
from web.hosts import WRONG_HOST, TrustedHosts
from web.ingest_lock import Holder, IngestLock
from web.jobs import run_in_turn
from web.ratelimit import SignInLimiter
from web.request_log import install_observability
from web.rereading import RereadJobs
from web.routes_admin import UPLOAD_PATH, IngestRunner
from web.templating import build_templates
from web.trace_clearing import TraceClearing
from web.uploads import UploadJobs, settle_set_asides
from web.users import UserStore

__all__ = [
    "COMPILED_ASSETS",
    "DEFAULT_ASSETS_DIR",
    "FETCH_ASSETS",
    "GOVUK_DIST",
    "MAX_BODY_BYTES",
    "SWAGGER_DIST",
    "WEB_DIR",
    "allowed_hosts",
    "create_app",
    "find_assets_dir",
    "install_guards",
    "last_updated",
    "mount_api_docs",
    "mount_assets",
    "resume_jobs",
    "server_options",
]

log = logging.getLogger(__name__)
# A start clears what deletions left unless this many clearings have started and not finished.
MAX_CLEARINGS_AT_START = 2

WEB_DIR = Path(__file__).parent
# The most any request body may hold, but an upload's: a form or a JSON body is a few KB, and
# the longest (1,000 folder paths for ingest) well under this.
MAX_BODY_BYTES = 2 * 1024 * 1024
# Where `npm ci --prefix web/frontend` puts the packages in a checkout (an editable install).
DEFAULT_ASSETS_DIR = WEB_DIR / "frontend" / "node_modules"
GOVUK_DIST = Path("govuk-frontend") / "dist" / "govuk"
SWAGGER_DIST = Path("swagger-ui-dist")
FETCH_ASSETS = (
    "Run `npm install --prefix web/frontend` to fetch them, "
    "or set KB_WEB__ASSETS_DIR to the folder npm installed them into."
)
COMPILED_ASSETS = ("govuk-frontend.min.css", "govuk-frontend.min.js")


def create_app(
    settings: Settings, library: Library | None = None, ingest_runner: IngestRunner | None = None
) -> FastAPI:
    """The site over `library`; without one, the app opens (and closes) its own."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        try:
            if library is not None:
                resume_jobs(app, library)
                try:
                    yield
                finally:
                    # Its caller closes the library next: no clearing may still be reading it.
                    clearing: TraceClearing | None = app.state.trace_clearing
                    if clearing is not None:
                        clearing.stop()
                return
            try:
                app.state.library = Library.open(
                    settings, engine_process=settings.qdrant.engine_process
                )
            except Exception as error:
                # Serve plain error pages and a failing /healthz rather than not start at all.
                log.exception("the index could not be opened")
                app.state.load_error = str(error)
                yield
                return
            try:
                resume_jobs(app, app.state.library)
                yield
            finally:
                app.state.library.close()
        finally:
            app.state.users.close()

    app = FastAPI(
        title="Evidence Finder",
        summary="Search local research evidence and cite the exact page.",
        version="0.1.0",
        lifespan=lifespan,
        # The default docs pages load Swagger UI and ReDoc from a CDN; ours come from npm.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.library = library
    app.state.load_error = None
    # `kb serve` sets the background reader of the chunk table (search.retrieval.read_ahead).
    app.state.read_ahead = None
    app.state.templates = build_templates(settings.web.contact_email)
    app.state.templates.env.globals["last_updated"] = lambda: last_updated(app)
    app.state.ingest_runner = ingest_runner
    app.state.ingest_lock = IngestLock()
    token = settings.web.admin_token
    app.state.admin_token = token.get_secret_value() if token else None
    app.state.users = UserStore(settings.users_path)
    accounts = settings.accounts
    app.state.sign_in_limiter = SignInLimiter(
        accounts.sign_in_attempts, accounts.sign_in_window_s, accounts.sign_in_client_attempts
    )
    app.state.trace_clearing = (
        TraceClearing(library, app.state.ingest_lock) if library is not None else None
    )
    app.state.upload_jobs = UploadJobs(settings.jobs_dir / "uploads")
    app.state.reread_jobs = RereadJobs(settings.jobs_dir / "reread")
    errors.install(app)
    install_observability(app, settings.ops)
    app.include_router(routes_pages.router)
    app.include_router(routes_documents.router)
    app.include_router(routes_determinants.router)
    app.include_router(routes_api.router)
    app.include_router(routes_admin.router)
    app.include_router(routes_curation_api.router)
    app.include_router(routes_users.router)
    app.include_router(routes_user_changes.router)
    app.include_router(routes_backup.router)
    app.include_router(routes_accounts.router)
    app.include_router(routes_exports.router)
    assets_dir = find_assets_dir(settings)
    mount_api_docs(app, assets_dir / SWAGGER_DIST)
    mount_assets(app, app.state.templates, assets_dir / GOVUK_DIST)
    install_guards(app, settings)
    return app


def resume_jobs(app: FastAPI, library: Library) -> None:
    """Show again the upload and reading-again jobs recorded before the site last stopped, and
    carry on, in the order they were made, with those it had not finished. Only a site that
    runs ingests (`kb serve` passes the runner) does: another must not move uploaded files.
    Before them, strongest passages an older rule chose are chosen again (`kb serve` opens the
    library without doing it, so the site answers meanwhile)."""
    lock: IngestLock = app.state.ingest_lock

    def refresh_evidence() -> None:
        # First, and beside no ingest, which could be writing the same document's details.
        with lock.hold(Holder.START_UP):
            refresh_strongest(library.store, library.catalogue)

    uploads_dir = app.state.settings.uploads_dir

    def settle_leftovers() -> None:
        with lock.hold(Holder.START_UP):
            settled = settle_set_asides(uploads_dir, library.catalogue)
        if settled:
            log.info("settled %d earlier upload edition(s) left set aside", settled)

    works: list[tuple[float, Callable[[], None]]] = [(-math.inf, refresh_evidence)]
    clearing: TraceClearing | None = app.state.trace_clearing
    if (
        clearing is not None
        and has_deleted_traces(library.catalogue)
        and clearings_unfinished(library.catalogue) < MAX_CLEARINGS_AT_START
    ):
        # A document deleted for good before the site stopped may still be in its files. A
        # clearing that was started and never finished is tried once more here, not at every
        # start: the admin page offers it again.
        clearing.request()
    runner: IngestRunner | None = app.state.ingest_runner
    if runner is not None:
        try:
            uploads: UploadJobs = app.state.upload_jobs
            rereads: RereadJobs = app.state.reread_jobs
            resumed = [
                *uploads.resume(uploads_dir, runner, lock, library.catalogue),
                *rereads.resume(runner, lock, library.catalogue),
            ]
        except Exception:
            # The site serves whatever its job records hold: searching matters more.
            log.exception("the jobs recorded before the site stopped could not be read")
        else:
            if resumed:
                log.info(
                    "carrying on with %d job(s) the site had not finished when it stopped",
                    len(resumed),
                )
            # Last, once the jobs carried on have settled their own.
            works += [*resumed, (math.inf, settle_leftovers)]
    run_in_turn(works, "resume-jobs")


def server_options(settings: Settings) -> dict[str, Any]:
    """How uvicorn serves the site: no `server` header (it tells an attacker which server and
    version to aim at), and forwarded client addresses and schemes believed only from the
    trusted proxies. Requests are parsed by httptools and the event loop is uvloop, both
    compiled: a search holds the interpreter for most of its time, so every millisecond the
    HTTP layer spends in Python is one no other search can use (at 300k chunks: /api/search
    p50 26-27 -> 24-26 ms, 8 clients 33-34 -> 35-38 a second; bench/RESULTS.md)."""
    return {
        "http": "httptools",
        "loop": "uvloop",
        "server_header": False,
        "proxy_headers": True,
        "forwarded_allow_ips": list(settings.web.trusted_proxies),
    }


def find_assets_dir(settings: Settings) -> Path:
    """The folder holding the npm packages: the setting's, or the checkout's node_modules."""
    return settings.web.assets_dir or DEFAULT_ASSETS_DIR


def allowed_hosts(settings: Settings) -> list[str]:
    """The host names the site answers to: the setting's, and its public address's."""
    hosts = list(settings.web.allowed_hosts)
    if settings.web.base_url is not None and settings.web.base_url.host:
        hosts.append(settings.web.base_url.host.strip("[]"))
    return hosts


def install_guards(app: FastAPI, settings: Settings) -> None:
    """Body size and host checking inside, security headers outside, so refusals carry the
    headers too."""

    def refuse(request: Request) -> Response:
        return errors.render_error(request, 400, WRONG_HOST)

    def too_large(request: Request) -> Response:
        return errors.render_error(request, 413, TOO_LARGE)

    app.add_middleware(BodyCap, max_bytes=MAX_BODY_BYTES, refuse=too_large, exempt=(UPLOAD_PATH,))
    app.add_middleware(TrustedHosts, allowed=allowed_hosts(settings), refuse=refuse)
    headers = build_security_headers(build_policy(read_govuk_script_hashes()))
    # A crash is answered outside all middleware, so its page adds these headers itself.
    app.state.security_headers = headers
    app.add_middleware(SecurityHeaders, headers=headers)
    app.add_middleware(HeadAsGet)


def mount_api_docs(app: FastAPI, dist: Path) -> None:
    """Swagger UI at /docs, its files served by us so it works offline; /api/docs and
    /api/openapi.json lead to it and to the schema."""
    if (dist / "swagger-ui-bundle.js").is_file():
        # Mounted before /assets, which would otherwise answer for /assets/swagger/ too.
        app.mount("/assets/swagger", StaticFiles(directory=dist), name="swagger")
    else:
        log.warning(
            "Swagger UI not found in %s; /docs will not work. %s",
            dist,
            FETCH_ASSETS,
        )

    def api_docs(request: Request) -> Response:
        # Our own page rather than FastAPI's: that one starts Swagger UI with an inline script,
        # which the Content-Security-Policy refuses.
        templates: Jinja2Templates = app.state.templates
        return templates.TemplateResponse(
            request, "api_docs.html", {"openapi_url": app.openapi_url or "/openapi.json"}
        )

    app.add_api_route("/docs", api_docs, include_in_schema=False)
    # Where script writers look first, beside the API: pointers to the one page and schema,
    # to fixed addresses (nothing from the request is carried over, so they lead nowhere else).
    schema_url = app.openapi_url or "/openapi.json"
    for asked, shown in (("/api/docs", "/docs"), ("/api/openapi.json", schema_url)):
        app.add_api_route(asked, _redirect_endpoint(shown), include_in_schema=False)


def mount_assets(app: FastAPI, templates: Jinja2Templates, dist: Path) -> None:
    """Serve GOV.UK Frontend at /assets and our brand files at /static."""
    app.mount("/static", StaticFiles(directory=WEB_DIR / "static"), name="static")
    if not (dist / "assets").is_dir():
        log.warning(
            "GOV.UK Frontend assets not found in %s; pages will have no styles. %s",
            dist,
            FETCH_ASSETS,
        )
        templates.env.globals["has_govuk_assets"] = False
        return
    # The compiled CSS and JS sit beside the assets folder, not in it; routes
    # added before the /assets mount answer for them first.
    for name in COMPILED_ASSETS:
        app.add_api_route(f"/assets/{name}", _file_endpoint(dist / name), include_in_schema=False)
    app.mount("/assets", StaticFiles(directory=dist / "assets"), name="assets")
    templates.env.globals["has_govuk_assets"] = True


def _redirect_endpoint(url: str) -> Callable[[], RedirectResponse]:
    def redirect() -> RedirectResponse:
        return RedirectResponse(url, status_code=308)

    return redirect


def _file_endpoint(path: Path) -> Callable[[], FileResponse]:
    def send_file() -> FileResponse:
        return FileResponse(path, headers={"Cache-Control": "public, max-age=3600"})

    return send_file


def last_updated(app: FastAPI) -> str:
    """When the last ingest finished, for the footer of every page ('' before the first)."""
    library: Library | None = app.state.library
    run = library.catalogue.last_run() if library is not None else None
    if not run or not run.get("finished_at"):
        return ""
    return datetime.fromtimestamp(run["finished_at"], tz=UTC).strftime("%-d %B %Y")
