"""Evidence per determinant: how much the library holds on each, its strongest and newest
documents (local work first), the best passage per determinant among a search's hits, and
results re-ordered so local work comes first. Pure functions over the store and catalogue."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from search.catalogue import Catalogue, DocumentRecord
from search.evidence.determinants import Determinant, SeedMatcher, Taxonomy
from search.evidence.places import Gazetteer
from search.evidence.strength import about_start, evidence_start, is_quotable
from search.retrieval.matching import Matches
from search.retrieval.passages import (
    Passage,
    opens_sentence,
    passage_from_hit,
    shown_words,
    with_lead,
)
from search.retrieval.searcher import RANKED_FIELDS, DocumentResult, read_whole
from search.schema import Hit
from search.store.base import Store

__all__ = [
    "MAIN_SHARE",
    "MIN_LOCAL_MENTIONS",
    "PASSAGES_PER_DETERMINANT",
    "DeterminantEvidence",
    "DeterminantHit",
    "DeterminantOverview",
    "Evidence",
    "EvidenceCount",
    "best_among_matches",
    "best_by_determinant",
    "determinant_evidence",
    "is_local_by_mentions",
    "is_local_document",
    "lens_passages",
    "local_documents_first",
    "main_determinants",
    "overview",
]

# The share of a document's passages about a determinant from which the document is mainly
# about it: result cards tag it so, and a determinant's page lists it among the newest.
MAIN_SHARE = 0.15


@dataclass(frozen=True)
class EvidenceCount:
    """How much of the library is about a determinant."""

    documents: int
    passages: int


@dataclass(frozen=True)
class DeterminantOverview:
    determinant: Determinant
    count: EvidenceCount


@dataclass(frozen=True)
class Evidence:
    """A document's strongest passage about a determinant."""

    document: DocumentRecord
    passage: Passage
    strength: float
    is_local: bool


@dataclass(frozen=True)
class DeterminantEvidence:
    """Everything a determinant's page shows."""

    determinant: Determinant
    count: EvidenceCount
    strongest: list[Evidence]
    recent: list[DocumentRecord]


# As for a document's places (Gazetteer.document_places): one passing mention is not enough.
MIN_LOCAL_MENTIONS = 2


@dataclass(frozen=True)
class DeterminantHit:
    """The best hit about a determinant among a search's hits, and how many documents touch it."""

    determinant: Determinant
    hit: Hit
    document: DocumentRecord
    documents: int


def is_local_document(record: DocumentRecord, gazetteer: Gazetteer) -> bool:
    """Whether the document is mainly about somewhere local (see `is_local_by_mentions`)."""
    counts = record.extra.get("place_counts")
    places = record.extra.get("places")
    return is_local_by_mentions(
        counts if isinstance(counts, dict) else {},
        places if isinstance(places, list) else [],
        gazetteer,
    )


def is_local_by_mentions(
    counts: Mapping[str, Any], places: Sequence[Any], gazetteer: Gazetteer
) -> bool:
    """Whether a document is mainly about somewhere local, by the place mention counts stored
    at ingest (or retag): a local place is named at least `MIN_LOCAL_MENTIONS` times, and local
    places take at least half of all the mentions of places, or the local place named most is
    named at least twice as often as any other place.

    So a national report that names every region once or twice, the East Midlands among them,
    is not local; nor is one that follows four cities, Leicester among them, as often as each
    other. A report that names Loughborough throughout is local, even when it compares it with
    a dozen neighbours now and then. Documents indexed before counts were stored fall back to
    their places, most named first.
    """
    if counts:
        local: list[int] = []
        other: list[int] = []
        for p, n in counts.items():  # every result card asks: one look-up per place
            if isinstance(n, int) and n > 0:
                place = gazetteer.place(str(p))
                (local if place is not None and place.is_local else other).append(int(n))
        most = max(local, default=0)
        if most < MIN_LOCAL_MENTIONS:
            return False
        return sum(local) >= sum(other) or most >= 2 * max(other, default=0)
    return bool(places) and gazetteer.is_local([str(places[0])])


def overview(catalogue: Catalogue, taxonomy: Taxonomy) -> list[DeterminantOverview]:
    """Every determinant, in taxonomy order, with how many documents and passages cover it
    (from the counts stored at ingest, not from the chunks)."""
    totals = catalogue.determinant_totals()
    return [
        DeterminantOverview(d, EvidenceCount(*totals.get(d.id, (0, 0))))
        for d in taxonomy.determinants
    ]


