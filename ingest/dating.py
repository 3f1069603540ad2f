"""When a document came out: the publication year it states (a dated cover, a publication,
meeting or copyright line, a journal's citation line), before the file's own dates. Pure
functions over text, so they are tested without files."""

from __future__ import annotations

import re

from ingest.layout import LayoutLine

__all__ = ["find_year"]

_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_PUBLISHED = re.compile(
    rf"\b(?:published|publication date|date of publication|issued|first published|date)\s*:?"
    rf"\s*(?:on\s+)?(?:\d{{1,2}}(?:st|nd|rd|th)?\s+)?(?:{_MONTH}\s+)?((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
_MONTH_YEAR = re.compile(
    rf"\b(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?{_MONTH}\.?,?\s+(?:\d{{1,2}}(?:st|nd|rd|th)?,?\s+)?"
    rf"((?:19|20)\d\d)\b",
    re.IGNORECASE,
)
# How the document asks to be cited: "Suggested citation: Smith J (2009). …".
_SELF_CITATION = re.compile(
    r"\b(?:suggested citation|recommended citation|please cite[^\n:]{0,20}|cite (?:this|as)"
    r"|citation|reference)\s*:\s*[^\n()]{0,80}\(((?:19|20)\d\d)\)",
    re.IGNORECASE,
)
_COPYRIGHT = re.compile(r"(?:©|\(c\)|copyright)\s*(?:crown\s+copyright\s*)?((?:19|20)\d\d)\b", re.I)
_FINANCIAL_YEAR = re.compile(r"\b((?:19|20)\d\d)\s*[-/–]\s*\d\d\b(?![-/]\d)")
_ANY_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")


def find_year(
    pages: list[str], lines: list[LayoutLine], title: str, info_year: int | None, now_year: int
) -> int | None:
    """The publication year the document states, before the file's own dates: a date on the
    cover, a stated publication or copyright date, the year in its title or on its cover, and
    only then the file's date. Data periods ("2013-15") and references are no publication."""

    def plausible(year: int) -> bool:
        return 1950 <= year <= now_year + 1

    first = "\n".join(line.text for line in lines) or (pages[0] if pages else "")
    early = "\n".join(pages[:3])[:30_000]
    # A date standing alone on the cover ("May 2025") is when it came out.
    cover = [
        int(m.group(1))
        for line in lines
        for m in _MONTH_YEAR.finditer(line.text)
        # The date is (almost) all the line says: "December 2015", "Published: May 2025".
        if len(line.text.replace(m.group(0), " ").split()) <= 2 and plausible(int(m.group(1)))
    ]
    if cover:
        return max(cover)
    for pattern, text in ((_PUBLISHED, early), (_SELF_CITATION, early), (_COPYRIGHT, early)):
        years = [int(m.group(1)) for m in pattern.finditer(text)]
        years = [y for y in years if plausible(y)]
        if years:
            return years[0]
    headings = _cover_headings(lines)
    dated = [int(m.group(1)) for text in headings for m in _MONTH_YEAR.finditer(text)]
    dated = [y for y in dated if plausible(y)]
    if dated:
        return max(dated)
    in_title = [y for y in _years_named(title, title) if plausible(y)]
    if in_title:
        return max(in_title)
    years = [int(m.group(1)) for m in _MONTH_YEAR.finditer(first)]
    years = [y for y in years if plausible(y)]
    if years:
        return years[0]
    # A heading on the cover that names a year ("Annual Public Health Report 2018").
    on_cover = [y for text in headings for y in _years_named(text, text)]
    on_cover = [y for y in on_cover if plausible(y)]
    if on_cover:
        return max(on_cover)
    if info_year and plausible(info_year):
        return info_year
    stated = [y for y in _years_named(first[:3000], title) if plausible(y)]
    return max(stated) if stated else None


_COVER_TYPE = 16.0
_ANNUAL = re.compile(r"\bannual\b|\byear in review\b", re.IGNORECASE)
_YEAR_RANGE = re.compile(r"\b(?:19|20)\d\d\s*[-/–]\s*(?:19|20)?\d\d\b")


def _years_named(text: str, title: str) -> list[int]:
    """Years a text names. A financial year ("2025-26") counts as its first year, or as its
    last for an annual report, which comes out after the year it covers; other ranges are
    periods of data, not dates, and count for nothing."""
    keep = 2 if _ANNUAL.search(title) else 1
    text = _FINANCIAL_YEAR.sub(lambda m: _financial_year(m, keep), text)
    text = _YEAR_RANGE.sub(" ", text)
    return [int(y) for y in _ANY_YEAR.findall(text)]


def _financial_year(match: re.Match[str], keep: int) -> str:
    start = int(match.group(1))
    end = int(re.findall(r"\d\d", match.group(0))[-1])
    if end != (start + 1) % 100:
        return " "  # "2013-15": a period of data
    return str(start + 1 if keep == 2 else start)


def _cover_headings(lines: list[LayoutLine]) -> list[str]:
    if not lines:
        return []
    sizes: dict[float, int] = {}
    for line in lines:
        sizes[line.size] = sizes.get(line.size, 0) + len(line.text)
    body = max(sizes.items(), key=lambda item: item[1])[0]
    # Larger than the body text, or large in itself on a cover that is all headings.
    return [
        x.text
        for x in lines
        if (x.size > body + 1 or x.size >= _COVER_TYPE) and len(x.text.split()) <= 8
    ]
