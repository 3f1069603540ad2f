"""Imported once by the fork server the parse workers start from (`ingest.worker`), never by
the job itself: it reads the English word list that nearly every document's text repairs ask
(`ingest.misread.english_known`), so each worker starts with it in memory shared with the
server, instead of reading it again for its one file (about 0.17 CPU-s a file)."""

from __future__ import annotations

import logging

from ingest.misread import english_known

__all__: list[str] = []

try:
    english_known()
except Exception:  # the server must start whatever happens; a worker reads the list itself
    logging.getLogger(__name__).exception("the word list could not be read ahead")