def lens_passages(catalogue: Catalogue) -> dict[str, int]:
    """Passages per lens value ('inequalities', 'life_stage:older_people'), from the counts
    stored at ingest or retag, not from the chunks."""
    return catalogue.lens_totals()


def determinant_evidence(
    store: Store,
    catalogue: Catalogue,
    gazetteer: Gazetteer,
    determinant: Determinant,
    strongest: int = 10,
    recent: int = 5,
) -> DeterminantEvidence:
    """A determinant's counts, its strongest evidence and the documents most recently added
    that are mainly about it (at least `MAIN_SHARE` of their passages, as result cards tag
    documents; a long report that mentions it on a page or two is left to the strongest).

    Everything comes from rows stored at ingest or retag; the store is asked only for the
    few passages shown, by id.
    """
    documents, passages = catalogue.determinant_totals_for(determinant.id)
    local = sorted(p for p, place in gazetteer.places.items() if place.is_local)
    # Twice as many as are shown, so that passages another document already shows word for
    # word (an agenda pack that prints a report it also holds) can be passed over.
    candidates = catalogue.strongest_passages(determinant.id, local, 2 * strongest)
    hits = {h.id: h for h in store.retrieve([f.chunk_id for f in candidates])}
    # The catalogue groups documents by whether their most named place is local; whether one
    # is local is decided as everywhere else, by all its place counts, and the strongest are
    # taken, local ones first. Among those, within the local ones and within the rest, those
    # whose passage as shown reads as evidence (`is_quotable`, on the text the page shows: from
    # the sentence about the determinant) come before those that show only a table or a
    # chart's labels; then the evidence order (strength first).
    local_ids = {f.document.doc_id for f in candidates if is_local_document(f.document, gazetteer)}
    candidates = [f for f in candidates if f.chunk_id in hits]
    candidates.sort(key=lambda f: (f.document.doc_id not in local_ids, f.order))
    shown: dict[str, Passage] = {}
    said: set[str] = set()
    is_about = speaks_of(determinant)
    for f in candidates:
        passage = _evidence_passage(hits[f.chunk_id], f.strength, is_about)
        words = shown_words(passage.text)
        if words not in said:  # the same words are shown once, for the first document
            said.add(words)
            shown[f.chunk_id] = passage
        if len(shown) == strongest:
            break
    found = sorted(
        (f for f in candidates if f.chunk_id in shown),
        key=lambda f: (
            f.document.doc_id not in local_ids,
            not is_quotable(shown[f.chunk_id].text),
            f.order,
        ),
    )
    evidence = [
        Evidence(f.document, shown[f.chunk_id], f.strength, f.document.doc_id in local_ids)
        for f in found
    ]
    return DeterminantEvidence(
        determinant,
        EvidenceCount(documents, passages),
        evidence,
        catalogue.newest_about(determinant.id, recent, min_share=MAIN_SHARE),
    )


def _evidence_passage(
    hit: Hit, strength: float, is_about: Callable[[str], bool] | None = None
) -> Passage:
    """The passage shown as a document's strongest evidence: from its first whole sentence of
    prose, without the end of a table, a chart's labels or a caption before it
    (`evidence_start`); with `is_about` (whether a sentence speaks of the determinant), from
    the first such sentence when the first does not (`about_start`)."""
    hit = with_lead(hit)
    start = evidence_start(hit.text, opens_sentence(hit.payload))
    if is_about is not None:
        start = about_start(hit.text, start, is_about)
    return passage_from_hit(hit, strength, start=start)


def speaks_of(determinant: Determinant) -> Callable[[str], bool]:
    """Whether a sentence names one of the determinant's seed terms (as the tagger counts them)."""
    matcher = SeedMatcher({determinant.id: determinant.seeds})
    return lambda text: matcher.count(text)[determinant.id].occurrences > 0


