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


MODULE_ROOTS = ["search", "ingest", "web", "kb", "corpus"]


def _modules() -> list[str]:
    names: list[str] = []
    for root in MODULE_ROOTS:
        package = importlib.import_module(root)
        names.extend(
            info.name
            for info in pkgutil.walk_packages(package.__path__, prefix=f"{root}.")
            if not info.ispkg and not info.name.endswith("__main__")
        )
    return sorted(names)


@pytest.mark.parametrize("name", _modules())
def test_a_module_states_its_public_names_and_has_each(name: str) -> None:
    module = importlib.import_module(name)
    public = getattr(module, "__all__", None)
    assert public is not None, f"{name} has no __all__"
    missing = [n for n in public if not hasattr(module, n)]
    assert not missing, f"{name}.__all__ names what it lacks: {missing}"
