"""Behind a reverse proxy: the client address and scheme it forwards are believed only from the
proxies the settings name (served over real HTTP by uvicorn, as `kb serve` runs it)."""

from __future__ import annotations

import re

import httpx
import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from search.library import Library
from search.settings import Settings
from tests.accounts.conftest import PASSWORD
from tests.live_site import serve_app
from web.admin import SIGN_IN_COOKIE
from web.app import create_app, server_options


def _sign_in(base: str, client: str, name: str, password: str = PASSWORD) -> httpx.Response:
    """Sign in through the form as a proxy would pass it on: the browser at `client` used https."""
    forwarded = {"x-forwarded-for": client, "x-forwarded-proto": "https"}
    with httpx.Client(base_url=base, headers=forwarded, trust_env=False) as http:
        page = http.get("/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        cookie = re.search(rf"{SIGN_IN_COOKIE}=([^;]+)", page.headers.get("set-cookie", ""))
        assert token is not None and cookie is not None
        return http.post(
            "/sign-in",
            data={"name": name, "password": password, "csrf": token.group(1)},
            headers={"cookie": f"{SIGN_IN_COOKIE}={cookie.group(1)}"},
        )


def _serve(settings: Settings, library: Library, proxies: list[str]):  # type: ignore[no-untyped-def]
    settings = settings.model_copy(
        update={"web": settings.web.model_copy(update={"trusted_proxies": proxies})}
    )
    app = create_app(settings, library=library)  # its own sign-in limiter
    return serve_app(app, **server_options(settings))


def _guess_until_held_up(base: str, client: str, attempts: int) -> None:
    # A new made-up account each time: one account is held up sooner than its client.
    for n in range(attempts):
        assert _sign_in(base, client, f"nobody-{n}", "wrong password here").status_code == 400


def _is_secure(response: httpx.Response) -> bool:
    return "secure" in response.headers["set-cookie"].lower().replace("httponly", "")


def test_a_trusted_proxy_gives_each_client_its_own_limit_and_secure_cookies(
    access_settings: Settings, access_library: Library
) -> None:
    with _serve(access_settings, access_library, ["127.0.0.1"]) as base:
        _guess_until_held_up(base, "203.0.113.9", access_settings.accounts.sign_in_client_attempts)
        assert _sign_in(base, "203.0.113.9", "staff-user").status_code == 429
        # Another client behind the same proxy is not held up by the first one's guessing...
        signed_in = _sign_in(base, "198.51.100.7", "staff-user")
        assert signed_in.status_code == 303
        # ...and the browser used https, so the session cookie is Secure.
        assert _is_secure(signed_in)


def test_forwarded_headers_from_anyone_else_are_ignored(
    access_settings: Settings, access_library: Library
) -> None:
    with _serve(access_settings, access_library, ["10.9.9.9"]) as base:
        # The claim of https is not believed either: the cookie is not marked Secure.
        signed_in = _sign_in(base, "198.51.100.7", "staff-user")
        assert signed_in.status_code == 303 and not _is_secure(signed_in)
        _guess_until_held_up(base, "203.0.113.9", access_settings.accounts.sign_in_client_attempts)
        # Every request came from 127.0.0.1, whatever it claimed: one client, now held up.
        assert _sign_in(base, "198.51.100.7", "staff-user").status_code == 429


@pytest.mark.parametrize("value", ["*", "proxy.example.org", "10.0.0.0/33", "10.0.0.1,*"])
def test_trusted_proxies_must_be_addresses(value: str) -> None:
    with pytest.raises(ValidationError, match="not an IP address or network"):
        Settings(web={"trusted_proxies": value})  # type: ignore[arg-type]


def test_trusted_proxies_read_from_a_comma_list() -> None:
    web = Settings(web={"trusted_proxies": "10.0.0.5, 192.168.0.0/24"}).web  # type: ignore[arg-type]
    assert web.trusted_proxies == ["10.0.0.5", "192.168.0.0/24"]
    assert server_options(Settings(web=web))["forwarded_allow_ips"] == web.trusted_proxies


def test_forms_posted_from_the_public_address_are_accepted_behind_a_proxy(
    access_settings: Settings, access_library: Library
) -> None:
    # The proxy asks for 127.0.0.1 over http; the browser's page was the public https address.
    web = access_settings.web.model_dump() | {"base_url": "https://evidence.example.gov.uk/"}
    settings = Settings.model_validate({**access_settings.model_dump(), "web": web})
    app = create_app(settings, library=access_library)
    for origin, expected in (
        ("https://evidence.example.gov.uk", 303),
        ("https://evil.example", 403),
    ):
        client = TestClient(app, base_url="http://127.0.0.1")
        page = client.get("/sign-in")
        token = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert token is not None
        response = client.post(
            "/sign-in",
            data={"name": "staff-user", "password": PASSWORD, "csrf": token.group(1)},
            headers={"Origin": origin},
            follow_redirects=False,
        )
        assert response.status_code == expected, origin
