"""Spelling suggestions for words no document uses (search.retrieval.spelling): which known
words a typo may stand for, and that a suggestion is always a word the reader's own view of the
library uses. Two tests read a small library of five notes with the real model and engine; the
site's searches of it, with their suggestions: tests/web/test_spelling_suggestions.py."""

from __future__ import annotations

import pytest

from search.analysis import Bm25Weighting, term_index, terms
from search.library import Library, speller_names
from search.retrieval.spelling import (
    _BRITISH,
    BRITISH_FORMS,
    MIN_SHORT_WORD_USES,
    SPELLING_VARIANTS,
    Speller,
    _british_forms,
    _english_list,
    british_lines,
    default_speller,
    english_words,
    spelling_variants,
    spelt_as_used,
    suggest_query,
    variant_lines,
)
from search.schema import Filters

SPELLER = Speller(
    {
        "asthma": 50,
        "astral": 5,
        "homes": 40,
        "hoses": 30,
        "poems": 10,
        "green": 60_000,
        "space": 70_000,
        "ramp": 3_000,
        "ion": 2_000,
        "pollution": 20,
        "solution": 900,
        "marc": 100,
        "santa": 500,
        "mental": 800,
        "cafe": 300,
    }
)


def _stems(*words: str) -> set[str]:
    return {stem for w in words for stem in terms(w)}


def test_a_typo_one_edit_away_gets_the_known_words_most_common_first() -> None:
    assert SPELLER.candidates("asthama") == ["asthma"]  # a letter added
    assert SPELLER.candidates("hoems") == ["homes", "poems"]  # two letters swapped; one changed
    assert SPELLER.candidates("hosses") == ["hoses"]  # a letter dropped
    assert SPELLER.candidates("Asthma") == []  # a known word (in any capitals) is no typo


def test_words_run_together_are_split_and_short_or_odd_words_left_alone() -> None:
    assert SPELLER.candidates("greenspace") == ["green space"]
    assert SPELLER.candidates("rampion") == []  # parts too rare to be words run together
    assert SPELLER.candidates("ho") == []  # two letters: anything is one edit away
    assert SPELLER.candidates("asthma2") == [] and SPELLER.candidates("astma-x") == []
    assert SPELLER.candidates("zzzzzzz") == []


def test_only_a_candidate_the_library_uses_is_suggested() -> None:
    used = _stems("poems")  # not "homes", the more common word one edit away
    query = "Damp hoems, please"
    assert suggest_query(query, ["hoems"], SPELLER, used.__contains__) == "Damp poems, please"
    assert suggest_query(query, ["hoems"], SPELLER, set().__contains__) is None
    # A split is suggested only when the library uses both words.
    both, one = _stems("green", "space"), _stems("green")
    assert suggest_query("greenspace", ["greenspace"], SPELLER, both.__contains__) == "green space"
    assert suggest_query("greenspace", ["greenspace"], SPELLER, one.__contains__) is None


def test_of_the_candidates_the_one_the_library_uses_most_is_suggested() -> None:
    speller = Speller({"forest": 900, "forecast": 100, "forest fire": 1})
    query = "costs rise above foreast"
    # English has "forest" more often; a library of council budgets has "forecast".
    budgets = {"forecast": 60, "forest": 2}.get
    assert suggest_query(query, ["foreast"], speller, lambda s: budgets(s, 0)) == (
        "costs rise above forecast"
    )
    woods = {"forecast": 1, "forest": 40}.get
    assert suggest_query(query, ["foreast"], speller, lambda s: woods(s, 0)) == (
        "costs rise above forest"
    )


def test_a_short_word_is_offered_only_the_surer_slips_that_keep_its_first_letter() -> None:
    speller = Speller(
        {
            "many": 900,
            "man": 800,
            "home": 700,
            "hoe": 600,
            "cost": 500,
            "cast": 400,
            "lost": 300,
            "cut": 200,
            "foxe": 50,
            "fox": 900,
        }
    )
    assert speller.candidates("mny") == ["many"]  # a letter left out ("man" would be one too)
    assert speller.candidates("hoem") == ["home"]  # two swapped; not "hoe", one dropped
    assert speller.candidates("cjst") == ["cost", "cast"]  # four letters: one changed
    assert speller.candidates("cst") == ["cost", "cast"]  # three letters: only one added
    assert speller.candidates("cjt") == []  # not "cut": three letters, one changed
    assert speller.candidates("xost") == []  # not "cost" or "lost": the first letter is kept
    assert speller.candidates("foxp") == []  # "foxe" is among the list's rarest, "fox" dropped
    assert speller.candidates("ho") == []


