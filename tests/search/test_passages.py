"""A shown passage maps to the page holding most of it, is cut at sentences, and never repeats
the words of another passage shown for its document."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest

from ingest.chunking import chunk_pages
from search.retrieval.headings import kept_lines
from search.retrieval.passages import (
    ELLIPSIS,
    PageMap,
    Passage,
    cut_at_sentences,
    document_passages,
    pages_of_part,
    passage_from_hit,
    read_page_map,
    show_span,
    with_lead,
)
from search.retrieval.searcher import group_hits
from search.retrieval.sentences import breaks_place_name, breaks_sentence
from search.schema import DocumentMeta, Hit, chunk_payload


def main_page_of(starts: Sequence[Sequence[int]], text: str, start: int, end: int) -> int:
    """The page holding most of text[start:end] (the page every passage link cites), read
    straight off the page map, not through `pages_of_part`, which is checked against it."""
    clean = tuple((int(s), int(p)) for s, p in starts)
    if not clean:
        return 1
    return PageMap(clean[0][1], clean[-1][1], clean).main_page(text, start, end)


def _payload(
    text: str, page: int, page_end: int, starts: object = None, index: int = 1
) -> dict[str, object]:
    payload: dict[str, object] = {
        "doc_id": "d",
        "chunk_index": index,
        "text": text,
        "page": page,
        "page_end": page_end,
    }
    if starts is not None:
        payload["page_starts"] = starts
    return payload


def test_span_across_a_break_maps_to_the_page_with_most_of_its_letters() -> None:
    text = "Short end of page three. " + "Most of this passage sits on page four and goes on. " * 3
    boundary = len("Short end of page three. ")
    pages = read_page_map(_payload(text, 3, 4, [[0, 3], [boundary, 4]]))
    assert pages.pages_of(0, len(text)) == (3, 4)
    assert pages.main_page(text, 0, len(text)) == 4
    # A span inside the first page's words belongs to that page alone.
    assert pages.pages_of(0, 10) == (3, 3)
    assert pages.main_page(text, 0, 10) == 3


def test_mostly_first_page_span_maps_to_the_first_page() -> None:
    text = "A long sentence that stays on page seven for many words. " * 4 + "Then page eight."
    boundary = text.index("Then")
    pages = read_page_map(_payload(text, 7, 8, [[0, 7], [boundary, 8]]))
    assert pages.main_page(text, 0, len(text)) == 7
    assert pages.main_page(text, boundary, len(text)) == 8


def test_old_payload_without_offsets_still_maps_to_a_page() -> None:
    one = read_page_map(_payload("Words on one page.", 5, 5))
    assert one.main_page("Words on one page.", 0, 10) == 5
    assert one.pages_of(0, 10) == (5, 5)
    # The old chunker carried only a short tail of a page forward: most text is on the last page.
    two = read_page_map(_payload("tail words then the next page", 5, 6))
    assert two.main_page("tail words then the next page", 0, 29) == 6
    assert two.pages_of(0, 29) == (5, 6)


def test_bad_offsets_fall_back_to_the_page_range() -> None:
    text = "some words here"
    for bad in ([[3, 1]], [[0, 9]], [[0, 2], [0, 3]], "nonsense", [[0, 2, 1]], [[0, 2], [99, 3]]):
        pages = read_page_map(_payload(text, 2, 3, bad))
        assert pages.starts == ()
        assert pages.pages_of(0, len(text)) == (2, 3)


def test_passage_is_cut_at_sentences_with_ellipses_only_where_text_is_cut() -> None:
    text = "end of an earlier sentence. A whole sentence here. Another whole one. and a fragm"
    cut = cut_at_sentences(text, 0, len(text), starts_clean=False)
    assert text[cut.start : cut.end] == "A whole sentence here. Another whole one."
    assert not cut.cut_before and not cut.cut_after
    run_on = "no boundary anywhere in this long run of words " * 5
    cut = cut_at_sentences(run_on, 0, len(run_on), starts_clean=False)
    assert cut.cut_before and cut.cut_after


def test_a_line_going_on_with_a_small_letter_is_no_sentence_start() -> None:
    # The PDF broke a sentence over two lines; the chunk starts inside its first line.
    text = (
        "such as walking,\ncanoeing, rock climbing and sailing.\n"
        "Interest clubs connect people who share a hobby. They meet weekly in the village"
        " hall, and new members are welcome at any meeting through the year."
    )
    cut = cut_at_sentences(text, 0, len(text), starts_clean=False)
    assert text[cut.start : cut.end].startswith("Interest clubs connect")
    # A list's items marked by letters, and a page's number in roman figures, start sentences.
    for line, start in (
        ("a) Agenda for the council meeting.", "a) Agenda"),
        ("(iv) The fourth reason is cost.", "(iv) The"),
        ("ii Welcome to the strategy for the county.", "ii Welcome"),
        ("o A bullet point set with a letter.", "o A bullet"),
    ):
        listed = f"the end of a line\n{line} More text follows here."
        cut = cut_at_sentences(listed, 0, len(listed), starts_clean=False)
        assert listed[cut.start :].startswith(start), line


def _shown(text: str, clean: bool) -> str:
    """The part of `text` a passage cut at sentences shows."""
    cut = cut_at_sentences(text, 0, len(text), starts_clean=clean)
    return text[cut.start : cut.end]


def test_a_line_ending_mid_sentence_neither_starts_nor_ends_a_passage() -> None:
    # "… rose to\n24% in 2023": a line that ends with a comma or a word that needs more runs
    # on, even when the next line starts with a figure or a capital.
    opening = (
        "the share of households in fuel poverty rose to\n24% in 2023 across the county.\n"
        "Damp and mould were reported in one home in ten. Landlords were asked to act, and"
        " most of them did within the year. Tenants who reported mould were visited by an"
        " officer within a month."
    )
    assert _shown(opening, clean=False).startswith("Damp and mould")
    closing = (
        "Damp and mould were reported in one home in ten across the county, mostly in homes"
        " rented from private landlords. The worst cases were in\nWest Sussex coastal towns"
    )
    assert _shown(closing, clean=True) == closing[: closing.index(" The worst")]
    assert not cut_at_sentences(closing, 0, len(closing), starts_clean=True).cut_after
    # A line that ends a heading or a sentence still breaks one.
    heading = (
        "the end of the last one\nHousing in the county\nDamp was reported in one home in ten."
    )
    assert _shown(heading, clean=False).startswith("Housing in the county")


def test_a_line_broken_inside_a_name_neither_ends_nor_starts_a_passage() -> None:
    # "… the updated Income Deprivation\nAffecting Children Index …": a sentence's first line,
    # in small words mostly, that ends on a capitalised word runs on into the next line.
    closing = (
        "Damp and mould were reported in one home in ten across the county, mostly in homes"
        " rented from private landlords. Tenants who reported mould were visited by an officer"
        " within a month, and most landlords acted within the year. This briefing will provide"
        " a summary of the updated Income Deprivation\nAffecting Children Index (IDACI), one of"
    )
    assert _shown(closing, clean=True).endswith("within the year.")
    opening = (
        "the end of a line. The food environment assessment tool (FEAT) uses Food\n"
        "Standards Agency data to map where food is sold.\nDamp was reported in one home in ten."
    )
    assert _shown(opening, clean=False).startswith("The food environment")
    # A heading that ends on a name, a clause's end, and a line before a source still break.
    for line, after in (
        ("Free school meal eligibility in West Sussex", "In 2023/24, 15.7% were eligible."),
        ("The themes of the Children and Young People Service:", "Recommendations follow."),
        ("The rate of admissions is greater in Brighton and Hove than England", "Source: OHID"),
    ):
        text = f"{line}\n{after}"
        assert breaks_sentence(text, len(line)), line
    assert not breaks_sentence(closing, closing.index("\n"))


def test_a_line_broken_inside_a_place_name_neither_ends_nor_starts_a_passage() -> None:
    # "… in coastal West\nSussex, significantly …": the break sits inside a place the gazetteer
    # names, so it ends no sentence, whatever the words before it.
    text = (
        "Damp and mould were reported in one home in ten across the county, mostly in homes"
        " rented from private landlords.\nOne in five 10-11 year olds were very overweight in"
        " coastal West\nSussex, significantly exceeding non-coastal areas.\n"
        "Physically activity rates highest in Chichester and Mid\nSussex (71.3%), lowest in Arun."
    )
    assert not breaks_sentence(text, text.index("West\n") + len("West"))
    assert not breaks_sentence(text, text.index("Mid\n") + len("Mid"))
    shown = _shown(text[text.index("coastal") :], clean=False)
    assert not shown.lstrip("… ").startswith("Sussex")
    assert breaks_place_name("services in MID", "SUSSEX and beyond")
    # A line ending on a place's first word before a line that is not the rest of it breaks.
    assert not breaks_place_name("Crawley and West", "Worthing saw the largest rise.")
    heading = "Physical activity in West\nThe rate of inactivity rose."
    assert breaks_sentence(heading, heading.index("\n"))


def test_shown_passage_marks_cuts_with_an_ellipsis() -> None:
    text = "words with no end at all and more and more and more words that just keep going"
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 2, 2, [[0, 2]])))
    assert passage.text.startswith(ELLIPSIS) and passage.text.endswith(ELLIPSIS)
    assert passage.page == 2


def test_neighbouring_chunks_shown_together_do_not_overlap() -> None:
    sentences = [f"Sentence number {i} talks about damp homes and cold rooms." for i in range(60)]
    chunks = chunk_pages("d", [" ".join(sentences)], max_words=60, overlap_words=20)
    meta = DocumentMeta(title="t")
    hits = [Hit(str(c.index), 1.0, chunk_payload(c, meta, "f.pdf")) for c in chunks[1:3]]
    first, second = document_passages(hits)
    shown_first = set(first.text.replace(ELLIPSIS, "").split(". "))
    shown_second = set(second.text.replace(ELLIPSIS, "").split(". "))
    assert not {s.strip(" .") for s in shown_first} & {s.strip(" .") for s in shown_second}


def test_chunk_over_a_page_break_links_to_the_page_with_most_words() -> None:
    # Page one ends with a short tail that the chunker carries onto page two.
    page_one = " ".join(f"Alpha{i} word." for i in range(52))
    page_two = " ".join(f"Beta{i} word." for i in range(50))
    chunks = chunk_pages("d", [page_one, page_two], max_words=50, overlap_words=5)
    crossing = [c for c in chunks if c.page_start != c.page_end]
    assert crossing
    for chunk in crossing:
        passage = passage_from_hit(Hit("x", 1.0, chunk_payload(chunk, DocumentMeta("t"), "f")))
        alpha = sum(w.startswith("Alpha") for w in passage.text.split())
        beta = sum(w.startswith("Beta") for w in passage.text.split())
        assert passage.page == (1 if alpha > beta else 2)
        assert main_page_of(passage.page_starts, passage.text, 0, len(passage.text)) == passage.page


def test_a_passage_shown_from_a_later_line_starts_there_and_links_to_its_page() -> None:
    table = "Adur 12.5% 12.5%\nArun 14.1% 13.9%\nCrawley 19.5% 19.5%\nWorthing 20.3% 19.9%\n"
    finding = "Renting rose by three points in every district since the last census.\n"
    text = table * 3 + finding
    at = text.index("Renting")
    hit = Hit("x", 1.0, _payload(text, 4, 5, [[0, 4], [at, 5]]))

    passage = passage_from_hit(hit, start=at)

    assert passage.text == finding.strip()  # a line starts a sentence: no ellipsis before it
    assert (passage.page, passage.page_start, passage.page_end) == (5, 5, 5)
    assert passage_from_hit(hit).page == 4  # the whole chunk is mostly the table on page 4


def test_a_chunk_that_starts_inside_a_sentence_is_shown_from_the_sentences_start() -> None:
    # "… in five adults are physically inactive": the words that matched were in the piece of
    # the sentence the chunk starts with; its lead (stored at ingest) gives back the start.
    text = (
        "in five adults are physically inactive, and over 60% of adults are overweight. "
        "The rate of hospital admissions related to alcohol is significantly lower than the "
        "England average and has been declining in recent years, in every district and among "
        "both men and women, though most of all among the youngest adults in the county."
    )
    payload = _payload(text, 9, 9, [[0, 9]], index=13)
    plain = passage_from_hit(Hit("x", 1.0, payload))
    assert "inactive" not in plain.text  # without a lead the piece is skipped
    lead = "Around one "
    led = Hit("x", 1.0, {**payload, "lead": lead, "lead_page": 8})
    (passage,) = document_passages([led])
    assert passage.text.startswith("Around one in five adults are physically inactive")
    assert (passage.page_start, passage.page_end, passage.page) == (8, 9, 9)
    assert main_page_of(passage.page_starts, passage.text, 0, 10) == 8
    # Every way a passage is shown gives the lead, once.
    assert passage_from_hit(led).text == passage.text
    assert with_lead(with_lead(led)) == with_lead(led)
    # A lead that cannot be one (after the chunk's page, or far too long) is not shown.
    for bad in ({"lead": lead, "lead_page": 10}, {"lead": "x " * 2000, "lead_page": 9}):
        assert document_passages([Hit("x", 1.0, {**payload, **bad})])[0].text == plain.text


def test_page_map_without_starts_uses_first_page_for_offsets() -> None:
    assert PageMap(4, 4).page_at(100) == 4


def test_a_short_tail_left_after_trimming_is_not_shown() -> None:
    body = " ".join(
        f"Sentence number {i} talks about damp homes and cold rooms." for i in range(10)
    )
    chunks = chunk_pages("d", [body + " Then help came."], max_words=60, overlap_words=20)
    meta = DocumentMeta(title="t")
    hits = [Hit(str(c.index), 1.0, chunk_payload(c, meta, "f.pdf")) for c in chunks[-2:]]
    shown = document_passages(hits)
    # The last chunk only adds a few words past its neighbour, so one passage stays, and the
    # words of both are not lost from the earlier one.
    assert len(shown) == 1
    assert shown[0].text.startswith(("Sentence", ELLIPSIS))


def test_a_heading_run_into_a_sentence_is_left_out_of_the_passage() -> None:
    text = (
        "Use the HDRC to evaluate local programmes.\n"
        "Links to other chapters\n"
        "This chapter should be read alongside the chapters on child poverty and housing.\n"
        "Data sources\n"
        "Early years profile results; health visiting data; take-up of funded places."
    )
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 3, 3, [[0, 3]], index=0)))
    lines = passage.text.split("\n")
    assert "Links to other chapters" not in passage.text
    assert "Data sources" not in passage.text
    assert lines == [
        "Use the HDRC to evaluate local programmes.",
        "This chapter should be read alongside the chapters on child poverty and housing.",
        "Early years profile results; health visiting data; take-up of funded places.",
    ]


def test_a_leading_heading_is_dropped_and_the_page_still_follows_the_words() -> None:
    # The heading is the last line of page 4; the sentence under it is on page 5.
    heading = "What the local picture looks like\n"
    text = heading + "Leicestershire's districts differ a great deal in how long people live."
    pages = _payload(text, 4, 5, [[0, 4], [len(heading), 5]], index=0)
    passage = passage_from_hit(Hit("c", 0.5, pages))
    assert passage.text.startswith("Leicestershire's districts differ")
    assert (passage.page, passage.page_start, passage.page_end) == (5, 5, 5)
    assert passage.page_starts == ((0, 5),)


def test_table_rows_and_list_items_are_not_taken_for_headings() -> None:
    text = "Carers assessed by area\nArun 891\nWest Bognor 508\nSource: council records, 2009."
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 1, 1, [[0, 1]], index=0)))
    assert passage.text == text
    items = (
        "Key messages\nRegistering with a GP can be hard\nLetters are hard to read\nTrust matters."
    )
    passage = passage_from_hit(Hit("c", 0.5, _payload(items, 1, 1, [[0, 1]], index=0)))
    assert passage.text == items


def test_page_offsets_stay_right_after_a_heading_in_the_middle_is_dropped() -> None:
    first = "A sentence that sits at the foot of page two and runs on for a while.\n"
    heading = "Housing and health\n"
    rest = "The next page opens with this sentence about cold homes and damp in rented flats."
    text = first + heading + rest
    payload = _payload(text, 2, 3, [[0, 2], [len(first), 3]], index=0)
    passage = passage_from_hit(Hit("c", 0.5, payload))
    assert "Housing and health" not in passage.text
    second_page_at = passage.text.index("The next page")
    assert passage.page_starts == ((0, 2), (second_page_at, 3))
    assert main_page_of(passage.page_starts, passage.text, second_page_at, len(passage.text)) == 3
    assert passage.page == 3  # the second sentence is the longer one


def _over_a_page_foot(first: str, notes: str, body: str, page: int) -> Passage:
    """The first chunk of a document: `first` ends page `page`, the page's foot `notes` follows,
    and `body` opens the next page."""
    text = first + notes + body
    starts = [[0, page], [len(first), page + 1]]
    return passage_from_hit(Hit("c", 0.5, _payload(text, page, page + 1, starts, index=0)))


# A needs audit's page foot ran on from its last sentence ("… detailed in the table below. 12 NHS
# England (2015): Patient Registration … Available at: https://…"); a government analysis sets its
# note numbers as superscripts the text layer runs into the note ("76DEFRA (2020) …").
_NUMBERED_NOTES = (
    "12 NHS England (2015): Patient Registration Standard Operating Principles. "
    "Available at: https://www.example.nhs.uk/registration.pdf\n"
    "13 Addressing the health needs of rough sleepers: Griffiths (2003)\n",
    "76DEFRA (2020) Estimation of changes in air pollution emissions in the UK\n"
    "77Department of Transport (2020) Transport use during the pandemic\n",
)
# A figure that opens a sentence of evidence is not a note's number, even with a year in
# brackets: a lower-case word after it, as sentences write it, or a short name run into it.
_FIGURES_OPENING_EVIDENCE = (
    "12 people slept rough on the night of the count (2019), against 8 the year before.",
    "4G coverage (2021) reached nine in ten rural homes across the county by the autumn.",
)


@pytest.mark.parametrize("notes", _NUMBERED_NOTES)
def test_numbered_footnotes_that_cite_a_source_are_left_out_of_the_passage(notes: str) -> None:
    first = "Respondents were asked which services they use and how often they use them.\n"
    body = "Most respondents were registered with a doctor, but few had seen a dentist in a year."
    passage = _over_a_page_foot(first, notes, body, 40)
    assert passage.text.split("\n") == [first.strip(), body]


@pytest.mark.parametrize("rows", _FIGURES_OPENING_EVIDENCE)
def test_a_figure_opening_a_sentence_of_evidence_is_not_a_note(rows: str) -> None:
    first = "Respondents were asked which services they use and how often they use them.\n"
    kept = passage_from_hit(Hit("c", 0.5, _payload(f"{first}{rows}", 1, 1, [[0, 1]], index=0)))
    assert rows in kept.text


def test_footnotes_and_contact_lines_are_left_out_of_the_passage() -> None:
    """The foot of a JSNA page ran into its evidence: "[23] Office for Students. … [25] Contact
    a.person@… for further details Starting Well … Weight - 20.5% of reception pupils …"."""
    first = "Some areas are in the lowest quintile for going on to higher education [23].\n"
    notes = (
        "[23] Office for Students. POLAR: Participation of Local Areas. 2017. [24] PHOF 2.06i.\n"
        "[25] Contact a.person@westsussex.gov.uk or b.person@westsussex.gov.uk for details\n"
        "Starting Well - HEALTHY LIFESTYLES\n"
    )
    body = "Weight - 20.5% of reception pupils were measured as overweight or obese in 2016/17."
    passage = _over_a_page_foot(first, notes, body, 14)
    assert passage.text.split("\n") == [first.strip(), body]  # the heading after them goes too
    body_at = passage.text.index("Weight")
    assert passage.page_starts == ((0, 14), (body_at, 15))
    # A passage of nothing but notes (a page's foot on its own) is shown as it is.
    foot = "\n".join(notes.splitlines()[:2])
    only = passage_from_hit(Hit("c", 0.5, _payload(foot, 3, 3, [[0, 3]], index=0)))
    assert only.text.removesuffix(" " + ELLIPSIS) == foot  # it ends mid-sentence
    # A sentence that gives an address to write to, with more to say, is evidence.
    long_line = (
        "Residents told us in the survey that they would rather write to the team at "
        "help@council.gov.uk than wait on the telephone for a call back from an adviser."
    )
    kept = passage_from_hit(Hit("c", 0.5, _payload(long_line, 1, 1, [[0, 1]], index=0)))
    assert kept.text == long_line


