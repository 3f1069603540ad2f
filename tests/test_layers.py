"""Search's tests stand on search alone: none imports the layers above it (`web`, `kb`; the
README's kb → web → search), so a change to a page or a command cannot break or hide a test of
the index, and a test of a site's part lives beside the site's tests in tests/web."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).parent
ABOVE_SEARCH = {"web", "kb"}
# Tests still reading searches through the site's `run_search`, to move or rewrite against
# `Library.searcher`: the list only shrinks, and is empty since the spelling tests that search
# through the site moved to tests/web/test_spelling_suggestions.py.
STILL_ABOVE: set[str] = set()


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
        if path.name not in STILL_ABOVE
    }
    assert {name: above for name, above in leaning.items() if above} == {}


def test_the_list_of_tests_still_above_search_stays_empty() -> None:
    """The list only shrinks, and nothing is left on it: a test of search that needs the site
    belongs in tests/web."""
    assert not STILL_ABOVE, sorted(STILL_ABOVE)
