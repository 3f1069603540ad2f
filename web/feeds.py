"""Atom feeds, so people can follow a search (or the whole library) in a feed reader. Built with
xml.etree, so every title and passage is escaped; characters XML cannot hold are dropped."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from web.citations import Reference

__all__ = ["ATOM", "MEDIA_TYPE", "Feed", "FeedEntry", "atom_feed", "xml_text"]

ATOM = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml"
# XML 1.0 cannot hold most control characters, lone surrogates or U+FFFE/U+FFFF, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class FeedEntry:
    """One document in a feed: its reference, when it joined the library, and a few words."""

    reference: Reference
    added: datetime
    summary: str
    # Where the summary's words are, as a citation says it ("page 3", or for a Word file or web
    # page "section 2: Cold homes"), and a link that opens the file there.
    where: str = ""
    where_link: str = ""


@dataclass(frozen=True)
class Feed:
    title: str
    subtitle: str
    self_url: str
    page_url: str
    author: str
    entries: Sequence[FeedEntry]


def xml_text(text: str) -> str:
    return _NOT_XML.sub("", text)


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _add(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, tag, {k: xml_text(v) for k, v in attrs.items()})
    if text is not None:
        child.text = xml_text(text)
    return child


def _entry(feed: ET.Element, item: FeedEntry) -> None:
    ref = item.reference
    entry = _add(feed, "entry")
    _add(entry, "id", ref.link)
    _add(entry, "title", ref.title)
    _add(entry, "updated", _timestamp(item.added))
    _add(entry, "published", _timestamp(item.added))
    for name in ref.authors or ((ref.organisation,) if ref.organisation else ()):
        _add(_add(entry, "author"), "name", name)
    _add(entry, "link", rel="alternate", type="text/html", href=ref.link)
    _add(entry, "link", rel="enclosure", type=ref.file_type, href=ref.pdf_url)
    if ref.kind:
        _add(entry, "category", term=ref.kind)
    described = [ref.organisation, str(ref.year or "")]
    about = " · ".join(part for part in described if part)
    cited = f"({item.where})" if item.where and item.summary else ""
    if item.where_link:
        _add(entry, "link", rel="related", href=item.where_link)
    parts = (about + "." if about else "", item.summary, cited)
    _add(entry, "summary", " ".join(x for x in parts if x))


def atom_feed(feed: Feed, now: datetime) -> bytes:
    """The feed as UTF-8 XML; `updated` is the newest entry's time, or `now` if it is empty."""
    # Plain tags under a literal xmlns: ElementTree's default_namespace option rejects the
    # unprefixed attributes (rel, href) that Atom uses.
    root = ET.Element("feed", {"xmlns": ATOM})
    _add(root, "id", feed.self_url)
    _add(root, "title", feed.title)
    _add(root, "subtitle", feed.subtitle)
    newest = max((e.added for e in feed.entries), default=now)
    _add(root, "updated", _timestamp(newest))
    _add(_add(root, "author"), "name", feed.author)
    _add(root, "link", rel="self", type=MEDIA_TYPE, href=feed.self_url)
    _add(root, "link", rel="alternate", type="text/html", href=feed.page_url)
    _add(root, "generator", "Evidence Finder")
    for item in feed.entries:
        _entry(root, item)
    ET.indent(root)
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body
