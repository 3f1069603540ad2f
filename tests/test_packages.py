"""Each package says what it offers: its `__all__` names every module and sub-package in it,
and every name listed can be imported from it."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

PACKAGES = [
    "search",
    "search.store",
    "search.models",
    "search.retrieval",
    "search.evidence",
    "ingest",
    "kb.eval",
]


@pytest.mark.parametrize("name", PACKAGES)
def test_a_package_lists_its_modules_and_every_listed_name_imports(name: str) -> None:
    package = importlib.import_module(name)
    offered = set(package.__all__)
    modules = {m.name for m in pkgutil.iter_modules(package.__path__)} - {"__main__"}
    assert modules <= offered, f"{name}.__all__ leaves out {sorted(modules - offered)}"
    for listed in offered:
        if listed in modules:
            importlib.import_module(f"{name}.{listed}")
        else:
            assert hasattr(package, listed), f"{name}.__all__ names {listed}, which it lacks"
