"""The determinants taxonomy, loaded from YAML and checked, and the tagger that labels chunks.

Tagging is zero-shot: each determinant has prototype vectors (its definition, its
seed terms and a few example sentences, embedded once per Tagger) and a list of
seed terms. A chunk's score for a determinant mixes how close its own embedding
is to the prototypes, compared with the other determinants, with how many seed
terms its text contains. Reference lists are never tagged: their titles name
topics the page itself does not discuss. Lenses (inequalities, life stage) are
tagged from seed terms alone.
"""

from __future__ import annotations

import copy
import hashlib
import logging
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from search.analysis import terms
from search.evidence.datafile import load_yaml_file
from search.models.encoder import Encoder

__all__ = [
    "DEFAULT_TAXONOMY",
    "MIN_LENS_VALUE_SEEDS",
    "REQUIRED_DETERMINANTS",
    "REQUIRED_LENSES",
    "WORDS_PER_CITATION",
    "ChunkTags",
    "Determinant",
    "Lens",
    "LensValue",
    "Matrix",
    "Seed",
    "SeedHits",
    "SeedMatcher",
    "Tagger",
    "TaggerSettings",
    "Taxonomy",
    "TaxonomyError",
    "is_reference_list",
    "load_taxonomy",
    "parse_taxonomy",
    "prototype_vectors",
]

log = logging.getLogger(__name__)

DEFAULT_TAXONOMY = Path(__file__).resolve().parent / "data" / "determinants.yaml"

REQUIRED_DETERMINANTS = (
    "early_years",
    "education",
    "work",
    "income",
    "housing",
    "transport",
    "built_environment",
    "green_space",
    "air_climate",
    "crime_safety",
    "social_connection",
    "access_to_services",
    "food",
    "health_behaviours",
)
REQUIRED_LENSES = ("inequalities", "life_stage")
MIN_SEEDS, MAX_SEEDS = 20, 40
MIN_LENS_VALUE_SEEDS = 5
MAX_EXAMPLES, MAX_EXAMPLE_CHARS = 12, 300
# A search example is a hint under a search box: a few words.
MAX_SEARCH_EXAMPLE_CHARS = 60

_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class TaxonomyError(ValueError):
    """The taxonomy file is missing something or has a mistake; the message says which entry."""


@dataclass(frozen=True)
class Seed:
    """A seed term as written, and how it is matched: by stems, or (acronyms) by exact capitals."""

    text: str
    stems: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None

    @classmethod
    def parse(cls, text: str) -> Seed:
        letters = [c for c in text if c.isalpha()]
        if letters and all(c.isupper() for c in letters):
            # Acronyms keep their capitals so SEND never matches "send"; a plural s is allowed.
            return cls(text, pattern=re.compile(_acronyms_pattern(re.escape(text))))
        return cls(text, stems=tuple(terms(text)))


@dataclass(frozen=True)
class Determinant:
    id: str
    label: str
    definition: str
    seeds: tuple[Seed, ...]
    # Sentences of the kind a report about this determinant contains: they sit closer to
    # real passages in embedding space than single words do.
    examples: tuple[str, ...] = ()
    # A search an officer might type about it, shown as the hint on its page ("" for none).
    search_example: str = ""


@dataclass(frozen=True)
class LensValue:
    id: str
    label: str
    seeds: tuple[Seed, ...]


@dataclass(frozen=True)
class Lens:
    """A cross-cutting filter; with values (life stage) each value is tagged as 'lens:value'."""

    id: str
    label: str
    definition: str
    seeds: tuple[Seed, ...] = ()
    values: tuple[LensValue, ...] = ()


@dataclass(frozen=True)
class Taxonomy:
    determinants: tuple[Determinant, ...]
    lenses: tuple[Lens, ...]

    @property
    def ids(self) -> list[str]:
        return [d.id for d in self.determinants]

    def determinant(self, determinant_id: str) -> Determinant | None:
        return next((d for d in self.determinants if d.id == determinant_id), None)


# loading -------------------------------------------------------------------


