"""Highlighting marks the query's words by stem and never lets HTML through."""

from __future__ import annotations

import random

import pytest
from markupsafe import Markup

from web.highlight import (
    _SENTENCE_END,
    _SENTENCE_OPENING,
    SNAP_WORDS,
    WordMatcher,
    _best_run,
    _read_passage,
    _sentence_starts,
    excerpt,
    excerpt_span,
    highlight,
    query_stems,
)


def test_plural_query_word_highlights_singular_in_text() -> None:
    html = highlight("A warm home is a healthy home.", query_stems("homes"))
    assert str(html) == "A warm <mark>home</mark> is a healthy <mark>home</mark>."


def test_stop_words_in_query_are_not_highlighted() -> None:
    html = highlight("the cost of the heating", query_stems("the cost"))
    assert str(html) == "the <mark>cost</mark> of the heating"


def test_html_in_text_is_escaped_around_marks() -> None:
    html = str(highlight('<script>alert("damp")</script> damp', query_stems("damp")))
    assert "<script>" not in html
    expected = "&lt;script&gt;alert(&#34;<mark>damp</mark>&#34;)&lt;/script&gt; <mark>damp</mark>"
    assert html == expected


def test_a_marked_word_is_escaped_inside_its_mark_and_the_whole_is_safe_markup() -> None:
    html = highlight("the children's homes & gardens", query_stems("children homes"))
    assert isinstance(html, Markup)
    assert str(html) == "the <mark>children&#39;s</mark> <mark>homes</mark> &amp; gardens"
    assert Markup("<p>{}</p>").format(html) == f"<p>{html}</p>"  # not escaped again


def test_html_in_query_cannot_add_markup() -> None:
    stems = query_stems('<img src=x onerror="alert(1)"> mould')
    html = str(highlight("img src mould onerror", stems))
    assert "<img" not in html
    assert html.count("<mark>") == 4


def test_empty_query_marks_nothing() -> None:
    assert str(highlight("cold & damp", query_stems(""))) == "cold &amp; damp"


def test_excerpt_keeps_short_text_whole() -> None:
    assert excerpt("cold  damp\nhomes", query_stems("damp")) == "cold damp homes"


def test_excerpt_centres_on_the_matches_with_ellipses() -> None:
    words = [f"a{i}" for i in range(100)] + ["damp", "cold"] + [f"b{i}" for i in range(100)]
    text = " ".join(words)
    short = excerpt(text, query_stems("cold damp"), max_words=20)
    assert short.startswith("… ") and short.endswith(" …")
    assert "damp cold" in short
    assert len(short.split()) == 22


def test_excerpt_without_matches_starts_at_the_beginning() -> None:
    text = " ".join(f"w{i}" for i in range(100))
    assert excerpt(text, query_stems("damp"), max_words=5) == "w0 w1 w2 w3 w4 …"


def test_words_whose_stem_turns_y_into_i_still_match() -> None:
    html = str(highlight("People dying early; they tried and keep trying.", query_stems("die try")))
    assert (
        html
        == "People <mark>dying</mark> early; they <mark>tried</mark> and keep <mark>trying</mark>."
    )


def test_one_matcher_shared_by_a_page_gives_the_same_marks() -> None:
    matcher = WordMatcher(query_stems("cold homes"))
    text = "Cold HOMES, colder home’s, Coldness and homeless"
    assert highlight(text, matcher) == highlight(text, query_stems("cold homes"))
    assert str(highlight(text, matcher)).count("<mark>") == 4  # coldness stems to cold
    assert excerpt(text, matcher, max_words=3) == excerpt(text, query_stems("cold homes"), 3)


def test_a_matcher_kept_across_requests_forgets_past_its_bound_and_judges_the_same() -> None:
    """A matcher kept for good (a determinant's seed words) stays within its bound of
    remembered verdicts however many words it meets, and still judges each word alike."""
    text = ("Buses and bus stops; roads, cycling and the busiest routes " * 3).split()
    words = [f"{w}{n}" if n % 3 else w for n, w in enumerate(text)] + ["bus"]
    kept = WordMatcher(query_stems("bus roads"), remember=4)
    fresh = [WordMatcher(query_stems("bus roads")).has_match(w) for w in words]
    assert [kept.has_match(w) for w in words] == fresh and any(fresh) and not all(fresh)
    assert kept.hits(words) == fresh
    assert len(kept._seen) <= 4 and len(kept.span_verdicts) <= 4


