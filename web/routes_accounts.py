"""Signing in and out: the sign-in page, the session cookie, and ending one's own sessions."""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from search.settings import AccountSettings
from web.admin import (
    BAD_FORM,
    SESSION_COOKIE,
    SIGN_IN_COOKIE,
    check_csrf,
    check_origin,
    current_viewer,
)
from web.deps import TemplatesDep
from web.passwords import MAX_PASSWORD_LENGTH
from web.ratelimit import SignInLimiter
from web.users import MAX_NAME_LENGTH, UserStore

__all__ = ["router"]

log = logging.getLogger(__name__)

router = APIRouter(include_in_schema=False, default_response_class=HTMLResponse)

WRONG_DETAILS = "The user name or password is not right. Check them and try again."
NO_NAME = "Enter your user name."
NO_PASSWORD = "Enter your password."
TOO_MANY = (
    "There have been too many tries to sign in. Wait {minutes} minutes, then try again. "
    "If you have forgotten your password, ask an admin."
)
# Hidden fields only: the boxes a person types into carry no cap of FastAPI's, whose refusal
# would be the site's error page; a name or password longer than any account's is answered on
# the form like any other that is not right.
MAX_FIELD = 300


def _users(request: Request) -> UserStore:
    users: UserStore = request.app.state.users
    return users


def _account_settings(request: Request) -> AccountSettings:
    settings: AccountSettings = request.app.state.settings.accounts
    return settings


def safe_next(target: str) -> str:
    """Only a path on this site: never another site, never a scheme-relative '//' address."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target if target.isprintable() and len(target) <= 500 else "/"


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def _sign_in_page(
    request: Request,
    templates: TemplatesDep,
    next_path: str,
    error: str = "",
    name: str = "",
    status_code: int = 200,
    field: str = "",
) -> Response:
    token = secrets.token_urlsafe(32)
    context = {
        "error": error,
        "field": field,  # the box a missing answer belongs in (inline error beside it)
        "name": name,
        "next": safe_next(next_path),
        "csrf": token,
    }
    response = templates.TemplateResponse(request, "sign_in.html", context, status_code=status_code)
    # Before signing in there is no session, so the form's token is checked against a cookie.
    response.set_cookie(
        SIGN_IN_COOKIE,
        token,
        max_age=3600,
        httponly=True,
        samesite="strict",
        secure=_is_https(request),
        path="/sign-in",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@router.get("/sign-in")
def sign_in_form(request: Request, templates: TemplatesDep, next: str = "/") -> Response:
    if current_viewer(request).is_signed_in:
        return RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    return _sign_in_page(request, templates, next)


@router.post("/sign-in")
def sign_in(
    request: Request,
    templates: TemplatesDep,
    name: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    next: Annotated[str, Form(max_length=MAX_FIELD)] = "/",
) -> Response:
    check_origin(request)
    cookie = request.cookies.get(SIGN_IN_COOKIE, "")
    if not cookie or not hmac.compare_digest(cookie.encode(), csrf.encode("utf-8", "replace")):
        raise HTTPException(status.HTTP_403_FORBIDDEN, BAD_FORM)
    limiter: SignInLimiter = request.app.state.sign_in_limiter
    name = name.strip()
    if len(name) > MAX_NAME_LENGTH or len(password) > MAX_PASSWORD_LENGTH:
        # No account has such a name or password. Nothing is checked or counted, so a pasted
        # page never becomes a key the limiter keeps.
        return _sign_in_page(request, templates, next, WRONG_DETAILS, status_code=400)
    client = f"client:{request.client.host if request.client else ''}"
    account = f"account:{name.lower()}"
    if limiter.is_blocked(client, account):
        minutes = max(1, round(limiter.window_s / 60))
        return _sign_in_page(
            request, templates, next, TOO_MANY.format(minutes=minutes), name, status_code=429
        )
    if not name or not password:
        missing = "name" if not name else "password"
        message = NO_NAME if not name else NO_PASSWORD
        return _sign_in_page(
            request, templates, next, message, name, status_code=400, field=missing
        )
    user = _users(request).check_password(name, password)
    if user is None:
        limiter.record_failure(client, account)
        log.info("failed sign-in for %r", name[:64])
        return _sign_in_page(request, templates, next, WRONG_DETAILS, name, status_code=400)
    limiter.clear(account)
    lifetime_s = _account_settings(request).session_hours * 3600
    session_id, _session = _users(request).start_session(user, lifetime_s)
    response = RedirectResponse(safe_next(next), status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(lifetime_s),
        httponly=True,
        samesite="lax",
        secure=_is_https(request),
        path="/",
    )
    response.delete_cookie(SIGN_IN_COOKIE, path="/sign-in")
    return response


@router.get("/account")
def account_page(request: Request, templates: TemplatesDep) -> Response:
    viewer = current_viewer(request)
    if not viewer.is_signed_in:
        return RedirectResponse("/sign-in?next=/account", status_code=status.HTTP_303_SEE_OTHER)
    response = templates.TemplateResponse(request, "account.html", {"viewer": viewer})
    response.headers["Cache-Control"] = "no-store"
    return response


@router.post("/sign-out")
def sign_out(
    request: Request,
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
    everywhere: Annotated[bool, Form()] = False,
) -> Response:
    check_origin(request)
    viewer = current_viewer(request)
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    if viewer.session is not None:
        check_csrf(viewer, csrf)
        if everywhere:
            _users(request).end_sessions_of(viewer.name)
        else:
            _users(request).end_session(viewer.session.id_hash)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response