def test_a_short_word_is_mended_only_to_a_word_the_library_uses_in_a_few_passages() -> None:
    speller = Speller({"many": 900, "mentions": 900})
    few = {"mani": MIN_SHORT_WORD_USES - 1, "mention": 1}.get
    enough = {"mani": MIN_SHORT_WORD_USES}.get
    assert suggest_query("how mny", ["mny"], speller, lambda s: few(s, 0)) is None
    assert suggest_query("how mny", ["mny"], speller, lambda s: enough(s, 0)) == "how many"
    # A longer word needs only one passage.
    assert suggest_query("mentiosn", ["mentiosn"], speller, lambda s: few(s, 0)) == "mentions"


def test_of_the_candidates_used_one_the_library_writes_as_typed_comes_first() -> None:
    """Passages are counted by stem: "seconder" counts every "second", so by counts alone
    it ties "secondary" and wins as the likelier slip (a letter too many)."""
    speller = Speller({"seconder": 10, "secondary": 900})
    query = "new secondery school places"
    every = lambda stem: 100  # noqa: E731
    assert suggest_query(query, ["secondery"], speller, every) == "new seconder school places"
    written = {"secondary"}.intersection
    assert suggest_query(query, ["secondery"], speller, every, written) == (
        "new secondary school places"
    )
    # Before counts: "employee" is in 26 passages, "employe" counts all 100 of "employ".
    speller = Speller({"employe": 10, "employee": 900})
    counts = {"employ": 100, "employe": 26}.get
    assert suggest_query("employme", ["employme"], speller, lambda s: counts(s, 0)) == "employe"
    assert suggest_query(
        "employme", ["employme"], speller, lambda s: counts(s, 0), {"employee"}.intersection
    ) == ("employee")


def test_a_typo_in_the_first_letter_is_the_less_likely() -> None:
    # "solution" is the more common, but "polution" more likely lost an "l" than its "p".
    assert SPELLER.candidates("polution") == ["pollution", "solution"]


def test_a_word_typed_in_capitals_is_taken_as_meant() -> None:
    used = _stems("marc")
    assert suggest_query("cases at MARAC", ["marac"], SPELLER, used.__contains__) is None
    assert suggest_query("cases at marac", ["marac"], SPELLER, used.__contains__) == (
        "cases at marc"
    )


def test_the_suggestion_keeps_the_searchs_other_words_and_capitals() -> None:
    used = _stems("asthma", "homes")
    found = suggest_query(
        "asthama in damp Hoems (hoems)", ["asthama", "hoems"], SPELLER, used.__contains__
    )
    assert found == "asthma in damp Homes (homes)"
    # A word with no suggestion stays as typed beside one that has one.
    assert suggest_query("asthama xqzzy", ["asthama", "xqzzy"], SPELLER, used.__contains__) == (
        "asthma xqzzy"
    )


def test_the_english_list_and_the_projects_own_names_are_known() -> None:
    speller = default_speller(("Loughborough", "Hinckley and Bosworth"))
    assert speller.candidates("lonliness")[0] == "loneliness"
    assert speller.candidates("accomodation") == ["accommodation"]
    assert speller.candidates("loughbrough") == ["loughborough"]  # a place, not English
    assert speller.candidates("loneliness") == []
    # British forms of the list's American spellings, and the project's own words.
    assert speller.candidates("moudl") == ["mould"]
    assert speller.candidates("behavour") == ["behaviour"]
    assert speller.candidates("organisatoin") == ["organisation"]
    assert speller.candidates("wellbeng")[0] == "wellbeing"


@pytest.fixture
def library(five_notes_library: Library) -> Library:
    return five_notes_library


