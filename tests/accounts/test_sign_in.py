"""Sign-in abuse probes: forged forms, foreign origins, guessing, odd bytes in tokens; and the
session's life: cookie flags, expiry, signing out, an admin ending someone's sessions."""

from __future__ import annotations

import re
import time
import warnings
from types import SimpleNamespace

import pytest
from typer.testing import CliRunner

from kb.cli import app as cli
from search.library import Library
from search.settings import Settings
from tests.accounts.conftest import PASSWORD, csrf_of, sign_in
from web.admin import SESSION_COOKIE
from web.app import MAX_BODY_BYTES, create_app
from web.body_cap import TOO_LARGE
from web.errors import BODY_PROBLEM, FORM_PROBLEM
from web.passwords import hash_password, password_problem, verify_password

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient


def _form_token(client: TestClient) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', client.get("/sign-in").text)
    assert found is not None
    return found.group(1)


def test_sign_in_refuses_a_forged_form(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    _form_token(client)
    forged = client.post(
        "/sign-in",
        data={"name": "admin-user", "password": PASSWORD, "csrf": "made-up"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert "reload the page" in forged.text
    assert SESSION_COOKIE not in forged.cookies
    odd = client.post(
        "/sign-in",
        data={"name": "admin-user", "password": PASSWORD, "csrf": "café £"},
        follow_redirects=False,
    )
    assert odd.status_code == 403


def test_sign_in_refuses_a_foreign_origin(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    token = _form_token(client)
    response = client.post(
        "/sign-in",
        data={"name": "admin-user", "password": PASSWORD, "csrf": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert response.status_code == 403
    assert "another website" in response.text


def test_admin_forms_refuse_foreign_origin_and_wrong_token(app, access_library: Library) -> None:  # type: ignore[no-untyped-def]
    admin = TestClient(app)
    assert sign_in(admin, "admin-user") == 303
    doc_id = access_library.catalogue.documents()[0].doc_id
    token = csrf_of(admin)
    foreign = admin.post(
        f"/admin/documents/{doc_id}/withdraw",
        data={"csrf": token},
        headers={"Origin": "https://evil.example"},
        follow_redirects=False,
    )
    assert foreign.status_code == 403
    wrong = admin.post(
        f"/admin/documents/{doc_id}/withdraw", data={"csrf": "nope"}, follow_redirects=False
    )
    assert wrong.status_code == 403
    assert access_library.catalogue.document(doc_id).meta.access != "withdrawn"  # type: ignore[union-attr]


@pytest.mark.parametrize("value", ["café", "£", "ÿþ"])
def test_non_ascii_tokens_give_401_not_500(app, value: str) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app, raise_server_exceptions=False)
    raw = value.encode("utf-8")
    for header in (b"Bearer " + raw, b"Basic " + __import__("base64").b64encode(b"a:" + raw)):
        response = client.get("/api/admin/status", headers=[(b"authorization", header)])  # type: ignore[arg-type]
        assert response.status_code == 401


def test_guessing_is_slowed_per_account_and_per_client(
    access_settings: Settings, access_library: Library
) -> None:
    app = create_app(access_settings, library=access_library)  # its own limiter
    attacker = TestClient(app, client=("203.0.113.9", 4000))
    for _ in range(access_settings.accounts.sign_in_attempts):
        assert sign_in(attacker, "partner-user", "wrong password here") == 400
    # Now even the right password waits, from this client and from another one.
    assert sign_in(attacker, "partner-user") == 429
    elsewhere = TestClient(app, client=("198.51.100.7", 4000))
    page_status = sign_in(elsewhere, "partner-user")
    assert page_status == 429
    blocked = elsewhere.get("/sign-in")
    assert blocked.status_code == 200
    # Another account from a fresh client is not held up by the attack on this one...
    assert sign_in(elsewhere, "staff-user") == 303
    # ...nor, at first, from the attacking client: an office's staff share one address.
    accounts = access_settings.accounts
    assert accounts.sign_in_client_attempts > accounts.sign_in_attempts
    for n in range(accounts.sign_in_client_attempts - accounts.sign_in_attempts):
        assert sign_in(attacker, f"made-up-{n}", "wrong password here") == 400
    # But guessing across accounts holds the client up too, whatever account it tries.
    assert sign_in(attacker, "staff-user") == 429


def test_a_colleagues_typos_do_not_lock_out_others_at_the_same_address(
    access_settings: Settings, access_library: Library
) -> None:
    # A council's staff sign in from behind one address: one person's wrong passwords hold up
    # their own account, not the admin's sign-in from the same office.
    app = create_app(access_settings, library=access_library)
    office = TestClient(app, client=("192.0.2.50", 4000))
    for _ in range(access_settings.accounts.sign_in_attempts):
        assert sign_in(office, "partner-user", "wrong password here") == 400
    assert sign_in(office, "partner-user") == 429
    colleague = TestClient(app, client=("192.0.2.50", 4001))
    assert sign_in(colleague, "staff-user") == 303


def test_too_many_tries_says_so_plainly(access_settings: Settings, access_library: Library) -> None:
    app = create_app(access_settings, library=access_library)
    client = TestClient(app, client=("192.0.2.1", 1))
    for _ in range(access_settings.accounts.sign_in_attempts):
        sign_in(client, "nobody-at-all", "wrong password here")
    token = _form_token(client)
    response = client.post(
        "/sign-in", data={"name": "nobody-at-all", "password": "x", "csrf": token}
    )
    assert response.status_code == 429
    assert "too many tries" in response.text and "Wait 15 minutes" in response.text


def test_session_cookie_is_httponly_lax_and_secure_over_https(app) -> None:  # type: ignore[no-untyped-def]
    for base, secure in (("http://testserver", False), ("https://testserver", True)):
        client = TestClient(app, base_url=base)
        token = _form_token(client)
        response = client.post(
            "/sign-in",
            data={"name": "staff-user", "password": PASSWORD, "csrf": token},
            follow_redirects=False,
        )
        cookie = next(
            v
            for k, v in response.headers.multi_items()
            if k == "set-cookie" and SESSION_COOKIE in v
        ).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
        assert ("secure" in cookie.replace("httponly", "")) is secure


def test_signing_out_ends_the_session_for_good(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app)
    assert sign_in(client, "partner-user") == 303
    stolen = client.cookies.get(SESSION_COOKIE)
    assert client.get("/account").status_code == 200
    client.post("/sign-out", data={"csrf": csrf_of(client)})
    replay = TestClient(app, cookies={SESSION_COOKIE: stolen})  # type: ignore[dict-item]
    assert "Your account" not in replay.get("/", follow_redirects=False).text
    assert replay.get("/account", follow_redirects=False).status_code == 303


def test_an_admin_can_end_someone_elses_sessions(app) -> None:  # type: ignore[no-untyped-def]
    staff = TestClient(app)
    assert sign_in(staff, "staff-user") == 303
    admin = TestClient(app)
    assert sign_in(admin, "admin-user") == 303
    admin.post(
        "/admin/users/end-sessions",
        data={"name": "staff-user", "csrf": csrf_of(admin, "/admin/users")},
    )
    assert staff.get("/account", follow_redirects=False).status_code == 303
    log = admin.get("/admin/audit").text
    assert "end sessions" in log and "staff-user" in log


def test_ending_sessions_finds_the_name_in_any_case(app) -> None:  # type: ignore[no-untyped-def]
    # Names match in any case on the users table; the sessions must match the same way, or a
    # name typed as "STAFF-USER" would leave every session of staff-user alive.
    staff = TestClient(app)
    assert sign_in(staff, "staff-user") == 303
    assert sign_in(TestClient(app), "Staff-User") == 303
    admin = TestClient(app)
    assert sign_in(admin, "admin-user") == 303
    assert admin.get("/account").status_code == 200
    admin.post(
        "/admin/users/end-sessions",
        data={"name": "STAFF-USER", "csrf": csrf_of(admin, "/admin/users")},
    )
    assert staff.get("/account", follow_redirects=False).status_code == 303
    assert app.state.users.session_counts().get("staff-user", 0) == 0
    assert app.state.users.end_sessions_of("Staff-User") == 0  # none left to end
    assert admin.get("/account", follow_redirects=False).status_code == 200
    log = admin.get("/admin/audit").text
    assert "staff-user: 2 session(s) ended" in log and "STAFF-USER" not in log


def test_sessions_expire(
    access_settings: Settings, access_library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    short = access_settings.model_copy(
        update={"accounts": access_settings.accounts.model_copy(update={"session_hours": 0.0005})}
    )
    client = TestClient(create_app(short, library=access_library))
    assert sign_in(client, "partner-user") == 303
    assert client.get("/account", follow_redirects=False).status_code == 200
    # 2.5 s later by the accounts' clock (the session lasts 1.8 s), without waiting for it.
    later = time.time() + 2.5
    monkeypatch.setattr("web.users.time", SimpleNamespace(time=lambda: later))
    assert client.get("/account", follow_redirects=False).status_code == 303


def test_only_admins_reach_admin_pages(clients) -> None:  # type: ignore[no-untyped-def]
    assert clients["visitor"].get("/admin", follow_redirects=False).status_code == 303
    assert clients["visitor"].get("/api/admin/status").status_code == 401
    for role in ("partner", "staff"):
        assert clients[role].get("/admin").status_code == 403
        assert clients[role].get("/api/admin/status").status_code == 403
    assert clients["admin"].get("/admin").status_code == 200


def test_a_browser_session_cannot_name_server_paths(clients) -> None:  # type: ignore[no-untyped-def]
    response = clients["admin"].post("/admin/ingest", json={"paths": ["/etc"]})
    assert response.status_code == 403
    assert "Upload files" in response.text


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "at least 12"),
        ("password1234", "too common"),
        ("aaaaaaaaaaaaaaaa", "too common"),
        ("dana-smith garden path", "user name"),
        ("river lamp orchard 1977", None),
        ("no symbols or capitals needed here at all", None),
    ],
)
def test_password_rules_put_length_over_complexity(password: str, problem: str | None) -> None:
    found = password_problem(password, "dana-smith", 12)
    assert (found is None) if problem is None else (problem in (found or ""))


def test_the_user_name_rule_speaks_to_whoever_chooses_the_password() -> None:
    # One rule, worded for the person themself or for an admin choosing someone else's.
    mine = password_problem("dana-smith garden path", "dana-smith", 12)
    theirs = password_problem("dana-smith garden path", "dana-smith", 12, "their")
    assert mine == "Do not put your user name in your password."
    assert theirs == "Do not put their user name in their password."
    assert password_problem("river lamp orchard 1977", "dana-smith", 12, "their") is None


def test_kb_users_add_list_remove(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("KB_DATA_DIR", str(tmp_path / "data"))
    runner = CliRunner()
    weak = runner.invoke(cli, ["users", "add", "sam", "--password-stdin"], input="password\n")
    assert weak.exit_code == 2
    bad_role = runner.invoke(cli, ["users", "add", "sam", "--role", "king", "--password-stdin"])
    assert bad_role.exit_code == 2
    added = runner.invoke(
        cli, ["users", "add", "sam", "--role", "staff", "--password-stdin"], input=PASSWORD + "\n"
    )
    assert added.exit_code == 0, added.output
    again = runner.invoke(cli, ["users", "add", "SAM", "--password-stdin"], input=PASSWORD + "\n")
    assert again.exit_code == 1
    listed = runner.invoke(cli, ["users", "list"])
    assert "sam\tstaff" in listed.output
    assert runner.invoke(cli, ["users", "remove", "sam"]).exit_code == 0
    assert "sam" not in runner.invoke(cli, ["users", "list"]).output
    assert runner.invoke(cli, ["users", "remove", "sam"]).exit_code == 1


def test_a_wrong_password_shows_the_error_summary_above_the_form(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app, client=("192.0.2.9", 1))
    token = _form_token(client)
    response = client.post(
        "/sign-in", data={"name": "admin-user", "password": "not the password", "csrf": token}
    )
    summary = re.search(r'class="govuk-error-summary".*?</ul>', response.text, re.S)
    assert summary is not None and 'href="#name"' in summary.group(0)
    assert "<title>Error: Sign in" in response.text
    assert "govuk-error-summary" not in client.get("/sign-in").text


def test_an_unknown_name_is_refused_like_a_wrong_password(app) -> None:  # type: ignore[no-untyped-def]
    # Unknown names are checked against a stand-in hash (made on first use, not at import).
    assert verify_password(None, PASSWORD) is False
    assert verify_password(hash_password(PASSWORD), PASSWORD) is True
    client = TestClient(app, client=("192.0.2.44", 4000))
    unknown = client.post(
        "/sign-in",
        data={"name": "nobody-here", "password": PASSWORD, "csrf": csrf_of(client, "/sign-in")},
        follow_redirects=False,
    )
    wrong = client.post(
        "/sign-in",
        data={
            "name": "staff-user",
            "password": "not it at all",
            "csrf": csrf_of(client, "/sign-in"),
        },
        follow_redirects=False,
    )
    assert unknown.status_code == wrong.status_code == 400
    assert "The user name or password is not right" in unknown.text


@pytest.mark.parametrize("field", ["name", "password"])
def test_a_pasted_page_in_a_sign_in_box_is_answered_on_the_form(app, field: str) -> None:  # type: ignore[no-untyped-def]
    # No account has a name or password this long, so it is simply not right: said on the
    # form, as for any wrong password, never the site's error page; and not counted, so the
    # person who pasted it can still sign in.
    client = TestClient(app, client=("192.0.2.61", 4100))
    data = {"name": "admin-user", "password": PASSWORD, "csrf": _form_token(client)}
    data[field] = "river lamp orchard " * 100  # 1,900 characters
    response = client.post("/sign-in", data=data, follow_redirects=False)
    assert response.status_code == 400
    assert "<title>Error: Sign in" in response.text
    summary = re.search(r'class="govuk-error-summary".*?</ul>', response.text, re.S)
    assert summary is not None
    assert "The user name or password is not right" in summary.group(0)
    assert SESSION_COOKIE not in response.cookies
    for _ in range(3):  # as many as sign_in_attempts: none of them counts as a guess
        data["csrf"] = _form_token(client)
        assert client.post("/sign-in", data=data, follow_redirects=False).status_code == 400
    assert sign_in(client, "admin-user") == 303


def test_a_forged_hidden_field_is_called_part_of_the_form_not_a_filter(clients) -> None:  # type: ignore[no-untyped-def]
    # Hidden fields keep their cap: only a tampered form exceeds it, and the error page says
    # the form is wrong, in words that do not borrow the search filters' message.
    admin = clients["admin"]
    response = admin.post(
        "/admin/users/end-sessions",
        data={"name": "n" * 301, "csrf": csrf_of(admin, "/admin/users")},
        follow_redirects=False,
    )
    assert response.status_code == 400
    assert FORM_PROBLEM in response.text and "filter" not in response.text
    assert "n" * 301 not in admin.get("/admin/audit").text  # nothing was done


def test_a_json_body_that_is_not_right_is_not_called_a_form(clients) -> None:  # type: ignore[no-untyped-def]
    response = clients["admin"].post(
        "/admin/ingest", json={"paths": []}, headers={"accept": "application/json"}
    )
    assert response.status_code == 400
    assert response.json() == {"detail": BODY_PROBLEM}


def test_a_body_past_the_sites_cap_is_refused_before_it_is_read(clients) -> None:  # type: ignore[no-untyped-def]
    # Anyone can post to the sign-in form: without a cap on the whole body, a form of many
    # large fields would be read into memory before any check. Past MAX_BODY_BYTES it is a 413
    # with the site's error page (JSON for the API), and the site goes on answering.
    visitor = TestClient(clients["admin"].app, client=("192.0.2.62", 4100))
    token = _form_token(visitor)
    fields = {f"f{n}": "x" * 500_000 for n in range(5)}  # 2.5 MB of fields
    response = visitor.post("/sign-in", data={"csrf": token, **fields}, follow_redirects=False)
    assert response.status_code == 413
    assert "<title>" in response.text and TOO_LARGE in response.text
    api = visitor.post(
        "/api/admin/backup",
        content=b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}",
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    assert api.status_code == 413 and api.json() == {"detail": TOO_LARGE}
    # A body that does not say its size is counted as it is read, and refused all the same.
    chunks = (b"x" * 65_536 for _ in range(40))  # 2.5 MB, sent without a Content-Length
    streamed = visitor.post(
        "/sign-in",
        content=chunks,
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert streamed.status_code == 413 and "Traceback" not in streamed.text
    assert visitor.get("/sign-in").status_code == 200
    # The upload route takes more than the site's cap: it answers a 3 MB file itself.
    admin = clients["admin"]
    upload = admin.post(
        "/admin/upload",
        data={"csrf": csrf_of(admin, "/admin/upload"), "access": "public"},
        files={"files": ("big.pdf", b"not a pdf " * 300_000, "application/pdf")},
        follow_redirects=False,
    )
    assert upload.status_code != 413 and TOO_LARGE not in upload.text


def test_an_empty_sign_in_box_is_named_beside_it(app) -> None:  # type: ignore[no-untyped-def]
    client = TestClient(app, client=("192.0.2.62", 4100))
    for data, field, message in (
        ({"name": "", "password": ""}, "name", "Enter your user name."),
        ({"name": "admin-user", "password": ""}, "password", "Enter your password."),
    ):
        response = client.post(
            "/sign-in", data={**data, "csrf": _form_token(client)}, follow_redirects=False
        )
        assert response.status_code == 400
        summary = re.search(r'class="govuk-error-summary".*?</ul>', response.text, re.S)
        assert summary is not None and f'href="#{field}"' in summary.group(0)
        assert message in summary.group(0)
        assert f'<p id="{field}-error" class="govuk-error-message">' in response.text
    assert sign_in(client, "admin-user") == 303  # empty boxes are not guesses