def _hit(doc_id: str, index: int, matter: str, text: str) -> Hit:
    payload = _payload(text, 1, 1, [[0, 1]], index=index)
    payload.update(doc_id=doc_id, matter=matter)
    return Hit(f"{doc_id}-{index}", 1.0 / (index + 1), payload)


def test_a_cover_passage_is_never_shown_beside_its_documents_body_text() -> None:
    # The cover chunk ranks first, yet the document's body passages are the ones shown.
    hits = [
        _hit("brief", 0, "front", "Travelling Families Health Needs\nLeicestershire | Report"),
        _hit("brief", 3, "body", "Families on roadside sites often have no clean water."),
        _hit("other", 5, "back", "Smith, J. (2020) Sites and health. Journal 1, 2-3."),
        _hit("brief", 1, "front", "Authors: Evidence Team"),
    ]
    groups = group_hits(hits, per_document=3)
    assert list(groups) == ["brief", "other"]  # document order is the ranking's, unchanged
    assert [p.chunk_id for p in groups["brief"]] == ["brief-3"]
    # A document that matched only by its reference list still shows it: exact words are found.
    assert [p.chunk_id for p in groups["other"]] == ["other-5"]


def test_a_paragraph_printed_twice_in_a_document_is_shown_once() -> None:
    same = "Loneliness is a serious risk to health in later life, as serious as smoking."
    hits = [
        Hit("d-9", 0.9, _payload(same, 11, 11, [[0, 11]], index=9)),
        Hit("d-40", 0.8, _payload(same, 62, 62, [[0, 62]], index=40)),
        Hit("d-41", 0.7, _payload("Lunch clubs help older people meet.", 63, 63, [[0, 63]], 41)),
    ]
    shown = document_passages(hits)
    texts = [p.text.strip(" " + ELLIPSIS) for p in shown]
    assert texts == [same, "Lunch clubs help older people meet."]
    assert shown[0].page == 11  # the better-ranked copy stays


