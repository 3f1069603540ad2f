"""Scripts that build the bundled corpus."""
