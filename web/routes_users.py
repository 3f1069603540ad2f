"""The admin's Accounts pages: who can sign in and on how many devices; adding an account with
its role and first password; removing one; and signing someone out everywhere. (Setting a new
password and changing a role are in web.routes_user_changes.)

Every change is written to the audit log with the admin's name. A password is never written
there, never logged and never put back into a form.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from search.settings import Settings
from web.admin import check_csrf
from web.deps import TemplatesDep
from web.passwords import password_problem
from web.routes_admin import (
    MAX_FIELD,
    SHOWN_CHARS,
    AdminDep,
    account_store,
    admin_page,
    back_to,
)
from web.templating import error_list, first_radio_id
from web.users import USER_ROLES, AccountError, User, UserStore, check_name

__all__ = [
    "NO_ROLE",
    "NO_SUCH_ACCOUNT",
    "ROLE_CHOICES",
    "find_account",
    "min_password_length",
    "router",
]

router = APIRouter(include_in_schema=False)

# Each role's label and what it can see, in the words the document pages use for access levels.
ROLE_CHOICES = {
    "partner": ("Partner", "Sees documents for everyone and documents for partners and staff."),
    "staff": ("Staff", "Sees every document, including those for staff only."),
    "admin": (
        "Admin",
        "Sees every document, and can upload and correct documents and manage accounts.",
    ),
}
NO_ROLE = "Choose what the account can see: partner, staff or admin."
NO_PASSWORD = "Enter a first password for the account."
NO_SUCH_ACCOUNT = "There is no account with that user name."
OWN_ACCOUNT = "You cannot remove your own account. Ask another admin to remove it."


def min_password_length(request: Request) -> int:
    settings: Settings = request.app.state.settings
    return settings.accounts.min_password_length


# the list ----------------------------------------------------------------------


@router.get("/admin/users", response_class=HTMLResponse)
def admin_users(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    added: Annotated[str, Query(max_length=MAX_FIELD)] = "",
    removed: Annotated[str, Query(max_length=MAX_FIELD)] = "",
    password_set: Annotated[str, Query(max_length=MAX_FIELD)] = "",
    role_changed: Annotated[str, Query(max_length=MAX_FIELD)] = "",
) -> Response:
    users = account_store(request)
    sessions = users.session_counts()
    accounts = users.users()
    roles = {u.name: u.role for u in accounts}
    rows = [
        {
            "name": u.name,
            "role": u.role,
            "sessions": sessions.get(u.name, 0),
            "is_you": u.name == viewer.name,
        }
        for u in accounts
    ]
    # The banner after a change, shown only while the list agrees with it.
    context = {
        "users": rows,
        "added": added if added in roles else "",
        "removed": removed if removed and users.user(removed) is None else "",
        "password_set": password_set if password_set in roles else "",
        "role_changed": role_changed if role_changed in roles else "",
        "new_role": roles.get(role_changed, ""),
        "you": viewer.name,
    }
    return admin_page(request, templates, "admin_users.html", context)


@router.post("/admin/users/end-sessions")
def admin_end_sessions(
    request: Request,
    viewer: AdminDep,
    name: Annotated[str, Form(max_length=MAX_FIELD)],
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    users = account_store(request)
    ended = users.end_sessions_of(name)
    # The audit names the account as it is stored, not as the name was typed ("STAFF-USER").
    user = users.user(name)
    users.audit(
        viewer.name, "end sessions", f"{user.name if user else name}: {ended} session(s) ended"
    )
    return back_to("/admin/users")


# adding --------------------------------------------------------------------------


def _new_user_page(
    request: Request,
    templates: TemplatesDep,
    name: str = "",
    role: str = "",
    problems: Sequence[tuple[str, str]] = (),
) -> Response:
    """The add-account form; with `problems` ((message, field), in the form's order), every
    answer to change, each beside its field and in the summary."""
    context = {
        "name": name[:SHOWN_CHARS],
        "role": role if role in USER_ROLES else "",
        "roles": [(r, *ROLE_CHOICES[r]) for r in USER_ROLES],
        "min_length": min_password_length(request),
        "error": problems[0][0] if problems else "",
        "field_errors": {field: message for message, field in problems},
        "error_list": error_list(
            ((field, message) for message, field in problems),
            {"role": first_radio_id("role", USER_ROLES)},
        ),
    }
    return admin_page(request, templates, "admin_user_new.html", context, 400 if problems else 200)


@router.get("/admin/users/new", response_class=HTMLResponse)
def admin_new_user(request: Request, viewer: AdminDep, templates: TemplatesDep) -> Response:
    return _new_user_page(request, templates)


class _Refused(Exception):
    """Why the new account was not added: each (message, field to put it beside)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__(problems[0][0])
        self.problems = problems


def _add_user(users: UserStore, name: str, role: str, password: str, min_length: int) -> User:
    """The account, added; _Refused, with nothing saved and every answer to change, when it
    cannot be."""
    problems: list[tuple[str, str]] = []
    try:
        name = check_name(name)
    except AccountError as error:
        problems.append((str(error), "name"))
    if role not in USER_ROLES:
        problems.append((NO_ROLE, "role"))
    problem = NO_PASSWORD if not password else password_problem(password, name, min_length, "their")
    if problem:
        problems.append((problem, "password"))
    if problems:
        raise _Refused(problems)
    try:
        return users.add_user(name, role, password)
    except AccountError as error:  # the name is taken
        raise _Refused([(str(error), "name")]) from None


@router.post("/admin/users/new", response_class=HTMLResponse)
def admin_add_user(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    users = account_store(request)
    try:
        user = _add_user(users, name, role, password, min_password_length(request))
    except _Refused as refused:
        return _new_user_page(request, templates, name, role, refused.problems)
    users.audit(viewer.name, "add user", f"{user.name} as {user.role}")
    return back_to(f"/admin/users?{urlencode({'added': user.name})}")


# removing ------------------------------------------------------------------------


def find_account(request: Request, name: str, viewer_name: str = "", own: str = "") -> User:
    """The account with this name: 404 when there is none; 400 saying `own` when it is the
    admin's own (`viewer_name`) and `own` is given, for what nobody may do to themselves."""
    user = account_store(request).user(name)
    if user is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_ACCOUNT)
    if own and user.name == viewer_name:
        raise HTTPException(status.HTTP_400_BAD_REQUEST, own)
    return user


@router.get("/admin/users/remove", response_class=HTMLResponse)
def admin_confirm_remove(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    name: Annotated[str, Query(max_length=MAX_FIELD)] = "",
) -> Response:
    user = find_account(request, name, viewer.name, OWN_ACCOUNT)
    sessions = account_store(request).session_counts().get(user.name, 0)
    context = {"user": user, "sessions": sessions, "label": ROLE_CHOICES[user.role][0]}
    return admin_page(request, templates, "admin_user_remove.html", context)


@router.post("/admin/users/remove")
def admin_remove_user(
    request: Request,
    viewer: AdminDep,
    name: Annotated[str, Form(max_length=MAX_FIELD)],
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    user = find_account(request, name, viewer.name, OWN_ACCOUNT)
    try:
        removed = account_store(request).remove_user(user.name)
    except AccountError as error:  # the last admin account
        raise HTTPException(status.HTTP_400_BAD_REQUEST, str(error)) from None
    if not removed:  # another admin removed it a moment ago
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_ACCOUNT)
    account_store(request).audit(
        viewer.name, "remove user", f"{user.name} ({user.role}), signed out"
    )
    return back_to(f"/admin/users?{urlencode({'removed': user.name})}")