def test_excerpt_begins_and_ends_with_whole_sentences_when_they_are_near() -> None:
    before = "Words about other things go on for a while in this part of the text. " * 3
    body = (
        "Many people face problems with work and access to services. "
        "The term Gypsy and Traveller covers several distinct groups with their own history. "
        "Each group has its own language and culture, and some live on sites. "
    )
    after = "Later text says nothing more on the subject at all for many words here. " * 3
    shown = excerpt(before + body + after, query_stems("gypsy traveller"), max_words=20)
    # The window around the matches starts mid-sentence; it is moved to the sentence start
    # before the first matching word, and its end to the next sentence end.
    assert shown.startswith("… The term Gypsy")
    assert shown.endswith("some live on sites. …")


def test_excerpt_keeps_its_window_when_no_sentence_edge_is_near() -> None:
    text = " ".join(f"w{i}" for i in range(60)) + " damp " + " ".join(f"v{i}" for i in range(60))
    shown = excerpt(text, query_stems("damp"), max_words=20)
    assert shown.startswith("… ") and shown.endswith(" …") and len(shown.split()) == 22


@pytest.mark.parametrize("opening", ["“The term", "2019 figures on"])
def test_excerpt_starts_at_a_sentence_that_opens_with_a_quote_or_a_number(opening: str) -> None:
    before = "Words about other things go on for a while in this part of the text. " * 3
    body = f"Many people face problems with access to services. {opening} Gypsy and Traveller "
    body += "health needs were gathered from sites across the county in one survey. "
    after = "Later text says nothing more on the subject at all for many words here. " * 3
    shown = excerpt(before + body + after, query_stems("gypsy traveller"), max_words=20)
    assert shown.startswith(f"… {opening} Gypsy")


def test_a_words_other_spelling_is_highlighted_as_the_word() -> None:
    matches = WordMatcher(query_stems("children's behavior and mold"))
    assert matches("behaviour") and matches("Mould") and matches("behavior")
    assert not matches("model") and not matches("colour")


def test_a_passage_s_words_are_marked_the_same_read_at_once_or_one_by_one() -> None:
    """`WordMatcher.hits` rules most words out with one search before stemming the rest; it
    must agree with reading each word on its own, on ASCII and non-ASCII text alike."""
    text = (
        "Children’s studies: dying, Yoga and naïve café-goers. Ÿoung STUDY on young "
        "people—homes, housing/homeless; 20mph roads_yoga in Ÿpres. Lonely? loneliness… "
        "'Quoted' (bracketed) x y z damp/mould in rented homes, IYENGAR yoga."
    )
    # The first text lower-cases letter for letter (the one search reads it); "İ" lower-cases
    # to two letters, so the second is read word by word.
    for words in (text.split(), f"İstanbul's {text}".split()):
        for query in ("study of young children", "homes", "naive cafe", "yoga", "20mph", "x"):
            at_once = WordMatcher(query_stems(query)).hits(words)
            one_by_one = WordMatcher(query_stems(query))
            assert at_once == [one_by_one.has_match(w) for w in words], query
            assert any(at_once), query
        assert WordMatcher([]).hits(words) == [False] * len(words)
    assert len(text.lower()) == len(text) and len("İ".lower()) == 2


def test_of_the_parts_with_most_query_words_the_one_with_most_of_the_other_words_is_shown() -> None:
    # "poverty" twice, once among words about buses and once among filler: both 20-word runs
    # hold it once, so the query alone takes the first; with a determinant's words, the second.
    filler = " ".join(f"f{i}" for i in range(30))
    buses = "poverty means families cannot pay bus fares so rural buses and roads matter"
    text = f"poverty {filler} {buses} {filler}"
    query = WordMatcher(query_stems("poverty"))
    transport = WordMatcher(query_stems("buses roads travel"))
    start, end = excerpt_span(text, query, max_words=20)
    assert text[start:end].startswith("poverty f0")
    start, end = excerpt_span(text, query, max_words=20, also=transport)
    assert "poverty means families cannot pay bus fares so rural buses and roads" in text[start:end]
    # A query word is never given up for any number of the other words.
    crowded = f"{'buses roads ' * 15}{filler} poverty {filler}"
    start, end = excerpt_span(crowded, query, max_words=20, also=transport)
    assert "poverty" in crowded[start:end]