@pytest.mark.parametrize(
    "pointer",
    [
        "Robert Whitehead | Public Health and Social Research Unit Further data & information"
        " available from: https://jsna.example.gov.uk/updates/drug-demand-analysis/",
        "Source: https://coronavirus.data.gov.uk/",
        "https://doi.org/10.1016/S0140-6736(17)31869-X.",
        "Reports for 2017 are available at www.gov.uk/government/publications/reports-2017",
    ],
)
def test_a_line_that_only_points_to_a_web_address_is_left_out_of_the_passage(pointer: str) -> None:
    """A briefing's credit and link line, a source line or a bare address between two
    sentences says where to read more, not what the evidence is."""
    first = "Around one in five people in treatment had a housing need when they started.\n"
    body = "Half of them were in temporary accommodation, and a fifth were sleeping rough."
    text = f"{first}{pointer}\n{body}"
    shown = passage_from_hit(Hit("c", 0.5, _payload(text, 1, 1, [[0, 1]], index=0)))
    assert shown.text.split("\n") == [first.strip(), body]


def test_a_link_line_that_ends_the_line_before_it_stays_in_the_passage() -> None:
    """A reference broken before its address ("… Office for Health Improvement and" /
    "Disparities: https://…") keeps its end: left out, the line before would stop short."""
    first = "Around one in five people in treatment had a housing need when they started.\n"
    entry = "Wider determinants of health, Office for Health Improvement and\n"
    tail = "Disparities: https://www.gov.uk/government/statistics/wider-determinants"
    body = "\nHalf of them were in temporary accommodation, and a fifth were sleeping rough."
    text = f"{first}{entry}{tail}{body}"
    shown = passage_from_hit(Hit("c", 0.5, _payload(text, 1, 1, [[0, 1]], index=0)))
    assert tail in shown.text.split("\n")
    alone = f"{first}{tail}{body}"  # after a sentence's end, the same line is left out
    shown = passage_from_hit(Hit("c", 0.5, _payload(alone, 1, 1, [[0, 1]], index=0)))
    assert tail not in shown.text


