"""A model change: `kb reembed` builds the new model's collection beside the old one and switches
searches to it only when complete; an interrupted run switches nothing and resumes later."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.pipeline import Ingester
from kb.reembedding import ReembedError, collection_for, reembed
from search.library import Library
from search.models.encoder import Encoder, Vectors, load_encoder
from search.schema import Filters
from search.settings import ChunkSettings, Settings
from search.store.base import ModelMismatchError, active_collection
from tests.doubles import WrappedEncoder
from tests.pdfs import write_pdf

TOPICS = {
    "housing": "Cold and damp homes in the private rented sector cause mould and asthma.",
    "lonely": "Older people in rural villages feel lonely when the bus service stops running.",
    "meals": "Free school meals improve attendance and concentration in primary schools.",
}


class BreaksOnMeals(WrappedEncoder):
    """The new model, failing on one document (a fault halfway through the run)."""

    def encode_documents(self, texts: list[str]) -> Vectors:
        if any("school meals" in t for t in texts):
            raise RuntimeError("out of memory")
        return self.real.encode_documents(texts)


@pytest.fixture
def old_settings(tmp_path: Path, encoder: Encoder) -> Settings:
    settings = Settings(data_dir=tmp_path / "data")
    for name, sentence in TOPICS.items():
        write_pdf(tmp_path / "pdfs" / f"{name}.pdf", [f"{sentence} " * 4], title=name.title())
    library = Library.open(settings, encoder=encoder)
    try:
        Ingester(library.index, settings.chunks, parse_workers=1).run([tmp_path / "pdfs"])
    finally:
        library.close()
    return settings


@pytest.fixture(scope="module")
def new_encoder(model_cache: Path) -> Encoder:
    return load_encoder(Settings(model={"name": "all-minilm-l6-v2"}).model, model_cache)  # type: ignore[arg-type]


def _new(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"model": settings.model.model_copy(update={"name": "all-minilm-l6-v2"})}
    )


def test_reembed_switches_to_a_complete_collection_of_the_new_model(
    old_settings: Settings, new_encoder: Encoder, encoder: Encoder
) -> None:
    new = _new(old_settings)
    assert reembed(new, encoder=new_encoder) == collection_for(new)
    assert active_collection(new) == collection_for(new)
    library = Library.open(new, encoder=new_encoder)
    try:
        layout = library.store.layout()
        assert layout is not None and layout.model_id == new_encoder.model_id
        for record in library.catalogue.documents():
            stored = library.store.count(Filters(doc_ids=(record.doc_id,)))
            assert stored == record.chunk_count > 0
        top = library.searcher.search("lonely older people in villages", Filters()).documents[0]
        assert top.document.file_name == "lonely.pdf"
    finally:
        library.close()
    # The old model's vectors are never read through the new pointer.
    with pytest.raises(ModelMismatchError):
        Library.open(old_settings, encoder=encoder)
    # They are kept, untouched, in their own folder.
    assert (old_settings.store_dir / old_settings.qdrant.collection / "collection.json").is_file()


def test_reembed_builds_the_new_collections_graph_before_switching(
    old_settings: Settings, new_encoder: Encoder, optimised: list[Path]
) -> None:
    """As an ingest ends, so does a re-embedding: with the engine's optimisation, which builds
    the graph and the vectors' copies."""
    optimised.clear()  # the old library's own ingest, if it was built after the watch began
    new = _new(old_settings)
    reembed(new, encoder=new_encoder)
    assert optimised == [new.store_dir / collection_for(new)]


def test_interrupted_reembed_switches_nothing_and_resumes(
    old_settings: Settings, new_encoder: Encoder, encoder: Encoder
) -> None:
    new = _new(old_settings)
    with pytest.raises(ReembedError, match=r"meals\.pdf"):
        reembed(new, encoder=BreaksOnMeals(new_encoder))
    assert active_collection(new) == old_settings.qdrant.collection
    still = Library.open(old_settings, encoder=encoder)  # the old site keeps working
    try:
        assert still.searcher.search("school meals", Filters()).documents
    finally:
        still.close()
    redone: list[str] = []
    reembed(new, encoder=new_encoder, on_document=lambda r: redone.append(r.file_name))
    assert redone == ["meals.pdf"]  # the others were done the first time
    assert active_collection(new) == collection_for(new)


def test_reembed_with_new_chunk_settings_keeps_the_chunk_counts_true(
    old_settings: Settings, new_encoder: Encoder
) -> None:
    """Re-embedding cuts the pages again with the chunk settings of the day: when those changed,
    each document's chunk count (which the library's running total, a document's retag and
    ingest's "already complete" check read) must be the new collection's, not the old one's."""
    new = _new(old_settings)
    new = new.model_copy(update={"chunks": ChunkSettings(max_words=20, overlap_words=5)})
    reembed(new, encoder=new_encoder)
    library = Library.open(new, encoder=new_encoder)
    try:
        records = library.catalogue.documents()
        for record in records:
            assert library.store.count(Filters(doc_ids=(record.doc_id,))) == record.chunk_count
        assert library.catalogue.stats()["chunks"] == library.store.count() > len(records)
    finally:
        library.close()


def test_reembed_with_the_model_already_in_use_is_refused_unless_forced(
    old_settings: Settings, encoder: Encoder
) -> None:
    """Run by mistake with no model change, it would embed the whole library again into a second
    collection; it says there is nothing to do. Forced, it cuts and embeds again and switches."""
    with pytest.raises(ReembedError, match=r"already uses bge-small-en-v1\.5: nothing to re-embed"):
        reembed(old_settings, encoder=encoder)
    assert not (old_settings.store_dir / collection_for(old_settings)).exists()
    assert reembed(old_settings, encoder=encoder, force=True) == collection_for(old_settings)
    assert active_collection(old_settings) == collection_for(old_settings)
