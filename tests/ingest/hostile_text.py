"""Text a hostile or broken file can hand the metadata rules: long runs of blank space, a line
of thousands of dates, a line of thousands of years. The unit tests check what the rules make
of them; tests/bench/test_metadata_hostile.py times them."""

from __future__ import annotations


def labels_before_blank_space(run: int = 50_000) -> str:
    """Date labels each followed by a long run of spaces, and no date."""
    blank = " " * run
    return f"Date{blank}Published{blank}Deadline{blank}Last updated{blank}end"


def blank_lines_then_doi(run: int = 30_000) -> str:
    """A run of blank lines, then "doi" and a run of spaces: no DOI, no publisher."""
    return "\n" * run + "doi" + " " * run + "end"


def many_dates_line() -> str:
    """One layout line holding a table's worth of dates (8,400 written out, 8,400 in figures)."""
    days = [
        f"{d} {m} {y}"
        for y in range(1950, 2050)
        for m in ("May", "June", "July")
        for d in range(1, 29)
    ]
    figures = [
        f"{d:02d}/{m:02d}/{y}" for y in range(1950, 2050) for m in (1, 7, 10) for d in range(1, 29)
    ]
    return " ".join(days + figures)


def long_line_of_years(repeats: int = 20_000) -> str:
    """ "2020 " again and again, then a long word: many years on a line that is no date."""
    return "2020 " * repeats + "x" * (5 * repeats)