@pytest.mark.parametrize(
    "line",
    [
        # A sentence before the address: the line holds evidence.
        "Fewer than half of carers knew where to find help. See www.example.org.uk/carers.",
        # Too long to be a pointer alone.
        "Residents who took part in the survey said that the thing they most wanted from the"
        " council was one place online to report damp, and named https://www.example.org.uk",
    ],
)
def test_a_sentence_that_gives_a_web_address_stays_in_the_passage(line: str) -> None:
    first = "Around one in five people in treatment had a housing need when they started.\n"
    body = "Half of them were in temporary accommodation, and a fifth were sleeping rough."
    text = f"{first}{line}\n{body}"
    shown = passage_from_hit(Hit("c", 0.5, _payload(text, 1, 1, [[0, 1]], index=0)))
    assert shown.text.split("\n") == [first.strip(), line, body]


def test_a_passage_of_nothing_but_footnotes_is_shown_after_the_documents_evidence() -> None:
    """A search's words can match a page's footnotes best ("severe mental illness" against
    "112 Source: NICE, Coexisting severe mental illness …"); the document's evidence is shown
    first and the footnotes still after it, as they are a match too."""
    notes = (
        "111 Source: PHE, Better care for people with co-occurring mental health needs (2017)\n"
        "112 Source: NICE, Coexisting severe mental illness and substance misuse (2019)"
    )
    finding = (
        "NICE published quality standards for people aged 14 and over who have coexisting "
        "severe mental illness and substance misuse."
    )
    hits = [_hit("d", 7, "body", notes)._replace(score=0.9), _hit("d", 4, "body", finding)]
    shown = document_passages(hits)  # in the ranking's order: the footnotes matched best
    assert [p.chunk_id for p in shown] == ["d-4", "d-7"]
    # Alone, the footnotes are still shown: the words matched there.
    assert [p.chunk_id for p in document_passages([hits[0]])] == ["d-7"]
    # Evidence ranked first stays first.
    prose = _hit("d", 2, "body", finding.replace("NICE", "The institute"))
    assert [p.chunk_id for p in document_passages([prose, hits[1]])] == ["d-2", "d-4"]


