"""The index and everything that reads it: schema, encoders, store, retrieval."""
