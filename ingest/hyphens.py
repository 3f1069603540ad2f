"""A word broken over two lines at a hyphen, put back the way its author wrote it.

A hyphen at the end of a line, before a small letter, is either the layout's ("regener-" /
"ation") or the author's ("low-" / "income"). Joining every one, as the text layers used to,
made "lowincome", "noncoastal" and "ruralurban": an officer copying a quote gets a word nobody
wrote, and a search for "non-coastal" misses the pages. The English word list decides:

- the two parts joined make a word ("regeneration", "copyright", "neighbourhoods"): joined;
- otherwise, when the part after is a word and the part before is a word ("low", "rural"), an
  acronym ("TAM") or a prefix written with a hyphen ("pre", "multi", "cyber"): hyphen kept;
- otherwise (pieces of a long, rare or foreign word, a name): joined, as before.

Pure functions over text; the word list is the speller's (`ingest.misread.english_known`),
read once a process, and only when a text has such a break.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ingest.misread import Known, english_known

__all__ = ["HYPHEN_PREFIXES", "join_broken_words", "line_end_hyphen"]

# Prefixes English writes with a hyphen before a word, which the word list lacks as words.
HYPHEN_PREFIXES = frozenset(
    {
        "anti",
        "bio",
        "co",
        "cyber",
        "eco",
        "inter",
        "intra",
        "macro",
        "micro",
        "mini",
        "multi",
        "non",
        "post",
        "pre",
        "pro",
        "semi",
        "socio",
        "sub",
        "un",
    }
)
# Endings a listed word takes ("households", "neighbourhoods", "communities"), tried when the
# word itself is not listed: (ending, what replaces it).
_ENDINGS = (
    ("ies", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("d", ""),
    ("ing", ""),
    ("ly", ""),
    ("ers", ""),
    ("er", ""),
)


def line_end_hyphen(left: str, right: str, known: Known | None = None) -> str:
    """What stands between the two parts of a word broken at a line-end hyphen: "" when they
    are one word, "-" when the author wrote the hyphen."""
    check = known or _english()
    if _is_word(left + right, check):
        return ""
    if not _is_word(right, check):
        return ""
    acronym = len(left) > 1 and left.isupper()
    if acronym or left.lower() in HYPHEN_PREFIXES or _is_word(left, check):
        return "-"
    return ""


def join_broken_words(text: str, pattern: re.Pattern[str], known: Known | None = None) -> str:
    """`text` with each break `pattern` finds (groups: the part before, the part after) joined
    by `line_end_hyphen`."""
    check: Callable[[], Known] = (lambda: known) if known else _english

    def mend(match: re.Match[str]) -> str:
        left, right = match.group(1), match.group(2)
        if any(c.isdigit() for c in left):
            return f"{left}-{right}"  # "COVID-19-" / "related": a hyphen the author wrote
        return left + line_end_hyphen(left, right, check()) + right

    return pattern.sub(mend, text)


def _is_word(word: str, known: Known) -> bool:
    if known(word):
        return True
    lower = word.lower()
    return any(
        lower.endswith(ending)
        and len(lower) - len(ending) >= 3
        and known(lower[: -len(ending)] + put)
        for ending, put in _ENDINGS
    )


_KNOWN: list[Known] = []


def _english() -> Known:
    if not _KNOWN:
        _KNOWN.append(english_known())
    return _KNOWN[0]
