"""An admin's day in a real browser: sign in, upload a PDF, correct its details and who can
see it, then withdraw it; add an account, set its password and role, then remove it. Every page
on the way passes axe-core's WCAG 2.2 AA rules, and a visitor never sees the document."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from ingest.pipeline import Ingester
from kb.handoff import make_ingest_runner
from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings
from tests.browser.checks import axe_violations, describe_violations
from tests.browser.conftest import VIEWPORT
from tests.live_site import serve_app
from tests.pdfs import write_pdf
from web.app import create_app
from web.users import UserStore

pytestmark = pytest.mark.browser

PASSWORD = "kettle meadow lantern 2031"


@pytest.fixture(scope="module")
def admin_site(encoder: Encoder, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("admin-data"),
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
    )
    library = Library.open(settings, encoder=encoder)
    first = tmp_path_factory.mktemp("admin-corpus")
    write_pdf(first / "start.pdf", ["Bus routes link villages in Rutland to market towns."])
    Ingester(library.index, settings.chunks, parse_workers=1).run([first])
    users = UserStore(settings.users_path)
    users.add_user("ada", "admin", PASSWORD)
    users.close()
    app = create_app(settings, library=library, ingest_runner=make_ingest_runner(library))
    try:
        with serve_app(app) as url:
            yield url
    finally:
        library.close()


def _check(page: Page, where: str) -> None:
    violations = axe_violations(page)
    assert not violations, f"axe found problems on {where}:\n{describe_violations(violations)}"


def test_upload_correct_and_withdraw_in_the_browser(
    browser: Browser, admin_site: str, tmp_path: Path
) -> None:
    context = browser.new_context(viewport=VIEWPORT, base_url=admin_site)  # type: ignore[arg-type]
    page = context.new_page()
    page.goto("/admin/upload")
    assert page.url.endswith("/sign-in?next=/admin/upload")
    _check(page, "the sign-in page")
    page.get_by_label("User name").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/admin/upload")
    _check(page, "the upload page")

    pdf = write_pdf(
        tmp_path / "play-streets.pdf",
        ["Play streets in Oadby: closing roads after school lets children play outside."],
        title="untitled",
    )
    page.get_by_label("Files to add").set_input_files(str(pdf))
    page.get_by_label("Partners and staff who have signed in").check()
    page.get_by_role("button", name="Upload and add to the library").click()
    page.wait_for_url("**/admin/uploads/*")
    progress_url = page.url
    # The job is still at work when its page first shows (a parse worker takes longer to start
    # than the page to load)...
    assert "files done" in page.inner_text("#upload-status")
    # ...and the page keeps itself current: no reload is needed to see it finish.
    for _ in range(240):
        if "Finished" in page.inner_text("main"):
            break
        page.wait_for_timeout(500)
    assert "Finished" in page.inner_text("main")
    assert page.url == progress_url
    assert "play-streets.pdf" in page.inner_text("main")
    _check(page, "the upload progress page")

    page.get_by_role("link", name="Check details of play-streets.pdf").click()
    assert page.get_by_label("Title").input_value()  # pre-filled from the PDF
    _check(page, "the details page")
    page.get_by_label("Title").fill("Play streets " * 25)  # 325 characters: too long
    page.get_by_role("button", name="Save details").click()
    assert "Enter a title of 300 characters or fewer" in page.inner_text("#title-error")
    assert page.get_by_label("Title").input_value().startswith("Play streets Play streets")
    _check(page, "the details page with an error")
    page.get_by_label("Title").fill("Play streets in Oadby")
    page.get_by_label("Organisation").fill("Oadby and Wigston Borough Council")
    page.get_by_label("Year").fill("2023")
    page.get_by_label("Staff who have signed in", exact=True).check()
    page.get_by_role("button", name="Save details").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Play streets in Oadby"
    assert "staff only" in page.inner_text("#admin-actions")
    _check(page, "a document page with admin actions")
    document_url = page.url

    page.get_by_role("button", name="Withdraw this document").click()
    assert "Withdrawn" in page.inner_text("#admin-actions")
    _check(page, "a withdrawn document's page")

    visitor = browser.new_context(viewport=VIEWPORT, base_url=admin_site)  # type: ignore[arg-type]
    response = visitor.new_page().goto(document_url)
    assert response is not None and response.status == 404
    visitor.close()
    page.goto("/admin/audit")
    log = page.inner_text("main")
    assert "upload" in log and "access change" in log and "withdraw" in log
    _check(page, "the audit log")
    # Deleted for good, after a page that asks first.
    page.goto(document_url)
    page.get_by_role("link", name="Delete for good").click()
    assert page.get_by_role("heading", level=1).inner_text() == (
        "Are you sure you want to delete ‘Play streets in Oadby’ for good?"
    )
    _check(page, "the page that asks before deleting a document")
    page.get_by_role("button", name="Delete for good").click()
    page.wait_for_url("**/admin?deleted=*")
    assert "Document deleted: Play streets in Oadby" in page.inner_text("main")
    _check(page, "the admin page saying a document was deleted")
    assert page.goto(document_url).status == 404  # type: ignore[union-attr]
    for path, heading in (
        ("/admin", "Admin"),
        ("/admin/status", "Ingest status"),
        ("/admin/history", "Ingest history"),
        ("/admin/users", "Accounts"),
        ("/account", "Your account"),
    ):
        page.goto(path)
        assert page.get_by_role("heading", level=1).inner_text() == heading
        _check(page, path)
    # Accounts added, changed and removed in the browser: each page, its error and its banner.
    page.goto("/admin/users/new")
    _check(page, "the add-an-account form")
    page.get_by_role("button", name="Add account").click()
    assert page.locator(".govuk-error-summary").is_visible()
    _check(page, "the add-an-account form with errors")
    page.get_by_label("User name").fill("axe-partner")
    page.locator("#role-partner").check()
    page.get_by_label("First password").fill("heron lantern meadow copper")
    page.get_by_role("button", name="Add account").click()
    assert "axe-partner" in page.inner_text(".govuk-notification-banner")
    _check(page, "the accounts page after adding one")
    # They forgot their password: a new one, refused first, then set.
    page.get_by_role("link", name="Set a new password for axe-partner").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Set a new password for axe-partner"
    _check(page, "the set-a-new-password form")
    page.get_by_label("New password").fill("axe-partner garden")
    page.get_by_role("button", name="Set password").click()
    assert "their user name" in page.inner_text("#password-error")
    assert page.get_by_label("New password").input_value() == ""
    _check(page, "the set-a-new-password form with an error")
    page.get_by_label("New password").fill("willow parsnip beacon 7310")
    page.get_by_role("button", name="Set password").click()
    assert "New password set for axe-partner" in page.inner_text(".govuk-notification-banner")
    _check(page, "the accounts page after setting a password")
    # Their role: a tampered choice is refused first (a browser only sends the three), then set.
    page.get_by_role("link", name="Change role of axe-partner").click()
    assert page.locator("#role-partner").is_checked()
    _check(page, "the change-role form")
    page.evaluate("document.querySelectorAll('input[name=role]').forEach(r => r.value = 'king')")
    page.get_by_role("button", name="Change role").click()
    assert "partner, staff or admin" in page.inner_text("#role-error")
    _check(page, "the change-role form with an error")
    page.locator("#role-staff").check()
    page.get_by_role("button", name="Change role").click()
    assert "axe-partner is now staff" in page.inner_text(".govuk-notification-banner")
    _check(page, "the accounts page after changing a role")
    page.goto("/admin/users/remove?name=axe-partner")
    _check(page, "the remove-an-account page")
    page.get_by_role("button", name="Remove account").click()
    assert "axe-partner" in page.inner_text(".govuk-notification-banner")
    assert "axe-partner" not in page.inner_text("table")
    _check(page, "the accounts page after removing one")
    page.goto("/account")
    page.get_by_role("button", name="Sign out", exact=True).click()
    assert page.goto("/admin").status == 200  # type: ignore[union-attr]
    assert page.url.endswith("/sign-in?next=/admin")
    context.close()
