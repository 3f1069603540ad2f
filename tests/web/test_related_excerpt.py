"""What "more like this passage" shows of each related passage: its part most like the one
asked about, not only its first words."""

from __future__ import annotations

from web.highlight import WordMatcher, query_stems
from web.templating import build_templates


def _related(text: str) -> dict[str, object]:
    return {
        "title": "Travellers' health needs",
        "document_url": "/documents/d",
        "organisation": "A council",
        "year": 2010,
        "kind": "report",
        "passage": {
            "doc_id": "d",
            "text": text,
            "page": 52,
            "page_starts": [[0, 52]],
            "related_url": "/documents/d/related?chunk=1",
        },
    }


def test_a_related_passage_is_shown_from_its_part_most_like_the_one_asked_about() -> None:
    opening = "Some people told us that rows on site between families were often about play. " * 4
    like = "Some people told us that being cold in winter was a problem for their health."
    related = _related(opening + like)
    macros = build_templates("team@example.org").env.get_template("macros.html").module
    asked = "Fuel poverty may mean a colder home in winter, which may harm health."
    shown = str(macros.related_item(related, 2, WordMatcher(query_stems(asked))))  # type: ignore[attr-defined]
    assert "being cold in winter" in shown
    # With nothing asked about (a whole document's related list), it opens at the start.
    first = str(macros.related_item(related, 2))  # type: ignore[attr-defined]
    assert "being cold in winter" not in first and "rows on site" in first
