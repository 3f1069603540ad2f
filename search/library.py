"""The library: one object that opens the index and answers everything the site and CLI ask."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from search.access import ScopedStore
from search.analysis import read_synonyms
from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.evidence.places import Gazetteer
from search.index import Index, backfill_evidence, build_index, load_tagging, refresh_strongest
from search.models.encoder import (
    RERANK_TOKENS,
    Encoder,
    LazyEncoder,
    LazyPairScorer,
    load_pair_scorer,
)
from search.retrieval.answer_check import AnswerCheck
from search.retrieval.searcher import Searcher
from search.schema import READING_RULES
from search.settings import Settings
from search.store.base import (
    CollectionLayout,
    Store,
    active_collection,
    check_layout,
    open_store,
)

__all__ = ["DEFAULT_SYNONYMS", "STATUS_FILES", "Library", "LibraryStatus", "speller_names"]

log = logging.getLogger(__name__)

DEFAULT_SYNONYMS = Path(__file__).parent / "data" / "synonyms.txt"
# Files in one answer about the library's status unless the caller asks for another page size:
# a county's archive is thousands of files.
STATUS_FILES = 50


@dataclass
class Library:
    """Store, catalogue and encoder opened once and shared by readers and writers."""

    settings: Settings
    store: Store
    catalogue: Catalogue
    encoder: Encoder
    searcher: Searcher
    index: Index

    @classmethod
    def open(
        cls,
        settings: Settings,
        encoder: Encoder | None = None,
        refresh_evidence: bool = True,
        engine_process: bool = False,
    ) -> Library:
        """The library in `settings.data_dir`. Strongest passages an older rule chose are chosen
        again first (`index.refresh_strongest`) unless `refresh_evidence` is False: the site
        does that in the background, so a large library's one-off does not delay its start.
        With `engine_process` the embedded engine runs in a child process (the site's choice,
        `KB_QDRANT__ENGINE_PROCESS`)."""
        store = open_store(settings, engine_process=engine_process)
        catalogue: Catalogue | None = None
        try:
            catalogue = Catalogue(settings.catalogue_path)
            encoder = encoder or LazyEncoder(settings.model, settings.data_dir / "models")
            return cls._assemble(settings, store, catalogue, encoder, refresh_evidence)
        except BaseException:
            # Whatever failed (a taxonomy, the synonyms file, the model, the layout), the
            # embedded store's lock is let go, so the next attempt can open it.
            store.close()
            if catalogue is not None:
                catalogue.close()
            raise

    @classmethod
    def _assemble(
        cls,
        settings: Settings,
        store: Store,
        catalogue: Catalogue,
        encoder: Encoder,
        refresh_evidence: bool = True,
    ) -> Library:
        synonyms_path = settings.search.synonyms_path or DEFAULT_SYNONYMS
        synonyms = read_synonyms(synonyms_path.read_text(encoding="utf-8"))
        scorer = None
        if settings.search.rerank:
            scorer = load_pair_scorer(settings.model.pair_threads, RERANK_TOKENS, probability=True)
        tagging = load_tagging(settings, encoder)
        searcher = Searcher(
            store,
            catalogue,
            encoder,
            settings.search,
            synonyms,
            scorer=scorer,
            matching=settings.match,
            speller_names=speller_names(tagging.gazetteer, synonyms),
            gazetteer=tagging.gazetteer,
            answers=(
                # With reranking on, the check reads with the reranker's model (loaded once).
                AnswerCheck(LazyPairScorer(settings.model.pair_threads, loaded=scorer))
                if settings.match.answer_checks
                else None
            ),
        )
        index = build_index(store, catalogue, encoder, tagging)
        wanted = CollectionLayout(encoder.model_id, encoder.dimension)
        check_layout(store.layout(), wanted, str(settings.data_dir))
        backfill_evidence(store, catalogue)
        if refresh_evidence:
            refresh_strongest(store, catalogue)
        return cls(settings, store, catalogue, encoder, searcher, index)

    def scoped(self, levels: Sequence[str]) -> Library:
        """The same library as a reader at `levels` sees it: every read keeps to those levels."""
        store = ScopedStore(self.store, levels)
        catalogue = self.catalogue.scoped(levels)
        searcher = copy.copy(self.searcher)
        searcher.store, searcher.catalogue = store, catalogue
        index = copy.copy(self.index)
        index.store, index.catalogue = store, catalogue
        return replace(self, store=store, catalogue=catalogue, searcher=searcher, index=index)

    def pinned(self) -> Library:
        """The same library for one search's reads: its catalogue reads its version once
        (`Catalogue.pinned`), so the search's reads of documents and totals come from memory
        while nothing is written. Never for a request that writes (`index` keeps the catalogue
        it had)."""
        catalogue = self.catalogue.pinned()
        searcher = copy.copy(self.searcher)
        searcher.catalogue = catalogue
        return replace(self, catalogue=catalogue, searcher=searcher)

    def status_view(self) -> LibraryStatus:
        """The status pages' reader (counts, outcomes, files) over this library's catalogue,
        naming the model of the store searches use."""
        layout = self.store.layout()
        return LibraryStatus(self.catalogue, layout.model_id if layout else self.encoder.model_id)

    def writer(self, catalogue: Catalogue) -> Index:
        """An index over another catalogue connection (a worker thread's own), with the same
        tagger as `self.index`, so its documents get the same tags as a direct ingest."""
        tagging = self.index.tagging
        if tagging is None:  # only when someone built Library by hand
            tagging = load_tagging(self.settings, self.encoder)
        return build_index(self.store, catalogue, self.encoder, tagging)

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self.catalogue.document(doc_id)

    def close(self) -> None:
        self.store.close()
        self.catalogue.close()


@dataclass
class LibraryStatus:
    """What the admin status page, /api/admin/status and `kb status` show, read from the
    catalogue alone: so `kb status` can answer while a running site owns the store."""

    catalogue: Catalogue
    model_id: str

    @classmethod
    def open(cls, settings: Settings) -> LibraryStatus:
        """The catalogue on its own (SQLite lets it be read beside the site that writes it),
        with the model named by the store's layout file, read without opening the store."""
        model_id: str = settings.model.name
        if settings.qdrant.mode == "embedded":
            from search.store.folder import read_layout

            layout = read_layout(settings.store_dir / active_collection(settings))
            model_id = layout.model_id if layout else model_id
        return cls(Catalogue(settings.catalogue_path), model_id)

    def close(self) -> None:
        self.catalogue.close()

    def summary(self) -> dict[str, Any]:
        """Counts, the model and the last ingest run, without the file list: for the admin
        status page, which lists the files a page at a time. The counts are the catalogue's
        running totals (committed documents only, as /healthz and /metrics count them): the
        store also holds the chunks of a document an ingest is still writing."""
        return {
            **self.catalogue.stats(),
            # Counted in "documents" too: an admin sees withdrawn documents, visitors do not.
            "withdrawn": self.catalogue.withdrawn_count(),
            "model": self.model_id,
            "last_run": self.catalogue.last_run(),
        }

    def status(
        self,
        outcome: str | None = None,
        offset: int = 0,
        limit: int | None = STATUS_FILES,
        file_line: Callable[[FileOutcome], dict[str, Any]] = asdict,
    ) -> dict[str, Any]:
        """The summary, how many files have each outcome, and one page of the files (of one
        outcome, or all), in name order, each as `file_line` writes it: for the admin status
        page, /api/admin/status and `kb status`. The counts are running totals and the page
        is read through an index, so a library of many files costs no more than a few; only
        `limit=None` (the command's --all) reads every file."""
        return _status(self.summary(), self.catalogue, outcome, offset, limit, file_line)

    def file_page(
        self,
        outcome: str | None,
        listed: int,
        offset: int,
        limit: int | None,
        file_line: Callable[[FileOutcome], dict[str, Any]] = asdict,
    ) -> dict[str, Any]:
        """One page of the files of one outcome (or all), of `listed` in all (from the counts
        the caller has already read): a single read of the catalogue's files, no summary."""
        return _file_page(self.catalogue, outcome, listed, offset, limit, file_line)


def _status(
    summary: dict[str, Any],
    catalogue: Catalogue,
    outcome: str | None,
    offset: int,
    limit: int | None,
    file_line: Callable[[FileOutcome], dict[str, Any]],
) -> dict[str, Any]:
    counts = catalogue.file_counts()
    total = sum(counts.values())
    listed = counts.get(outcome, 0) if outcome is not None else total
    # Files an older edition of the reading rules read: the admin page offers to read them
    # again, saying how long their last reading took.
    older, older_seconds = catalogue.read_by_older_rules_totals(READING_RULES)
    return {
        **summary,
        "file_counts": dict(sorted(counts.items())),
        "total_files": total,
        "read_by_older_rules": older,
        "read_by_older_rules_seconds": round(older_seconds, 1),
        **_file_page(catalogue, outcome, listed, offset, limit, file_line),
    }


def _file_page(
    catalogue: Catalogue,
    outcome: str | None,
    listed: int,
    offset: int,
    limit: int | None,
    file_line: Callable[[FileOutcome], dict[str, Any]],
) -> dict[str, Any]:
    files = catalogue.files(outcome, offset, limit)
    more = limit is not None and offset + len(files) < listed
    return {
        "outcome": outcome,
        "listed": listed,
        "offset": offset,
        "limit": limit,
        "next_offset": offset + len(files) if more else None,
        "files": [file_line(o) for o in files],
    }


def speller_names(gazetteer: Gazetteer, synonyms: dict[str, list[str]]) -> tuple[str, ...]:
    """The names spelling suggestions know besides English words: every place's names and
    the jargon of the synonyms file, both ways (the project wrote them, so they are words)."""
    places = (name for place in gazetteer.places.values() for name in place.names)
    jargon = (phrase for term, meanings in synonyms.items() for phrase in (term, *meanings))
    return tuple(sorted({*places, *jargon}))
