"""Changing an account from the Accounts page: a new password for someone who has forgotten
theirs, and another role.

A new password signs the person out everywhere (an admin changing their own stays signed in on
this browser only). A new role needs no signing out: sessions read the role from the account on
every request. Both are audited with the admin's name; the password never is.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, Response

from web.admin import Viewer, check_csrf
from web.deps import TemplatesDep
from web.passwords import password_problem
from web.routes_admin import MAX_FIELD, AdminDep, account_store, admin_page, back_to
from web.routes_users import (
    NO_ROLE,
    NO_SUCH_ACCOUNT,
    ROLE_CHOICES,
    find_account,
    min_password_length,
)
from web.users import USER_ROLES, AccountError, User

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

NO_NEW_PASSWORD = "Enter a new password."
OWN_ROLE = "You cannot change your own role. Ask another admin to change it."


# a new password --------------------------------------------------------------------


def _password_page(
    request: Request, templates: TemplatesDep, viewer: Viewer, user: User, error: str = ""
) -> Response:
    context = {
        "user": user,
        "is_you": user.name == viewer.name,
        "min_length": min_password_length(request),
        "error": error,
    }
    code = 400 if error else 200
    return admin_page(request, templates, "admin_user_password.html", context, code)


@router.get("/admin/users/password", response_class=HTMLResponse)
def admin_password_form(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    name: Annotated[str, Query(max_length=MAX_FIELD)] = "",
) -> Response:
    return _password_page(request, templates, viewer, find_account(request, name))


@router.post("/admin/users/password", response_class=HTMLResponse)
def admin_set_password(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    name: Annotated[str, Form(max_length=MAX_FIELD)],
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    user = find_account(request, name)
    is_you = user.name == viewer.name
    whose: Literal["your", "their"] = "your" if is_you else "their"
    min_length = min_password_length(request)
    problem = (
        password_problem(password, user.name, min_length, whose) if password else NO_NEW_PASSWORD
    )
    if problem:
        return _password_page(request, templates, viewer, user, problem)
    # An admin setting their own keeps this browser signed in; every other session ends.
    keep = viewer.session.id_hash if is_you and viewer.session else ""
    if not account_store(request).set_password(user.name, password, keep_session=keep):
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_ACCOUNT)  # removed a moment ago
    account_store(request).audit(viewer.name, "set password", f"{user.name}, signed out")
    return back_to(f"/admin/users?{urlencode({'password_set': user.name})}")


# another role ----------------------------------------------------------------------


def _role_page(
    request: Request,
    templates: TemplatesDep,
    user: User,
    chosen: str = "",
    error: str = "",
) -> Response:
    context = {
        "user": user,
        "role": chosen if chosen in USER_ROLES else user.role,
        "roles": [(r, *ROLE_CHOICES[r]) for r in USER_ROLES],
        "error": error,
    }
    return admin_page(request, templates, "admin_user_role.html", context, 400 if error else 200)


@router.get("/admin/users/role", response_class=HTMLResponse)
def admin_role_form(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    name: Annotated[str, Query(max_length=MAX_FIELD)] = "",
) -> Response:
    return _role_page(request, templates, find_account(request, name, viewer.name, OWN_ROLE))


@router.post("/admin/users/role", response_class=HTMLResponse)
def admin_change_role(
    request: Request,
    viewer: AdminDep,
    templates: TemplatesDep,
    name: Annotated[str, Form(max_length=MAX_FIELD)],
    role: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form(max_length=MAX_FIELD)] = "",
) -> Response:
    check_csrf(viewer, csrf)
    user = find_account(request, name, viewer.name, OWN_ROLE)
    if role not in USER_ROLES:
        return _role_page(request, templates, user, error=NO_ROLE)
    try:
        before = account_store(request).set_role(user.name, role)
    except AccountError as error:  # the last admin account
        return _role_page(request, templates, user, role, str(error))
    if before is None:  # removed a moment ago
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SUCH_ACCOUNT)
    if before != role:
        account_store(request).audit(
            viewer.name, "change role", f"{user.name} from {before} to {role}"
        )
    return back_to(f"/admin/users?{urlencode({'role_changed': user.name})}")