def test_excerpt_prefers_the_run_showing_more_of_the_question_over_one_word_repeated() -> None:
    """A run that repeats one common word of the question shows less of it than a run that
    holds a rarer word asked about as well, even with fewer matches in all."""
    filler = " ".join(f"f{i}" for i in range(40))
    both = "Housing quality matters: cold or damp conditions cause illness."
    repeated = "Housing tenure, housing supply and housing costs were all reviewed."
    text = f"{both} {filler} {repeated} {filler}"
    shown = excerpt(text, query_stems("damp and mould in social housing"), max_words=20)
    assert "damp conditions" in shown and "tenure" not in shown
    # With the same different words in two runs, the one with more matches wins, as before.
    again = f"{filler} damp homes {filler} damp homes damp {filler}"
    span = excerpt_span(again, query_stems("damp homes"), max_words=10)
    assert again[span[0] : span[1]].split().count("damp") == 2


def test_excerpt_with_also_words_breaks_ties_and_stands_in_for_missing_query_words() -> None:
    """A determinant's own words choose between runs equal on the question's words, and
    choose the run when the passage holds none of the question's words."""
    filler = " ".join(f"f{i}" for i in range(40))
    text = f"Rents rose again. {filler} Rents rose while buses were cut. {filler}"
    transport = WordMatcher(query_stems("bus buses transport"))
    start, end = excerpt_span(text, query_stems("rents"), max_words=12, also=transport)
    assert "buses" in text[start:end]
    start, end = excerpt_span(text, query_stems("damp"), max_words=12, also=transport)
    assert "buses" in text[start:end]
    assert excerpt_span(text, query_stems("damp"), max_words=12) == excerpt_span(
        text, query_stems("damp"), max_words=12, also=WordMatcher(query_stems("mould"))
    )


def test_stems_in_names_each_query_stem_a_span_matches() -> None:
    matcher = WordMatcher(query_stems("damp mould homes"))
    assert matcher.stems_in("damp/mould,") == frozenset({"damp", "mould"})
    assert matcher.stems_in("Homes’") == frozenset({"home"})
    assert matcher.stems_in("housing") == frozenset()


def _starts_sentence(tokens: list[str], i: int) -> bool:
    """The rule word by word: the first word, or one that opens like a sentence after a word
    that ends like one."""
    return i == 0 or (
        bool(_SENTENCE_END.search(tokens[i - 1])) and bool(_SENTENCE_OPENING.match(tokens[i]))
    )


def test_sentence_starts_found_at_once_equal_the_word_by_word_test() -> None:
    text = (
        "First one here. second not a start. “Quoted start” here! (Bracketed) goes on? "
        "2019 figures. • A bullet. e.g. this is no start. End.) Next one. Ends with a stop."
    )
    tokens = text.split()
    expected = [i for i in range(len(tokens)) if _starts_sentence(tokens, i)]
    assert _sentence_starts(tokens) == expected
    assert len(expected) > 4 and _sentence_starts(["one"]) == [0]


def test_excerpt_of_runs_equal_on_the_question_opens_on_a_sentence() -> None:
    """Of runs showing the same words of the question, the one that opens on a sentence's
    start is shown, even when another holds one more match of a word already shown."""
    opening = "Zoonoses are diseases people catch from pets and farm animals, the agency says. "
    middle = " ".join(f"m{i}" for i in range(30))
    later = (
        f"{middle} and so on and on through farms and pets, with diseases of pets and "
        "diseases of livestock counted there too"
    )
    text = opening + later + " " + " ".join(f"z{i}" for i in range(40))
    shown = excerpt(text, query_stems("diseases from pets"), max_words=20)
    assert shown.startswith("Zoonoses are diseases"), shown


def test_a_passage_read_again_gives_each_query_its_own_excerpt() -> None:
    """What excerpts read of a passage whatever the query is remembered by its text: another
    query over the same passage still gets the excerpt it would get from a fresh reading."""
    damp = " ".join(["Damp and mould harm the health of children."] + ["Filler words."] * 40)
    text = damp + " Buses link villages to surgeries. " + " ".join(["More words."] * 40)
    spans = {q: excerpt_span(text, query_stems(q), max_words=20) for q in ("mould", "buses")}
    _read_passage.cache_clear()
    assert excerpt_span(text, query_stems("buses"), max_words=20) == spans["buses"]
    assert excerpt_span(text, query_stems("mould"), max_words=20) == spans["mould"]
    assert text[slice(*spans["mould"])].startswith("Damp and mould")
    assert text[slice(*spans["buses"])].find("Buses link villages") >= 0


