"""The `kb` command: reads settings, wires the parts together.

`kb.cli` is the entry point; the other modules hold one command's work each.
"""

__all__ = ["cli"]
