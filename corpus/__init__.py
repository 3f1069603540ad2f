"""The bundled corpus and its tooling (data and scripts, never runtime code)."""
