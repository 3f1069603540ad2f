"""The ingest job end to end on real PDFs written by the tests, with the real model and engine."""

from __future__ import annotations

import shutil
import threading
from collections import deque
from concurrent.futures import Future
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from ingest.pipeline import (
    DUPLICATE,
    FAILED,
    INDEXED,
    REMOVED,
    SKIPPED,
    Ingester,
    _Job,
    _Parsed,
    _Prepared,
)
from ingest.worker import ParseFailure
from search.index import Index
from search.library import Library
from search.models.encoder import Encoder, Vectors
from search.schema import Chunk, Filters
from search.settings import ChunkSettings, Settings
from tests.doubles import WrappedEncoder
from tests.pdfs import write_corrupt_pdf, write_encrypted_pdf, write_pdf

HOUSING = [
    "Cold and damp homes in the private rented sector cause mould and breathing problems.",
    "Landlords were asked to fix damp. Tenants in houses in multiple occupation reported mould.",
]
LONELY = ["Older people in rural villages often feel lonely when the bus service stops running."]


def _ingest(library: Library, folder: Path, prune: bool = False) -> dict[str, str]:
    summary = Ingester(library.index, library.settings.chunks, parse_workers=1).run(
        [folder], prune=prune
    )
    return {Path(o.path).name: o.outcome for o in summary.outcomes}


def test_ingest_indexes_pdfs_with_page_numbers_and_manifest(
    library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "housing.pdf", HOUSING, title="Info title")
    write_pdf(folder / "lonely.pdf", LONELY)
    (folder / "manifest.csv").write_text(
        "file,title,organisation,year,kind,authors,url\n"
        "housing.pdf,Damp homes review,Kent County Council,2022,report,A. Smith; B. Jones,\n"
    )
    assert _ingest(library, folder) == {"housing.pdf": INDEXED, "lonely.pdf": INDEXED}
    results = library.searcher.search("mould in rented houses")
    top = results.documents[0]
    assert top.document.meta.title == "Damp homes review"
    assert top.document.meta.organisation == "Kent County Council"
    assert top.document.meta.year == 2022
    assert top.document.meta.authors == ["A. Smith", "B. Jones"]
    assert top.document.page_count == 2
    assert library.catalogue.page_text(top.doc_id, 2) is not None
    assert "Tenants" in (library.catalogue.page_text(top.doc_id, 2) or "")


def test_reingesting_unchanged_folder_is_noop(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "housing.pdf", HOUSING)
    _ingest(library, folder)
    points = library.store.count()
    assert _ingest(library, folder) == {"housing.pdf": SKIPPED}
    assert library.store.count() == points


def test_changed_file_replaces_its_old_chunks(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "report.pdf", HOUSING)
    _ingest(library, folder)
    old_ids = set(library.store.facet("doc_id"))
    write_pdf(folder / "report.pdf", LONELY)
    assert _ingest(library, folder) == {"report.pdf": INDEXED}
    new_ids = set(library.store.facet("doc_id"))
    assert len(new_ids) == 1 and new_ids != old_ids
    assert library.catalogue.doc_ids() == new_ids
    assert library.searcher.search("damp mould").documents[0].document.file_name == "report.pdf"
    assert library.store.count(Filters(doc_ids=tuple(old_ids))) == 0


def test_corrupt_and_encrypted_pdfs_are_reported_and_others_indexed(
    library: Library, tmp_path: Path
) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "good.pdf", HOUSING)
    write_corrupt_pdf(folder / "broken.pdf")
    write_encrypted_pdf(folder / "locked.pdf", "secret text")
    (folder / "notes.pdf").write_text("this is not a pdf at all")
    summary = Ingester(library.index, library.settings.chunks, parse_workers=1).run([folder])
    by_name = {Path(o.path).name: o for o in summary.outcomes}
    assert by_name["good.pdf"].outcome == INDEXED
    assert by_name["broken.pdf"].outcome == FAILED and "corrupt" in by_name["broken.pdf"].reason
    assert by_name["locked.pdf"].outcome == FAILED and "password" in by_name["locked.pdf"].reason
    assert by_name["notes.pdf"].outcome == FAILED and "not a PDF" in by_name["notes.pdf"].reason
    assert summary.indexed == 1 and summary.failed == 3
    assert library.catalogue.file(str(folder.resolve() / "locked.pdf")) is not None


