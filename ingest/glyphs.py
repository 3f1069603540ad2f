"""Glyph names a PDF's text came out as, where its font gave no letters for them.

pypdf writes a glyph it cannot map to a letter as its name after a slash. Two kinds reach the
text of real reports:

- A font's alternate forms, named after the letter they draw: "/two.tab" (a figure for tables),
  "/hyphen.cap", "/f_i" (a ligature). The letter is known from the name, so it is put back:
  "Strategy /two.tab/zero.tab/one.tab/seven.tab" reads "Strategy 2017".
- Bare glyph numbers ("/g150/g138/g3"), from a font that numbers its glyphs and says nothing of
  what they draw. Nothing can be read from the name alone: they are blanked, and a page made
  mostly of them counts as junk (`ingest.pdf.garbage_share`). With OCR on, a few such pages
  read by OCR teach what the glyphs draw and the rest are read from their text
  (`ingest.glyph_numbers`); a page left unsure is read by OCR.

Pure functions over text, so they are tested without files.
"""

from __future__ import annotations

import re

__all__ = ["blank_glyph_numbers", "glyph_number_chars", "restore_glyph_names"]

# The names fonts give the letters, figures and marks of English text (the Adobe Glyph List's
# names for them), and what each draws.
_NAMED = {
    **{letter: letter for letter in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **dict(
        zip(
            ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"),
            "0123456789",
            strict=True,
        )
    ),
    "space": " ",
    "nbspace": " ",
    "hyphen": "-",
    "endash": "–",
    "emdash": "—",
    "minus": "-",
    "period": ".",
    "comma": ",",
    "colon": ":",
    "semicolon": ";",
    "exclam": "!",
    "question": "?",
    "parenleft": "(",
    "parenright": ")",
    "bracketleft": "[",
    "bracketright": "]",
    "braceleft": "{",
    "braceright": "}",
    "slash": "/",
    "backslash": "\\",
    "percent": "%",
    "ampersand": "&",
    "plus": "+",
    "equal": "=",
    "less": "<",
    "greater": ">",
    "asterisk": "*",
    "numbersign": "#",
    "at": "@",
    "dollar": "$",
    "sterling": "£",
    "Euro": "€",
    "euro": "€",
    "degree": "°",
    "quotesingle": "'",
    "quotedbl": '"',
    "quoteright": "’",
    "quoteleft": "‘",
    "quotedblleft": "“",
    "quotedblright": "”",
    "bullet": "•",
    "periodcentered": "·",
    "ellipsis": "…",
    "underscore": "_",
    "fi": "fi",
    "fl": "fl",
    "ff": "ff",
    "ffi": "ffi",
    "ffl": "ffl",
}
# The suffixes fonts add to a letter's name for its alternate forms (OpenType feature tags and
# numbered variants). Only these count, so a web address ("/one.pdf") is left alone.
_SUFFIX = (
    r"(?:tab|tf|tnum|lf|lnum|osf|onum|tosf|pnum|prop|sc|smcp|c2sc|cap|case|sups|sup|subs|sub"
    r"|sinf|numr|dnom|alt\d?|salt|swsh|liga|dlig|ital|fitted|ss\d\d|cv\d\d|\d{3})"
)
_NAME = r"[A-Za-z]+(?:_[A-Za-z]+)*|uni[0-9A-F]{4}"
# A named glyph pypdf could not map: its name with a suffix, or a ligature of names ("f_i").
_GLYPH_NAME = re.compile(rf"/({_NAME})((?:\.{_SUFFIX})*)(?![\w.])")
_UNICODE_NAME = re.compile(r"uni[0-9A-F]{4}")
# A bare glyph number: "/g150", "/glyph12", "/G3", "/cid42".
_GLYPH_NUMBER = re.compile(r"/(?:glyph|cid|index|g|G)\d{1,5}(?!\d)")
# Fewer than this many glyph numbers on a page may be a web address's path ("…/g12"), not a font.
_MIN_GLYPH_NUMBERS = 5


# Letters a font mapped its dash to: some Office exports give the hyphen and the dash the code
# of the Greek capital heta ("nonͲlonely", "7Ͳ10"), a letter English text never uses.
_MISREAD_DASHES = str.maketrans({"\u0372": "-"})


def restore_glyph_names(text: str) -> str:
    """The text with each named glyph pypdf left as a name ("/two.tab", "/f_i") put back as
    the letters it draws, and dashes a font misnamed put back as dashes; names we do not know
    stay as they are."""
    text = text.translate(_MISREAD_DASHES)
    if "/" not in text:
        return text
    return _GLYPH_NAME.sub(_letters_of, text)


def _letters_of(match: re.Match[str]) -> str:
    name, suffix = match.group(1), match.group(2)
    if _UNICODE_NAME.fullmatch(name):
        return chr(int(name[3:], 16))
    parts = name.split("_")
    # A bare name pypdf would have mapped itself: one without a suffix is a path, not a glyph.
    if not suffix and len(parts) == 1:
        return match.group(0)
    letters = [_NAMED.get(part) for part in parts]
    if any(letter is None for letter in letters):
        return match.group(0)
    return "".join(letter for letter in letters if letter is not None)


def glyph_number_chars(text: str) -> int:
    """How many of the text's characters are bare glyph numbers ("/g150"); 0 when there are
    too few of them to be a font's (a web address may hold one)."""
    found = _GLYPH_NUMBER.findall(text) if "/" in text else []
    return sum(len(f) for f in found) if len(found) >= _MIN_GLYPH_NUMBERS else 0


def blank_glyph_numbers(text: str) -> str:
    """The text with bare glyph numbers blanked, when there are enough to be a font's: such a
    font often numbers its space too ("Overview/g3of/g3the"), so each becomes a space."""
    if not glyph_number_chars(text):
        return text
    return _GLYPH_NUMBER.sub(" ", text)
