"""A sentence a line left open: what may finish it on the next line, and what starts anew."""

from __future__ import annotations

import pytest

from search.retrieval.sentences import finishes_open_sentence, leaves_sentence_open

OPEN = "This often includes temporary accommodation or emergency bed and breakfast"


@pytest.mark.parametrize(
    ("text", "is_open"),
    [
        (OPEN, True),
        (f"The claim is checked. {OPEN}", True),  # the last sentence counts
        (f"{OPEN}.", False),
        (f"{OPEN} as follows:", False),  # a list follows
        ("1.2.5 Statutory homelessness in West Sussex", False),  # a heading's words
        ("Most were caught in the UK", False),  # too few words to tell
    ],
)
def test_a_sentence_is_left_open_without_a_stop_in_words_that_read_as_prose(
    text: str, is_open: bool
) -> None:
    assert leaves_sentence_open(text) is is_open


@pytest.mark.parametrize(
    ("line", "finishes"),
    [
        ("(B&B) placements.", True),
        ("[B&B] placements, which cost the council more each year than any other", True),
        ("2017.", True),
        ("Public Health England.", True),
        ("The council agreed the plan.", False),  # five words: a sentence of its own
        ("Most. Were caught.", False),  # starts another sentence
        ("(a) Warm homes.", False),
        ("(iv) Warm homes.", False),
        ("1. Reduce smoking.", False),
        ("• Advice.", False),
        ("Figure 2: Rough sleepers.", False),
        ("Source: DCLG.", False),
        ("Next steps", False),  # no stop: a heading
    ],
)
def test_a_bracket_or_a_short_tail_finishes_a_sentence_left_open(line: str, finishes: bool) -> None:
    assert finishes_open_sentence(OPEN, line) is finishes
    assert not finishes_open_sentence(f"{OPEN}.", line)