def _best_run_as_written(
    tokens: list[str], matches: WordMatcher, also: WordMatcher | None, max_words: int
) -> tuple[int, int]:
    """`_best_run`'s rule read literally, every candidate run scored from scratch: the oracle
    for the quick version (which counts a run's query words as bits)."""
    openings = _sentence_starts(tokens)
    found = [i for i, word in enumerate(tokens) if matches.has_match(word)]
    if not found:
        return 0, 0
    others = [also is not None and also.has_match(word) for word in tokens]
    best: tuple[int, int, bool, int] | None = None
    run = (0, found[0])
    for at in found:
        sentence = max(o for o in openings if o <= at)
        begins = [sentence, max(0, at - 8)] if at - sentence < max_words else [max(0, at - 8)]
        for begin in begins:
            end = min(len(tokens), begin + max_words)
            start = max(0, end - max_words)
            inside = [i for i in found if start <= i < end]
            stems = frozenset().union(*(matches.stems_in(tokens[i]) for i in inside))
            opens = any(
                start - SNAP_WORDS <= o <= min(inside[0], start + SNAP_WORDS) for o in openings
            )
            score = (len(stems), sum(others[start:end]), opens, len(inside))
            if best is None or score > best:
                best, run = score, (start, inside[0])
    return run


def test_the_run_chosen_is_the_one_the_rule_as_written_chooses() -> None:
    """Random passages (sentences of words, some asked about, some a determinant's), random
    questions: the quick choice of run equals scoring every candidate run from scratch."""
    rng = random.Random(7)
    checked = several = 0
    vocabulary = ["homes", "damp", "mould", "buses", "rents", "children", "care", "roads"]
    filler = ["the", "of", "and", "report", "local", "data", "more", "was"]
    for _ in range(300):
        words = []
        for _ in range(rng.randint(3, 12)):
            sentence = rng.choices(vocabulary + filler * 3, k=rng.randint(3, 14))
            words += [sentence[0].capitalize(), *sentence[1:-1], sentence[-1] + "."]
        query = WordMatcher(query_stems(" ".join(rng.sample(vocabulary, rng.randint(1, 4)))))
        also = WordMatcher(query_stems("buses roads")) if rng.random() < 0.4 else None
        max_words = rng.choice([10, 20, 45])
        if len(words) <= max_words:
            continue
        reading = _read_passage(" ".join(words))
        spans = reading.spans(words)
        found = [i for i, hit in enumerate(query.hits_in(spans)) if hit]
        chosen = _best_run(spans, reading.openings, found, query, max_words, also)
        assert chosen == _best_run_as_written(words, query, also, max_words)
        checked += 1
        several += len(query.stems) > 1 and len(found) > 1
    # Most draws are compared (not skipped as short), many with runs of different query words.
    assert checked >= 200 and several >= 100, (checked, several)


def test_with_no_sentence_end_near_ahead_the_excerpt_ends_at_the_last_one_inside() -> None:
    """A run that would end mid-sentence, with the next full stop too far ahead, ends instead at
    the last full stop after its last matching word, when that keeps half of it: the quote
    stops on a sentence, not on "Table 10 Provision of"."""
    before = "Words about other things go on for a while in this part of the text. " * 3
    body = "Damp and mould harm children's breathing in rented homes. Landlords must act fast. "
    long_tail = " ".join(f"t{i}" for i in range(40))  # no full stop for forty words
    shown = excerpt(before + body + long_tail, query_stems("damp mould"), max_words=20)
    assert shown.startswith("… Damp and mould") and shown.endswith("Landlords must act fast. …")
    # It never gives up a matching word for a full stop: the last one stays in.
    body = (
        "Damp homes are a problem for many families in the county today. Landlords must fix mould"
    )
    shown = excerpt(before + body + " " + long_tail, query_stems("damp mould"), max_words=20)
    assert "today. Landlords must fix mould" in shown and shown.endswith(" …")


