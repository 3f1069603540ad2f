"""Shared fixtures: offline model settings, the real encoder loaded once, PDF makers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
# FastAPI's TestClient calls the site "testserver"; the site answers only to allowed host names,
# and the test-only name stays out of the production default.
os.environ.setdefault("KB_WEB__ALLOWED_HOSTS", "127.0.0.1,localhost,::1,testserver")

from search.library import Library
from search.models.encoder import Encoder, load_encoder
from search.settings import ModelSettings, Settings
from search.store.embedded import EmbeddedStore
from tests.doubles import RememberingEncoder
from tests.libraries import FIVE_NOTES, build_notes, opened_copy

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"

# Suites that start real processes (kb commands, a live site, PDF workers killed on purpose),
# a browser, or score a whole labelled set: `make test` runs them, `make test-fast` does not.
SLOW_TESTS = (
    # starts a Python process to see what a search through the site imports
    "tests/search/test_encoder.py::test_searching_through_the_site_never_imports_pytorch",
    "tests/kb/test_eval_tags.py::test_tagger_meets_the_targets_on_the_holdout_split_it_was_tuned_on",
    "tests/kb/test_eval_tags.py::test_tagger_meets_a_recall_floor_on_the_fresh_labels",
)
SLOW_MODULES = (
    "tests/kb/test_cli.py",
    "tests/kb/test_handoff.py",
    "tests/ingest/test_crash_safety.py",
    "tests/ingest/test_hostile.py",
    "tests/packaging/test_wheel.py",
    "tests/web/test_load.py",
    "tests/web/test_api_schema.py",
    "tests/web/test_exact_counts.py",  # ingests 30 PDFs to get past the candidates
    "tests/ingest/test_ocr.py",
    "tests/ingest/test_formats_pipeline.py",
    "tests/kb/test_reembed.py",  # loads a second real model, MiniLM through PyTorch
)
SLOW_FOLDERS = ("tests/browser/",)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.path)).relative_to(root).as_posix()
        test_id = f"{where}::{item.name}"
        if where in SLOW_MODULES or where.startswith(SLOW_FOLDERS) or test_id in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def encoder(model_cache: Path) -> Encoder:
    """The real default model (bge-small int8 ONNX), loaded once per test session; it
    remembers each text's vector, so the tagging prototypes every library embeds are
    computed once (see RememberingEncoder)."""
    return RememberingEncoder(load_encoder(ModelSettings(), model_cache))


@pytest.fixture
def optimised(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders of the embedded stores the test's code optimises, in order (each is still
    optimised). The engine builds its graph and the vectors' one-byte copies only past
    thresholds a test's few points never reach, so the call is what a test can see."""
    folders: list[Path] = []
    optimize = EmbeddedStore.optimize

    def watched(store: EmbeddedStore) -> None:
        folders.append(store._path)
        optimize(store)

    monkeypatch.setattr(EmbeddedStore, "optimize", watched)
    return folders


@pytest.fixture
def memory_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", qdrant={"mode": "memory"})  # type: ignore[arg-type]


@pytest.fixture
def embedded_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data")


@pytest.fixture
def shared_pdfs() -> Iterator[Path]:
    folder = SHARED_DATA / "pdfs"
    if not folder.is_dir():
        pytest.skip(f"shared test data not found at {folder}")
    yield folder


@pytest.fixture(scope="session")
def five_notes(tmp_path_factory: pytest.TempPathFactory, encoder: Encoder) -> Path:
    """The data folder of a library of the five one-page notes (`tests.libraries.FIVE_NOTES`),
    ingested once with the real model; tests change only copies (`five_notes_library`)."""
    return build_notes(tmp_path_factory.mktemp("five-notes"), list(FIVE_NOTES), encoder)


@pytest.fixture
def five_notes_library(five_notes: Path, tmp_path: Path, encoder: Encoder) -> Iterator[Library]:
    """A copy of the five notes' library of this test's own, opened."""
    yield from opened_copy(five_notes, tmp_path / "data", encoder)
