"""Chunks keep their page numbers and overlap as configured."""

from __future__ import annotations

from ingest.chunking import chunk_pages
from ingest.pdf import clean_text
from search.retrieval.headings import kept_lines


def _page(prefix: str, n: int) -> str:
    return " ".join(f"{prefix}{i}" for i in range(n))


def test_chunks_on_one_page_record_that_page() -> None:
    chunks = chunk_pages("d", [_page("a", 50), _page("b", 50)], max_words=40, overlap_words=10)
    assert all(
        c.page_start == c.page_end for c in chunks if c.text.split()[-1].startswith(c.text[0])
    )
    assert chunks[0].page_start == 1 and chunks[-1].page_end == 2


def test_chunk_crossing_a_page_break_records_both_pages() -> None:
    chunks = chunk_pages("d", [_page("a", 60), _page("b", 60)], max_words=50, overlap_words=5)
    crossing = [c for c in chunks if c.page_start != c.page_end]
    assert crossing and all(c.pages == [1, 2] for c in crossing)
    assert all(("a" in c.text) and ("b" in c.text) for c in crossing)


def test_overlap_repeats_words_between_neighbours() -> None:
    chunks = chunk_pages("d", [_page("w", 100)], max_words=40, overlap_words=10)
    assert chunks[0].text.split()[-10:] == chunks[1].text.split()[:10]
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_a_window_inside_a_sentence_keeps_the_words_back_to_its_start_as_its_lead() -> None:
    # Sentences of 12 words: windows fall inside them; each keeps, apart from its text, the
    # words back to its sentence's start, so lead and text together open on a whole sentence.
    sentences = [
        f"Sentence {n} says that the county saw {n} more cases this year." for n in range(30)
    ]
    page = "\n".join(sentences[:5]) + " " + " ".join(sentences[5:])
    chunks = chunk_pages("d", [page], max_words=60, overlap_words=20)
    words = page.split()
    # The windows themselves are where they always were: what is embedded does not move.
    assert [c.text.split() for c in chunks] == [words[i : i + 60] for i in range(0, 321, 40)]
    for chunk in chunks[1:]:
        assert (chunk.lead + chunk.text).startswith("Sentence "), chunk.text[:40]
        assert bool(chunk.lead) != chunk.opens_sentence  # a lead only where one is needed
        assert len(chunk.lead.split()) < 20 and chunk.lead_page in (0, 1)
        if chunk.lead:
            assert chunk.lead.endswith((" ", "\n")) and chunk.lead_page == 1
    assert not chunks[0].lead and not chunks[0].opens_sentence  # a page's first: not known
    # No sentence starts within the overlap: no lead.
    plain = chunk_pages("d", [_page("w", 100)], max_words=40, overlap_words=10)
    assert [c.lead for c in plain] == ["", "", ""]


def test_a_lead_reaches_back_past_a_place_name_broken_over_two_lines() -> None:
    # "Activity was highest in Mid" is a short line of its own, and the second window starts
    # inside its sentence: the break inside the place's name starts no sentence, so the lead
    # goes back to the real start.
    first = "Rates were measured in every district last year. " * 2
    rest = "Sussex (71.3%), lowest in Arun and in Crawley (62.2%) where it was measured last year."
    page = f"{first.strip()}\nActivity was highest in Mid\n{rest}\n" + _page("w", 40)
    at = len(first.split()) + 5 + 2  # the window starts at "lowest"
    chunks = chunk_pages("d", [page], max_words=at, overlap_words=0)
    second = chunks[1]
    assert second.text.startswith("lowest in Arun")
    assert second.lead.startswith("Activity was highest in Mid") and "Sussex" in second.lead


def test_every_word_lands_in_some_chunk() -> None:
    pages = [_page("a", 37), "", _page("c", 91)]
    chunks = chunk_pages("d", pages, max_words=30, overlap_words=5)
    seen = {w for c in chunks for w in c.text.split()}
    assert seen == set(" ".join(pages).split())
    assert all(c.page_start != 2 or c.page_end != 2 for c in chunks)  # empty page yields nothing