def test_a_footnote_mark_on_a_line_of_its_own_is_not_run_into_the_next_sentence() -> None:
    """ "… substance misuse.’" / "112" / "The four quality statements …" read as "… misuse.’ 112
    The four …"; the mark goes. A figure that goes on a sentence, or stands in a list of
    figures, stays."""
    before = "People aged 14 and over should be asked about coexisting substance misuse.’\n"
    after = "The four quality statements are set out in the standard for commissioners."
    shown = passage_from_hit(Hit("c", 0.5, _payload(f"{before}112\n{after}", 1, 1, [[0, 1]], 0)))
    assert shown.text.split("\n") == [before.strip(), after]
    for kept in (
        f"{before}112\npeople were asked in all, across the seven districts of the county.",
        f"{before}112\n96\n84\n{after}",
    ):
        text = passage_from_hit(Hit("c", 0.5, _payload(kept, 1, 1, [[0, 1]], 0))).text
        assert "112" in text.split("\n")


def test_a_parts_first_and_last_page_are_those_of_its_first_and_last_letter() -> None:
    """`pages_of_part` gives in one reading what three readings of the most-letters rule gave:
    the page holding most of the part, and those holding its first and its last character
    (a space there included), for any part of any page map."""
    rng = random.Random(5)
    for _ in range(400):
        text = "".join(rng.choice("ab  \n.") for _ in range(rng.randint(1, 60)))
        offsets = sorted(rng.sample(range(1, len(text) + 3), k=min(rng.randint(0, 3), len(text))))
        first_page = rng.randint(1, 9)
        starts = [[0 if not offsets or rng.random() < 0.8 else offsets.pop(0), first_page]]
        starts += [[o, first_page + n] for n, o in enumerate(offsets, 1) if o > starts[0][0]]
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text) + 2)
        expected = (
            main_page_of(starts, text, start, end),
            main_page_of(starts, text, start, start + 1),
            main_page_of(starts, text, max(start, end - 1), end),
        )
        assert pages_of_part(starts, text, start, end) == expected, (text, starts, start, end)
    assert pages_of_part([], "text", 0, 4) == (1, 1, 1)