def test_a_long_sentence_is_shown_to_its_end_when_the_quote_stays_within_its_bound() -> None:
    """No full stop near ahead and none behind that keeps half the run: the quote runs on to
    the end of the sentence it is in, as long as it then holds at most 2 * SNAP_WORDS words
    more than the run; a sentence that goes on longer is cut, with "…"."""
    before = "Words about other things go on for a while in this part of the text. " * 3

    def sentence(words_after: int) -> str:
        # One sentence: the matches near its start, then `words_after` more words to its end.
        return (
            "Damp and mould harm children "
            + " ".join(f"t{i}" for i in range(words_after))
            + " in rented homes. Landlords act."
        )

    # The run of 20 words starts at "Damp" and ends 16 words into the sentence; its end is
    # then 20 words on: past SNAP_WORDS, within 2 * SNAP_WORDS of the run.
    shown = excerpt(before + sentence(32), query_stems("damp mould"), max_words=20)
    assert shown.startswith("… Damp and mould") and shown.endswith("in rented homes. …")
    assert len(shown.split()) - 2 <= 20 + 2 * SNAP_WORDS
    # A sentence that runs past that bound is cut where the run ends.
    shown = excerpt(before + sentence(60), query_stems("damp mould"), max_words=20)
    assert shown.startswith("… Damp and mould") and shown.endswith(" …")
    assert "homes." not in shown and len(shown.split()) == 22


def test_a_quote_inside_a_long_sentence_opens_where_the_sentence_opens_within_the_bound() -> None:
    """The run starts 16 words into a sentence (no opening within SNAP_WORDS either way) and
    ends on a full stop: its start moves back to the sentence's opening, as the quote then
    holds at most 2 * SNAP_WORDS words more than the run; from further in, it stays cut."""
    before = "Words about other things go on for a while in this part of the text. " * 3

    def text(words_before: int) -> str:
        return (
            before
            + "Across the county "
            + " ".join(f"t{i}" for i in range(words_before))
            + " damp and mould harm children in rented homes. "
            + "Landlords must act. " * 6
        )

    shown = excerpt(text(20), query_stems("damp mould"), max_words=20)
    assert shown.startswith("… Across the county t0") and "damp and mould" in shown
    assert len(shown.split()) - 2 <= 20 + 2 * SNAP_WORDS
    shown = excerpt(text(60), query_stems("damp mould"), max_words=20)
    assert not shown.startswith("… Across") and shown.startswith("… t")


def test_a_heading_carried_in_after_the_last_sentence_is_left_out() -> None:
    """A passage ending on the next section's heading, or a figure's caption, shows its
    sentences and an ellipsis, not the heading run on after them."""
    findings = (
        "Eleven deaths were recorded in the year, mostly of younger men.\n"
        "Two deaths were suspected to be suicides. Both involved younger men.\n"
    )
    assert (
        excerpt(findings + "Location of death", {"death"})
        == findings.replace("\n", " ").strip() + " …"
    )
    caption = "Figure 9: Library services in West Sussex\nby district"
    assert excerpt(findings + caption, {"suicid"}).endswith("younger men. …")
    # The next paragraph's opening, cut mid-line, is the start of a sentence: it stays.
    opening = "The review also found that most had been in touch with services"
    cut = excerpt(findings + opening + " in the month before they died.", {"death"}, 30)
    assert "most had been in touch" in cut
    # A trailing line longer than what it follows stays too.
    short = "Deaths fell.\n" + " ".join(["Location"] * 11)
    assert excerpt(short, {"death"}) == " ".join(short.split())


def test_a_heading_laid_out_above_the_first_sentence_is_left_out() -> None:
    """A quote read "Physical Activity and Obesity An estimated 68.3% of adults …": the heading
    run into the sentence under it."""
    sentences = (
        "An estimated 68.3% of adults were classed as physically active in the county. "
        "This is similar to the England average and has changed little since 2016."
    )
    previous = "The last section ended on this sentence about smoking.\n"
    for heading in ("Physical Activity and Obesity", "5.1 Activity", "KEY POINTS", "Activity"):
        text = previous + heading + "\n" + sentences
        assert excerpt(text, {"activ"}, 30) == "… " + sentences, heading
    # A sentence wrapped onto the next line, a data row's label and a list's item stay.
    wrapped = previous + "Physical activity levels are measured every year by the\n" + sentences
    assert "measured every year by the" in excerpt(wrapped, {"activ"}, 40)
    row = previous + "Adults active 68\n" + sentences
    assert "Adults active 68" in excerpt(row, {"activ"}, 40)
    # A passage that opens inside a sentence, on a long line with names in it.
    middle = "Award holder by sending KCC staff on the Sandhurst Leadership Active\n" + sentences
    assert excerpt(middle, {"activ"}, 40).startswith("Award holder")
    # A heading holding the only word searched for stays with it.
    assert excerpt(previous + "Obesity\n" + sentences, {"obes"}, 30).startswith("… Obesity An")
