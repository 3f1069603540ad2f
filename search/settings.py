"""Typed settings for every part of Evidence Finder, read from KB_* variables and .env."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AnyHttpUrl,
    BaseModel,
    DirectoryPath,
    Field,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

__all__ = [
    "AccessLevel",
    "AccessSettings",
    "AccountSettings",
    "ChunkSettings",
    "ClusterSettings",
    "IngestSettings",
    "MatchSettings",
    "ModelName",
    "ModelSettings",
    "OcrSettings",
    "OpsSettings",
    "QdrantSettings",
    "SearchSettings",
    "Settings",
    "WebSettings",
]

ModelName = Literal["bge-small-en-v1.5", "all-minilm-l6-v2"]


class ModelSettings(BaseModel):
    """Which embedding model makes the dense vectors, and how it runs."""

    name: ModelName = "bge-small-en-v1.5"
    backend: Literal["onnx", "torch"] | None = Field(
        default=None, description="None picks the backend the model ships for."
    )
    runtime: Literal["onnxruntime", "sentence-transformers"] = Field(
        default="onnxruntime",
        description="what runs bge-small's ONNX file: onnxruntime directly (no PyTorch) or "
        "sentence-transformers (imports PyTorch; MiniLM always uses it)",
    )
    query_instruction: str | None = Field(
        default=None, description="Text put before each query; None uses the model's own."
    )
    threads: int = Field(default=1, ge=1, le=64, description="intra-op threads on the query path")
    # The cross-encoder reads a question with a passage in about 58 ms on one thread here and
    # 35 ms on two (scores the same to the last bit); with four reads at once on two cores,
    # two threads each read 4% fewer pairs a second (bench/RESULTS.md, forty-second session).
    pair_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="intra-op threads of the cross-encoder (the answer check and reranking);"
        " with more than one, its idle threads sleep instead of spinning",
    )
    ingest_threads: int = Field(
        default=2,
        ge=1,
        le=64,
        description="threads the model uses in kb ingest; at one passage a call, that many"
        " passages are encoded at once, a thread each",
    )
    # 1: the int8 model scales each call's numbers together, so a passage's vector moves a
    # little with the passages sharing its call. One passage a call gives every text the same
    # vector wherever and whenever it is encoded, as queries are (bench/RESULTS.md).
    batch_size: int = Field(
        default=1, ge=1, le=512, description="passages per model call, sorted by length first"
    )
    max_seq_tokens: int = Field(default=512, ge=32, le=512)


class QdrantSettings(BaseModel):
    """Where the vectors live: the embedded engine, a Qdrant server, or memory (tests)."""

    mode: Literal["embedded", "server", "memory"] = "embedded"
    url: str | None = None
    api_key: SecretStr | None = None
    collection: str = "evidence"
    timeout_s: int = Field(default=30, ge=1)
    engine_process: bool = Field(
        default=True,
        description=(
            "the site runs the embedded engine in a process of its own, so searches run side by"
            " side instead of one at a time (the engine holds Python's interpreter lock while it"
            " reads); the kb commands always run it in their own process"
        ),
    )

    @model_validator(mode="after")
    def _server_needs_url(self) -> QdrantSettings:
        if self.mode == "server" and not self.url:
            raise ValueError(
                "KB_QDRANT__MODE is 'server' but KB_QDRANT__URL is not set: "
                "give the Qdrant server's address, e.g. http://localhost:6333"
            )
        return self


class ChunkSettings(BaseModel):
    """How page text is cut into chunks."""

    max_words: int = Field(default=180, ge=20, le=2000)
    overlap_words: int = Field(default=30, ge=0, le=500)

    @model_validator(mode="after")
    def _overlap_smaller(self) -> ChunkSettings:
        if self.overlap_words >= self.max_words:
            raise ValueError("KB_CHUNKS__OVERLAP_WORDS must be smaller than KB_CHUNKS__MAX_WORDS")
        return self


class SearchSettings(BaseModel):
    """How queries are answered."""

    mode: Literal["hybrid", "dense", "sparse"] = "hybrid"
    fusion: Literal["rrf", "dbsf"] = "dbsf"
    long_query_terms: int = Field(
        default=0, ge=0, description="longer queries are matched by meaning only; 0: never"
    )
    candidates: int = Field(default=100, ge=10, le=1000, description="per prefetch")
    passages_per_document: int = Field(default=3, ge=1, le=10)
    page_size: int = Field(default=10, ge=1, le=100)
    synonyms_path: Path | None = None
    rerank: bool = Field(default=False, description="cross-encoder second stage (slow on CPU)")
    rerank_candidates: int = Field(default=20, ge=1, le=200)
    query_cache: int = Field(
        default=1024,
        ge=0,
        le=100_000,
        description="query vectors kept for the questions asked last (a page turn or a filter"
        " ticked asks again); 0 encodes every time",
    )
    # A search holds Python's interpreter lock for its Python, and, with the engine in the
    # site's process, for the engine's reads too. In process, at 300k passages on 2 cores, 8
    # clients got 26 searches/s with no limit and 32-36 with 1 or 2 at a time; with the engine
    # in its own process (the default, `QdrantSettings.engine_process`) one search's engine read
    # overlaps another's Python, and 4 at a time gave 53.7/s against 48.8 with 2 and 51.6 with 3
    # (bench/RESULTS.md, "Forty-third session"). `Settings` keeps 2 for the engine in process.
    concurrent_searches: int = Field(
        default=4,
        ge=0,
        le=64,
        description="searches one site runs at once, the others waiting their turn; 0: no"
        " limit; unset, 2 when the embedded engine runs in the site's own process"
        " (KB_QDRANT__ENGINE_PROCESS=false), where more at once answer fewer",
    )

    @field_validator("synonyms_path")
    @classmethod
    def _synonyms_readable(cls, value: Path | None) -> Path | None:
        """A synonyms file that cannot be read fails at start-up, for every command alike."""
        if value is None:
            return None
        from search.analysis import SynonymFileError, read_synonyms

        try:
            read_synonyms(value.read_text(encoding="utf-8"))
        except OSError as error:
            raise ValueError(f"cannot read {value}: {error.strerror or error}") from None
        except UnicodeDecodeError:
            raise ValueError(f"{value} is not a text file (UTF-8)") from None
        except SynonymFileError as error:
            raise ValueError(f"{value}: {error}") from None
        return value


class MatchSettings(BaseModel):
    """Which documents answer a query at all (the result set counts are exact over) and which
    answer it well (strong). Cosines are the embedding model's, so they are absolute across
    queries, unlike fused scores; the defaults are calibrated by tests/bench/test_strength.py."""

    min_cosine: float = Field(
        default=0.61,
        ge=0.0,
        le=1.0,
        description="a passage this close in meaning matches without holding every search word",
    )
    # Strong: very close in meaning, or close and sharing the question's words. Tuned by
    # tests/bench/test_strength.py, with no-answer questions about council matters the library
    # does not cover, which cosine alone passed at 0.67 (bench/RESULTS.md, "Thirteenth
    # session: strong needs the question's words unless very close").
    strong_cosine: float = Field(
        default=0.695,
        ge=0.0,
        le=1.0,
        description="a document with a passage this close in meaning is a strong match",
    )
    strong_cosine_with_words: float = Field(
        default=0.68,
        ge=0.0,
        le=1.0,
        description=(
            "a document is also a strong match with a passage this close in meaning that holds"
            " at least strong_word_share of the search words"
        ),
    )
    strong_word_share: float = Field(
        default=0.34,
        ge=0.0,
        le=1.0,
        description="the share of the search words a passage needs at strong_cosine_with_words",
    )
    # A question that names something no document uses (a word with no passage holding it:
    # "fluoride", "parkrun", a typo) cannot be answered in full by the library, however close
    # the encoder puts a passage about the same subject. Tuned by tests/bench/test_strength.py
    # (bench/RESULTS.md, "Sixteenth session: words no document uses").
    strong_cosine_despite_unused: float = Field(
        default=0.76,
        ge=0.0,
        le=1.01,
        description=(
            "when the query holds a word no document uses, only a passage at least this close in"
            " meaning makes a document strong (above 1: none does)"
        ),
    )
    # A question (or a long topic phrase: answer_phrase_words) whose strong documents are all
    # under answer_check_below in meaning is read with the closest passage of each of the
    # first answer_checks strong documents the page lists by the packaged cross-encoder; when
    # none scores answer_bar (a logit), the search has no strong match
    # (search.retrieval.answer_check).
    # Tuned on the tuning halves of tests/bench/test_strength.py's sets (bench/RESULTS.md,
    # "Nineteenth session" and "Twentieth session").
    answer_checks: int = Field(
        default=3,
        ge=0,
        le=10,
        description=(
            "how many of a question's first strong documents (in the order listed) the"
            " cross-encoder reads to confirm that one answers it; 0 turns the check off"
        ),
    )
    answer_check_below: float = Field(
        default=0.79,
        ge=0.0,
        le=1.01,
        description=(
            "a question whose closest strong passage is at least this close in meaning is not"
            " checked (above 1: every question is)"
        ),
    )
    answer_phrase_words: int = Field(
        default=8,
        ge=0,
        le=1000,
        description=(
            "a search that is no question and no sentence (it ends without a full stop) is"
            " checked as a question is when it has at least this many words; 0: only questions"
        ),
    )
    answer_bar: float = Field(
        default=1.4,
        ge=-20.0,
        le=20.0,
        description="the cross-encoder's score (a logit) at which a passage answers a question",
    )
    # A search (no sentence ending with a full stop) is pulled away from a strong passage when
    # leaving out a search word the passage lacks brings it word_pull_bar closer in meaning;
    # when that holds for the closest passage of each of its first word_pull_checks strong
    # documents the page lists, it has no strong match (search.retrieval.word_pull; tuned in
    # bench/RESULTS.md, "Fortieth session").
    word_pull_checks: int = Field(
        default=2,
        ge=0,
        le=10,
        description=(
            "how many of a search's first strong documents (in the order listed) must each be"
            " pulled away from by a word their closest passage lacks for the search to have no"
            " strong match; 0 turns the check off"
        ),
    )
    word_pull_bar: float = Field(
        default=0.03,
        ge=0.0,
        le=1.0,
        description=(
            "how much closer in meaning (cosine) a search must come to a passage when a search"
            " word the passage lacks is left out for that word to pull it away"
        ),
    )
    unused_word_checks: int = Field(
        default=12,
        ge=0,
        le=100,
        description=(
            "queries with more search words than this skip the unused-word check (a pasted"
            " paragraph holds incidental words); 0 turns it off"
        ),
    )
    strong_word_checks: int = Field(
        default=200,
        ge=0,
        le=10_000,
        description=(
            "most passages whose words are read per search to decide strength; past it the"
            " strong count is a floor"
        ),
    )
    closest_documents: int = Field(
        default=5,
        ge=0,
        le=100,
        description="when nothing matches, how many of the closest documents to show (as weak)",
    )
    max_chunks: int = Field(
        default=5000,
        ge=100,
        le=100_000,
        description="most passages read per search to count matches; past it counts are floors",
    )
    exact_up_to: int = Field(
        default=50_000,
        ge=0,
        le=100_000_000,
        description=(
            "libraries of up to this many passages are compared passage by passage, so counts"
            " are exact up to max_chunks; larger ones are searched through the engine's graph"
        ),
    )
    # 500: at 300k chunks, 1,000 / 500 / 250 gave /api/search p95 51.6 / 36.8 / 37.6 ms and
    # 21.1 / 26.8 / 30.2 searches/s with 8 clients, one run after another (bench/RESULTS.md):
    # 500 takes the latency, 250 buys a little throughput for half the evidence counted.
    graph_max_chunks: int = Field(
        default=500,
        ge=100,
        le=100_000,
        description=(
            "past exact_up_to passages, the most passages read per search and rule; counts are"
            " then floors, shown as 'at least'"
        ),
    )
    read_ahead: bool = Field(
        default=True,
        description="a running site reads every passage's filter values in the background, so"
        " a new question is counted without reading them (seconds at 300k passages, once)",
    )

    @model_validator(mode="after")
    def _strong_is_a_match(self) -> MatchSettings:
        derived = (
            "strong_cosine_with_words" not in self.model_fields_set
            and self.strong_cosine < self.strong_cosine_with_words
        )
        if derived:
            # A setting from before the words rule (KB_MATCH__STRONG_COSINE=0.67 alone) keeps
            # meaning what it meant: that cosine alone makes a strong match.
            self.strong_cosine_with_words = self.strong_cosine
        if self.strong_cosine_with_words < self.min_cosine:
            name = "STRONG_COSINE" if derived else "STRONG_COSINE_WITH_WORDS"
            raise ValueError(
                f"KB_MATCH__{name} ({self.strong_cosine_with_words}) cannot be below"
                f" KB_MATCH__MIN_COSINE ({self.min_cosine}): a strong match must be a match"
            )
        if self.strong_cosine < self.strong_cosine_with_words:
            raise ValueError(
                f"KB_MATCH__STRONG_COSINE ({self.strong_cosine}) cannot be below "
                f"KB_MATCH__STRONG_COSINE_WITH_WORDS ({self.strong_cosine_with_words}): without"
                " the search words a passage needs to be at least as close"
            )
        return self


class WebSettings(BaseModel):
    """The site."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    admin_token: SecretStr | None = None
    contact_email: str = Field(
        default="evidence-finder@example.org",
        pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
        description="shown on the accessibility and privacy pages; set the team's real inbox",
    )
    base_url: AnyHttpUrl | None = Field(
        default=None,
        description="the site's public address, used in every absolute link (feeds, citations, "
        "exports); None: the address a request came to, once its host is allowed",
    )
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default=["127.0.0.1", "localhost", "::1"],
        description="host names the site answers to, separated by commas ('*.example.org' "
        "allows its sub-domains, '*' any host); base_url's host is always allowed",
    )
    assets_dir: DirectoryPath | None = Field(
        default=None,
        description="the folder npm installed the front-end packages into (govuk-frontend, "
        "swagger-ui-dist); None: web/frontend/node_modules beside the code, as in a checkout",
    )

    trusted_proxies: Annotated[list[str], NoDecode] = Field(
        default=["127.0.0.1", "::1"],
        description="addresses or networks (CIDR) of the reverse proxies in front of the site, "
        "separated by commas: only their X-Forwarded-For and X-Forwarded-Proto are believed, "
        "so sign-in limits count each real client and cookies are Secure behind TLS",
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [host.strip().lower() for host in value.split(",") if host.strip()]
        return value

    @field_validator("trusted_proxies", mode="before")
    @classmethod
    def _split_proxies(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [proxy.strip() for proxy in value.split(",") if proxy.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: list[str]) -> list[str]:
        for proxy in value:
            try:
                ipaddress.ip_network(proxy, strict=False)
            except ValueError:
                raise ValueError(
                    f"{proxy[:60]!r} is not an IP address or network: list the proxies' own "
                    "addresses ('*' would let any client claim any address)"
                ) from None
        return value


class OpsSettings(BaseModel):
    """Running the site: request log lines and the Prometheus /metrics page."""

    log_requests: bool = Field(default=True, description="one log line per request")
    log_query_text: bool = Field(
        default=False, description="add the query string to each line (queries can be personal)"
    )
    metrics_enabled: bool = Field(default=False, description="serve /metrics")
    metrics_token: SecretStr | None = Field(
        default=None, description="a bearer token that may read /metrics from anywhere"
    )
    metrics_clients: list[str] = Field(
        default=["127.0.0.1", "::1"],
        max_length=100,
        description="client addresses that may read /metrics without the token",
    )


class OcrSettings(BaseModel):
    """How scanned pages (pictures with no text layer) are read at ingest."""

    enabled: bool = Field(default=True, description="read scanned pages with Tesseract")
    language: str = Field(default="eng", pattern=r"^[a-z_]{3,8}(\+[a-z_]{3,8}){0,3}$")
    dpi: int = Field(default=200, ge=72, le=400)
    seconds_per_page: float = Field(default=60.0, gt=0, le=600)
    max_pages: int = Field(default=100, ge=0, le=5000, description="most scanned pages a file")


class ClusterSettings(BaseModel):
    """How a new collection is spread over a Qdrant cluster (server mode only; a single
    server or the embedded store ignores these)."""

    shard_number: int = Field(default=1, ge=1, le=64, description="shards per collection")
    replication_factor: int = Field(default=1, ge=1, le=8, description="copies of each shard")
    write_consistency_factor: int = Field(
        default=1, ge=1, le=8, description="copies that must confirm a write"
    )

    @model_validator(mode="after")
    def _consistency_within_copies(self) -> ClusterSettings:
        if self.write_consistency_factor > self.replication_factor:
            raise ValueError(
                "KB_CLUSTER__WRITE_CONSISTENCY_FACTOR cannot be more than "
                "KB_CLUSTER__REPLICATION_FACTOR (a write cannot wait for copies that do not exist)"
            )
        return self


AccessLevel = Literal["public", "partner", "internal"]


class AccessSettings(BaseModel):
    """Who may see newly ingested documents when no manifest row says."""

    default: AccessLevel = Field(default="public", description="level for files with no other")
    folders: dict[Path, AccessLevel] = Field(
        default_factory=dict,
        description='a folder\'s default level, as JSON: {"/srv/partners": "partner"}',
    )

    def level_for(self, path: Path) -> str:
        """The default level of the deepest configured folder holding `path`."""
        best: tuple[int, str] = (-1, self.default)
        resolved = path.resolve()
        for folder, level in self.folders.items():
            root = folder.resolve()
            if resolved.is_relative_to(root) and len(root.parts) > best[0]:
                best = (len(root.parts), level)
        return best[1]


class AccountSettings(BaseModel):
    """Sign-in, sessions and uploads through the browser."""

    session_hours: float = Field(default=8, gt=0, le=24 * 30)
    sign_in_attempts: int = Field(
        default=5, ge=1, le=100, description="wrong passwords per account per window"
    )
    sign_in_client_attempts: int = Field(
        default=50,
        ge=1,
        le=10_000,
        description=(
            "wrong passwords from one client address per window, over all accounts: more than"
            " per account, since an office's staff share one address"
        ),
    )
    sign_in_window_s: int = Field(default=900, ge=10, le=86_400)
    min_password_length: int = Field(default=12, ge=8, le=128)
    upload_max_mb: int = Field(default=50, ge=1, le=1024)
    upload_max_files: int = Field(default=20, ge=1, le=200)


class IngestSettings(BaseModel):
    """How `kb ingest` runs: which folders a running site may ingest from when the job is
    handed to it, and how far reading files runs ahead of the model."""

    roots: list[Path] = Field(
        default_factory=list, description="empty: only the corpus folder and uploads"
    )
    parse_workers: int = Field(
        default=2, ge=1, le=32, description="files read at once, each in its own process"
    )
    prefetch_chunks: int = Field(
        default=256,
        ge=1,
        le=10_000,
        description="chunks cut and queued for the model ahead of the file being written",
    )


class Settings(BaseSettings):
    """Everything configurable. Build once at the edge and pass it down."""

    model_config = SettingsConfigDict(
        env_prefix="KB_", env_nested_delimiter="__", env_file=".env", extra="ignore"
    )

    data_dir: Path = Path("data")
    corpus_dir: Path = Path("corpus")
    taxonomy_path: Path | None = Field(
        default=None, description="None: the packaged search/evidence/data/determinants.yaml"
    )
    places_path: Path | None = Field(
        default=None, description="None: the packaged search/evidence/data/places.yaml"
    )
    model: ModelSettings = ModelSettings()
    qdrant: QdrantSettings = QdrantSettings()
    chunks: ChunkSettings = ChunkSettings()
    search: SearchSettings = SearchSettings()
    match: MatchSettings = MatchSettings()
    web: WebSettings = WebSettings()
    ops: OpsSettings = OpsSettings()
    ocr: OcrSettings = OcrSettings()
    cluster: ClusterSettings = ClusterSettings()
    access: AccessSettings = AccessSettings()
    accounts: AccountSettings = AccountSettings()
    ingest: IngestSettings = IngestSettings()

    @model_validator(mode="after")
    def _searches_at_once_fit_the_engine(self) -> Settings:
        """With the embedded engine in the site's own process, every search holds the one
        interpreter lock throughout, and 2 at a time answered more than 4 (41.6 against 38.2
        a second with eight clients at 300k); a value set explicitly is kept."""
        in_process = self.qdrant.mode == "embedded" and not self.qdrant.engine_process
        if in_process and "concurrent_searches" not in self.search.model_fields_set:
            self.search = self.search.model_copy(update={"concurrent_searches": 2})
        return self

    @property
    def catalogue_path(self) -> Path:
        return self.data_dir / "catalogue.sqlite"

    @property
    def users_path(self) -> Path:
        return self.data_dir / "users.sqlite"

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    @property
    def jobs_dir(self) -> Path:
        """The records of the site's upload and reading-again jobs: kept with the uploads, so a
        backup holds a waiting upload's record beside its files."""
        return self.uploads_dir / "jobs"

    @property
    def store_dir(self) -> Path:
        return self.data_dir / "qdrant"
