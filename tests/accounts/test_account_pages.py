"""An admin adds and removes accounts in the browser: the real app, the real UserStore, and the
new person signing in through the real sign-in form."""

from __future__ import annotations

import re
import warnings

import httpx
import pytest

from tests.accounts.conftest import PASSWORD, csrf_of, sign_in
from web.admin import SESSION_COOKIE
from web.users import LAST_ADMIN, AccountError, UserStore

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

NEW_PASSWORD = "copper heron window 4412"


def _add(client: TestClient, **fields: str) -> httpx.Response:
    data = {"name": "", "role": "", "password": "", "csrf": csrf_of(client, "/admin/users/new")}
    data.update(fields)
    return client.post("/admin/users/new", data=data, follow_redirects=False)


def _names(app) -> set[str]:  # type: ignore[no-untyped-def]
    users: UserStore = app.state.users
    return {u.name for u in users.users()}


def _summary(html: str) -> str:
    found = re.search(r'<div class="govuk-error-summary".*?</div>\s*</div>', html, re.S)
    assert found is not None, "no error summary on the page"
    return found.group(0)


def test_an_admin_adds_an_account_and_the_person_signs_in_with_its_role(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    response = _add(admin, name="  dana-new ", role="staff", password=NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?added=dana-new"
    page = admin.get("/admin/users").text
    assert "dana-new" in page and "Add an account" in page
    banner = admin.get("/admin/users?added=dana-new").text
    assert "govuk-notification-banner--success" in banner
    heading = '<h3 class="govuk-notification-banner__heading">Account added: dana-new</h3>'
    assert heading in banner and "not by email" in banner

    person = TestClient(app)
    assert sign_in(person, "dana-new", NEW_PASSWORD) == 303
    account = person.get("/account").text
    assert "dana-new" in account and "Staff" in account
    assert person.get("/admin", follow_redirects=False).status_code == 403  # staff, not admin


def test_the_banner_shows_only_what_really_happened(clients) -> None:  # type: ignore[no-untyped-def]
    # A crafted link cannot announce an account that is not there.
    page = clients["admin"].get("/admin/users?added=nobody-at-all").text
    assert "govuk-notification-banner" not in page
    page = clients["admin"].get("/admin/users?removed=partner-user").text
    assert "govuk-notification-banner" not in page


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"name": "   ", "role": "partner", "password": NEW_PASSWORD}, "name", "A user name"),
        ({"name": "x" * 5000, "role": "partner", "password": NEW_PASSWORD}, "name", "1 to 64"),
        ({"name": "tab\tname", "role": "partner", "password": NEW_PASSWORD}, "name", "A user name"),
        (
            {"name": "bad-role", "role": "king", "password": NEW_PASSWORD},
            "role-partner",
            "what the account can see",
        ),
        ({"name": "no-role", "password": NEW_PASSWORD}, "role-partner", "partner, staff or admin"),
        ({"name": "weak", "role": "staff", "password": "short"}, "password", "at least 12"),
        ({"name": "common", "role": "staff", "password": "password1234"}, "password", "common"),
        ({"name": "empty-pw", "role": "staff"}, "password", "Enter a first password"),
        (
            {"name": "dana", "role": "staff", "password": "dana garden path"},
            "password",
            "Do not put their user name in their password",
        ),
        ({"name": "long-pw", "role": "staff", "password": "a b" * 200}, "password", "at most"),
        ({"name": "PARTNER-USER", "role": "staff", "password": NEW_PASSWORD}, "name", "already"),
    ],
)
def test_a_refused_account_comes_back_on_the_form_and_nothing_is_saved(  # type: ignore[no-untyped-def]
    app, clients, fields: dict[str, str], field: str, words: str
) -> None:
    admin = clients["admin"]
    before = _names(app)
    audit_before = len(app.state.users.audit_log())
    response = _add(admin, **fields)
    assert response.status_code == 400
    html = response.text
    summary = _summary(html)
    assert f'href="#{field}"' in summary and words.lower() in summary.lower()
    assert 'class="govuk-error-message"' in html and f'id="{field}"' in html
    assert "<title>Error: Add an account" in html
    assert _names(app) == before
    assert len(app.state.users.audit_log()) == audit_before
    # The password is never put back in the form; a long name comes back cut short.
    password = fields.get("password", "")
    assert 'value=""' in html.split('id="password"')[1].split(">")[0]
    if password:
        assert password not in html
    assert "x" * 2001 not in html
    # The role chosen stays chosen, and only that one.
    chosen = fields.get("role", "")
    for role in ("partner", "staff", "admin"):
        is_checked = re.search(rf'id="role-{role}"[^>]*checked', html) is not None
        assert is_checked == (role == chosen)


