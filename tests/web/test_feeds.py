"""Atom feeds are well-formed XML that a feed reader (here xml.etree) can read back."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace
from datetime import UTC, datetime

from web.citations import Reference
from web.feeds import ATOM, Feed, FeedEntry, atom_feed

NS = {"a": ATOM}
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

REFERENCE = Reference(
    doc_id="abc",
    title="Cold & damp <homes>",
    authors=(),
    organisation="Leicestershire County Council",
    year=2023,
    kind="report",
    source_url="",
    link="http://evidence.example/documents/abc",
    pdf_url="http://evidence.example/documents/abc/file",
)


def _feed(entries: list[FeedEntry]) -> ET.Element:
    feed = Feed(
        title="Evidence Finder: ‘damp’",
        subtitle="Documents that match ‘damp’.",
        self_url="http://evidence.example/search/feed.atom?q=damp",
        page_url="http://evidence.example/search?q=damp",
        author="The collaboration",
        entries=entries,
    )
    return ET.fromstring(atom_feed(feed, now=NOW))


def test_feed_has_the_required_atom_elements_and_links() -> None:
    added = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    root = _feed([FeedEntry(REFERENCE, added, "Damp harms <b>lungs</b>.")])
    assert root.tag == f"{{{ATOM}}}feed"
    assert root.findtext("a:title", namespaces=NS) == "Evidence Finder: ‘damp’"
    assert root.findtext("a:id", namespaces=NS) == "http://evidence.example/search/feed.atom?q=damp"
    assert root.findtext("a:updated", namespaces=NS) == "2026-03-01T09:30:00Z"
    links = {link.get("rel"): link.get("href") for link in root.findall("a:link", NS)}
    assert str(links["self"]).endswith("/search/feed.atom?q=damp")
    assert links["alternate"] == "http://evidence.example/search?q=damp"
    (entry,) = root.findall("a:entry", NS)
    assert entry.findtext("a:title", namespaces=NS) == "Cold & damp <homes>"
    assert entry.findtext("a:id", namespaces=NS) == REFERENCE.link
    assert entry.findtext("a:author/a:name", namespaces=NS) == "Leicestershire County Council"
    summary = entry.findtext("a:summary", namespaces=NS)
    assert summary == "Leicestershire County Council · 2023. Damp harms <b>lungs</b>."
    hrefs = {link.get("rel"): link.get("href") for link in entry.findall("a:link", NS)}
    assert hrefs == {"alternate": REFERENCE.link, "enclosure": REFERENCE.pdf_url}


def test_empty_feed_is_still_valid_and_dated_now() -> None:
    root = _feed([])
    assert root.findall("a:entry", NS) == []
    assert root.findtext("a:updated", namespaces=NS) == "2026-11-26T12:00:00Z"


def test_characters_xml_cannot_hold_are_dropped() -> None:
    broken = replace(REFERENCE, title="Form\x0cfeed\x00 page")
    root = _feed([FeedEntry(broken, NOW, "bell\x07 text\ufffe")])
    entry = root.find("a:entry", NS)
    assert entry is not None
    assert entry.findtext("a:title", namespaces=NS) == "Formfeed page"
    assert str(entry.findtext("a:summary", namespaces=NS)).endswith("bell text")


def test_an_entry_cites_where_its_words_are_and_links_there() -> None:
    at_page = FeedEntry(
        REFERENCE, NOW, "Damp harms lungs.", "page 3", REFERENCE.pdf_url + "#page=3"
    )
    in_section = FeedEntry(REFERENCE, NOW, "Damp harms lungs.", "section 2: What tenants told us")
    root = _feed([at_page, in_section])
    first, second = root.findall("a:entry", NS)
    assert str(first.findtext("a:summary", namespaces=NS)).endswith("lungs. (page 3)")
    related = [link for link in first.findall("a:link", NS) if link.get("rel") == "related"]
    assert [link.get("href") for link in related] == [REFERENCE.pdf_url + "#page=3"]
    # A Word file or web page has sections, not pages: the entry names the section.
    summary = str(second.findtext("a:summary", namespaces=NS))
    assert summary.endswith("lungs. (section 2: What tenants told us)")


def test_the_enclosure_says_what_the_file_is() -> None:
    """A PDF is a PDF; a saved web page is served as a download of bytes, and says so."""
    from web.views import file_media_type

    assert file_media_type("report.PDF") == "application/pdf"
    assert file_media_type("notes.docx").endswith("wordprocessingml.document")
    assert file_media_type("page.html") == "application/octet-stream"
    added = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    for reference, expected in (
        (REFERENCE, "application/pdf"),
        (replace(REFERENCE, file_type=file_media_type("page.html")), "application/octet-stream"),
    ):
        (entry,) = _feed([FeedEntry(reference, added, "")]).findall("a:entry", NS)
        types = {link.get("rel"): link.get("type") for link in entry.findall("a:link", NS)}
        assert types["enclosure"] == expected
