"""The `kb` command: reads settings, wires the parts together."""
