"""One form for each character: how the index folds a document's text and a query alike.

Text copied out of a PDF carries typesetting forms (the ligature 'ﬁ', full-width letters,
Arabic presentation forms) and invisible marks (soft hyphens, bidi controls, byte-order marks).
Ingest folds every page with `fold_characters` before it is chunked and encoded, and the
searcher folds each query with the same function, so 'ﬁnancial' typed or pasted finds what
'financial' finds in every leg of a search.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["fold_characters"]

_LIGATURES = str.maketrans(
    {
        "\ufb00": "ff",
        "\ufb01": "fi",
        "\ufb02": "fl",
        "\ufb03": "ffi",
        "\ufb04": "ffl",
        "\ufb05": "st",
        "\ufb06": "st",
    }
)
# Characters that mean nothing in text: soft hyphen, bidi controls, byte-order marks.
_INVISIBLE = re.compile(r"[\u00ad\u200e\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")


def fold_characters(text: str) -> str:
    """The text with ligatures spelt out, invisible marks dropped and NFKC applied; plain
    ASCII comes back as it is."""
    if text.isascii():
        return text
    text = _INVISIBLE.sub("", text.translate(_LIGATURES))
    # NFKC folds presentation forms (Arabic, full-width, ligatures) to plain letters.
    return unicodedata.normalize("NFKC", text)
