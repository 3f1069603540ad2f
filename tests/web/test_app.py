"""The application shell: branding, statements, error pages, assets and the library's lifetime."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

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


def _with_assets_dir(settings: Settings, folder: Path) -> Settings:
    return settings.model_copy(
        update={"web": settings.web.model_copy(update={"assets_dir": folder})}
    )


def test_missing_assets_log_a_warning_each_and_pages_still_render(
    settings: Settings,
    library: Library,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="web.app"):
        app = create_app(_with_assets_dir(settings, tmp_path), library=library)
    warnings = [r.getMessage() for r in caplog.records if r.name == "web.app"]
    assert len(warnings) == 2  # GOV.UK Frontend, then Swagger UI
    assert all("npm install" in w and "KB_WEB__ASSETS_DIR" in w for w in warnings)
    response = TestClient(app).get("/")
    assert response.status_code == 200
    assert "govuk-frontend.min.css" not in response.text


def test_assets_come_from_the_folder_the_setting_names(
    settings: Settings, library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dist = tmp_path / "govuk-frontend" / "dist" / "govuk"
    (dist / "assets").mkdir(parents=True)
    (dist / "govuk-frontend.min.css").write_text(".our-own-copy{}")
    (dist / "govuk-frontend.min.js").write_text("// our own copy")
    (dist / "assets" / "manifest.json").write_text("{}")
    monkeypatch.setenv("KB_WEB__ASSETS_DIR", str(tmp_path))
    from_env = Settings(data_dir=settings.data_dir, qdrant={"mode": "memory"})  # type: ignore[arg-type]
    assert from_env.web.assets_dir == tmp_path
    with TestClient(create_app(_with_assets_dir(settings, tmp_path), library=library)) as site:
        assert site.get("/assets/govuk-frontend.min.css").text == ".our-own-copy{}"
        assert site.get("/assets/manifest.json").status_code == 200
        assert "govuk-frontend.min.css" in site.get("/").text


def test_an_assets_folder_that_is_not_there_is_refused_at_start_up(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="assets_dir"):
        Settings(data_dir=tmp_path, web={"assets_dir": tmp_path / "nowhere"})  # type: ignore[arg-type]


class _FakeLibrary:
    closed = False

    def close(self) -> None:
        self.closed = True


def test_app_opens_its_own_library_and_closes_it_on_shutdown(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = _FakeLibrary()
    monkeypatch.setattr(Library, "open", classmethod(lambda cls, s, **_: fake))
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