def test_clean_text_repairs_ligatures_bullets_and_hyphenation() -> None:
    assert clean_text("ofﬁce\uf0b7 item") == "office• item"
    assert clean_text("health-\ncare\x00plan") == "healthcare plan"


def test_a_heading_that_opens_the_next_page_or_section_is_not_run_into_a_sentence() -> None:
    """Word files and web pages start a section at each heading; shown as a passage, the
    heading must not read as the start of the sentence under it (nor end the one above)."""
    first = (
        "Food bank use in Loughborough doubled between 2021 and 2024, and the two banks in the"
        " town now open five days a week instead of three, with volunteers from local churches."
    )
    second = (
        "Who uses them\n\nMost users were working families with children who ran short at the"
        " end of the month. Many had never asked for help before."
    )
    (chunk,) = chunk_pages("d", [first, second], max_words=180, overlap_words=30)
    assert "churches.\nWho uses them\nMost users" in chunk.text
    shown = " ".join(chunk.text[a:b] for a, b in kept_lines(chunk.text, 0, len(chunk.text)))
    assert "Who uses them" not in shown
    assert shown.startswith("Food bank use") and shown.endswith("asked for help before.")
    # A page that runs on mid-sentence still joins with a space.
    ends, runs_on = "The council will", "continue to fund the service for three more years."
    (chunk,) = chunk_pages("d", [first + " " + ends, runs_on], max_words=180, overlap_words=30)
    assert f"{ends} {runs_on}" in chunk.text


def test_headings_after_a_figure_caption_are_not_run_into_the_sentence_under_them() -> None:
    text = (
        "Figure 2.12 % of respondents agreeing that people can change the way their area runs\n"
        "Loneliness in Older Age\nWest Sussex Older People Survey\n"
        "In 2013 a survey was undertaken in West Sussex of people aged 65 or over."
    )
    shown = [text[a:b] for a, b in kept_lines(text, 0, len(text))]
    # The caption goes too, since the thirty-eighth session: its chart is not shown, and shown
    # inline it read as the sentence's first words ("Figure 2.12 % of respondents … In 2013").
    assert len(shown) == 1 and shown[0].startswith("In 2013")
    # A line that runs on ("Case rate per" / "100,000 …") is part of what follows, not a heading.
    table = "Table 1 - cases by region\nCase rate per\n100,000 population (weekly) in England."
    assert "Case rate per" in [table[a:b] for a, b in kept_lines(table, 0, len(table))]


def test_a_heading_laid_out_on_its_sentences_line_is_left_out_of_the_passage() -> None:
    def shown(text: str) -> list[str]:
        return [text[a:b] for a, b in kept_lines(text, 0, len(text))]

    table = (
        "The table below shows the LSOAs in West Sussex that are within the most deprived decile."
    )
    text = f"Five areas are in the most deprived tenth.\nMost Deprived LSOAs in West Sussex {table}"
    assert shown(text) == ["Five areas are in the most deprived tenth.", table]
    # The same after a figure's caption (which goes too: its chart is not shown), and at a
    # passage's start.
    caption = (
        "Figure 3: Proportion of small areas in each national deprivation decile across the "
        "districts of West Sussex, 2019"
    )
    assert shown(f"{caption}\nMost Deprived LSOAs in West Sussex {table}") == [table]
    assert shown(f"Most Deprived LSOAs in West Sussex {table}") == [table]
    # Words before the opener too many for a heading, or after a line that runs on, are the
    # sentence's own: nothing is dropped.
    for kept in (
        "Across the seven districts and boroughs of the county residents of coastal towns said "
        "more The table below shows the LSOAs.",
        "Five areas are in the\nmost deprived areas The table below shows the LSOAs.",
    ):
        assert " ".join(shown(kept)) == kept.replace("\n", " ")