def test_a_passage_shown_again_is_cut_as_before_and_follows_its_text() -> None:
    """Cuts are remembered across searches by the text they were made from, never by chunk id:
    a chunk corrected in place is cut afresh."""
    before = "in winter. Damp homes harm children. Mould spores make asthma worse and"
    after = "in winter. Damp homes harm children. Mould spores make asthma worse in winter."

    def cut_afresh(hit: Hit) -> str:
        cut = cut_at_sentences(hit.text, 0, len(hit.text), starts_clean=False)
        return show_span(hit.text, read_page_map(hit.payload), cut).text

    first = passage_from_hit(_hit("d", 1, "body", before))
    assert first.text == cut_afresh(_hit("d", 1, "body", before))
    assert passage_from_hit(_hit("d", 1, "body", before)) == first
    corrected = passage_from_hit(_hit("d", 1, "body", after))
    assert corrected.text == cut_afresh(_hit("d", 1, "body", after)) != first.text
    assert document_passages([_hit("d", 1, "body", after)]) == [corrected]


def test_a_tables_column_headings_are_left_out_of_the_sentence_under_them() -> None:
    """A risk register repeats its column headings, a word to a line, atop each page; the
    sentence in the row's first cell was shown as "Estimated Annual Financial Exposure …
    Market Sustainability The long term impact …"."""
    headings = (
        "Estimated\nAnnual\nFinancial\nExposure\nEstimated\nLifetime\nFinancial\nExposure\n"
        "Significant Risks (over £10m) ASCH /\nCYPE\nMarket\nSustainability\n"
    )
    sentence = "The long term impact of the pandemic is still felt across the care market."
    passage = passage_from_hit(Hit("c", 0.5, _payload(headings + sentence, 2, 2, [[0, 2]], 0)))
    assert passage.text == sentence


