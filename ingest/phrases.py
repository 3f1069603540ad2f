"""Wording the metadata rules (`ingest.dating`, `ingest.describing`, `ingest.layout`) read the
same way, written once as pieces of regular expression."""

from __future__ import annotations

__all__ = ["MAP_LICENCE", "MONTHS", "MONTH_STARTS"]

_MONTH_NAMES = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Every way documents write a month: its name, its first three letters, and "sept". Names come
# before their short forms, and "sep" before "sept": a pattern that lets a word run on after
# the month ("Sept" read as "Sep" and "t") keeps the first alternative that fits.
MONTHS = "|".join((*_MONTH_NAMES, *(name[:3] for name in _MONTH_NAMES if name != "may"), "sept"))
# What every way of writing a month starts with: its first three letters.
MONTH_STARTS = "|".join(name[:3] for name in _MONTH_NAMES)

# A map's licence line, "© Crown copyright and database rights 2023 Ordnance Survey 100019238",
# sits under a council's maps: it dates and credits the map, and says nothing of who published
# the document or when. Rules that read a Crown copyright guard it with "(?!MAP_LICENCE)".
MAP_LICENCE = r"crown\s+copyright\s+and\s+database"