def _text(entry: dict[str, Any], key: str, where: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise TaxonomyError(f"{where}: '{key}' is missing or empty")
    return " ".join(value.split())


def _seeds(raw: Any, where: str, low: int, high: int | None) -> tuple[Seed, ...]:
    if not isinstance(raw, list) or not all(isinstance(s, str | int | float) for s in raw):
        raise TaxonomyError(f"{where}: 'seeds' must be a list of words or phrases")
    texts = [str(s).strip() for s in raw]
    if any(not t for t in texts):
        raise TaxonomyError(f"{where}: a seed is empty")
    dupes = sorted({t for t in texts if texts.count(t) > 1})
    if dupes:
        raise TaxonomyError(f"{where}: seed(s) listed twice: {', '.join(dupes)}")
    if len(texts) < low or (high is not None and len(texts) > high):
        wanted = f"{low} to {high}" if high is not None else f"at least {low}"
        raise TaxonomyError(f"{where}: has {len(texts)} seeds, needs {wanted}")
    seeds = tuple(Seed.parse(t) for t in texts)
    for seed in seeds:
        if seed.pattern is None and not seed.stems:
            raise TaxonomyError(
                f"{where}: seed '{seed.text}' has only common words, so it can never match"
            )
    return seeds


def _examples(raw: Any, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(e, str) for e in raw):
        raise TaxonomyError(f"{where}: 'examples' must be a list of sentences")
    texts = [" ".join(e.split()) for e in raw]
    if any(not t for t in texts):
        raise TaxonomyError(f"{where}: an example is empty")
    if len(texts) > MAX_EXAMPLES:
        raise TaxonomyError(f"{where}: has {len(texts)} examples, at most {MAX_EXAMPLES}")
    long = [t[:40] for t in texts if len(t) > MAX_EXAMPLE_CHARS]
    if long:
        raise TaxonomyError(
            f"{where}: example '{long[0]}…' is longer than {MAX_EXAMPLE_CHARS} characters"
        )
    return tuple(texts)


def _search_example(raw: Any, where: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or not raw.strip():
        raise TaxonomyError(f"{where}: 'search_example' must be a few words to search for")
    text = " ".join(raw.split())
    if len(text) > MAX_SEARCH_EXAMPLE_CHARS:
        raise TaxonomyError(
            f"{where}: 'search_example' is longer than {MAX_SEARCH_EXAMPLE_CHARS} characters"
        )
    return text


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    raw = data.get(key)
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        raise TaxonomyError(f"'{key}' must be a list of entries")
    return raw


def _checked_id(entry: dict[str, Any], kind: str, seen: set[str]) -> str:
    ident = entry.get("id")
    if not isinstance(ident, str) or not _ID.match(ident):
        raise TaxonomyError(
            f"a {kind} has a missing or badly formed id: {ident!r} (use lower_case_words)"
        )
    if ident in seen:
        raise TaxonomyError(f"{kind} '{ident}': the id is used twice")
    seen.add(ident)
    return ident


def _determinant(entry: dict[str, Any], seen: set[str]) -> Determinant:
    ident = _checked_id(entry, "determinant", seen)
    where = f"determinant '{ident}'"
    return Determinant(
        ident,
        _text(entry, "label", where),
        _text(entry, "definition", where),
        _seeds(entry.get("seeds"), where, MIN_SEEDS, MAX_SEEDS),
        _examples(entry.get("examples"), where),
        _search_example(entry.get("search_example"), where),
    )


def _lens(entry: dict[str, Any], seen: set[str]) -> Lens:
    ident = _checked_id(entry, "lens", seen)
    where = f"lens '{ident}'"
    label, definition = _text(entry, "label", where), _text(entry, "definition", where)
    if "values" not in entry:
        return Lens(
            ident, label, definition, seeds=_seeds(entry.get("seeds"), where, MIN_SEEDS, MAX_SEEDS)
        )
    raw_values = entry["values"]
    if (
        not isinstance(raw_values, list)
        or not raw_values
        or not all(isinstance(v, dict) for v in raw_values)
    ):
        raise TaxonomyError(f"{where}: 'values' must be a non-empty list")
    value_ids: set[str] = set()
    values = []
    for raw in raw_values:
        value_id = _checked_id(raw, f"value of lens '{ident}'", value_ids)
        value_where = f"lens '{ident}' value '{value_id}'"
        values.append(
            LensValue(
                value_id,
                _text(raw, "label", value_where),
                _seeds(raw.get("seeds"), value_where, MIN_LENS_VALUE_SEEDS, MAX_SEEDS),
            )
        )
    return Lens(ident, label, definition, values=tuple(values))


def parse_taxonomy(data: Any) -> Taxonomy:
    """Check parsed YAML and build the taxonomy; every error names the entry and the problem."""
    if not isinstance(data, dict):
        raise TaxonomyError("the taxonomy must be a mapping with 'determinants' and 'lenses'")
    seen: set[str] = set()
    determinants = tuple(_determinant(e, seen) for e in _entries(data, "determinants"))
    missing = [i for i in REQUIRED_DETERMINANTS if i not in seen]
    if missing:
        raise TaxonomyError(f"required determinant(s) missing: {', '.join(missing)}")
    lens_ids: set[str] = set()
    lenses = tuple(_lens(e, lens_ids) for e in _entries(data, "lenses"))
    missing = [i for i in REQUIRED_LENSES if i not in lens_ids]
    if missing:
        raise TaxonomyError(f"required lens(es) missing: {', '.join(missing)}")
    return Taxonomy(determinants, lenses)


def load_taxonomy(path: Path = DEFAULT_TAXONOMY) -> Taxonomy:
    return load_yaml_file(path, "taxonomy file", parse_taxonomy, TaxonomyError)


# matching seed terms ------------------------------------------------------


def _acronyms_pattern(alternatives: str) -> str:
    """Any of `alternatives` (escaped, joined by "|") as a whole word, its capitals as written,
    with a plural s allowed."""
    return rf"(?<![A-Za-z0-9])(?:{alternatives})s?(?![A-Za-z0-9])"


@dataclass(frozen=True)
class SeedHits:
    """How often a group's seeds occur in a text: all occurrences, and how many different seeds."""

    occurrences: int = 0
    distinct: int = 0


class SeedMatcher:
    """Counts seed occurrences per group (determinant or lens value) in one pass over the stems."""

    def __init__(self, groups: dict[str, Sequence[Seed]]) -> None:
        self._by_first: dict[str, list[tuple[str, int, tuple[str, ...]]]] = {}
        self._patterns: list[tuple[str, int, re.Pattern[str]]] = []
        self._keys = list(groups)
        acronyms: set[str] = set()
        for key, seeds in groups.items():
            for index, seed in enumerate(seeds):
                if seed.pattern is not None:
                    self._patterns.append((key, index, seed.pattern))
                    acronyms.add(re.escape(seed.text))
                else:
                    self._by_first.setdefault(seed.stems[0], []).append((key, index, seed.stems))
        # Every acronym in one pattern: a text holding none of them (most chunks) is read once
        # for them all rather than once for each (sorted: the same pattern every run).
        self._any_acronym = re.compile(_acronyms_pattern("|".join(sorted(acronyms))))

    def count(self, text: str, stems: Sequence[str] | None = None) -> dict[str, SeedHits]:
        """Seed hits per group; pass the text's stems (search.analysis.terms) if already known."""
        found: dict[tuple[str, int], int] = {}
        stems = list(terms(text)) if stems is None else list(stems)
        for position, stem in enumerate(stems):
            for key, index, seq in self._by_first.get(stem, ()):
                if tuple(stems[position : position + len(seq)]) == seq:
                    found[(key, index)] = found.get((key, index), 0) + 1
        if self._patterns and self._any_acronym.search(text):
            for key, index, pattern in self._patterns:
                n = len(pattern.findall(text))
                if n:
                    found[(key, index)] = found.get((key, index), 0) + n
        hits = {k: SeedHits() for k in self._keys}
        for (key, _), n in found.items():
            old = hits[key]
            hits[key] = SeedHits(old.occurrences + n, old.distinct + 1)
        return hits


# tagging --------------------------------------------------------------------


@dataclass(frozen=True)
class TaggerSettings:
    """How similarity and seed evidence are mixed; chosen by grouped cross-validation on the labels.

    score = z + keyword_weight * ln(1 + seed occurrences), where z is how far the
    chunk's similarity to a determinant stands above its similarity to the other
    determinants (in standard deviations), and the similarity is
    definition_weight * cos(definition) + (1 - definition_weight) * terms, where
    terms = (1 - example_weight) * mean of the top seed_top_k cos(seed)
            + example_weight * the best cos(example sentence)
    (seeds alone when a determinant has no examples). A determinant is tagged
    when score >= threshold. These five numbers were chosen by grouped
    cross-validation over all 431 labelled pages (corpus/labels, 118 documents,
    8 folds that never split a document). With the taxonomy worded as the
    labelling rule in corpus/labels/README.md, every fold of kb.eval.tag_tuning
    picks exactly these values, whether documents are cut by ingest's chunker
    (micro-F1 0.769 on left-out documents) or page by page (0.777). On the
    independent holdout2 labels the tagger scores about 0.60. Seed density
    instead of counts, page-level scores, per-determinant thresholds and a
    classifier trained on the embeddings did no better on left-out documents,
    so none is used (bench/RESULTS.md).
    """

    seed_top_k: int = 3
    definition_weight: float = 0.5
    example_weight: float = 0.5
    keyword_weight: float = 1.5
    threshold: float = 3.4
    # Width of the logistic that maps a score to 0..1 (0.5 at the threshold).
    score_width: float = 0.5
    # Chunks with fewer index terms than this (page numbers, headers) are not tagged.
    min_terms: int = 8
    # A lens (or life stage) needs this many seed occurrences in the chunk.
    lens_min_occurrences: int = 2


@dataclass(frozen=True)
class ChunkTags:
    """What a chunk is about: determinant ids (best first), a 0..1 score per determinant, lenses."""

    determinants: list[str]
    scores: dict[str, float]
    lenses: list[str] = field(default_factory=list)

    def payload(self) -> dict[str, Any]:
        """The fields a chunk's store payload carries."""
        return {
            "determinants": self.determinants,
            "determinant_scores": self.scores,
            "lenses": self.lenses,
        }


Matrix = npt.NDArray[np.float64]


def _lens_groups(taxonomy: Taxonomy) -> dict[str, Sequence[Seed]]:
    groups: dict[str, Sequence[Seed]] = {}
    for lens in taxonomy.lenses:
        if lens.values:
            groups.update({f"{lens.id}:{v.id}": v.seeds for v in lens.values})
        else:
            groups[lens.id] = lens.seeds
    return groups


# What the cache's key reads the encoder by: two encoders that give this text the same vector
# to the last bit give every text the same one (the same model, query instruction and machine).
_PROBE = "Cold homes, damp and the health of older people in rural Leicestershire"


def prototype_vectors(encoder: Encoder, texts: list[str], cache_dir: Path | None) -> Matrix:
    """The texts' query vectors, kept in `cache_dir` between runs: embedding the taxonomy's
    few hundred prototypes took 1.7 s of every ingest's model time, and all of a one-file
    `kb ingest`'s waiting. Keyed by the texts and by the encoder's vector of one probe, so a
    new taxonomy, model, instruction or processor embeds them again; a file that cannot be read
    as what it should be is embedded again too, and one that cannot be written costs nothing."""
    if cache_dir is None:
        return np.asarray(encoder.encode_queries(texts), dtype=np.float64)
    probe = np.asarray(encoder.encode_queries([_PROBE]), dtype=np.float32)
    key = hashlib.sha256(
        "\0".join([encoder.model_id, *texts]).encode() + probe.tobytes()
    ).hexdigest()[:32]
    path = cache_dir / f"prototypes-{key}.npy"
    try:
        kept = np.load(path, allow_pickle=False)
        if (
            kept.dtype == np.float32
            and kept.shape == (len(texts), probe.shape[1])
            and np.isfinite(kept).all()
        ):
            return np.asarray(kept, dtype=np.float64)
    except (OSError, ValueError, EOFError):
        pass  # not there yet, or not an array of the right kind: embed them again
    vectors = np.asarray(encoder.encode_queries(texts), dtype=np.float32)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("prototypes-*.npy"):
            old.unlink(missing_ok=True)  # an earlier taxonomy's or model's
        fresh = cache_dir / f".{path.name}.{os.getpid()}.tmp"
        with fresh.open("wb") as out:
            np.save(out, vectors, allow_pickle=False)
        os.replace(fresh, path)
    except OSError:
        log.warning("the tagger's prototype vectors could not be kept in %s", cache_dir)
    return np.asarray(vectors, dtype=np.float64)


class Tagger:
    """Tags chunks with determinants; the prototype vectors are embedded once, here (or read
    back from `cache_dir`, see `prototype_vectors`)."""

    def __init__(
        self,
        taxonomy: Taxonomy,
        encoder: Encoder,
        settings: TaggerSettings | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.taxonomy = taxonomy
        self.settings = settings or TaggerSettings()
        self.ids = taxonomy.ids
        self._matcher = SeedMatcher({d.id: d.seeds for d in taxonomy.determinants})
        self._lens_matcher = SeedMatcher(_lens_groups(taxonomy))
        texts: list[str] = []
        # Rows per determinant: definition, then seeds, then examples (to one past the end).
        self._spans: list[tuple[int, int, int]] = []
        for d in taxonomy.determinants:
            start = len(texts)
            texts.append(f"{d.label}. {d.definition}")
            texts.extend(s.text for s in d.seeds)
            seeds_end = len(texts)
            texts.extend(d.examples)
            self._spans.append((start, seeds_end, len(texts)))
        # Prototypes are short descriptions of what to find, so they are embedded as
        # queries (measured: slightly better than as documents on the tuning set).
        self._prototypes = prototype_vectors(encoder, texts, cache_dir)

    @property
    def dimension(self) -> int:
        return int(self._prototypes.shape[1])

    def with_settings(self, settings: TaggerSettings) -> Tagger:
        """The same tagger with other mixing settings, sharing its prototype vectors."""
        other = copy.copy(self)
        other.settings = settings
        return other

    def similarity(self, vectors: npt.ArrayLike) -> Matrix:
        """Mixed definition/seed similarity of each chunk to each determinant: (n, determinants)."""
        v = np.asarray(vectors, dtype=np.float64)
        if v.ndim != 2 or v.shape[1] != self.dimension:
            raise ValueError(f"expected vectors of shape (n, {self.dimension}), got {v.shape}")
        sims = v @ self._prototypes.T
        k, w = self.settings.seed_top_k, self.settings.definition_weight
        columns = []
        for start, seeds_end, end in self._spans:
            seeds = np.sort(sims[:, start + 1 : seeds_end], axis=1)[:, ::-1][:, :k].mean(axis=1)
            if end > seeds_end:
                e = self.settings.example_weight
                seeds = (1 - e) * seeds + e * sims[:, seeds_end:end].max(axis=1)
            columns.append(w * sims[:, start] + (1 - w) * seeds)
        return np.stack(columns, axis=1) if columns else np.zeros((len(v), 0))

    def raw_scores(
        self,
        texts: Sequence[str],
        vectors: npt.ArrayLike,
        stems: Sequence[Sequence[str]] | None = None,
    ) -> Matrix:
        """Unbounded scores, shape (n, determinants); a determinant is tagged at >= threshold."""
        if len(texts) != len(np.asarray(vectors)):
            raise ValueError(f"{len(texts)} texts but {len(np.asarray(vectors))} vectors")
        if not texts:
            return np.zeros((0, len(self.ids)))
        stems = stems if stems is not None else [terms(t) for t in texts]
        sims = self.similarity(vectors)
        spread = sims.std(axis=1, keepdims=True)
        z = (sims - sims.mean(axis=1, keepdims=True)) / np.where(spread > 0, spread, 1.0)
        hits = [self._matcher.count(t, st) for t, st in zip(texts, stems, strict=True)]
        counts = np.array([[h[d].occurrences for d in self.ids] for h in hits], dtype=np.float64)
        scores: Matrix = z + self.settings.keyword_weight * np.log1p(counts)
        return scores

    def tag(self, texts: Sequence[str], vectors: npt.ArrayLike) -> list[ChunkTags]:
        """Tag chunks from their text and their own unit-length document embeddings."""
        stems = [terms(t) for t in texts]
        raw = self.raw_scores(texts, vectors, stems)
        s = self.settings
        out = []
        for text, text_stems, row in zip(texts, stems, raw, strict=True):
            if not self.is_taggable(text, text_stems):
                out.append(ChunkTags([], dict.fromkeys(self.ids, 0.0), []))
                continue
            probs = 1.0 / (1.0 + np.exp(-(row - s.threshold) / s.score_width))
            scores = {d: round(float(p), 4) for d, p in zip(self.ids, probs, strict=True)}
            chosen = sorted(
                (i for i in range(len(self.ids)) if row[i] >= s.threshold),
                key=lambda i: (-row[i], i),
            )
            lenses = self.lenses(text, text_stems)
            out.append(ChunkTags([self.ids[i] for i in chosen], scores, lenses))
        return out

    def is_taggable(self, text: str, stems: Sequence[str]) -> bool:
        """Page furniture (too few index terms) and reference lists get no tags."""
        return len(stems) >= self.settings.min_terms and not is_reference_list(text)

    def lenses(self, text: str, stems: Sequence[str] | None = None) -> list[str]:
        """Lens ids ('inequalities', 'life_stage:older_people') with enough seed occurrences."""
        need = self.settings.lens_min_occurrences
        found = self._lens_matcher.count(text, stems).items()
        return [key for key, hits in found if hits.occurrences >= need]


# A citation marker: a web address, a DOI, "Retrieved from", "[Accessed …]", "et al.", "(2019)".
_CITATION = re.compile(
    r"(https?://|www\.|\bdoi[:.]|retrieved from|available from|\[accessed|accessed:"
    r"|\bet al\.|\(\d{4}[a-z]?\)|\[online\])",
    re.IGNORECASE,
)
# Measured on the windows of the labelled pages: 43 of 1,064 reach one marker in 25
# words (median one in 11); all but a handful are reference lists, the rest are prose
# pages dense with footnote links, which lose their tags too.
WORDS_PER_CITATION = 25


def is_reference_list(text: str) -> bool:
    """True for a passage that is mostly a list of references (titles, links, authors)."""
    words = len(text.split())
    return words > 0 and len(_CITATION.findall(text)) * WORDS_PER_CITATION >= words