def test_a_row_label_on_its_sentences_line_is_left_out_when_a_figure_follows_the_opener() -> None:
    """A risk register's row label laid out on the line of the sentence in its next cell was
    quoted as "Insecure funding The 2025-26 core budget …"; the sentence's opener is followed by
    a figure, not a small word."""
    sentence = "The 2025-26 core budget includes £12.75m from insecure funding (company dividends)."
    text = f"Significant Risks (over £10m)\nInsecure funding {sentence}\nPreviously it was not."
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 4, 4, [[0, 4]], 0)))
    assert passage.text.split("\n")[0] == sentence
    # A sentence that names a year after "in" keeps all its words.
    prose = "Funding was agreed in The 2025 Plan for the county's schools."
    shown = passage_from_hit(Hit("c", 0.5, _payload(prose, 4, 4, [[0, 4]], 0)))
    assert shown.text == prose


def test_a_long_run_of_column_headings_is_read_once() -> None:
    # Junk or a hostile file can set thousands of one-word headings above a sentence: each
    # line's run of them was read again from that line (16 s for 2,000 lines, minutes for
    # this); worked out once from the end, and the sentence still shows alone.
    sentence = "The long term impact of the change is large and we will act on it."
    text = "Estimated\n" * 20_000 + sentence
    spans = kept_lines(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == [sentence]


@pytest.mark.parametrize(
    "apparatus",
    [
        "Figure 1 Percentage of households by tenure, West Sussex and England. Census 2021.\n",
        "Source: DCLG, “An estimate of the number of people sleeping rough on one night.”\n",
        "Figure 3 Rates by district\nSource: ONS, 2021\n",
    ],
)
def test_a_caption_or_source_line_between_sentences_is_left_out_of_the_passage(
    apparatus: str,
) -> None:
    """A housing briefing's quote read "… or lived ‘rent free’. Figure 1 Percentage of
    households by tenure … Census 2021. There was variation …"; a needs audit's passage
    opened on the source line of the chart before it."""
    first = "Of those who rented their home, 12.7% socially rented or lived ‘rent free’.\n"
    after = "There was variation in housing tenure across the districts of the county."
    text = first + apparatus + after
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 3, 3, [[0, 3]], index=0)))
    assert passage.text.split("\n") == [first.strip(), after]
    opening = passage_from_hit(Hit("c", 0.5, _payload(apparatus + after, 9, 9, [[0, 9]], 0)))
    assert opening.text == after


