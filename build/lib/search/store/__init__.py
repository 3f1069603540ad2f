"""The vector store: one interface, its shared core and the embedded and server adapters."""