def test_the_form_says_what_each_role_sees_and_the_password_rule(clients) -> None:  # type: ignore[no-untyped-def]
    page = clients["admin"].get("/admin/users/new").text
    for role in ("partner", "staff", "admin"):
        assert f'id="role-{role}"' in page and f'id="role-{role}-hint"' in page
    assert "partners and staff" in page and "staff only" in page
    assert "At least 12 characters" in page
    assert 'autocomplete="new-password"' in page


@pytest.mark.parametrize("role", ["partner", "staff", "visitor"])
def test_only_an_admin_can_add_or_remove_accounts(app, clients, role: str) -> None:  # type: ignore[no-untyped-def]
    client = clients[role]
    before = _names(app)
    token = csrf_of(client, "/account") if role != "visitor" else ""
    expected = 401 if role == "visitor" else 403
    added = client.post(
        "/admin/users/new",
        data={"name": "sneaky", "role": "admin", "password": NEW_PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert added.status_code == expected
    removed = client.post(
        "/admin/users/remove",
        data={"name": "admin-user", "csrf": token},
        follow_redirects=False,
    )
    assert removed.status_code == expected
    assert client.get("/admin/users/new", follow_redirects=False).status_code in (303, 403)
    assert _names(app) == before


def test_without_the_form_token_nothing_is_added_or_removed(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    before = _names(app)
    for csrf in ("", "not-the-token"):
        added = admin.post(
            "/admin/users/new",
            data={"name": "forged", "role": "admin", "password": NEW_PASSWORD, "csrf": csrf},
        )
        assert added.status_code == 403
        removed = admin.post("/admin/users/remove", data={"name": "staff-user", "csrf": csrf})
        assert removed.status_code == 403
    assert _names(app) == before


def test_an_admin_removes_an_account_and_it_is_signed_out_everywhere(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    assert _add(admin, name="leaving", role="partner", password=NEW_PASSWORD).status_code == 303
    phone, laptop = TestClient(app), TestClient(app)
    assert sign_in(phone, "leaving", NEW_PASSWORD) == 303
    assert sign_in(laptop, "leaving", NEW_PASSWORD) == 303
    stolen = laptop.cookies.get(SESSION_COOKIE)

    confirm = admin.get("/admin/users/remove?name=leaving")
    assert confirm.status_code == 200
    assert "Are you sure you want to remove the account leaving?" in confirm.text
    assert "2 devices" in confirm.text and "Remove account" in confirm.text
    response = admin.post(
        "/admin/users/remove",
        data={"name": "leaving", "csrf": csrf_of(admin, "/admin/users")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/users?removed=leaving"
    assert "leaving" not in _names(app)
    banner = admin.get(response.headers["location"]).text
    assert '<h3 class="govuk-notification-banner__heading">Account removed: leaving</h3>' in banner
    for device in (phone, laptop):
        assert device.get("/account", follow_redirects=False).status_code == 303
    replay = TestClient(app, cookies={SESSION_COOKIE: stolen})  # type: ignore[dict-item]
    assert replay.get("/account", follow_redirects=False).status_code == 303
    assert sign_in(TestClient(app), "leaving", NEW_PASSWORD) == 400
    again = admin.post(
        "/admin/users/remove", data={"name": "leaving", "csrf": csrf_of(admin, "/admin/users")}
    )
    assert again.status_code == 404 and "There is no account" in again.text


def test_an_admin_cannot_remove_their_own_account(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    page = admin.get("/admin/users").text
    assert "admin-user (you)" in page
    assert "/admin/users/remove?name=admin-user" not in page
    assert "/admin/users/remove?name=staff-user" in page
    assert admin.get("/admin/users/remove?name=admin-user").status_code == 400
    for name in ("admin-user", "ADMIN-USER"):  # names are the same in any case
        response = admin.post(
            "/admin/users/remove", data={"name": name, "csrf": csrf_of(admin, "/admin/users")}
        )
        assert response.status_code == 400
        assert "You cannot remove your own account" in response.text
    assert "admin-user" in _names(app)
    assert admin.get("/account", follow_redirects=False).status_code == 200


def test_the_last_admin_account_is_never_removed(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # Through the site an admin is never alone when removing another admin (their own account
    # is refused first), so the store keeps the rule for every way in: two admins removing each
    # other at once, or `kb users remove`.
    users = UserStore(tmp_path / "users.sqlite")
    try:
        users.add_user("only-admin", "admin", PASSWORD)
        users.add_user("a-partner", "partner", PASSWORD)
        with pytest.raises(AccountError) as refused:
            users.remove_user("ONLY-ADMIN")
        assert str(refused.value) == LAST_ADMIN.format(name="only-admin")
        assert "nobody could manage the site" in str(refused.value)
        assert {u.name for u in users.users()} == {"only-admin", "a-partner"}
        users.add_user("second-admin", "admin", PASSWORD)
        assert users.remove_user("only-admin") is True
        with pytest.raises(AccountError):
            users.remove_user("second-admin")
        assert users.remove_user("a-partner") is True
    finally:
        users.close()


def test_an_admin_can_remove_another_admin(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    assert _add(admin, name="deputy", role="admin", password=NEW_PASSWORD).status_code == 303
    response = admin.post(
        "/admin/users/remove",
        data={"name": "deputy", "csrf": csrf_of(admin, "/admin/users")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert "deputy" not in _names(app) and "admin-user" in _names(app)


def test_the_audit_log_holds_each_change_and_never_a_password(app, clients) -> None:  # type: ignore[no-untyped-def]
    admin = clients["admin"]
    secret = "violet anchor summit 8821"
    assert _add(admin, name="audited", role="partner", password=secret).status_code == 303
    _add(admin, name="refused", role="partner", password="tiny")
    admin.post(
        "/admin/users/remove", data={"name": "audited", "csrf": csrf_of(admin, "/admin/users")}
    )
    entries = [(e.actor, e.action, e.detail) for e in app.state.users.audit_log()]
    assert ("admin-user", "add user", "audited as partner") in entries
    assert ("admin-user", "remove user", "audited (partner), signed out") in entries
    assert not any("refused" in detail for _, _, detail in entries)
    log = admin.get("/admin/audit").text
    assert "add user" in log and "remove user" in log
    assert secret not in log and not any(secret in str(entry) for entry in entries)
    assert "tiny" not in log


def test_the_accounts_page_no_longer_sends_the_admin_to_a_shell(clients) -> None:  # type: ignore[no-untyped-def]
    page = clients["admin"].get("/admin/users").text
    assert "on the server with" not in page
    assert 'href="/admin/users/new"' in page


def test_an_empty_add_account_form_names_every_answer_to_give(clients, app) -> None:  # type: ignore[no-untyped-def]
    before = _names(app)
    page = _add(clients["admin"])
    assert page.status_code == 400
    summary = re.search(r'class="govuk-error-summary".*?</ul>', page.text, re.S)
    assert summary is not None
    assert re.findall(r'href="#([\w-]+)"', summary.group(0)) == ["name", "role-partner", "password"]
    for field in ("name", "role", "password"):
        assert f'<p id="{field}-error" class="govuk-error-message">' in page.text, field
    assert _names(app) == before
