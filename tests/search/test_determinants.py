"""The determinants taxonomy is checked on load, and the real model tags plain passages sensibly."""

from __future__ import annotations

import copy
import functools
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from search.evidence.determinants import (
    DEFAULT_TAXONOMY,
    REQUIRED_DETERMINANTS,
    ChunkTags,
    Seed,
    SeedMatcher,
    Tagger,
    TaxonomyError,
    is_reference_list,
    load_taxonomy,
    parse_taxonomy,
)
from search.evidence.tagging import determinant_shares
from search.models.encoder import Encoder
from tests.doubles import HashingEncoder, WrappedEncoder

HOUSING = (
    "Many private tenants live in cold, damp homes with black mould on the bedroom walls. "
    "Landlords are slow to repair them, and families on the council's housing waiting list "
    "are placed in temporary accommodation, sometimes in bed and breakfast rooms for months. "
    "District councils inspect houses in multiple occupation and can take enforcement action "
    "when a home has a category 1 hazard for damp or excess cold."
)
LONELINESS = (
    "Older people living alone in villages told us they often go days without speaking to "
    "anyone. Loneliness and social isolation grew after the village shop and lunch club "
    "closed. Volunteers from the parish now run a befriending scheme and a weekly coffee "
    "morning in the village hall, so people can meet neighbours and make new friends."
)
BOTH = (
    "Older tenants in damp, overcrowded private rented flats described feeling cut off and "
    "lonely. Many had moved into temporary accommodation far from friends and family, and "
    "said that since losing their home they rarely saw anyone. A befriending service and a "
    "community lunch club helped them rebuild social contact while the housing team looked "
    "for a permanent tenancy."
)


@pytest.fixture(scope="module")
def raw_taxonomy() -> dict[str, Any]:
    data = yaml.safe_load(DEFAULT_TAXONOMY.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@functools.cache
def shared_tagger(encoder: Encoder) -> Tagger:
    """One Tagger per encoder for the whole session (embedding the prototypes takes seconds)."""
    return Tagger(load_taxonomy(), encoder)


@pytest.fixture
def tagger(encoder: Encoder) -> Tagger:
    return shared_tagger(encoder)


def _determinant(data: dict[str, Any], ident: str) -> dict[str, Any]:
    return next(d for d in data["determinants"] if d["id"] == ident)


# the taxonomy file -------------------------------------------------------------


def test_project_taxonomy_has_the_fourteen_determinants_and_two_lenses() -> None:
    taxonomy = load_taxonomy()
    assert taxonomy.ids == list(REQUIRED_DETERMINANTS)
    assert all(20 <= len(d.seeds) <= 40 for d in taxonomy.determinants)
    assert all(3 <= len(d.examples) <= 12 for d in taxonomy.determinants)
    assert [lens.id for lens in taxonomy.lenses] == ["inequalities", "life_stage"]
    life_stage = taxonomy.lenses[1]
    assert [v.id for v in life_stage.values] == [
        "early_years",
        "children_young_people",
        "working_age",
        "older_people",
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda d: d["determinants"].append(copy.deepcopy(d["determinants"][0])),
            "'early_years': the id is used twice",
        ),
        (lambda d: d["determinants"].pop(), "required determinant(s) missing: health_behaviours"),
        (
            lambda d: d["determinants"][1].update(label="  "),
            "determinant 'education': 'label' is missing",
        ),
        (
            lambda d: d["determinants"][2].pop("definition"),
            "determinant 'work': 'definition' is missing",
        ),
        (
            lambda d: d["determinants"][3].update(seeds=["debt"] * 1),
            "determinant 'income': has 1 seeds, needs 20 to 40",
        ),
        (
            lambda d: d["determinants"][3].update(seeds=[f"word{i}" for i in range(41)]),
            "has 41 seeds, needs 20 to 40",
        ),
        (lambda d: d["determinants"][4]["seeds"].append("damp"), "seed(s) listed twice: damp"),
        (
            lambda d: d["determinants"][4]["seeds"].__setitem__(0, "of the"),
            "seed 'of the' has only common words",
        ),
        (lambda d: d["determinants"][0].update(id="Early Years"), "badly formed id: 'Early Years'"),
        (
            lambda d: d["determinants"][5].update(examples="buses"),
            "determinant 'transport': 'examples' must be a list of sentences",
        ),
        (
            lambda d: d["determinants"][5].update(examples=["Buses are rare.", "  "]),
            "determinant 'transport': an example is empty",
        ),
        (
            lambda d: d["determinants"][5].update(examples=[f"Example {i}." for i in range(13)]),
            "determinant 'transport': has 13 examples, at most 12",
        ),
        (
            lambda d: d["determinants"][5].update(examples=["word " * 80]),
            "is longer than 300 characters",
        ),
        (
            lambda d: d["determinants"][5].update(search_example=["buses"]),
            "determinant 'transport': 'search_example' must be a few words to search for",
        ),
        (
            lambda d: d["determinants"][5].update(search_example="bus " * 20),
            "determinant 'transport': 'search_example' is longer than 60 characters",
        ),
        (lambda d: d["lenses"].pop(), "required lens(es) missing: life_stage"),
        (
            lambda d: d["lenses"][1]["values"][0].update(seeds=["babies"]),
            "lens 'life_stage' value 'early_years': has 1 seeds",
        ),
    ],
)
def test_taxonomy_errors_name_the_entry_and_the_problem(
    raw_taxonomy: dict[str, Any], change: Any, message: str
) -> None:
    data = copy.deepcopy(raw_taxonomy)
    change(data)
    with pytest.raises(TaxonomyError, match=re.escape(message)):
        parse_taxonomy(data)


