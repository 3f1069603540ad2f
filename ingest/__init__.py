"""Files to pages to chunks to vectors, written through the search package's index API.

Others (kb, the tests) use `ingest.pipeline` (Ingester, the run and its outcomes); the readers
(`pdf` with `glyphs`, `glyph_numbers`, `misread`, `quotemarks`, `swaps`, `ligatures` and
`hyphens`, `wordfile`, `webpage`, `ocr`), `chunking`, `metadata` and the isolated `worker`
(with `worker_preload`, what its fork server holds ready) are its parts.
"""

__all__ = [
    "chunking",
    "dating",
    "describing",
    "formats",
    "glyph_numbers",
    "glyphs",
    "hyphens",
    "layout",
    "ligatures",
    "matter",
    "metadata",
    "misread",
    "ocr",
    "pdf",
    "phrases",
    "pipeline",
    "quotemarks",
    "sections",
    "swaps",
    "textlayer",
    "webpage",
    "wordfile",
    "worker",
    "worker_preload",
]
