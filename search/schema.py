"""The shapes shared by ingest, store, retrieval and the site: chunks, hits, documents, filters."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple, TypeVar, cast

from search.analysis import SparseVector

_Tuple = TypeVar("_Tuple", bound=tuple[Any, ...])

__all__ = [
    "ACCESS_LEVELS",
    "ALL_ACCESS",
    "BODY",
    "DENSE",
    "INTEGER_FIELDS",
    "KEYWORD_FIELDS",
    "NON_BODY",
    "READING_RULES",
    "SPARSE",
    "TEXT_FIELDS",
    "WITHDRAWN",
    "Chunk",
    "DocumentMeta",
    "Filters",
    "Hit",
    "IndexedChunk",
    "RunChoices",
    "chunk_payload",
    "document_id",
    "engine_id",
    "is_point_id",
    "legacy_point_id",
    "next_document_id",
    "point_id",
    "tuples_of",
]

DENSE = "dense"
SPARSE = "sparse"

# Payload fields that get an index in Qdrant, with their kind.
KEYWORD_FIELDS = (
    "doc_id",
    "organisation",
    "kind",
    "determinants",
    "lenses",
    "places",
    "file_name",
    "matter",
    "access",
)
# Kinds of text a chunk can be: the body, or front/back matter (cover, contents, references).
BODY = "body"
NON_BODY = ("front", "back")

# Who may see a document, most open first. A point with no `access` (built before access
# levels existed) counts as public; "withdrawn" documents are kept but shown to admins only.
ACCESS_LEVELS = ("public", "partner", "internal")
WITHDRAWN = "withdrawn"
ALL_ACCESS = (*ACCESS_LEVELS, WITHDRAWN)
INTEGER_FIELDS = ("year", "page")
# Full-text indexed (English words, stemmed, stop words left out): a passage matches a query by
# keyword when its text holds every search word.
TEXT_FIELDS = ("text",)

# The edition of the rules that turn a file into a document: text cleaning, front and back
# matter, chunking, metadata. Raise it with any change that alters what an ingest stores for a
# file it has read before; the admin pages then offer to read again the files an older edition
# read (`kb ingest --reread` reads every file again, whatever its edition).
# 1: the first edition that was recorded. 2: a plan's year from its title's period, a late
# quarter's year, "TO" in ranges, a Health and Wellbeing Board's own papers credited to it.
# 3: a short back cover or a page left blank on purpose is not body; "Published by <body>,
# <date>" dates a document; a scanned line's size passes over words boxed with a chart's bars;
# summary sentences lose paragraph numbers, split at bullets, and leave out spliced captions,
# questions and a chunk's opening words that end a sentence begun before it; a contents page
# past the first pages (a slide deck's section contents) is not body.
# 4: letters a font gives as quote marks are put back; a cover line naming a council's team
# by its place credits the council; an assessment form's title field names it; a year alone
# on the cover (or read apart, "20 16") dates it; a paper laid out in a paper's sections with
# no publisher is an academic paper.
# 5: a heading whose last words wrapped onto a line of their own ends its block after them, so
# a passage never runs it into the sentence below; so does a numbered section's heading after a
# long line, a heading after a sentence that ends in a closing quote, and a short titled list
# item before the paragraph that explains it; a summary leaves out a sentence opened by a bare
# number before a capital (a footnote's or a table row's), one that only introduces a list, and
# a sentence it has already quoted from elsewhere in the document.
# 6: a chart's axis ticks (figures stepping evenly, one a line or seven across) are left out
# of passages and page previews; joined letters ("ff", "fi" …) a font left out of its text are
# put back ("aect" is "affect"); a summary leaves out a chart's legend and a cited work's title.
# 7: a chunk that starts inside a sentence keeps the words back to the sentence's start (its
# `lead`, at most 60 words), so its passage opens on the whole sentence instead of skipping a
# piece of it; a summary's or passage's sentence broken over lines inside a name is not split;
# quote marks a font gives as letters ("Ŏbite-sizedŏ") are put back.
# 8: a line break inside a place's name ("… in Chichester and Mid" / "Sussex (71.3%) …") is no
# sentence's start, so a chunk's lead reaches back past it.
# 9: a summary quotes a sentence without the heading or table cell laid out on its line before
# it ("… to go digital We have also …"), and reads a word processor's "o" bullets as bullets.
# 10: words whose meanings part get stems of their own in the keyword vectors ("several" no
# longer stems as "severe" does; search.analysis._STEM_OVERRIDES).
# 11: letters a font gives as other letters ("netŢork", its "w" given as "Ţ") are put back.
# 12: pages in a font that numbers its glyphs ("/g150") are read from their own text once a few
# of them read by OCR have taught what the glyphs draw (ingest.glyph_numbers), not all by OCR.
# 13: letters a font gives as double quote marks ("wan“ed “o s“op", its "t" given as “) are put
# back; a summary reads a table row's label laid out on its sentence's line as no part of it when
# a figure follows the sentence's opener ("Insecure funding The 2025-26 core budget …"), and
# opens on a sentence that stands alone where the document has one, not on one that leans on an
# earlier sentence ("Generally, the distribution of these …", "In addition, …").
# 14: nor on one with an "also" among its first words ("The report also describes …"), an
# example's marker set off early ("When, for example, …"), a referring "the latter", "the same"
# or "other", or "this" opening its main clause ("Working together across …, this approach …").
# 15: a numbered-glyph page ("/g150") is read from its text when its only unknown glyphs inside
# words can be nothing but marks ("It’s", "she/he" as "she he"), and by OCR when one stands
# between figures ("19–31" no longer "19 31"); marks are learned from a word placed by its
# neighbours and from every page OCR reads; quote marks a font gives as a pair of letters that
# only open and close words ("ŖI’ve … success.ŗ") are put back.
READING_RULES = 15

_POINT_NAMESPACE = uuid.UUID("6f1d8c1e-5b8a-4f53-9d39-3f1f0c2b7a10")


def document_id(digest: str) -> str:
    """A document's id: the start of its file's SHA-256, so the same bytes are one document
    wherever they come from (a folder, an upload)."""
    return digest[:20]


def next_document_id(digest: str, current: str) -> str:
    """The id a document's file gets when it is read again while `current` (an id of the same
    bytes) stays visible: new points are written under it, the catalogue swaps the two in one
    transaction, and only then are the old points dropped, so no moment shows a document with
    nothing to find. Fixed by the bytes and the id it follows, so a chain of re-reads never
    comes back to an id in use."""
    return document_id(hashlib.sha256(f"{digest}:{current}".encode()).hexdigest())


def point_id(doc_id: str, chunk_index: int) -> str:
    """A chunk's id: a 63-bit number fixed by the document's id and the chunk's place in it,
    written in decimal. The engines store it as an integer: a search hands back about a
    thousand points, and an integer id is made in Python several milliseconds faster than a
    UUID one (`engine_id` turns it back)."""
    digest = hashlib.blake2b(f"{doc_id}:{chunk_index}".encode(), digest_size=8).digest()
    return str(int.from_bytes(digest, "big") >> 1)


def legacy_point_id(doc_id: str, chunk_index: int) -> str:
    """The UUID a chunk had before ids were numbers: documents stored then keep theirs until
    they are read again (`kb ingest --reread`), so both kinds live in one collection."""
    return str(uuid.uuid5(_POINT_NAMESPACE, f"{doc_id}:{chunk_index}"))


# Engines take ids up to 2**64 - 1 (20 digits); ours stay under 2**63.
_LARGEST_ID = 2**64 - 1
_ID_DIGITS = 20
_UUID_CHARS = 36


def _is_number_id(text: str) -> bool:
    # Length first: int() of a very long string is slow, and past 4,300 digits an error.
    return (
        len(text) <= _ID_DIGITS and text.isascii() and text.isdigit() and int(text) <= _LARGEST_ID
    )


def is_point_id(text: str) -> bool:
    """Whether `text` is written as a chunk id is (a number an engine takes, or a UUID in its
    usual lower-case form): text from a request reaches a store only when it is."""
    if _is_number_id(text):
        return True
    if len(text) != _UUID_CHARS:
        return False
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False


def engine_id(chunk_id: str) -> int | str:
    """A chunk id as the engines take it: the number for a decimal id, a UUID as written."""
    return int(chunk_id) if _is_number_id(chunk_id) else chunk_id


@dataclass(frozen=True)
class RunChoices:
    """What an ingest run does beyond adding new and changed files; the same for `kb ingest`,
    its hand-off to a running site, and the site's own jobs."""

    prune: bool = False  # withdraw the documents of files no longer in the folders
    retry_failed: bool = False  # read again unchanged files that failed before
    # Read again unchanged files that are indexed, so a new version's reading rules (front and
    # back matter, dates, OCR, tags) reach documents read by an older one.
    reread: bool = False


