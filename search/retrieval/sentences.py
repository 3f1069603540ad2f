"""Where a sentence stops: the one rule passages are cut by and headings are told apart by."""

from __future__ import annotations

import re

__all__ = ["BOUNDARY", "ENDS_SENTENCE", "HAS_SENTENCE_END", "SENTENCE_END", "STOP"]

# A full stop, question or exclamation mark, with any closing quotes or brackets after it.
STOP = r"[.!?][\"”’')\]]*"
# The text ends a sentence (trailing space allowed).
ENDS_SENTENCE = re.compile(STOP + r"\s*$")
# A sentence stops here and another starts (or a line ends: the chunker ends every heading and
# paragraph with a newline); the match ends where the next sentence begins.
BOUNDARY = re.compile(STOP + r"\s+(?=[\"“‘'(\[]?[A-Z0-9•])|\n")
# A sentence stops here (the match ends right after its stop), or a line ends.
SENTENCE_END = re.compile(STOP + r"(?=\s)|\n")
# A stop followed by a space or the end: ". " or a final ".", not the point in "66.6%".
HAS_SENTENCE_END = re.compile(STOP + r"(?:\s|$)")
