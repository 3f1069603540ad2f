"""Every path builds the write side with `build_index`, so no path can forget the tagger."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from search.index import Index, build_index, load_tagging
from search.library import Library
from search.models.encoder import Encoder
from search.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("kb", "web", "ingest", "search", "tests")


def _direct_index_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id == "Index")
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "Index")
        )
    ]


def test_only_the_factory_constructs_an_index() -> None:
    factory = ROOT / "search" / "index.py"
    offenders = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != factory
        for line in _direct_index_calls(path)
    ]
    assert offenders == []


def test_the_factory_gives_every_index_a_tagger(
    memory_settings: Settings, encoder: Encoder
) -> None:
    library = Library.open(memory_settings, encoder=encoder)
    try:
        assert library.index.tagging is not None
        other = library.writer(library.catalogue)
        assert isinstance(other, Index)
        # The hand-off's index shares the library's tagger, so prototypes are embedded once.
        assert other.tagging is library.index.tagging
        fresh = build_index(
            library.store, library.catalogue, encoder, load_tagging(memory_settings, encoder)
        )
        assert fresh.tagging is not None
        assert fresh.tagging.taxonomy.ids == library.index.tagging.taxonomy.ids
    finally:
        library.close()


def test_a_library_that_fails_to_open_lets_go_of_the_index(
    tmp_path: Path, encoder: Encoder
) -> None:
    settings = Settings(data_dir=tmp_path / "data")
    broken = settings.model_copy(
        update={"search": settings.search.model_copy(update={"synonyms_path": tmp_path / "no"})}
    )
    with pytest.raises(FileNotFoundError):
        Library.open(broken, encoder=encoder)
    library = Library.open(settings, encoder=encoder)  # the embedded store was unlocked
    library.close()
