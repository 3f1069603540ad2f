"""Models load offline from their wheels, are verified, and never mix in one collection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from search.library import Library
from search.models.encoder import (
    BGE_INSTRUCTION,
    Encoder,
    ModelIntegrityError,
    load_encoder,
    verify_files,
)
from search.settings import ModelSettings, Settings
from search.store.base import ModelMismatchError


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
