"""Shapes of regular expression that make Python's backtracking engine quadratic on a long run
of blank space, found in a module's compiled patterns by reading their source. A test that
finds none needs no clock to show the hostile input is read in one pass."""

from __future__ import annotations

import re
from types import ModuleType

# Two runs of white space with at most one optional mark between them ("\s*:?\s*"): a run of
# n spaces can be split between them n ways, and a failed match tries every split.
_SPLIT_RUN = re.compile(r"\\s[*+](?:[^\\\s()[\]]\?)?\\s[*+]")
# A white space run at a line start under MULTILINE ("^\s*"): every line start of a run of
# blank lines begins a scan over the rest of the run.
_LINE_START_RUN = "^\\s*"
# A pattern that opens on a white space run ("\s*\(…"): searched for, it is tried from every
# space of a long run, and each try reads the rest of the run again.
_LEADING_RUN = re.compile(r"^\\s[*+]")


def quadratic_shapes(module: ModuleType) -> list[str]:
    """The names of the module's compiled patterns that hold one of the shapes above."""
    found = []
    for name, value in sorted(vars(module).items()):
        if not isinstance(value, re.Pattern) or not isinstance(value.pattern, str):
            continue
        source = value.pattern
        if (
            _SPLIT_RUN.search(source)
            or _LEADING_RUN.match(source)
            or (value.flags & re.M and _LINE_START_RUN in source)
        ):
            found.append(name)
    return found
