"""An admin sets a new password for someone who has forgotten theirs and changes someone's role:
the real app, the real UserStore, and the person signing in through the real sign-in form."""

from __future__ import annotations

import re
import warnings

import httpx
import pytest

from search.library import Library
from tests.accounts.conftest import PASSWORD, csrf_of, doc_id_of, sign_in
from web.admin import SESSION_COOKIE
from web.users import LAST_ADMIN_ROLE, AccountError, UserStore

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NEW_PASSWORD = "saffron kettle bridge 5093"


def _store(app) -> UserStore:  # type: ignore[no-untyped-def]
    users: UserStore = app.state.users
    return users


def _set_password(client: TestClient, name: str, password: str, csrf: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/admin/users") if csrf is None else csrf
    data = {"name": name, "password": password, "csrf": token}
    response: httpx.Response = client.post(
        "/admin/users/password", data=data, follow_redirects=False
    )
    return response


def _change_role(client: TestClient, name: str, role: str, csrf: str | None = None):  # type: ignore[no-untyped-def]
    token = csrf_of(client, "/admin/users") if csrf is None else csrf
    data = {"name": name, "role": role, "csrf": token}
    response: httpx.Response = client.post("/admin/users/role", data=data, follow_redirects=False)
    return response


def _summary(html: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', html, re.S)
    assert found is not None, "no error summary on the page"
    return found.group(0)


def _audit(app) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(e.actor, e.action, e.detail) for e in _store(app).audit_log()]


# a new password --------------------------------------------------------------------


def test_a_new_password_works_the_old_one_does_not_and_every_session_ends(app, clients) -> None:  # type: ignore[no-untyped-def]
    _store(app).add_user("forgetful", "partner", PASSWORD)
    phone, laptop = TestClient(app), TestClient(app)
    assert sign_in(phone, "forgetful") == 303 and sign_in(laptop, "forgetful") == 303
    stolen = laptop.cookies.get(SESSION_COOKIE)
    admin = clients["admin"]

    listing = admin.get("/admin/users").text
    assert 'href="/admin/users/password?name=forgetful"' in listing
    form = admin.get("/admin/users/password?name=forgetful")
    assert form.status_code == 200
    assert "Set a new password for forgetful" in form.text and "At least 12 characters" in form.text
    assert 'autocomplete="new-password"' in form.text

    response = _set_password(admin, "FORGETFUL", NEW_PASSWORD)  # the name in any case
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?password_set=forgetful"
    banner = admin.get(response.headers["location"]).text
    assert "New password set for forgetful" in banner
    assert "signed out on every device" in banner and "in person or by phone" in banner

    for device in (phone, laptop):
        assert device.get("/account", follow_redirects=False).status_code == 303
    replay = TestClient(app, cookies={SESSION_COOKIE: stolen})  # type: ignore[dict-item]
    assert replay.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(TestClient(app), "forgetful", PASSWORD) == 400
    assert sign_in(TestClient(app), "forgetful", NEW_PASSWORD) == 303
    assert ("admin-user", "set password", "forgetful, signed out") in _audit(app)
    log = admin.get("/admin/audit").text
    assert NEW_PASSWORD not in log and not any(NEW_PASSWORD in str(e) for e in _audit(app))
    assert admin.get("/account", follow_redirects=False).status_code == 200  # not the admin's


@pytest.mark.parametrize(
    ("password", "words"),
    [
        ("", "Enter a new password"),
        ("short", "at least 12"),
        ("password1234", "too common"),
        ("stuck-user garden path", "Do not put their user name in their password"),
        ("a b" * 200, "at most"),
    ],
)
def test_a_refused_new_password_changes_nothing_and_is_never_echoed(  # type: ignore[no-untyped-def]
    app, clients, password: str, words: str
) -> None:
    if _store(app).user("stuck-user") is None:
        _store(app).add_user("stuck-user", "staff", PASSWORD)
    person = TestClient(app)
    assert sign_in(person, "stuck-user") == 303
    audit_before = len(_store(app).audit_log())

    response = _set_password(clients["admin"], "stuck-user", password)
    assert response.status_code == 400
    html = response.text
    summary = _summary(html)
    assert 'href="#password"' in summary and words.lower() in summary.lower()
    beside = html.split('id="password-error"')[1].split("</p>")[0]
    assert words.lower() in beside.lower()
    assert "<title>Error: Set a new password for stuck-user" in html
    assert 'value=""' in html.split('id="password"')[1].split(">")[0]
    if password:
        assert password not in html
    assert person.get("/account", follow_redirects=False).status_code == 200  # still signed in
    assert sign_in(TestClient(app), "stuck-user", PASSWORD) == 303  # the old one still works
    assert len(_store(app).audit_log()) == audit_before


def test_an_admin_changing_their_own_password_stays_signed_in_on_this_browser(app) -> None:  # type: ignore[no-untyped-def]
    _store(app).add_user("boss", "admin", PASSWORD)
    here, elsewhere = TestClient(app), TestClient(app)
    assert sign_in(here, "boss") == 303 and sign_in(elsewhere, "boss") == 303
    listing = here.get("/admin/users").text
    assert "Change your password" in listing
    assert "/admin/users/role?name=boss" not in listing  # no role change for oneself
    form = here.get("/admin/users/password?name=boss").text
    assert "Change your password" in form and "every other device" in form

    weak = _set_password(here, "boss", "boss garden path lane")
    assert weak.status_code == 400
    assert "Do not put your user name in your password" in weak.text
    response = _set_password(here, "boss", NEW_PASSWORD)
    assert response.status_code == 303
    banner = here.get(response.headers["location"]).text
    assert "Your password has been changed" in banner and "every other device" in banner
    assert here.get("/account", follow_redirects=False).status_code == 200
    assert elsewhere.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(TestClient(app), "boss", NEW_PASSWORD) == 303
    assert ("boss", "set password", "boss, signed out") in _audit(app)


def test_setting_a_password_in_the_store_ends_sessions_and_hashes_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    users = UserStore(tmp_path / "users.sqlite")
    try:
        user = users.add_user("Casey", "partner", PASSWORD)
        kept_id, kept = users.start_session(user, 3600)
        ended_id, _ = users.start_session(user, 3600)
        assert users.set_password("casey", NEW_PASSWORD, keep_session=kept.id_hash) is True
        assert users.session(kept_id) is not None and users.session(ended_id) is None
        assert users.check_password("casey", PASSWORD) is None
        assert users.check_password("casey", NEW_PASSWORD) is not None
        row = users._db.execute("SELECT password_hash FROM users").fetchone()
        assert NEW_PASSWORD not in row[0] and row[0].startswith("$argon2")
        assert users.set_password("nobody", NEW_PASSWORD) is False
    finally:
        users.close()


# another role ----------------------------------------------------------------------


def test_a_new_role_applies_on_the_next_request_without_signing_in_again(  # type: ignore[no-untyped-def]
    app, clients, access_library: Library
) -> None:
    _store(app).add_user("mover", "staff", PASSWORD)
    person = TestClient(app)
    assert sign_in(person, "mover") == 303
    internal = f"/documents/{doc_id_of(access_library, 'internal.pdf')}"
    assert person.get(internal).status_code == 200
    assert person.get("/admin", follow_redirects=False).status_code == 403
    admin = clients["admin"]

    assert 'href="/admin/users/role?name=mover"' in admin.get("/admin/users").text
    form = admin.get("/admin/users/role?name=mover")
    assert form.status_code == 200 and "Change the role of mover" in form.text
    assert re.search(r'id="role-staff"[^>]*checked', form.text)  # the role it has now

    response = _change_role(admin, "Mover", "admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?role_changed=mover"
    banner = admin.get(response.headers["location"]).text
    assert "Role changed: mover is now admin" in banner
    assert person.get("/admin", follow_redirects=False).status_code == 200

    assert _change_role(admin, "mover", "partner").status_code == 303
    assert person.get("/admin", follow_redirects=False).status_code == 403
    assert person.get(internal).status_code == 404  # staff only, and mover is a partner now
    assert "Partner" in person.get("/account").text
    entries = _audit(app)
    assert ("admin-user", "change role", "mover from staff to admin") in entries
    assert ("admin-user", "change role", "mover from admin to partner") in entries
    before = len(entries)
    assert _change_role(admin, "mover", "partner").status_code == 303  # the same role again
    assert len(_audit(app)) == before  # nothing changed, so nothing is written down


@pytest.mark.parametrize("role", ["", "king", "visitor"])
def test_a_role_that_is_not_one_of_the_three_changes_nothing(app, clients, role: str) -> None:  # type: ignore[no-untyped-def]
    audit_before = len(_store(app).audit_log())
    response = _change_role(clients["admin"], "staff-user", role)
    assert response.status_code == 400
    summary = _summary(response.text)
    assert 'href="#role-partner"' in summary and "partner, staff or admin" in summary
    assert 'id="role-error"' in response.text
    assert "<title>Error: Change the role of staff-user" in response.text
    user = _store(app).user("staff-user")
    assert user is not None and user.role == "staff"
    assert len(_store(app).audit_log()) == audit_before


def test_an_admin_cannot_change_their_own_role(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    assert "/admin/users/role?name=admin-user" not in admin.get("/admin/users").text
    assert admin.get("/admin/users/role?name=admin-user").status_code == 400
    for name in ("admin-user", "ADMIN-USER"):
        response = _change_role(admin, name, "partner")
        assert response.status_code == 400
        assert "You cannot change your own role" in response.text
    user = _store(app).user("admin-user")
    assert user is not None and user.role == "admin"
    assert admin.get("/admin").status_code == 200


def test_the_last_admin_keeps_the_admin_role(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Through the site the admin changing a role is never the only admin (their own role is
    # refused first); the store keeps the rule against two admins demoting each other at once.
    users = UserStore(tmp_path / "users.sqlite")
    try:
        users.add_user("only-admin", "admin", PASSWORD)
        with pytest.raises(AccountError) as refused:
            users.set_role("ONLY-ADMIN", "staff")
        assert str(refused.value) == LAST_ADMIN_ROLE.format(name="only-admin")
        assert "nobody else could manage the site" in str(refused.value)
        assert users.set_role("only-admin", "admin") == "admin"  # staying an admin is fine
        users.add_user("second-admin", "admin", PASSWORD)
        assert users.set_role("only-admin", "partner") == "admin"
        with pytest.raises(AccountError):
            users.set_role("second-admin", "staff")
        with pytest.raises(AccountError):
            users.set_role("only-admin", "king")
        assert users.set_role("nobody", "staff") is None
        assert {u.name: u.role for u in users.users()} == {
            "only-admin": "partner",
            "second-admin": "admin",
        }
    finally:
        users.close()


# who may -------------------------------------------------------------------------


def test_an_unknown_account_is_not_found(clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    for path in ("/admin/users/password?name=ghost", "/admin/users/role?name=ghost"):
        assert admin.get(path).status_code == 404
    assert _set_password(admin, "ghost", NEW_PASSWORD).status_code == 404
    assert _change_role(admin, "ghost", "staff").status_code == 404


@pytest.mark.parametrize("role", ["partner", "staff", "visitor"])
def test_only_an_admin_can_set_a_password_or_change_a_role(app, clients, role: str) -> None:  # type: ignore[no-untyped-def]
    client = clients[role]
    token = csrf_of(client, "/account") if role != "visitor" else ""
    expected = 401 if role == "visitor" else 403
    assert _set_password(client, "admin-user", NEW_PASSWORD, token).status_code == expected
    assert _change_role(client, f"{role}-user", "admin", token).status_code == expected
    for path in ("/admin/users/password?name=admin-user", "/admin/users/role?name=staff-user"):
        assert client.get(path, follow_redirects=False).status_code in (303, 403)
    assert _store(app).check_password("admin-user", PASSWORD) is not None
    if role != "visitor":
        user = _store(app).user(f"{role}-user")
        assert user is not None and user.role == role


def test_without_the_form_token_nothing_changes(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    for csrf in ("", "not-the-token"):
        assert _set_password(admin, "partner-user", NEW_PASSWORD, csrf).status_code == 403
        assert _change_role(admin, "partner-user", "admin", csrf).status_code == 403
    assert _store(app).check_password("partner-user", PASSWORD) is not None
    user = _store(app).user("partner-user")
    assert user is not None and user.role == "partner"
    assert clients["partner"].get("/account", follow_redirects=False).status_code == 200
