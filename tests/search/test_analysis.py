"""The keyword analyser: tokens, stop words, stems, stable ids, BM25 weights, synonyms."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata

import pytest

from search.analysis import (
    Bm25Weighting,
    SynonymFileError,
    _combining_marks,
    expand_synonyms,
    has_search_words,
    is_in_other_script,
    normalise,
    read_synonyms,
    term_index,
    terms,
    words,
)
from search.library import DEFAULT_SYNONYMS


def test_terms_drop_stop_words_and_stem() -> None:
    assert terms("The homes of the homeless") == ["home", "homeless"]
    assert terms("Running runs") == ["run", "run"]


def test_words_fold_case_accents_ligatures_and_possessives() -> None:
    assert words("Café ofﬁce Council's") == ["cafe", "office", "council"]


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Plain ASCII, Council's", "plain ascii, council's"),
        # Marks only a shortcut could miss: curly quotes and a dash with no accent to drop,
        # accents beside them, a mark from another script, and a ligature.
        ("“Damp” – O’Neill’s", "“damp” – o’neill’s"),
        ("Naïve “café” – Łódź", "naive “cafe” – łodz"),
        ("स्वास्थ्य", "सवासथय"),
        ("ﬁnance Ⅻ", "finance xii"),
    ],
)
def test_folding_drops_every_combining_mark_and_nothing_else(text: str, folded: str) -> None:
    assert normalise(text) == folded


def test_every_combining_mark_in_this_pythons_unicode_is_one_folding_drops() -> None:
    # The list folding asks stops at the second plane; a Unicode that put a mark past it
    # would fail here, not leave an accent on a word.
    every = {chr(c) for c in range(sys.maxunicode + 1) if unicodedata.combining(chr(c))}
    assert every == _combining_marks()


def test_curly_and_straight_possessives_are_dropped_alike() -> None:
    assert words("Council’s children's ‘O’Neill’ rock’n") == [
        "council",
        "children",
        "o'neill",
        "rock'n",
    ]


def test_a_chunks_sparse_vector_from_its_known_terms_is_its_joined_texts() -> None:
    # Ingest builds a chunk's vector from its title's terms and its own (already stemmed for
    # its tags), not from the two joined: the two must give the same vector.
    weighting = Bm25Weighting()
    title, text = "Housing need in Adur", "Adur’s homes: damp, cold and café-côté overcrowding."
    joined = weighting.document_vector(title + "\n" + text)
    assert weighting.terms_vector([*terms(title), *terms(text)]) == joined
    assert len(joined.indices) == len(set(terms(title + " " + text)))


def test_term_ids_are_stable_across_processes() -> None:
    # Python's hash() would change per process; the index would then be garbage.
    code = "from search.analysis import term_index; print(term_index('home'))"
    env = {**os.environ, "PYTHONHASHSEED": "123"}
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert int(other.stdout) == term_index("home") == 1909853392


def test_document_weights_saturate_with_term_frequency() -> None:
    weighting = Bm25Weighting()
    once = weighting.document_vector("damp " + "filler " * 20)
    many = weighting.document_vector("damp " * 10 + "filler " * 11)
    damp = term_index("damp")
    w_once = once.values[once.indices.index(damp)]
    w_many = many.values[many.indices.index(damp)]
    assert w_once < w_many < (weighting.k1 + 1)


def test_query_vector_weighs_terms_by_their_count() -> None:
    vector = Bm25Weighting().query_vector("damp homes: damp, damp and cold")
    weights = dict(zip(vector.indices, vector.values, strict=True))
    assert weights[term_index("damp")] == 3.0
    assert weights[term_index("home")] == 1.0 and weights[term_index("cold")] == 1.0
    assert len(weights) == 3  # 'and' is a stop word


def test_synonym_expansion_never_outweighs_a_typed_term() -> None:
    table = read_synonyms("imd = index of multiple deprivation")
    vector = Bm25Weighting().query_vector("deprivation imd", table)
    weights = dict(zip(vector.indices, vector.values, strict=True))
    assert weights[term_index("depriv")] == 1.0  # typed once; the expansion adds nothing
    assert weights[term_index("multipl")] == 0.6


def test_synonyms_expand_jargon_on_the_keyword_side() -> None:
    table = read_synonyms(
        "JSNA = joint strategic needs assessment\nhmo = house in multiple occupation"
    )
    assert expand_synonyms("latest JSNA on housing", table) == ["joint strategic needs assessment"]
    vector = Bm25Weighting().query_vector("JSNA", table)
    assert term_index("strateg") in vector.indices
    assert dict(zip(vector.indices, vector.values, strict=True))[term_index("jsna")] == 1.0


def test_bundled_synonym_file_loads() -> None:
    table = read_synonyms(DEFAULT_SYNONYMS.read_text())
    assert "imd" in table and "neet" in table


def test_bad_synonym_line_names_the_line() -> None:
    with pytest.raises(SynonymFileError, match="line 2"):
        read_synonyms("ok = fine\nno equals sign here")


def test_terms_are_the_same_when_many_threads_stem_at_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    texts = [f"relationships communities organisational {n} generalisations" for n in range(400)]
    expected = [terms(t) for t in texts]
    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(terms, texts)) == expected


def test_terms_are_the_stemmers_own_however_often_a_word_comes_back() -> None:
    import snowballstemmer

    from search.analysis import STOP_WORDS, words

    stemmer = snowballstemmer.stemmer("english")
    text = "Running runners ran; housing houses housed. Running again, housing again."
    expected = stemmer.stemWords([w for w in words(text) if w not in STOP_WORDS])
    for _ in range(3):  # the second and third time come from the cache
        assert terms(text) == expected


# Words Snowball gives one stem though their meanings part, each with a word it joined.
PARTED = [
    ("severe", "several"),
    ("digital", "digitize"),
    ("digital", "digits"),
    ("exclusion", "exclusively"),
    ("experience", "experiment"),
    ("expectancy", "expected"),
    ("relative", "related"),
    ("majority", "major"),
    ("initial", "initiatives"),
    ("important", "imported"),
    ("authorities", "authors"),
    ("travellers", "travel"),
]


@pytest.mark.parametrize(("word", "other"), PARTED)
def test_words_whose_meanings_part_have_stems_of_their_own(word: str, other: str) -> None:
    assert terms(word) != terms(other)
    assert terms(word)[0][:2] == word[:2]  # a stem keeps its word's first two letters


def test_a_parted_words_own_forms_still_share_its_stem() -> None:
    for forms in (
        "digital digitally",
        "experience experiences experienced experiencing",
        "experiment experiments experimental",
        "digitise digitised digitize digitized",
        "severe severely",
        "authority authorities",
    ):
        assert len(set(terms(forms))) == 1, forms


# Queries with nothing to search for, as a QA pass typed them (the last is invalid UTF-8 in a
# web address, which arrives as two replacement characters).
NO_WORDS = ["a", "\U0001f642", ".*", "?", "-", "the", "!!!", "\ufffd\ufffd", "x", "x.", "the a"]
# Codes and numbers officers search for, and ordinary questions.
HAS_WORDS = ["IMD", "NHS", "0-5", "2024", "B&B", "A&E", "GP", "GP's", "COVID-19", "the NHS",
             "cold damp homes", "\ufb01nancial di\ufb03culties"]  # fmt: skip


@pytest.mark.parametrize("query", NO_WORDS)
def test_stop_words_symbols_emoji_and_lone_characters_are_nothing_to_search_for(
    query: str,
) -> None:
    assert not has_search_words(query)


@pytest.mark.parametrize("query", HAS_WORDS)
def test_codes_numbers_and_questions_have_words_to_search_for(query: str) -> None:
    assert has_search_words(query)


# Queries in scripts the keyword leg cannot read (it tokenises a to z and 0 to 9) and the
# English encoder was not trained on: Arabic, Gurmukhi, Chinese, Cyrillic, Greek.
OTHER_SCRIPT = ["الصحة النفسية", "ਮਾਨਸਿਕ ਸਿਹਤ", "心理健康", "психическое здоровье", "ψυχική υγεία",
                "心理健康 5", "ਸਿਹਤ!", "the 心理健康", "a ਸਿਹਤ"]  # fmt: skip
# Latin letters with accents fold to a to z and are searched; one English word is enough.
LATIN_OR_MIXED = ["santé mentale", "zdrowie", "Café 2024", "ਸਿਹਤ housing", "Łódź", "ＧＰ"]


@pytest.mark.parametrize("query", OTHER_SCRIPT)
def test_queries_in_another_script_have_nothing_to_search_for_and_say_so(query: str) -> None:
    assert not has_search_words(query)
    assert is_in_other_script(query)


@pytest.mark.parametrize("query", NO_WORDS)
def test_stop_words_symbols_and_lone_letters_are_not_another_script(query: str) -> None:
    assert not is_in_other_script(query)


@pytest.mark.parametrize("query", LATIN_OR_MIXED)
def test_accented_latin_and_mixed_queries_are_searched(query: str) -> None:
    assert has_search_words(query)
    assert not Bm25Weighting().query_vector(query).is_empty()


@pytest.mark.parametrize("letter", ["ø", "ł", "æ", "ß", "þ", "ŋ"])
def test_latin_letters_that_do_not_fold_to_a_to_z_are_still_latin(letter: str) -> None:
    # Not another script, so a lone one gets the message about single letters; beside words in
    # another script, those words are what was meant.
    assert not is_in_other_script(letter)
    assert is_in_other_script(f"心理 {letter}") is True


@pytest.mark.parametrize("query", HAS_WORDS)
def test_a_query_with_search_words_always_has_a_keyword_leg(query: str) -> None:
    # The rule is the keyword leg's own: every query it lets through gives that leg a term.
    assert has_search_words(query)
    assert not Bm25Weighting().query_vector(query).is_empty()
