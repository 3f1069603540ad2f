"""Search's tests stand on search alone: none imports the layers above it (`web`, `kb`; the
README's kb → web → search), so a change to a page or a command cannot break or hide a test of
the index, and a test of a site's part lives beside the site's tests in tests/web."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
ABOVE_SEARCH = {"web", "kb"}


def _imported_packages(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_search_tests_import_nothing_above_search() -> None:
    leaning = {
        path.name: sorted(_imported_packages(path) & ABOVE_SEARCH)
        for path in sorted((TESTS / "search").glob("*.py"))
    }
    assert {name: above for name, above in leaning.items() if above} == {}
