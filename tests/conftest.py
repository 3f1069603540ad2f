"""Shared fixtures: offline model settings, the real encoder loaded once, PDF makers."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

from search.models.encoder import Encoder, load_encoder
from search.settings import ModelSettings, Settings

SHARED = Path(__file__).resolve().parents[1].parent / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(scope="session")
def model_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="session")
def encoder(model_cache: Path) -> Encoder:
    """The real default model (bge-small int8 ONNX), loaded once per test session."""
    return load_encoder(ModelSettings(), model_cache)


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
