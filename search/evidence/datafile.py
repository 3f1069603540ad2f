"""Reads one of the evidence domain's YAML data files (taxonomy, gazetteer) and checks it.

Both files fail the same way, so one reader says which file and what is wrong:
it cannot be read, it is not YAML, or its parser refused an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

__all__ = [
    "T",
    "load_yaml_file",
]

T = TypeVar("T")

# libyaml's parser when PyYAML was built with it (the wheels are): the same safe loading,
# about 6x faster, which was a third of a second of every start-up.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml_file(path: Path, what: str, parse: Callable[[Any], T], error: type[ValueError]) -> T:
    """Parse `path` with `parse`; every failure is raised as `error`, naming `what` and the path."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # a safe loader
    except OSError as failure:
        raise error(f"cannot read the {what} {path}: {failure.strerror}") from failure
    except UnicodeDecodeError:
        raise error(f"the {what} {path} is not a text file (UTF-8)") from None
    except yaml.YAMLError as failure:
        raise error(f"the {what} {path} is not valid YAML: {failure}") from failure
    try:
        return parse(data)
    except error as failure:
        raise error(f"{path}: {failure}") from None
