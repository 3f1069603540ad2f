"""The ingest tests' library: an embedded store and the real model, opened per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings


@pytest.fixture
def library(embedded_settings: Settings, encoder: Encoder) -> Iterator[Library]:
    opened = Library.open(embedded_settings, encoder=encoder)
    yield opened
    opened.close()