def test_unreadable_taxonomy_file_says_which_file(tmp_path: Path) -> None:
    broken = tmp_path / "determinants.yaml"
    broken.write_text("determinants: [unclosed", encoding="utf-8")
    with pytest.raises(TaxonomyError, match="not valid YAML"):
        load_taxonomy(broken)
    with pytest.raises(TaxonomyError, match="cannot read"):
        load_taxonomy(tmp_path / "absent.yaml")
    binary = tmp_path / "program"
    binary.write_bytes(b"\x7fELF\xd0\xff\xfe")
    with pytest.raises(TaxonomyError, match="not a text file"):
        load_taxonomy(binary)


# seed matching ------------------------------------------------------------------


def test_seeds_match_on_stems_and_phrases_as_stem_sequences() -> None:
    matcher = SeedMatcher({"housing": [Seed.parse("temporary accommodation"), Seed.parse("homes")]})
    hits = matcher.count(
        "Two homes. Families in Temporary Accommodation; accommodation is temporary."
    )
    assert hits["housing"].occurrences == 2  # "homes" once, the phrase once (not the reversed pair)
    assert hits["housing"].distinct == 2


def test_a_licence_to_copy_is_no_seed_of_the_built_environment_but_premises_licensing_is() -> None:
    """Most public documents carry the Open Government Licence, and books and data their
    copyright licences: "licensing" alone was a seed of the built environment (meant for
    alcohol and gambling premises), so a book about copyright was the built environment's
    strongest evidence. The project's taxonomy seeds premises licensing by its phrases."""
    built = next(
        d for d in load_taxonomy(DEFAULT_TAXONOMY).determinants if d.id == "built_environment"
    )
    matcher = SeedMatcher({"built_environment": list(built.seeds)})
    for text in (
        "This publication is licensed under the terms of the Open Government Licence v3.0.",
        "Others who use Creative Commons licenses do so because licensing is how sharing works.",
        "The dataset is available under the Open Data License.",
    ):
        assert matcher.count(text)["built_environment"].occurrences == 0, text
    hits = matcher.count(
        "The licensing authority reviews its licensing policy before granting a premises "
        "licence to a betting shop."
    )["built_environment"]
    assert hits.distinct == 4  # the three licensing phrases and "betting shops"