def best_by_determinant(
    hits: Sequence[Hit],
    store: Store,
    catalogue: Catalogue,
    taxonomy: Taxonomy,
    visible: Collection[str] | None = None,
) -> list[DeterminantHit]:
    """For each determinant the hits touch, its best-ranked hit, ordered by that hit's rank
    (determinants whose best is one hit in the order that hit lists them, strongest first).
    The hits may be outlined (`ChunkTable.outline`): those chosen are read whole.

    Only hits of committed documents count (`visible`: their ids, if already known).
    """
    visible = catalogue.visible_among({h.doc_id for h in hits}) if visible is None else visible
    first: dict[str, Hit] = {}
    documents: dict[str, set[str]] = {}
    for hit in hits:
        if hit.doc_id not in visible or not hit.is_body:
            continue
        for determinant_id in hit.payload.get("determinants") or []:
            first.setdefault(str(determinant_id), hit)
            documents.setdefault(str(determinant_id), set()).add(hit.doc_id)
    known = {d.id: d for d in taxonomy.determinants}
    chosen = list({first[d].id: first[d] for d in first if d in known}.values())
    whole = {hit.id: hit for hit in read_whole(store, chosen)}
    rank = {hit.id: i for i, hit in enumerate(chosen)}

    def listed(d: str) -> tuple[int, int]:
        hit = whole[first[d].id]
        tags = [str(t) for t in hit.payload.get("determinants") or []]
        return rank[hit.id], tags.index(d) if d in tags else len(tags)

    wanted = sorted((d for d in first if d in known and first[d].id in whole), key=listed)
    records = {r.doc_id: r for r in catalogue.documents(list({first[d].doc_id for d in wanted}))}
    return [
        DeterminantHit(known[d], whole[first[d].id], records[first[d].doc_id], len(documents[d]))
        for d in wanted
        if first[d].doc_id in records
    ]


# Matching passages read per determinant to find one that is body text (not a cover or a
# reference list): a bound on the work.
PASSAGES_PER_DETERMINANT = 5


def best_among_matches(
    matches: Matches,
    wanted: Sequence[str],
    store: Store,
    catalogue: Catalogue,
    taxonomy: Taxonomy,
    visible: Collection[str],
) -> list[DeterminantHit]:
    """For determinants the ranking's hits missed: the matching passage closest in meaning
    (body text of a visible document) for each of `wanted` that has one, in `wanted`'s order.
    Its document count is left 0 for the caller to fill in (it knows the filter counts)."""
    known = {d.id: d for d in taxonomy.determinants}
    wanted = [d for d in wanted if d in known]
    firsts = matches.first_with("determinants", wanted, visible, PASSAGES_PER_DETERMINANT)
    hits: dict[str, Hit] = {}
    chosen: dict[str, Hit] = {}
    # Each determinant's closest passage is read first; the next ones only where it was a
    # cover or reference list (reading payloads is most of the cost; only what is shown).
    for read in (1, PASSAGES_PER_DETERMINANT):
        pending = {d: firsts.get(d, [])[:read] for d in wanted if d not in chosen}
        ids = dict.fromkeys(i for first in pending.values() for i in first if i not in hits)
        if ids:
            hits.update((h.id, h) for h in store.retrieve(list(ids), RANKED_FIELDS))
        for d, first in pending.items():
            body = next((hits[i] for i in first if i in hits and hits[i].is_body), None)
            if body is not None:
                chosen[d] = body
    chosen = {d: chosen[d] for d in wanted if d in chosen}  # in `wanted`'s order
    records = {r.doc_id: r for r in catalogue.documents(list({h.doc_id for h in chosen.values()}))}
    return [
        DeterminantHit(known[d], hit, records[hit.doc_id], 0)
        for d, hit in chosen.items()
        if hit.doc_id in records
    ]


def local_documents_first(
    documents: Sequence[DocumentResult], gazetteer: Gazetteer
) -> list[DocumentResult]:
    """Documents already fetched, local ones first (stable), renumbered."""
    ordered = sorted(documents, key=lambda d: not is_local_document(d.document, gazetteer))
    return [replace(d, rank=i + 1) for i, d in enumerate(ordered)]


def main_determinants(
    shares: Mapping[str, float], min_share: float = MAIN_SHARE, limit: int = 4
) -> list[str]:
    """The determinants a document is mainly about: its largest shares, at least the top one."""
    ordered = sorted(shares.items(), key=lambda kv: -kv[1])
    chosen = [d for i, (d, share) in enumerate(ordered) if i == 0 or share >= min_share]
    return chosen[:limit]