def test_an_unchanged_file_that_failed_fails_again_without_being_read(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The next run counts it as failed, with its reason, not as skipped; --retry-failed reads
    it again."""
    folder = tmp_path / "docs"
    write_pdf(folder / "good.pdf", HOUSING)
    write_encrypted_pdf(folder / "locked.pdf", "secret text")
    first = Ingester(library.index, library.settings.chunks, parse_workers=1).run([folder])
    (reason,) = [o.reason for o in first.outcomes if o.outcome == FAILED]
    read: list[str] = []
    real = Ingester._parse

    def parse(self: Ingester, path: Path, stop: object) -> object:
        read.append(path.name)
        return real(self, path, stop)  # type: ignore[arg-type]

    monkeypatch.setattr(Ingester, "_parse", parse)
    again = Ingester(library.index, library.settings.chunks, parse_workers=1).run([folder])
    by_name = {Path(o.path).name: o for o in again.outcomes}
    assert (by_name["locked.pdf"].outcome, by_name["locked.pdf"].reason) == (FAILED, reason)
    assert by_name["good.pdf"].outcome == SKIPPED
    assert again.failed == 1 and again.skipped == 1 and read == []
    retried = Ingester(
        library.index, library.settings.chunks, parse_workers=1, retry_failed=True
    ).run([folder])
    assert read == ["locked.pdf"] and retried.failed == 1


def test_same_content_under_two_names_is_stored_once(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "a.pdf", HOUSING)
    shutil.copy(folder / "a.pdf", folder / "b.pdf")
    outcomes = _ingest(library, folder)
    assert sorted(outcomes.values()) == [DUPLICATE, INDEXED]
    assert len(library.catalogue.doc_ids()) == 1


def test_prune_withdraws_documents_whose_file_is_gone(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "housing.pdf", HOUSING)
    write_pdf(folder / "lonely.pdf", LONELY)
    _ingest(library, folder)
    (folder / "lonely.pdf").unlink()
    assert _ingest(library, folder) == {"housing.pdf": SKIPPED}  # without --prune nothing is lost
    assert len(library.catalogue.doc_ids()) == 2
    assert _ingest(library, folder, prune=True) == {"housing.pdf": SKIPPED, "lonely.pdf": REMOVED}
    assert len(library.catalogue.doc_ids()) == 1
    assert library.store.count() == library.store.count(
        Filters(doc_ids=tuple(library.catalogue.doc_ids()))
    )


def test_half_written_document_is_invisible_and_swept(library: Library, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "housing.pdf", HOUSING)
    _ingest(library, folder)
    # Simulate a crash after the points were written but before the catalogue commit.
    stray = library.store.chunks(Filters())[0]
    payload = {**stray.payload, "doc_id": "halfwritten"}
    from search.schema import IndexedChunk, point_id

    dense = library.encoder.encode_documents([stray.text])[0].tolist()
    library.store.upsert(
        [
            IndexedChunk(
                point_id("halfwritten", 0),
                dense,
                library.index.weighting.document_vector(stray.text),
                payload,
            )
        ]
    )
    assert all(r.doc_id != "halfwritten" for r in library.searcher.search("damp mould").documents)
    assert library.index.reconcile() == 1
    assert library.store.count(Filters(doc_ids=("halfwritten",))) == 0


class CountingEncoder(WrappedEncoder):
    """The real model, counting every passage it is asked to encode."""

    def __init__(self, real: Encoder) -> None:
        super().__init__(real)
        self.documents: list[str] = []

    def encode_documents(self, texts: list[str]) -> Vectors:
        self.documents += texts
        return self.real.encode_documents(texts)


def test_each_chunk_is_encoded_once_while_files_are_read_ahead(
    embedded_settings: Settings, encoder: Encoder, tmp_path: Path
) -> None:
    counting = CountingEncoder(encoder)
    library = Library.open(embedded_settings, encoder=counting)
    try:
        folder = tmp_path / "docs"
        write_pdf(folder / "a.pdf", HOUSING)
        shutil.copy(folder / "a.pdf", folder / "b.pdf")  # queued beside its twin: stored once
        write_pdf(folder / "c.pdf", LONELY)
        long_pages = [
            " ".join(f"Bus route {n} reaches village {n} twice a day." for n in range(p, p + 60))
            for p in (0, 100, 200)
        ]
        write_pdf(folder / "d.pdf", long_pages)
        ingester = Ingester(library.index, library.settings.chunks, prefetch_chunks=1000)
        summary = ingester.run([folder])
        names = {Path(o.path).name: o.outcome for o in summary.outcomes}
        assert sorted(names.values()) == [DUPLICATE, INDEXED, INDEXED, INDEXED]
        stored = library.store.count()
        assert stored == summary.chunks > 3
        # Tagging reuses the chunk vectors: each stored chunk went through the model once.
        assert len(counting.documents) == stored
        assert sorted(counting.documents) == sorted(h.text for h in library.store.chunks(
            Filters(), limit=stored))  # fmt: skip
        assert ingester.stage_seconds["encode (model thread)"] > 0
        again = Ingester(library.index, library.settings.chunks).run([folder])
        assert again.skipped == 4 and len(counting.documents) == stored
    finally:
        library.close()


def _two_files(tmp_path: Path, first: str, second: str) -> Path:
    folder = tmp_path / "docs"
    write_pdf(folder / first, HOUSING)
    write_pdf(folder / second, LONELY)
    return folder


def _outcomes_with_two_workers(library: Library, folder: Path) -> list[tuple[str, str]]:
    """(file name, outcome) in the order the run reported them, two files read at once."""
    summary = Ingester(library.index, library.settings.chunks, parse_workers=2).run([folder])
    return [(Path(o.path).name, o.outcome) for o in summary.outcomes]


def _read_after(monkeypatch: pytest.MonkeyPatch, name: str, event: threading.Event) -> None:
    """The file called `name` is read only once `event` is set (as long OCR would hold it)."""
    parse = Ingester._parse

    def late_parse(self: Ingester, path: Path, stop: threading.Event) -> object:
        if path.name == name:
            event.wait(timeout=20)
        return parse(self, path, stop)

    monkeypatch.setattr(Ingester, "_parse", late_parse)


def _note_prepared(monkeypatch: pytest.MonkeyPatch, name: str, event: threading.Event) -> None:
    """Set `event` once the file called `name` is taken from the parsers for the model."""
    prepare = Ingester._prepare

    def noted_prepare(self: Ingester, job: Any, parsed: Any, *rest: Any) -> Any:
        if Path(job.path).name == name:
            event.set()
        return prepare(self, job, parsed, *rest)

    monkeypatch.setattr(Ingester, "_prepare", noted_prepare)


def test_a_file_still_being_read_does_not_hold_back_the_files_read_behind_it(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _two_files(tmp_path, "a-scan-that-takes-long.pdf", "b.pdf")
    prepared_another = threading.Event()
    # Read as long OCR would: until another file was taken on.
    _read_after(monkeypatch, "a-scan-that-takes-long.pdf", prepared_another)
    _note_prepared(monkeypatch, "b.pdf", prepared_another)
    assert _outcomes_with_two_workers(library, folder) == [
        ("b.pdf", INDEXED),
        ("a-scan-that-takes-long.pdf", INDEXED),
    ]


def test_a_file_read_while_the_model_works_is_queued_before_the_oldest_is_written(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _two_files(tmp_path, "a.pdf", "b.pdf")
    a_encoding, b_prepared = threading.Event(), threading.Event()
    seen: dict[str, bool] = {}
    encode = Ingester._encode

    def encode_waiting_for_b(self: Ingester, prepared: Any) -> Any:
        if prepared.job.path.name == "a.pdf":
            a_encoding.set()
            # Before the change the run waited on a.pdf's vectors alone, so b.pdf was taken
            # only after a.pdf was written: this wait ran out.
            seen["b queued while a encoded"] = b_prepared.wait(timeout=10)
        return encode(self, prepared)

    _read_after(monkeypatch, "b.pdf", a_encoding)  # read while the model works on a.pdf
    _note_prepared(monkeypatch, "b.pdf", b_prepared)
    monkeypatch.setattr(Ingester, "_encode", encode_waiting_for_b)
    outcomes = _outcomes_with_two_workers(library, folder)
    assert seen == {"b queued while a encoded": True}
    assert outcomes == [("a.pdf", INDEXED), ("b.pdf", INDEXED)]


def test_of_two_identical_files_the_first_by_name_is_stored_whichever_is_read_first(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "docs"
    write_pdf(folder / "a.pdf", HOUSING)
    shutil.copy(folder / "a.pdf", folder / "b-copy.pdf")
    copy_read = threading.Event()
    parse = Ingester._parse

    def note_copy_read(self: Ingester, path: Path, stop: threading.Event) -> object:
        result = parse(self, path, stop)
        if path.name == "b-copy.pdf":
            copy_read.set()
        return result

    monkeypatch.setattr(Ingester, "_parse", note_copy_read)
    _read_after(monkeypatch, "a.pdf", copy_read)  # the copy is read first
    outcomes = dict(_outcomes_with_two_workers(library, folder))
    assert outcomes == {"a.pdf": INDEXED, "b-copy.pdf": DUPLICATE}


def test_the_tagger_is_readied_once_a_run_has_a_file_to_read_and_never_for_an_unchanged_folder(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _two_files(tmp_path, "housing.pdf", "lonely.pdf")
    readied: list[int] = []
    real = Index.warm

    def warm(self: Index) -> None:
        readied.append(1)
        real(self)

    monkeypatch.setattr(Index, "warm", warm)
    assert sorted(_outcomes_with_two_workers(library, folder)) == [
        ("housing.pdf", INDEXED),
        ("lonely.pdf", INDEXED),
    ]
    assert len(readied) == 1
    # Readying loads the model and embeds the prototypes: seconds a run that reads nothing
    # does not need.
    assert sorted(_outcomes_with_two_workers(library, folder)) == [
        ("housing.pdf", SKIPPED),
        ("lonely.pdf", SKIPPED),
    ]
    assert len(readied) == 1


_CHUNK = Chunk(doc_id="d", index=0, text="t", page_start=1, page_end=1)


def _queued(chunks: int, encoded: bool) -> _Prepared:
    """A file in the model's queue: `chunks` passages, its vectors done or still coming."""
    vectors: Future[Vectors] = Future()
    if encoded:
        vectors.set_result(np.zeros((chunks, 4), dtype=np.float32))
    prepared = _Prepared(_Job(Path("x.pdf"), "d", None), _Parsed(ParseFailure(""), 0.0))
    prepared.chunks = [_CHUNK] * chunks
    prepared.vectors = vectors
    return prepared


def test_a_long_file_being_encoded_leaves_room_for_the_next() -> None:
    # The rule reads only the queue: no index is needed to judge it.
    room = Ingester(cast(Index, None), ChunkSettings(), prefetch_chunks=256)._has_room
    assert room(deque())
    # The model is on a 700-passage file: the next file is queued behind it, so the model does
    # not idle while the long one is tagged and written.
    assert room(deque([_queued(700, encoded=False)]))
    assert room(deque([_queued(700, encoded=False), _queued(200, encoded=False)]))
    assert not room(deque([_queued(700, encoded=False), _queued(300, encoded=False)]))
    # Encoded and not yet written: counted up to twice the queue, so memory stays bounded.
    assert room(deque([_queued(400, encoded=True), _queued(10, encoded=False)]))
    assert not room(deque([_queued(600, encoded=True), _queued(10, encoded=False)]))