def test_acronym_seeds_match_only_in_capitals() -> None:
    matcher = SeedMatcher({"education": [Seed.parse("SEND")], "access": [Seed.parse("GP")]})
    assert matcher.count("Please send us your views.")["education"].occurrences == 0
    assert matcher.count("Children with SEND and two GPs")["education"].occurrences == 1
    assert matcher.count("Children with SEND and two GPs")["access"].occurrences == 1


def test_acronyms_counted_as_each_seed_alone_counts_them() -> None:
    """The one look for any acronym that lets a text without them skip the rest must not change
    a count: random texts of acronyms (in and out of words, plural, one acronym the seed of two
    groups) count exactly what each seed's own pattern finds."""
    import random

    seeds = {
        "education": [Seed.parse("SEND"), Seed.parse("GCSE")],
        "access": [Seed.parse("GP"), Seed.parse("A&E"), Seed.parse("SEND")],
        "air": [Seed.parse("PM2.5"), Seed.parse("NO2")],
    }
    matcher = SeedMatcher(seeds)
    pieces = ["SEND", "GPs", "GP", "AGP", "GPS", "A&E", "A&Es", "PM2.5", "PM2.5s", "NO2", "send"]
    pieces += ["GCSEs"] + ["x", "the", "(", ")", ".", "-", "1", "A", "&", "E", "Gp"] * 4
    rng = random.Random(3)
    with_any = 0
    for _ in range(400):
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", "  "]) for _ in range(6))
        expected = {}
        for key, group in seeds.items():
            counts = [len(seed.pattern.findall(text)) for seed in group if seed.pattern]
            expected[key] = (sum(counts), sum(1 for n in counts if n))
        hits = matcher.count(text, stems=[])
        assert {k: (h.occurrences, h.distinct) for k, h in hits.items()} == expected, text
        with_any += any(n for n, _ in expected.values())
    assert 50 <= with_any <= 350  # both kinds of text were drawn


# tagging with the real model -------------------------------------------------


def _tag(tagger: Tagger, encoder: Encoder, texts: list[str]) -> list[ChunkTags]:
    return tagger.tag(texts, encoder.encode_documents(texts))


def test_housing_and_loneliness_passages_get_their_determinants(
    tagger: Tagger, encoder: Encoder
) -> None:
    housing, lonely, both = _tag(tagger, encoder, [HOUSING, LONELINESS, BOTH])
    assert "housing" in housing.determinants
    assert "social_connection" not in housing.determinants
    assert "social_connection" in lonely.determinants
    assert "housing" not in lonely.determinants
    assert {"housing", "social_connection"} <= set(both.determinants)


def test_scores_cover_every_determinant_between_zero_and_one(
    tagger: Tagger, encoder: Encoder
) -> None:
    (tags,) = _tag(tagger, encoder, [HOUSING])
    assert set(tags.scores) == set(REQUIRED_DETERMINANTS)
    assert all(0.0 <= s <= 1.0 for s in tags.scores.values())
    assert all(tags.scores[d] >= 0.5 for d in tags.determinants)
    assert tags.determinants[0] == "housing"  # best first


def test_tagging_is_deterministic_and_keeps_page_furniture_untagged(
    tagger: Tagger, encoder: Encoder
) -> None:
    texts = [HOUSING, "Page 12 of 40", ""]
    vectors = encoder.encode_documents(texts)
    first, second = tagger.tag(texts, vectors), tagger.tag(texts, vectors.copy())
    assert first == second
    assert first[1].determinants == [] and first[2].determinants == []


BENEFITS = (
    "Since the benefit sanctions began, more families on Universal Credit have been left "
    "without money for weeks. The food bank in the town centre now gives out three times as "
    "many parcels as two years ago, and advisers help people with debts, rent arrears and "
    "applications for the Household Support Fund."
)