def test_the_speller_knows_the_gazetteers_places_and_the_jargon(library: Library) -> None:
    names = library.searcher.speller_names
    assert "Loughborough" in names  # a town in the packaged gazetteer
    assert "joint strategic needs assessment" in names  # the synonyms file, both ways
    tagging = library.index.tagging
    assert tagging is not None
    own = speller_names(tagging.gazetteer, {"ehcp": ["education health and care plan"]})
    assert "ehcp" in own and "education health and care plan" in own and "Melton" in own


def test_a_long_name_mistyped_twice_is_found_among_the_projects_own_words() -> None:
    speller = Speller({"leicestershire": 10, "leisure": 500}, names=["leicestershire"])
    assert speller.candidates("leicestshire") == ["leicestershire"]  # "er" left out
    assert speller.candidates("liecestershrie") == ["leicestershire"]  # two swaps
    assert speller.candidates("leicestrshre") == ["leicestershire"]
    assert speller.candidates("leicestrshreee") == []  # four edits away
    # Only the project's own words, and only long words: English has too many near a short one.
    assert Speller({"leisurely": 10}).candidates("lesiurley") == []
    assert speller.candidates("leisr") == []


def test_a_word_with_a_capital_after_its_first_letter_is_taken_as_meant() -> None:
    speller = Speller({"eras": 50, "sofa": 40})
    used = _stems("eras", "sofa").__contains__
    assert suggest_query("enhancer eRNAs", ["ernas"], speller, used) is None
    assert suggest_query("a high qSOFA score", ["qsofa"], speller, used) is None
    # The same word typed plainly anywhere in the search may be a slip.
    assert suggest_query("eRNAs and ernas", ["ernas"], speller, used) == "eras and eras"


def test_a_word_capitalised_after_the_first_is_a_name() -> None:
    speller = Speller(
        {"anna": 900, "heath": 60_000, "row": 70_000, "october": 500, "hinckley": 1},
        names=["hinckley"],
    )
    used = _stems("anna", "heath", "row", "october", "hinckley").__contains__
    # A person or a place the library does not name: no English word, no split.
    assert suggest_query("what did Annan say", ["annan"], speller, used) is None
    assert suggest_query("flights from Heathrow", ["heathrow"], speller, used) is None
    # The project's own names, and months and days, stay on offer.
    assert suggest_query("falls in Hinkley", ["hinkley"], speller, used) == "falls in Hinckley"
    assert suggest_query("visits in Octobier", ["octobier"], speller, used) == "visits in October"
    # First in the search, or in lower case, a word may be any word.
    assert suggest_query("heathrow flights", ["heathrow"], speller, used) == "heath row flights"
    assert suggest_query("Annan said", ["annan"], speller, used) == "Anna said"


def test_a_word_whose_stem_the_library_uses_is_offered_only_a_near_form() -> None:
    """Such a word may be a form English lacks ("exacerbations", "passaging"), not a typo:
    it is offered no plural of itself, no word with another first letter and no split."""
    speller = Speller(
        {"exacerbation": 90, "massaging": 900, "government": 900, "per": 60_000}
        | {"sister": 60_000}
    )
    used = lambda stem: 100  # noqa: E731
    for typed in ("exacerbations", "passaging", "persister"):
        assert suggest_query(typed, [typed], speller, used, stem_used=[typed]) is None
    assert suggest_query("persister", ["persister"], speller, used) == "per sister"
    assert suggest_query("governent", ["governent"], speller, used, stem_used=["governent"]) == (
        "government"
    )


def test_a_search_in_another_language_is_not_mended_into_english() -> None:
    used = _stems("santa", "mental", "asthma", "homes")
    assert suggest_query("santé mentale", ["santé", "mentale"], SPELLER, used.__contains__) is None
    assert suggest_query("sante mentale", ["sante", "mentale"], SPELLER, used.__contains__) == (
        "santa mental"  # typed without accents, it reads as English typos
    )
    # An English word written with its accents is still English: the typo beside it is mended.
    found = suggest_query("café asthama", ["asthama"], SPELLER, used.__contains__)
    assert found == "café asthma"


def _british_one_by_one(word: str) -> set[str]:
    """Every rule tried on one word: what the scan over all words at once must give."""
    return {form for pattern, to in _BRITISH if (form := pattern.sub(to, word)) != word}


