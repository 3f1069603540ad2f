"""The typed results the views build: one shape each, read by the templates, returned by the
JSON API and described by the OpenAPI schema (FastAPI reads these TypedDicts, descriptions and
all). A few `...View` shapes add what only the pages need; the API leaves those keys out."""

from __future__ import annotations

from typing import Annotated, Literal, NotRequired

from pydantic import Field
from typing_extensions import TypedDict

__all__ = [
    "AddedOut",
    "ByDeterminantOut",
    "DeterminantOut",
    "DeterminantShareOut",
    "DeterminantSummaryOut",
    "DeterminantsOut",
    "DocumentAboutOut",
    "DocumentHitOut",
    "DocumentMetaOut",
    "DocumentOut",
    "ErrorOut",
    "EvidenceOut",
    "EvidenceTagsOut",
    "ExcerptOut",
    "ExcerptView",
    "FacetOptionOut",
    "FiltersOut",
    "HealthOut",
    "LensOut",
    "LensValueOut",
    "PageOut",
    "PageSummaryOut",
    "PageView",
    "PassageOut",
    "PassageView",
    "PlaceOut",
    "RecentDocumentOut",
    "RelatedDocumentOut",
    "RelatedOut",
    "ResultsOut",
    "ResultsView",
    "SearchOut",
    "StoreFiltersOut",
    "SummarySentenceOut",
    "SummarySentenceView",
]


class ExcerptOut(TypedDict):
    """The part of a passage around the searched-for words, as a results page shows it."""

    text: Annotated[
        str,
        Field(
            description="About 45 words of the passage around the words searched for, with"
            " '…' where it is cut"
        ),
    ]
    page: Annotated[int, Field(description="The page holding most of this part: cite this one")]
    page_start: int
    page_end: int
    reads_as_prose: Annotated[
        bool,
        Field(
            description="False when the part is laid out as a table, a chart's labels or a"
            " list: its words and figures may be out of their order on the page"
        ),
    ]
    file_url: Annotated[str, Field(description="The file, opened at that page")]
    page_url: Annotated[str, Field(description="The text of that page, as HTML")]


class PassageOut(TypedDict):
    chunk_id: str
    related_url: Annotated[str, Field(description="Passages in other documents like this one")]
    text: str
    page: Annotated[
        int, Field(description="The page holding most of the passage's text: cite this one")
    ]
    page_start: int
    page_end: int
    pages: list[int]
    page_starts: Annotated[
        list[list[int]],
        Field(description="[offset, page] pairs: where each page begins in the text"),
    ]
    unit: Annotated[
        Literal["page", "section"],
        Field(
            description="'section' for Word files and web pages: their page numbers are sections"
        ),
    ]
    headings: Annotated[
        list[tuple[int, str]],
        Field(description="[section, heading] pairs of the sections it runs over"),
    ]
    ocr_pages: Annotated[
        list[int],
        Field(description="Its pages whose text was read from a scan by OCR: check the words"),
    ]
    file_url: Annotated[
        str, Field(description="The PDF, opened at the page holding most of the passage")
    ]
    page_url: Annotated[str, Field(description="The text of that page, as HTML")]
    score: float
    excerpt: NotRequired[
        Annotated[
            ExcerptOut,
            Field(
                description="In search results (and their best passage per determinant),"
                " the part of the passage around the words searched for; in passages like"
                " another one, its part sharing most words with that one; in documents like"
                " another and on a determinant's page, the opening part the page shows; and"
                " the page that part is on"
            ),
        ]
    ]


class DocumentMetaOut(TypedDict):
    doc_id: str
    title: str
    organisation: str
    year: int | None
    kind: str
    authors: list[str]
    file_name: str
    url: Annotated[str, Field(description="Where the document was published, if known")]
    document_url: str
    file_url: str
    page_count: int


class DeterminantShareOut(TypedDict):
    id: str
    label: str
    share: Annotated[float, Field(description="Share of the document's passages about it (0 to 1)")]
    extent: Annotated[str, Field(description="The share in words, like 'Mostly about'")]
    url: Annotated[str, Field(description="The determinant's page")]


class EvidenceTagsOut(TypedDict):
    determinants: Annotated[
        list[DeterminantShareOut], Field(description="What the document is mainly about")
    ]
    is_local: Annotated[
        bool, Field(description="About Leicestershire, Leicester, Rutland or the region")
    ]


class DocumentHitOut(EvidenceTagsOut, DocumentMetaOut):
    rank: int
    score: float
    strength: Annotated[
        Literal["strong", "weak"],
        Field(
            description="strong: a passage is close in meaning to the search (for a question or"
            " a long phrase, and the cross-encoder reads one of the closest strong passages as"
            " answering it);"
            " weak: it only shares some words or is loosely related"
        ),
    ]
    passages: list[PassageOut]


