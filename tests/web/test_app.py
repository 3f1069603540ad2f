"""The application shell: branding, statements, error pages, assets and the library's lifetime."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

import web.app
from search.library import Library
from search.settings import Settings
from web.app import create_app


def test_pages_carry_the_collaboration_brand_not_govuk(client: TestClient) -> None:
    html = client.get("/").text
    assert "Evidence Finder" in html
    assert "Leicestershire Health Determinants Research Collaboration" in html
    assert "govuk-header__logotype" not in html and "govuk-logo" not in html
    assert "Crown copyright" not in html
    assert "govuk-phase-banner" in html and "Beta" in html
    assert 'href="#main-content"' in html
    assert 'href="/accessibility"' in html and 'href="/privacy"' in html
    assert "/static/brand.css" in html


def test_contact_inbox_comes_from_settings(settings: Settings, library: Library) -> None:
    custom = settings.model_copy(
        update={"web": settings.web.model_copy(update={"contact_email": "hdrc@county.example"})}
    )
    with TestClient(create_app(custom, library=library)) as site:
        for page in ("/accessibility", "/privacy"):
            html = site.get(page).text
            assert 'href="mailto:hdrc@county.example"' in html
            assert "evidence-finder@example.org" not in html


def test_a_malformed_contact_inbox_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="contact_email"):
        Settings(web={"contact_email": "not an address"})


def test_accessibility_statement_has_the_usual_sections(client: TestClient) -> None:
    response = client.get("/accessibility")
    assert response.status_code == 200
    for heading in (
        "How accessible this website is",
        "Reporting accessibility problems",
        "Enforcement procedure",
        "Technical information",
        "Compliance status",
        "Preparation of this accessibility statement",
    ):
        assert heading in response.text
    assert "WCAG" in response.text or "Web Content Accessibility Guidelines" in response.text
    assert "26 November 2026" in response.text
    assert "Equality Advisory and Support Service" in response.text


def test_privacy_page_is_served(client: TestClient) -> None:
    response = client.get("/privacy")
    assert response.status_code == 200
    assert "cookies" in response.text.lower()


def test_unknown_route_is_a_friendly_html_404(client: TestClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text
    assert "govuk-footer" in response.text


def test_wrong_method_is_a_friendly_405(client: TestClient) -> None:
    response = client.post("/search")
    assert response.status_code == 405
    assert "This page cannot do that" in response.text


def test_a_crash_is_a_friendly_500_page_and_json_under_api(
    client: TestClient,
    library: Library,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the store fell over")

    monkeypatch.setattr(library.searcher, "search", broken)
    quiet = TestClient(client.app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="web.errors"):
        page = quiet.get("/search", params={"q": "damp"})
        api = quiet.get("/api/search", params={"q": "damp"})
    assert page.status_code == 500
    assert "Sorry, there is a problem with the service" in page.text
    assert "the store fell over" not in page.text
    assert api.status_code == 500 and "detail" in api.json()
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    assert "the store fell over" in caplog.text


def test_govuk_assets_are_served(client: TestClient) -> None:
    css = client.get("/assets/govuk-frontend.min.css")
    assert css.status_code == 200 and "govuk" in css.text
    assert client.get("/assets/govuk-frontend.min.js").status_code == 200
    assert client.get("/assets/manifest.json").status_code == 200
    assert client.get("/static/brand.css").status_code == 200


def test_missing_assets_log_one_warning_and_pages_still_render(
    settings: Settings,
    library: Library,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(web.app, "GOVUK_DIST", tmp_path / "missing")
    with caplog.at_level(logging.WARNING, logger="web.app"):
        app = create_app(settings, library=library)
    warnings = [r for r in caplog.records if r.name == "web.app"]
    assert len(warnings) == 1 and "npm install" in warnings[0].getMessage()
    response = TestClient(app).get("/")
    assert response.status_code == 200
    assert "govuk-frontend.min.css" not in response.text


class _FakeLibrary:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_app_opens_its_own_library_and_closes_it_on_shutdown(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _FakeLibrary()
    monkeypatch.setattr(Library, "open", classmethod(lambda cls, s: fake))
    app = create_app(settings)
    with TestClient(app):
        assert app.state.library is fake
        assert not fake.closed
    assert fake.closed


def test_app_leaves_a_given_library_open(settings: Settings, library: Library) -> None:
    with TestClient(create_app(settings, library=library)) as client:
        assert client.get("/healthz").status_code == 200
    assert library.store.count() > 0


def test_every_page_says_when_the_library_was_last_updated(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert "Last updated" in page.text