@dataclass(frozen=True)
class DocumentMeta:
    """What we know about a document beyond its text."""

    title: str
    organisation: str = ""
    year: int | None = None
    kind: str = ""
    authors: list[str] = field(default_factory=list)
    url: str = ""
    access: str = "public"


@dataclass(frozen=True)
class Chunk:
    """A passage of a document, cut so it can be cited by page."""

    doc_id: str
    index: int
    text: str
    page_start: int
    page_end: int
    # (character offset in `text`, page number) where each page begins; the first is at 0.
    page_starts: tuple[tuple[int, int], ...] = ()
    matter: str = BODY
    # The words before `text` back to the start of the sentence it starts inside (at most
    # `ingest.chunking.LEAD_WORDS`), and the page they begin on: shown, never embedded or matched.
    lead: str = ""
    lead_page: int = 0
    # Whether `text` itself starts where a sentence starts (a later window can start inside one).
    opens_sentence: bool = False

    @property
    def pages(self) -> list[int]:
        return list(range(self.page_start, self.page_end + 1))


@dataclass(frozen=True)
class IndexedChunk:
    """A chunk ready for the store: its vectors and its payload."""

    id: str
    dense: list[float]
    sparse: SparseVector
    payload: dict[str, Any]


class Hit(NamedTuple):
    """A chunk returned by a query, with its score. (A named tuple: a search makes over a
    thousand, mostly the graph walk's and the word scroll's ids, and a frozen dataclass took
    twice as long to make.)"""

    id: str
    score: float
    payload: dict[str, Any]

    @property
    def doc_id(self) -> str:
        return str(self.payload["doc_id"])

    @property
    def text(self) -> str:
        return str(self.payload.get("text", ""))

    @property
    def page_start(self) -> int:
        return int(self.payload.get("page", 1))

    @property
    def page_end(self) -> int:
        return int(self.payload.get("page_end", self.page_start))

    @property
    def is_body(self) -> bool:
        """Not a cover, contents, reference list or the like (chunks from before this was
        recorded count as body)."""
        return self.payload.get("matter", BODY) not in NON_BODY