class FiltersOut(TypedDict):
    determinants: list[str]
    places: list[str]
    organisations: list[str]
    kinds: list[str]
    years: Annotated[list[str], Field(description="Spans of years chosen, like 2015-2019")]
    year_from: int | None
    year_to: int | None
    lenses: Annotated[list[str], Field(description="Lenses chosen (ids)")]
    local: Annotated[bool, Field(description="Local work first")]


class FacetOptionOut(TypedDict):
    value: Annotated[str, Field(description="What to send back in the filter's parameter")]
    label: str
    count: Annotated[int, Field(description="Documents in the results with this value")]
    selected: bool


class ByDeterminantOut(TypedDict):
    id: str
    label: str
    url: Annotated[str, Field(description="The determinant's page")]
    documents: Annotated[int, Field(description="Documents in the results with passages about it")]
    search_url: Annotated[
        str | None,
        Field(
            description=(
                "The same search with only this determinant: the documents counted (null when"
                " another determinant filter is ticked, which no single search narrows to)"
            )
        ),
    ]
    document: DocumentMetaOut
    passage: Annotated[PassageOut, Field(description="The best-ranked passage about it")]


class ResultsOut(TypedDict):
    """One page of results: what the results page, the API and `kb search --json` share."""

    query: str
    total: Annotated[
        int,
        Field(
            description=(
                "Documents with a passage that holds every search word or is close in meaning"
            )
        ),
    ]
    strong_total: Annotated[
        int, Field(description="Documents among them that match the search well")
    ]
    closest_only: Annotated[
        bool,
        Field(
            description="Nothing matched: the documents are only the closest few, all weak",
        ),
    ]
    total_is_floor: Annotated[
        bool,
        Field(
            description="More passages matched than one search reads: total, strong_total and"
            " every filter count are then the least there are"
        ),
    ]
    strong_total_is_floor: Annotated[
        bool,
        Field(
            description="strong_total is the least there are: total_is_floor, or more passages"
            " were close to the search than one search reads the words of"
        ),
    ]
    unused_words: Annotated[
        list[str],
        Field(
            description="The search's words that no document the asker may read uses (a"
            " mistyped word, or a subject the library never mentions); with any, a document is"
            " strong only when a passage is very close in meaning"
        ),
    ]
    places_asked: Annotated[
        list[str],
        Field(
            description="The places the search names, when documents otherwise strong for it"
            " are about other places and so are weak; empty otherwise"
        ),
    ]
    pulled_words: Annotated[
        list[str],
        Field(
            description="Words of the search that the closest passages of its first strong"
            " documents do not hold, and without which the search comes closer to them in"
            " meaning: the detail asked for is not there, so no document is strong; empty"
            " otherwise"
        ),
    ]
    suggested_query: Annotated[
        str | None,
        Field(
            description="The search with each of unused_words spelt as a word one letter away"
            " (or split in two) that documents the asker may read do use; null when there is"
            ' none. Offered as "Did you mean …?"'
        ),
    ]
    page: int
    page_size: int
    page_count: int
    first: int
    last: int
    took_ms: float
    documents: list[DocumentHitOut]


class StoreFiltersOut(TypedDict):
    """The filters as the store applied them (year bands already turned into years)."""

    determinants: list[str]
    places: list[str]
    organisations: list[str]
    kinds: list[str]
    year_from: int | None
    year_to: int | None


class ResultsView(ResultsOut):
    filters: StoreFiltersOut


class SearchOut(ResultsOut):
    filters: FiltersOut
    facets: Annotated[
        dict[str, list[FacetOptionOut]],
        Field(
            description="Options for each filter: determinant, lens, place, organisation, "
            "kind, years"
        ),
    ]
    by_determinant: Annotated[
        list[ByDeterminantOut],
        Field(description="For each determinant the results touch, its best passage"),
    ]
    problem: Annotated[
        str | None,
        Field(
            description="Why there are no documents, in words to show the person: set when "
            "the words have nothing to search for (only common words like ‘the’, single "
            "letters, symbols or emoji, or only words in a script other than Latin), or when "
            "a determinant, lens or place id is not one the library knows (the ids it knows "
            "are listed), and then nothing was searched; or when `page` is past the last "
            "page (page_count), and then the totals and facets are the search's as usual; "
            "null otherwise"
        ),
    ]


class PageSummaryOut(TypedDict):
    number: int
    chars: Annotated[int, Field(description="Characters of text recovered from the page")]
    page_url: str
    file_url: str


class SummarySentenceOut(TypedDict):
    text: Annotated[str, Field(description="A sentence from the document, exactly as written")]
    page: int
    file_url: str
    page_url: str


class PlaceOut(TypedDict):
    id: str
    label: str
    is_local: bool


class DocumentAboutOut(TypedDict):
    """What a document is about and where, and its summary: its page and the API share these."""

    determinants: list[DeterminantShareOut]
    places: Annotated[
        list[PlaceOut], Field(description="Places the document is about, local first")
    ]
    is_local: bool
    summary: Annotated[
        list[SummarySentenceOut],
        Field(description="Up to 5 of the document's own sentences that best sum it up"),
    ]


