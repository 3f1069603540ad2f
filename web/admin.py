"""Who is asking: a signed-in user (partner, staff or admin), this machine's `kb` command
holding the machine token, or a visitor; and the checks every form and admin request must pass.

The admin role comes from signing in. The machine token exists only so `kb ingest` on the
server can hand a job to the running site; it is compared as bytes, so any characters work.
"""

from __future__ import annotations

import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException, Request, status

from search.access import Role
from web.users import Session, UserStore

__all__ = [
    "BAD_FORM",
    "REFUSED_ORIGIN",
    "SESSION_COOKIE",
    "SIGN_IN_COOKIE",
    "SITE_FILE",
    "TOKEN_FILE",
    "VISITOR",
    "Viewer",
    "announce_site",
    "check_csrf",
    "check_origin",
    "current_viewer",
    "is_machine_token",
    "is_viewer_known_without_reading",
    "own_origin",
    "prepare_admin_token",
    "public_origin",
    "read_bearer_token",
    "require_admin",
    "withdraw_site",
]

TOKEN_FILE = ".admin-token"
SITE_FILE = "site.json"
SESSION_COOKIE = "ef_session"
SIGN_IN_COOKIE = "ef_sign_in"

REFUSED_ORIGIN = "This request came from another website, so we did not do it."
BAD_FORM = "This form has run out of time. Go back, reload the page and try again."


@dataclass(frozen=True)
class Viewer:
    """The reader of one request."""

    role: Role
    name: str = ""
    session: Session | None = None
    by_machine_token: bool = False

    @property
    def is_signed_in(self) -> bool:
        return self.session is not None

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


VISITOR = Viewer(role="visitor")


def prepare_admin_token(data_dir: Path, configured: str | None) -> str:
    """The configured token, or a fresh random one saved where only this user can read it."""
    if configured:
        return configured
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / TOKEN_FILE
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    return token


def announce_site(data_dir: Path, url: str) -> None:
    """Tell local `kb` commands where the running site listens (they hand jobs to it)."""
    (data_dir / SITE_FILE).write_text(json.dumps({"url": url, "pid": os.getpid()}))


def withdraw_site(data_dir: Path) -> None:
    (data_dir / SITE_FILE).unlink(missing_ok=True)


def read_bearer_token(request: Request) -> bytes:
    """The bearer token as the client sent its bytes ('' when there is none).

    Headers arrive decoded as Latin-1, so encoding back gives the exact bytes sent.
    Basic credentials are not accepted: browsers resend them by themselves, which
    would let another website act with them.
    """
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return b""
    return value.strip().encode("latin-1", "replace")


def is_machine_token(request: Request) -> bool:
    token: str | None = getattr(request.app.state, "admin_token", None)
    presented = read_bearer_token(request)
    if not token or not presented:
        return False
    return hmac.compare_digest(presented, token.encode("utf-8"))


def _session_to_read(request: Request) -> tuple[UserStore, str] | None:
    """The user store and the session id `current_viewer` must look up there, if any (none:
    the viewer is known already, or the request carries no session)."""
    if getattr(request.state, "viewer", None) is not None:
        return None
    users: UserStore | None = getattr(request.app.state, "users", None)
    session_id = request.cookies.get(SESSION_COOKIE, "")
    return (users, session_id) if users is not None and session_id else None


def is_viewer_known_without_reading(request: Request) -> bool:
    """Whether `current_viewer` can answer without reading the user store."""
    return _session_to_read(request) is None


def current_viewer(request: Request) -> Viewer:
    """Who sent this request (worked out once per request)."""
    known: Viewer | None = getattr(request.state, "viewer", None)
    if known is not None:
        return known
    viewer = VISITOR
    to_read = _session_to_read(request)
    session = to_read[0].session(to_read[1]) if to_read is not None else None
    if session is not None:
        viewer = Viewer(role=session.role, name=session.user, session=session)
    elif is_machine_token(request):
        viewer = Viewer(role="admin", name="kb command", by_machine_token=True)
    request.state.viewer = viewer
    return viewer


def own_origin(request: Request) -> str:
    return f"{request.url.scheme}://{request.url.netloc}".lower()


def public_origin(request: Request) -> str | None:
    """The site's public origin from KB_WEB__BASE_URL, when it is set: behind a proxy that
    does not pass the Host on, the browser's Origin is this, not the address asked for."""
    base = request.app.state.settings.web.base_url
    if base is None:
        return None
    port = f":{base.port}" if base.port not in (None, 80 if base.scheme == "http" else 443) else ""
    return f"{base.scheme}://{base.host}{port}".lower()


def check_origin(request: Request) -> None:
    """Refuse a state-changing request that a page on another site sent."""
    origin = request.headers.get("origin")
    if origin is not None and origin.lower() not in (own_origin(request), public_origin(request)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, REFUSED_ORIGIN)
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, REFUSED_ORIGIN)


def check_csrf(viewer: Viewer, presented: str) -> None:
    """A signed-in form must send back its session's token."""
    expected = viewer.session.csrf if viewer.session else ""
    given = presented.encode("utf-8", "replace")
    if not expected or not hmac.compare_digest(given, expected.encode("utf-8")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, BAD_FORM)


def require_admin(request: Request) -> Viewer:
    """Admin pages: a signed-in admin, or `kb` on this machine with the machine token."""
    viewer = current_viewer(request)
    if request.method not in ("GET", "HEAD"):
        check_origin(request)
    if viewer.is_admin:
        return viewer
    if viewer.is_signed_in:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only admins can use this page.")
    if request.url.path.startswith("/api/") or request.method not in ("GET", "HEAD"):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Sign in as an admin to do this.",
            headers={"WWW-Authenticate": 'Bearer realm="Evidence Finder admin"'},
        )
    raise HTTPException(
        status.HTTP_303_SEE_OTHER,
        "Sign in to see this page.",
        headers={"Location": f"/sign-in?next={quote(request.url.path)}"},
    )