def tuples_of(kind: type[_Tuple], *columns: Iterable[Any]) -> list[_Tuple]:
    """Named tuples of `kind` from columns of the same length (each a field), made in C: a
    named tuple's own constructor is a Python function, and making the thousand hits and
    matches of a search with it took twice as long."""
    return cast("list[_Tuple]", list(map(tuple.__new__, repeat(kind), zip(*columns, strict=True))))


@dataclass(frozen=True)
class Filters:
    """What a user narrowed the search to: AND across fields, OR within a field."""

    organisations: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    determinants: tuple[str, ...] = ()
    places: tuple[str, ...] = ()
    lenses: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    doc_ids: tuple[str, ...] = ()
    exclude_doc_ids: tuple[str, ...] = ()
    # Leave out front and back matter (covers, contents, references): for evidence lists.
    body_only: bool = False
    # Year spans (first, last; None leaves that end open), any of which may hold the year.
    year_spans: tuple[tuple[int | None, int | None], ...] = ()
    # The levels the reader may see; () means every level (the site always sets it).
    access_levels: tuple[str, ...] = ()
    # Search words the passage's text must hold, every one in one of its spellings (each word
    # first, then its other spellings); compared as keyword search stems them.
    all_words: tuple[tuple[str, ...], ...] = ()

    def hidden_access(self) -> tuple[str, ...]:
        """The levels to leave out: every known level the reader may not see."""
        if not self.access_levels:
            return ()
        return tuple(level for level in ALL_ACCESS if level not in self.access_levels)

    def is_empty(self) -> bool:
        return self == Filters()


def chunk_payload(chunk: Chunk, doc_meta: DocumentMeta, file_name: str) -> dict[str, Any]:
    """The payload stored with every chunk: enough to show and filter a hit without a lookup."""
    payload: dict[str, Any] = {
        "doc_id": chunk.doc_id,
        "chunk_index": chunk.index,
        "text": chunk.text,
        "page": chunk.page_start,
        "page_end": chunk.page_end,
        "page_starts": [[offset, page] for offset, page in chunk.page_starts],
        "matter": chunk.matter,
        "title": doc_meta.title,
        "organisation": doc_meta.organisation,
        "kind": doc_meta.kind,
        "file_name": file_name,
        "access": doc_meta.access,
    }
    if doc_meta.year is not None:
        payload["year"] = doc_meta.year
    if chunk.opens_sentence:
        payload["opens_sentence"] = True
    if chunk.lead:
        payload["lead"] = chunk.lead
        payload["lead_page"] = chunk.lead_page
    return payload