class DocumentOut(DocumentAboutOut, DocumentMetaOut):
    chunk_count: int
    pages: list[PageSummaryOut]
    withdrawn: Annotated[
        bool,
        Field(
            description="Withdrawn by an admin: hidden from everyone, and only an admin opening "
            "it by its id still gets it"
        ),
    ]


class PageOut(TypedDict):
    doc_id: str
    title: str
    number: int
    page_count: int
    text: str
    paragraphs: list[str]
    page_url: str
    file_url: str
    previous_url: str | None
    next_url: str | None
    unit: Annotated[
        str,
        Field(description="'page', or 'section' for Word files and web pages"),
    ]
    heading: Annotated[str, Field(description="The section's heading (sections only)")]
    is_ocr: Annotated[bool, Field(description="The text was read from a scan by OCR")]


class RelatedDocumentOut(DocumentMetaOut):
    passage: Annotated[
        PassageOut, Field(description="Its passage closest to the document asked about")
    ]


class RelatedOut(TypedDict):
    doc_id: str
    title: str
    passage: Annotated[
        PassageOut | None,
        Field(description="The passage asked about, if one was"),
    ]
    documents: list[RelatedDocumentOut]


class DeterminantSummaryOut(TypedDict):
    id: str
    label: str
    definition: str
    documents: Annotated[int, Field(description="Documents with at least one passage about it")]
    passages: Annotated[int, Field(description="Passages about it")]
    url: str


class LensValueOut(TypedDict):
    id: str
    label: str
    passages: int


class LensOut(TypedDict):
    id: str
    label: str
    definition: str
    passages: Annotated[
        int | None, Field(description="Passages with this lens (lenses without values)")
    ]
    values: list[LensValueOut]


class DeterminantsOut(TypedDict):
    determinants: list[DeterminantSummaryOut]
    lenses: Annotated[
        list[LensOut], Field(description="Cross-cutting ways to look at the evidence")
    ]


class EvidenceOut(EvidenceTagsOut, DocumentMetaOut):
    strength: Annotated[
        float, Field(description="How strongly the passage is about the determinant, 0-1")
    ]
    passage: PassageOut


class AddedOut(TypedDict):
    added_at: Annotated[str, Field(description="When it joined the library (ISO 8601)")]
    added_on: str


class RecentDocumentOut(AddedOut, EvidenceTagsOut, DocumentMetaOut):
    pass


class ListedDocumentOut(EvidenceTagsOut, DocumentMetaOut):
    passages_about: Annotated[int, Field(description="Its passages about the determinant")]


class DeterminantDocumentsOut(TypedDict):
    determinant: DeterminantSummaryOut
    page: int
    page_size: int
    page_count: int
    documents: Annotated[
        list[ListedDocumentOut],
        Field(
            description="One page of every document with passages about the determinant, the "
            "strongest evidence first (local work is not put first here)"
        ),
    ]
    problem: Annotated[
        str | None,
        Field(
            description="Set when `page` is past the last page (page_count), saying so: there "
            "are then no documents; null otherwise"
        ),
    ]


class DeterminantOut(DeterminantSummaryOut):
    strongest: Annotated[
        list[EvidenceOut],
        Field(
            description="The strongest passage of up to 10 documents: local work first, then the "
            "strongest, then the newest"
        ),
    ]
    recent: Annotated[
        list[RecentDocumentOut], Field(description="Documents mainly about it, added most recently")
    ]


class HealthOut(TypedDict):
    status: str
    documents: int
    chunks: int
    store: Annotated[str, Field(description="ok or failed")]
    model: Annotated[str, Field(description="loaded, loading or failed")]
    read_ahead: Annotated[
        str,
        Field(
            description="reading, done or off: whether the site has read every passage's"
            " filter values since the library last changed (new questions are slower until then)"
        ),
    ]
    problems: Annotated[list[str], Field(description="what failed, in plain words")]


class ErrorOut(TypedDict):
    detail: str


class PassageView(PassageOut):
    """A passage as the pages hold it: with its document, to cut the excerpt shown."""

    doc_id: str


class PageView(PageOut):
    """A page as its HTML view holds it: with the word for its unit ('Page' or 'Section')."""

    unit_label: str


class ExcerptView(ExcerptOut):
    """The part of a passage a results page shows, and how its links name the place."""

    unit: Literal["page", "section"]
    where: str  # how the links name the place: "page 3" or "section 2: Cold homes"
    where_all: str  # the same for every page the part runs over
    is_ocr: bool  # some of the part was read from a scan by OCR


class SummarySentenceView(SummarySentenceOut):
    """A summary sentence as the document page holds it: with how its link names the place."""

    unit: Literal["page", "section"]
    where: str