def test_british_forms_found_in_one_scan_are_those_each_rule_makes_of_each_word() -> None:
    words = ["or", "color", "colors", "oregano", "organize", "analyzed", "center", "octobre",
             "catalog", "dialogs", "defense", "program", "traveled", "failed", "mold", "smolder",
             "judgment", "anemia", "hematology", "pediatric", "orthopedic", "esophagus",
             "fetus", "gynecology", "house", "ledger", "mor", "labor", "labors"]  # fmt: skip
    expected: dict[str, str] = {}
    for word in words:
        for form in _british_one_by_one(word):
            expected[form] = word
    found = _british_forms(words)
    assert found == expected
    assert found["colour"] == "color" and found["organise"] == "organize"
    assert "our" not in found  # "or" has no letter before it for the rule to read
    assert not any(word in ("house", "failed", "octobre") for word in found.values())


def test_the_stored_british_forms_are_those_the_rules_make_of_the_english_list() -> None:
    # Stored so that no search makes them (a quarter of a second); stale after a change of the
    # rules or of pyspellchecker's list: `python -m search.retrieval.spelling` writes them again.
    stored = BRITISH_FORMS.read_text(encoding="utf-8").splitlines()
    assert [line for line in stored if not line.startswith("#")] == british_lines(_english_list())
    english = english_words()
    assert english["colour"] == english["color"] + 1 and "organise" in english


def test_the_stored_spelling_variants_are_those_made_of_the_british_forms() -> None:
    stored = SPELLING_VARIANTS.read_text(encoding="utf-8").splitlines()
    assert [line for line in stored if not line.startswith("#")] == variant_lines(_english_list())
    variants = spelling_variants()
    assert variants["behavior"] == ("behaviour",) and variants["behaviour"] == ("behavior",)
    assert "paediatric" in variants["pediatric"] and "mould" in variants["mold"]
    # Two words a loose rule made one of are not one word spelt two ways, nor are spellings
    # the stemmer already joins.
    for word in ("filed", "scored", "tor", "four", "traveling"):
        assert word not in variants, word
    # Nor two senses British English keeps apart: a meter is no metre.
    assert "meter" not in variants and variants["program"] == ("programme",)


def test_the_keyword_query_weighs_a_words_other_spelling_as_it_weighs_the_word() -> None:
    vector = Bm25Weighting().query_vector(
        "mold mold behavior", spellings={"mold": ("mould",), "behavior": ("behaviour",)}
    )
    weights = dict(zip(vector.indices, vector.values, strict=True))
    assert weights[term_index("mould")] == weights[term_index("mold")] == 2.0
    assert weights[term_index("behaviour")] == weights[term_index("behavior")] == 1.0
    assert Bm25Weighting().query_vector("mold") == Bm25Weighting().query_vector(
        "mold", spellings={}
    )


def test_a_question_is_read_in_the_spelling_the_library_uses_most() -> None:
    uses = {"behaviour": 40, "behavior": 3, "mould": 0, "mold": 0}.get
    spelt = (("young",), ("behavior", "behaviour"), ("mold", "mould"))
    assert (
        spelt_as_used("Young people's Behavior and mold", spelt, lambda s: uses(s) or 0)
        == "Young people's Behaviour and mold"  # a tie keeps the query's spelling
    )
    # A library that writes the American way keeps an American question as it is.
    american = {"behaviour": 1, "behavior": 30}.get
    assert spelt_as_used("behavior", spelt, lambda s: american(s) or 0) == "behavior"


def test_the_encoder_reads_an_american_question_as_the_library_spells_it(
    library: Library,
) -> None:
    searcher = library.searcher
    american = searcher.vector_query("damp mold in homes", Filters(), 10)
    british = searcher.vector_query("damp mould in homes", Filters(), 10)
    assert american.dense == british.dense and american.sparse == british.sparse


def test_a_known_word_a_letter_short_of_a_place_is_offered_the_place() -> None:
    speller = Speller(
        {"crawly": 10, "crawley": 100, "roman": 50, "roma": 100, "wing": 90, "wings": 5},
        names=["crawley", "roma", "wings"],
    )
    assert speller.candidates("crawly") == ["crawley"]
    # Not a name it is longer than, nor one for a short word, nor any English word.
    assert speller.candidates("roman") == [] and speller.candidates("wing") == []
    assert speller.candidates("crawley") == []
