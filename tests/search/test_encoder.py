"""Models load offline from their wheels, are verified, and never mix in one collection."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import chunk_pages
from ingest.formats import read_document
from ingest.pdf import UnreadablePdf
from search.library import Library
from search.models.encoder import (
    BGE_INSTRUCTION,
    Encoder,
    ModelIntegrityError,
    OnnxEncoder,
    Vectors,
    load_encoder,
    load_sentence_encoder,
    verify_files,
)
from search.settings import ModelSettings, Settings
from search.store.base import ModelMismatchError
from tests.conftest import SHARED_DATA
from tests.doubles import RememberingEncoder, WrappedEncoder

ROOT = Path(__file__).resolve().parents[2]


def test_default_model_ranks_relevant_passage_higher(encoder: Encoder) -> None:
    query = encoder.encode_queries(["help for lonely older people"])[0]
    docs = encoder.encode_documents(
        [
            "Befriending schemes reduce isolation in later life.",
            "The bypass reopens after resurfacing works.",
        ]
    )
    assert docs.shape == (2, 384)
    assert np.allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-3)
    assert docs[0] @ query > docs[1] @ query


def test_query_instruction_changes_the_query_vector(encoder: Encoder) -> None:
    with_prefix = encoder.encode_queries(["housing"])[0]
    as_document = encoder.encode_documents([BGE_INSTRUCTION + "housing"])[0]
    plain = encoder.encode_documents(["housing"])[0]
    assert np.allclose(with_prefix, as_document, atol=1e-5)
    assert not np.allclose(with_prefix, plain, atol=1e-3)


# Loads PyTorch and sentence-transformers (MiniLM runs there), a second runtime the site does
# not use by default, as the re-embed tests do: in `make test`, not the inner loop.
@pytest.mark.slow
def test_fallback_minilm_loads_and_ranks(tmp_path: Path) -> None:
    minilm = load_encoder(ModelSettings(name="all-minilm-l6-v2"), tmp_path)
    assert minilm.model_id == "all-minilm-l6-v2"
    query = minilm.encode_queries(["damp homes"])[0]
    docs = minilm.encode_documents(["Mould and damp in rented housing.", "School holiday dates."])
    assert docs[0] @ query > docs[1] @ query


def test_tampered_model_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "model.onnx").write_bytes(b"not the model")
    with pytest.raises(ModelIntegrityError, match="sha256"):
        verify_files(tmp_path, {"model.onnx": "0" * 64})


def test_collection_refuses_vectors_from_another_model(tmp_path: Path, encoder: Encoder) -> None:
    settings = Settings(data_dir=tmp_path)
    library = Library.open(settings, encoder=encoder)
    library.index.prepare()
    library.close()
    other = Settings(data_dir=tmp_path, model=ModelSettings(name="all-minilm-l6-v2"))
    with pytest.raises(ModelMismatchError, match="bge-small"):
        Library.open(other)


def _real_passages(count: int) -> list[str]:
    """Passages cut from real PDFs the way ingest cuts them, plus texts at the edges."""
    real = SHARED_DATA / "pdfs" / "real"
    if not real.is_dir():
        pytest.skip(f"real PDFs not found at {real}")
    texts: list[str] = []
    for pdf in sorted(real.glob("*.pdf")):
        if len(texts) >= count:
            break
        try:
            parsed = read_document(pdf, max_pages=40)
        except UnreadablePdf:
            continue
        texts += [c.text for c in chunk_pages("x", parsed.pages[:40], 180, 30)][:8]
    longest = " ".join(texts)  # far past 512 tokens: truncated the same way
    return [*texts[:count], longest, "", "Tŷ Cymru — 住房 и жильё", "a"]


def _groups(texts: list[str], size: int) -> list[list[str]]:
    return [texts[i : i + size] for i in range(0, len(texts), size)]


# Loads PyTorch and sentence-transformers as the reference: in `make test`, not the inner loop.
@pytest.mark.slow
def test_onnxruntime_gives_sentence_transformers_vectors_on_real_passages(
    model_cache: Path,
) -> None:
    texts = _real_passages(24)
    ours = load_encoder(ModelSettings(threads=2, batch_size=8), model_cache)
    reference = load_sentence_encoder(ModelSettings(threads=2, batch_size=8), model_cache)
    assert isinstance(ours, OnnxEncoder)
    # The int8 model quantises a batch as a whole, so both are given the same batches.
    for group in _groups(texts, 8):
        mine, theirs = ours.encode_documents(group), reference.encode_documents(group)
        assert mine.shape == theirs.shape == (len(group), 384)
        assert float(np.min(np.sum(mine * theirs, axis=1))) >= 0.9999
    queries = ["what helps older people who are lonely in rural villages", "damp homes"]
    for query in queries:  # one query at a time, as the site asks
        mine, theirs = ours.encode_queries([query]), reference.encode_queries([query])
        assert float(mine[0] @ theirs[0]) >= 0.9999


def test_a_text_gets_the_same_vector_whatever_is_encoded_beside_it(model_cache: Path) -> None:
    """With the default settings a passage's vector does not depend on the passages ingested
    with it (the int8 model quantises each model call as a whole, so batching would)."""
    texts = [
        "Damp and mould in rented homes harm children's breathing.",
        "Older people in rural villages are often lonely, and bus cuts make it worse. " * 6,
        "Free school meals.",
        "Cold homes raise blood pressure; fuel poverty rose in the winter of 2022. " * 12,
        "Green space near homes is linked to better mental health in several studies. " * 3,
        "a",
    ]
    ours = load_encoder(ModelSettings(threads=1), model_cache)
    together = ours.encode_documents(texts)
    alone = np.vstack([ours.encode_documents([t]) for t in texts])
    assert np.allclose(together, alone, atol=1e-6)
    assert np.allclose(np.linalg.norm(together, axis=1), 1.0, atol=1e-5)
    # Ingest's two threads run two passages at once, a thread each: the same vectors, in the
    # same rows, as one thread encoding them in turn.
    side_by_side = load_encoder(ModelSettings(threads=2), model_cache)
    assert np.allclose(side_by_side.encode_documents(texts), together, atol=1e-6)
    assert np.allclose(side_by_side.encode_documents(texts[::-1]), together[::-1], atol=1e-6)


class _CountingEncoder(WrappedEncoder):
    def __init__(self, real: Encoder) -> None:
        super().__init__(real)
        self.asked: list[str] = []

    def encode_documents(self, texts: list[str]) -> Vectors:
        self.asked += texts
        return self.real.encode_documents(texts)

    def encode_queries(self, texts: list[str]) -> Vectors:
        self.asked += texts
        return self.real.encode_queries(texts)


def test_the_suites_remembering_encoder_gives_the_models_own_vectors(model_cache: Path) -> None:
    """The shared `encoder` fixture remembers vectors; what it remembers must be what the
    model gives each text in any company, kept apart for queries and documents."""
    model = load_encoder(ModelSettings(), model_cache)
    counting = _CountingEncoder(model)
    remembering = RememberingEncoder(counting)
    texts = ["Damp homes in Loughborough.", "Lonely older people in Melton. " * 5, "a", ""]
    first = remembering.encode_documents(texts)
    mixed = [texts[2], "Bus routes to market towns.", texts[0], texts[2]]
    again = remembering.encode_documents(mixed)
    assert counting.asked == [*texts, "Bus routes to market towns."]  # each text asked once
    for got, text in [*zip(first, texts, strict=True), *zip(again, mixed, strict=True)]:
        assert np.allclose(got, model.encode_documents([text])[0], atol=1e-6)
    query = remembering.encode_queries([texts[0]])[0]
    assert np.allclose(query, model.encode_queries([texts[0]])[0], atol=1e-6)
    assert not np.allclose(query, first[0], atol=1e-3)  # a query is not a document
    assert remembering.model_id == model.model_id and remembering.dimension == model.dimension


def test_searching_through_the_site_never_imports_pytorch(tmp_path: Path) -> None:
    probe = (
        "import sys\n"
        "from fastapi.testclient import TestClient\n"
        "from search.settings import Settings\n"
        "from web.app import create_app\n"
        f"settings = Settings(data_dir={str(tmp_path)!r})\n"
        "with TestClient(create_app(settings)) as client:\n"
        "    answer = client.get('/api/search', params={'q': 'damp homes'})\n"
        "    loaded = client.app.state.library.encoder.is_loaded\n"
        "heavy = [m for m in ('torch', 'sentence_transformers', 'transformers') "
        "if m in sys.modules]\n"
        "print(answer.status_code, loaded, heavy)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "200 True []"
