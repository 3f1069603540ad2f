"""A small real library with a document at every access level, accounts for every role, and
signed-in test clients: the ground for the access, sign-in and admin tests."""

from __future__ import annotations

import csv
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ingest.pipeline import Ingester
from kb.handoff import make_ingest_runner
from search.curation import withdraw_document
from search.library import Library
from search.settings import Settings
from tests.doubles import HashingEncoder
from tests.pdfs import write_pdf
from web.app import create_app
from web.users import UserStore

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
    from fastapi.testclient import TestClient

PASSWORD = "river lamp orchard 1977"
ROLES_WITH_ACCOUNTS = ("partner", "staff", "admin")


@dataclass(frozen=True)
class Secret:
    """A document and the words that must never show to a reader below its level."""

    file: str
    level: str
    title: str
    organisation: str
    word: str

    @property
    def text(self) -> str:
        return (
            f"Damp homes and fuel poverty in Leicestershire, a study of {self.word}. "
            f"Cold housing harms children; the {self.word} scheme fixed mould and insulation."
        )


SECRETS = [
    Secret("open.pdf", "public", "Public report on damp homes", "Open Housing Forum", "sunlitvale"),
    Secret(
        "partner.pdf",
        "partner",
        "Partner draft on zanzibarite homes",
        "Zanzibar Trust",
        "zanzibarite",
    ),
    Secret(
        "internal.pdf",
        "internal",
        "Internal briefing on quillonmere",
        "Quillon Unit",
        "quillonmere",
    ),
    Secret(
        "withdrawn.pdf",
        "public",
        "Withdrawn paper on vexmoorish damp",
        "Vexmoor Office",
        "vexmoorish",
    ),
]

# The levels each role may read. The withdrawn document is gone for everyone, admins too,
# except on its own pages and the admin pages, where an admin brings it back.
VISIBLE = {
    "visitor": {"open.pdf"},
    "partner": {"open.pdf", "partner.pdf"},
    "staff": {"open.pdf", "partner.pdf", "internal.pdf"},
    "admin": {"open.pdf", "partner.pdf", "internal.pdf"},
}
WITHDRAWN_FILE = "withdrawn.pdf"


def write_secrets(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for secret in SECRETS:
        write_pdf(folder / secret.file, [secret.text, f"More on {secret.word} and damp housing."])
    with (folder / "manifest.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "title", "organisation", "year", "kind", "access"])
        for s in SECRETS:
            writer.writerow([s.file, s.title, s.organisation, "2024", "report", s.level])
    return folder


@pytest.fixture(scope="module")
def access_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("data"),
        qdrant={"mode": "memory"},  # type: ignore[arg-type]
        accounts={"sign_in_attempts": 3, "sign_in_client_attempts": 6, "upload_max_mb": 1},  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def access_library(
    access_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Library]:
    # Who may read what is plumbing, whatever the ranking: the deterministic encoder double
    # stands in for the model (every query here shares words with the documents it must find).
    opened = Library.open(access_settings, encoder=HashingEncoder())
    try:
        folder = write_secrets(tmp_path_factory.mktemp("secrets"))
        summary = Ingester(opened.index, access_settings.chunks, parse_workers=1).run([folder])
        assert summary.indexed == len(SECRETS), summary.outcomes
        withdrawn = doc_id_of(opened, "withdrawn.pdf")
        withdraw_document(opened.store, opened.catalogue, withdrawn)
        users = UserStore(access_settings.users_path)
        for role in ROLES_WITH_ACCOUNTS:
            users.add_user(f"{role}-user", role, PASSWORD)
        users.close()
        yield opened
    finally:
        opened.close()


def doc_id_of(library: Library, file_name: str) -> str:
    return next(r.doc_id for r in library.catalogue.documents() if r.file_name == file_name)


@pytest.fixture(scope="module")
def app(access_settings: Settings, access_library: Library):  # type: ignore[no-untyped-def]
    site = create_app(
        access_settings, library=access_library, ingest_runner=make_ingest_runner(access_library)
    )
    yield site
    # A deletion's clearing may still run in the background: it ends before the library closes.
    site.state.trace_clearing.stop()


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> int:
    """Sign in through the form, as a browser would; the response's status."""
    page = client.get("/sign-in")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/sign-in",
        data={"name": name, "password": password, "csrf": token.group(1)},
        follow_redirects=False,
    )
    return response.status_code


def add_accounts(users_path: Path, roles: tuple[str, ...], password: str = PASSWORD) -> None:
    """An account per role, named "<role>-user"."""
    users = UserStore(users_path)
    try:
        for role in roles:
            users.add_user(f"{role}-user", role, password)
    finally:
        users.close()


def signed_in_clients(
    app: Any, roles: tuple[str, ...], password: str = PASSWORD
) -> dict[str, TestClient]:
    """A visitor's client, and one per role signed in as its "<role>-user"."""
    out = {"visitor": TestClient(app)}
    for role in roles:
        client = TestClient(app)
        assert sign_in(client, f"{role}-user", password) == 303
        out[role] = client
    return out


def csrf_of(client: TestClient, path: str = "/account") -> str:
    token = re.search(r'name="csrf" value="([^"]+)"', client.get(path).text)
    assert token is not None
    return token.group(1)


@pytest.fixture(scope="module")
def clients(app) -> dict[str, TestClient]:  # type: ignore[no-untyped-def]
    """A client per role, each signed in (the visitor is not)."""
    return signed_in_clients(app, ROLES_WITH_ACCOUNTS)
