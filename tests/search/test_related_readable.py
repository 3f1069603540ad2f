"""More like this skips chunks that say nothing on their own (search.retrieval.related)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from pytest import MonkeyPatch

from search.catalogue import Catalogue, DocumentMeta, DocumentRecord
from search.retrieval.passages import Passage, passage_from_hit
from search.retrieval.related import is_readable, related_to_passage
from search.schema import Filters, Hit
from search.store.base import Store

BODY = (
    "Asthma is a common lung condition that causes occasional breathing difficulties. It "
    "affects people of all ages and often starts in childhood, although it can also develop "
    "for the first time in adults."
)
# A printed web page's footer: the chunk ends mid-sentence on both sides of a source line,
# so cut to whole sentences only the source line is left.
STUB = "the inhaler you use. Source: https://www.nhs.uk/conditions/asthma/ Page last reviewed: 19"
REFERENCES = (
    "12. Smith J, Jones K (2019) Damp homes and health. Lancet. doi:10.1016/x 13. Brown A et al. "
    "(2020) Mould and asthma. BMJ. https://doi.org/10.1136/y 14. ONS (2021) Housing survey. "
    "Available from: https://www.ons.gov.uk/z [Accessed 3 May 2022]"
)


def _hit(chunk_id: str, doc_id: str, text: str, index: int, score: float) -> Hit:
    payload = {"doc_id": doc_id, "text": text, "chunk_index": index, "page": 1}
    return Hit(id=chunk_id, score=score, payload=payload)


class NearStore:
    def __init__(self, hits: list[Hit]) -> None:
        self.hits = hits

    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        return self.hits[:limit]


class Records:
    def documents(self, doc_ids: Sequence[str]) -> list[DocumentRecord]:
        return [
            DocumentRecord(d, DocumentMeta(title=d), f"{d}.pdf", "", 1, 1, 0.0) for d in doc_ids
        ]


def test_a_stub_or_a_reference_list_is_not_readable_on_its_own() -> None:
    assert is_readable(passage_from_hit(_hit("b", "d", BODY, 0, 0.9)))
    assert not is_readable(passage_from_hit(_hit("s", "d", STUB, 3, 0.9)))
    assert not is_readable(passage_from_hit(_hit("r", "d", REFERENCES, 5, 0.9)))


def test_more_like_this_shows_a_documents_next_closest_readable_passage() -> None:
    hits = [
        _hit("stub", "asthma", STUB, 3, 0.95),  # the closest chunk is a footer
        _hit("body", "asthma", BODY, 0, 0.90),
        _hit("refs", "damp", REFERENCES, 5, 0.85),  # this document has nothing else near
        _hit("other", "air", BODY.replace("Asthma", "Wheeze"), 2, 0.80),
    ]
    found = related_to_passage(
        cast(Store, NearStore(hits)), cast(Catalogue, Records()), "mine", "own", limit=5
    )
    assert [(r.document.doc_id, r.passage.chunk_id) for r in found] == [
        ("asthma", "body"),
        ("air", "other"),
    ]


class ShownRecords(Records):
    """A catalogue that shows only some documents (the others withdrawn or half-written)."""

    def __init__(self, hidden: set[str]) -> None:
        self.hidden = hidden

    def documents(self, doc_ids: Sequence[str]) -> list[DocumentRecord]:
        return [r for r in super().documents(doc_ids) if r.doc_id not in self.hidden]


def test_more_like_this_cuts_only_the_chunks_it_may_show(monkeypatch: MonkeyPatch) -> None:
    # Cutting a chunk to sentences is most of a related list's cost: a document's later chunks,
    # and the documents past the limit, are never cut.
    import search.retrieval.related as related

    cut: list[str] = []

    def counting(hit: Hit) -> Passage:
        cut.append(hit.id)
        return passage_from_hit(hit)

    monkeypatch.setattr(related, "passage_from_hit", counting)
    hits = [
        _hit(f"{doc}-{n}", doc, BODY, n, 1.0 - i / 100)
        for i, (doc, n) in enumerate((d, n) for d in "abcdefgh" for n in range(3))
    ]
    found = related_to_passage(
        cast(Store, NearStore(hits)), cast(Catalogue, ShownRecords({"b"})), "x", "own", limit=3
    )
    # "b" is not shown, so the limit is made up from the next document, "d".
    assert [r.document.doc_id for r in found] == ["a", "c", "d"]
    assert [r.passage.chunk_id for r in found] == ["a-0", "c-0", "d-0"]
    assert cut == ["a-0", "b-0", "c-0", "d-0"]


TABLE = (
    "Residents chose what would most improve their area.\n"
    "Affordable housing 14% 22% 19% 16% 16% 18% 16%\n"
    "Clean streets 16% 21% 12% 23% 11% 16% 15%\n"
    "Community activities 11% 11% 9% 7% 9% 9% 13%."
)
SURVEY = (
    "Overall, 62% of respondents agreed that people in their neighbourhood pull together to "
    "improve it. The share was higher in the rural districts than in the towns."
)


class DocumentStore(NearStore):
    """Answers a request narrowed to documents from `more`, and counts the requests."""

    def __init__(self, hits: list[Hit], more: list[Hit]) -> None:
        super().__init__(hits)
        self.more = more
        self.asked: list[tuple[str, ...]] = []

    def recommend(self, positive_ids: Sequence[str], filters: Filters, limit: int) -> list[Hit]:
        self.asked.append(filters.doc_ids)
        if filters.doc_ids:
            return [h for h in self.more if h.doc_id in filters.doc_ids][:limit]
        return super().recommend(positive_ids, filters, limit)


def test_more_like_this_shows_a_documents_closest_prose_rather_than_its_table() -> None:
    hits = [
        _hit("survey-table", "survey", TABLE, 4, 0.95),
        _hit("air-body", "air", BODY, 0, 0.90),
        _hit("chart-table", "chart", TABLE, 1, 0.85),
    ]
    more = [
        _hit("survey-table", "survey", TABLE, 4, 0.95),
        _hit("survey-stub", "survey", STUB, 6, 0.93),  # prose, but says nothing on its own
        _hit("survey-prose", "survey", SURVEY, 2, 0.80),
        _hit("chart-table-2", "chart", TABLE, 2, 0.70),  # nothing but tables
    ]
    store = DocumentStore(hits, more)
    found = related_to_passage(
        cast(Store, store), cast(Catalogue, Records()), "mine", "own", limit=5
    )
    assert [(r.document.doc_id, r.passage.chunk_id) for r in found] == [
        ("survey", "survey-prose"),
        ("air", "air-body"),
        ("chart", "chart-table"),  # keeps its closest
    ]
    # One more request, for both documents laid out as tables; none when all read as prose.
    assert store.asked == [(), ("chart", "survey")]
    prose_only = DocumentStore(hits[1:2], more)
    related_to_passage(cast(Store, prose_only), cast(Catalogue, Records()), "mine", "own")
    assert prose_only.asked == [()]