def test_a_page_about_benefit_sanctions_and_food_banks_gets_income_first(
    tagger: Tagger, encoder: Encoder
) -> None:
    (tags,) = _tag(tagger, encoder, [BENEFITS])
    assert tags.determinants[0] == "income"
    # Food banks make food the next best determinant, whether or not it passes the threshold.
    ranked = sorted(tags.scores, key=lambda d: -tags.scores[d])
    assert ranked[:2] == ["income", "food"]
    assert not {"green_space", "air_climate", "transport"} & set(tags.determinants)


def test_other_settings_reuse_the_prototypes_and_a_higher_threshold_tags_less(
    tagger: Tagger, encoder: Encoder
) -> None:
    texts = [HOUSING, LONELINESS, BOTH, BENEFITS]
    vectors = encoder.encode_documents(texts)
    strict = tagger.with_settings(replace(tagger.settings, threshold=tagger.settings.threshold + 2))
    assert strict.similarity(vectors).tolist() == tagger.similarity(vectors).tolist()
    loose_tags, strict_tags = tagger.tag(texts, vectors), strict.tag(texts, vectors)
    for loose, tight in zip(loose_tags, strict_tags, strict=True):
        assert set(tight.determinants) <= set(loose.determinants)
    assert sum(map(len, (t.determinants for t in strict_tags))) < sum(
        map(len, (t.determinants for t in loose_tags))
    )
    assert tagger.settings.threshold + 2 == strict.settings.threshold  # the original is unchanged


def test_lenses_come_from_seed_terms(tagger: Tagger, encoder: Encoder) -> None:
    (tags,) = _tag(tagger, encoder, [LONELINESS + " Older people and carers in later life."])
    assert "life_stage:older_people" in tags.lenses


def test_vectors_of_the_wrong_shape_are_refused(tagger: Tagger) -> None:
    with pytest.raises(ValueError, match="texts but"):
        tagger.tag([HOUSING, LONELINESS], np.zeros((1, tagger.dimension)))
    with pytest.raises(ValueError, match="shape"):
        tagger.tag([HOUSING], np.zeros((1, 3)))


def test_shares_give_each_determinants_share_of_chunks_largest_first() -> None:
    chunks = [
        ChunkTags(["housing", "income"], {}),
        ChunkTags(["housing"], {}),
        ChunkTags([], {}),
        ChunkTags(["income", "housing", "food"], {}),
        ChunkTags(["transport"], {}),
    ]
    shares = determinant_shares([c.payload() for c in chunks])
    assert shares == {"housing": 0.6, "income": 0.4, "food": 0.2, "transport": 0.2}
    assert list(shares) == ["housing", "income", "food", "transport"]  # ties by id
    assert determinant_shares([]) == {}


REFERENCES = (
    "References Smith, J. (2021). Green space and health. Retrieved from https://example.org/a "
    "Jones, K. et al. (2019). Housing and cold homes. Available from: https://example.org/b "
    "ONS (2020). Deaths registered weekly. [Accessed 3 May 2024]. doi:10.1000/xyz "
    "Brown, T. (2024). Child poverty statistics. London: House of Commons Library."
)


def test_reference_lists_are_recognised_but_prose_is_not() -> None:
    assert is_reference_list(REFERENCES)
    assert not is_reference_list(HOUSING)
    assert not is_reference_list("")


def test_a_reference_list_gets_no_determinants(tagger: Tagger, encoder: Encoder) -> None:
    # The titles name housing and poverty, but a list of references is not evidence of either.
    tags = tagger.tag([REFERENCES, HOUSING], encoder.encode_documents([REFERENCES, HOUSING]))
    assert tags[0].determinants == []
    assert "housing" in tags[1].determinants


# prototype vectors kept between runs ----------------------------------------------


class _CountingEncoder(WrappedEncoder):
    """The real model, counting the texts it is asked to embed as queries."""

    def __init__(self, real: Encoder) -> None:
        super().__init__(real)
        self.queries = 0

    def encode_queries(self, texts: list[str]) -> Any:
        self.queries += len(texts)
        return super().encode_queries(texts)