def test_a_caption_that_goes_with_its_tables_rows_stays_in_the_passage() -> None:
    text = (
        "Rates fell in every district last year.\n"
        "Table 2: Local authority site provision\nArun 12\nAdur 4\nSource: council records."
    )
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 1, 1, [[0, 1]], index=0)))
    assert passage.text == text


def test_a_caption_run_on_from_a_sentences_end_is_left_out_of_the_passage() -> None:
    """A deaths review's text layer ran a figure's caption onto the line of the sentence that
    points to it: "… were in move-on accommodation (figure 3). Figure 3. Housing status at time
    of death by age-band." / "Most deaths …"."""
    first = "Most individuals aged 65 years and older were in move-on accommodation (figure 3)."
    after = "Most deaths were recorded in the winter months, when hostels were at their fullest."
    text = f"{first} Figure 3. Housing status at time of death by age-band.\n{after}"
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 16, 16, [[0, 16]], index=0)))
    assert passage.text.split("\n") == [first, after]
    # A caption after a line that runs on into it is the sentence's own words.
    pointing = "The rates are set out by district, as shown in\nFigure 9 Deprivation by district\n"
    kept = passage_from_hit(Hit("c", 0.5, _payload(pointing + after, 1, 1, [[0, 1]], 0)))
    assert "Figure 9" in kept.text


def test_a_caption_after_a_charts_labels_is_left_out_before_a_sentence() -> None:
    text = (
        "Only 33,350 people live in quintile 1, against 280,000 in quintile 5\n"
        "Figure 9 Deprivation quintile in West Sussex\nSource: MHCLG\n"
        "Nationally and locally, coastal communities live with poorer health than others."
    )
    passage = passage_from_hit(Hit("c", 0.5, _payload(text, 35, 35, [[0, 35]], index=0)))
    assert "Figure 9" not in passage.text and "MHCLG" not in passage.text