def test_prototypes_are_read_back_from_the_cache_and_tag_as_embedded_ones(
    encoder: Encoder, tmp_path: Path
) -> None:
    counting = _CountingEncoder(encoder)
    first = Tagger(load_taxonomy(), counting, cache_dir=tmp_path)
    embedded = counting.queries
    assert embedded > 100 and len(list(tmp_path.glob("prototypes-*.npy"))) == 1
    again = Tagger(load_taxonomy(), counting, cache_dir=tmp_path)
    assert counting.queries - embedded == 1  # only the probe that keys the cache
    vectors = encoder.encode_documents([HOUSING, LONELINESS, BOTH])
    texts = [HOUSING, LONELINESS, BOTH]
    assert (
        again.tag(texts, vectors)
        == first.tag(texts, vectors)
        == shared_tagger(encoder).tag(texts, vectors)
    )


def test_a_new_taxonomy_or_encoder_embeds_the_prototypes_again(
    encoder: Encoder, tmp_path: Path, raw_taxonomy: dict[str, Any]
) -> None:
    counting = _CountingEncoder(encoder)
    Tagger(load_taxonomy(), counting, cache_dir=tmp_path)
    changed = copy.deepcopy(raw_taxonomy)
    changed["determinants"][0]["definition"] += " Also the cost of keeping a home warm."
    before = counting.queries
    Tagger(parse_taxonomy(changed), counting, cache_dir=tmp_path)
    assert counting.queries - before > 100
    # Only the newest taxonomy's vectors are kept.
    assert len(list(tmp_path.glob("prototypes-*.npy"))) == 1
    # The same taxonomy and model name, another encoder (another instruction or processor
    # would do the same): its vector of the probe differs, so nothing kept is read back.
    Tagger(load_taxonomy(), counting, cache_dir=tmp_path)
    other = _CountingEncoder(HashingEncoder(dimension=encoder.dimension, model_id=encoder.model_id))
    Tagger(load_taxonomy(), other, cache_dir=tmp_path)
    assert other.queries > 100


@pytest.mark.parametrize(
    "content", [b"", b"not an array at all", b"\x93NUMPY\x01\x00garbage", "pickle", "complex"]
)
def test_a_damaged_cache_file_is_embedded_again_and_replaced(
    encoder: Encoder, tmp_path: Path, content: bytes | str
) -> None:
    counting = _CountingEncoder(encoder)
    Tagger(load_taxonomy(), counting, cache_dir=tmp_path)
    (kept,) = tmp_path.glob("prototypes-*.npy")
    if content == "pickle":  # a pickled object where an array should be: never unpickled
        np.save(kept, np.array([{"evil": 1}], dtype=object), allow_pickle=True)
    elif content == "complex":  # the right shape, but not the vectors' kind of number
        np.save(kept, np.load(kept).astype(np.complex64))
    else:
        kept.write_bytes(bytes(content))
    before = counting.queries
    tagger = Tagger(load_taxonomy(), counting, cache_dir=tmp_path)
    assert counting.queries - before > 100
    vectors = encoder.encode_documents([HOUSING])
    assert tagger.tag([HOUSING], vectors) == shared_tagger(encoder).tag([HOUSING], vectors)
    assert np.load(kept, allow_pickle=False).shape[0] == counting.queries - before - 1


def test_a_cache_folder_that_cannot_be_written_costs_only_the_keeping(
    encoder: Encoder, tmp_path: Path
) -> None:
    blocked = tmp_path / "models"
    blocked.write_text("a file where the folder should be")
    tagger = Tagger(load_taxonomy(), encoder, cache_dir=blocked)
    vectors = encoder.encode_documents([LONELINESS])
    assert tagger.tag([LONELINESS], vectors) == shared_tagger(encoder).tag([LONELINESS], vectors)


def test_every_shipped_determinant_suggests_a_search_of_its_own() -> None:
    """The hint on each determinant's page (a general one is shown without)."""
    examples = [d.search_example for d in load_taxonomy().determinants]
    assert all(examples) and len(set(examples)) == len(examples)
    transport = next(d for d in load_taxonomy().determinants if d.id == "transport")
    assert transport.search_example == "buses in rural villages"
