"""Front and back matter (cover, contents, authors, about-this, references) are told apart from
the body at ingest, and summary sentences never have a heading run into them."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from ingest.chunking import chunk_pages
from ingest.matter import BACK, BODY, FRONT, read_lines
from ingest.pdf import read_pdf
from search.evidence.summary import opens_on_earlier, summarise
from search.retrieval.sentences import BULLETS
from search.schema import DocumentMeta, IndexedChunk, chunk_payload
from tests.pdfs import write_lined_pdf
from web.views import page_previews

PROSE = (
    "Cold homes in older private lets make asthma and chest infections worse for children.",
    "The people most affected by damp homes are often the least able to move somewhere else.",
    "District teams and health visitors work together to find cold homes before harm is done.",
)
HEADINGS = ("Summary", "What the local picture looks like", "Why warm homes matter for health")

PAGES: list[list[str]] = [
    [
        "Warm and Dry Homes in Leicestershire",
        "Leicestershire HDRC | Briefing | 2025",
        "Authors: Jane Smith; Public Health Evidence Team",
        "About this brief",
        "This brief was written to test the evidence finder and is not an official publication of",
        "the council or its partners; the numbers in it are made up and should not be quoted.",
        "Summary",
        *PROSE,
    ],
    [
        "Contents",
        "Summary ........................................ 1",
        "What the local picture looks like ............... 3",
        "Why warm homes matter for health ................ 4",
        "References ..................................... 5",
    ],
    ["What the local picture looks like", *PROSE, *PROSE],
    ["Why warm homes matter for health", *PROSE, *PROSE],
    [
        "References",
        "Smith, J. (2020) Cold homes and health. Journal of Housing 12, 1-10.",
        "Jones, A. et al. (2019) Damp and asthma in children. https://doi.org/10.1000/x1",
        "Public Health England (2014) Minimum home temperature. Available at: https://gov.uk",
        "Brown, K. (2021) Fuel poverty in rural areas. Energy Policy 3, 44-50.",
        "Green, L. et al. (2018) Housing and health. Lancet 391, 100-110.",
        "Marmot, M. (2010) Fair society, healthy lives. London: UCL. Accessed 1 May 2024.",
    ],
]


def _write(path: Path, pages: list[list[str]]) -> Path:
    return write_lined_pdf(path, pages)


@pytest.fixture(scope="module")
def brief_pages(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    path = _write(tmp_path_factory.mktemp("matter") / "brief.pdf", PAGES)
    return read_pdf(path).pages


def _matter_of(chunks: list, words: str) -> set[str]:  # type: ignore[type-arg]
    found = {c.matter for c in chunks if words in " ".join(c.text.split())}
    assert found, f"no chunk holds {words!r}"
    return found


def test_cover_authors_and_about_this_brief_are_front_matter(brief_pages: list[str]) -> None:
    chunks = chunk_pages("d", brief_pages, max_words=60, overlap_words=10)
    assert _matter_of(chunks, "Authors: Jane Smith") == {"front"}
    assert _matter_of(chunks, "should not be quoted") == {"front"}
    assert _matter_of(chunks, "Warm and Dry Homes in Leicestershire") == {"front"}


def test_contents_page_is_front_matter(brief_pages: list[str]) -> None:
    chunks = chunk_pages("d", brief_pages, max_words=60, overlap_words=10)
    assert {c.matter for c in chunks if c.page_start == 2} == {"front"}


def test_reference_list_is_back_matter(brief_pages: list[str]) -> None:
    chunks = chunk_pages("d", brief_pages, max_words=60, overlap_words=10)
    assert _matter_of(chunks, "Fair society, healthy lives") == {"back"}
    assert _matter_of(chunks, "Cold homes and health. Journal") == {"back"}


def test_body_text_stays_body(brief_pages: list[str]) -> None:
    chunks = chunk_pages("d", brief_pages, max_words=60, overlap_words=10)
    assert {c.matter for c in chunks if c.page_start in (3, 4)} == {"body"}
    assert "body" in _matter_of(chunks, "Cold homes in older private lets")


def test_summary_sentences_never_start_with_a_heading(brief_pages: list[str]) -> None:
    chunks = chunk_pages("d", brief_pages, max_words=60, overlap_words=10)
    rng = np.random.default_rng(7)
    indexed = [
        IndexedChunk(
            str(c.index),
            rng.normal(size=8).tolist(),
            ({}, {}),
            chunk_payload(c, DocumentMeta("t"), "f"),
        )  # type: ignore[arg-type]
        for c in chunks
    ]
    sentences = summarise(indexed, sentences=6)
    assert sentences
    for sentence in sentences:
        assert not sentence.text.startswith(HEADINGS), sentence.text
        assert not any(h in sentence.text for h in HEADINGS[1:]), sentence.text


def test_headings_end_a_block_in_chunk_text(brief_pages: list[str]) -> None:
    chunks = chunk_pages("d", brief_pages, max_words=400, overlap_words=10)
    page_three = next(c for c in chunks if c.page_start == 3)
    assert page_three.text.startswith("What the local picture looks like\nCold homes")


def test_summary_never_quotes_a_sentence_from_its_middle() -> None:
    text = "Abstract This\nqualitative study looked at how shelters restrict people who use them."
    chunk = IndexedChunk("c", [1.0, 0.0], ({}, {}), {"text": text, "page": 1, "chunk_index": 0})  # type: ignore[arg-type]
    assert summarise([chunk]) == []


BRIEFS = Path(__file__).resolve().parents[2] / "corpus" / "briefs"


@pytest.fixture(scope="module")
def rendered_briefs(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The bundled briefs as the demo ingests them: rendered from Markdown with their
    manifest's byline ("… | Report | 2026") and author line on the cover."""
    from corpus.tooling.briefs import render_briefs

    folder = tmp_path_factory.mktemp("briefs")
    for source in [*BRIEFS.glob("*.md"), BRIEFS / "manifest.csv"]:
        shutil.copy2(source, folder / source.name)
    return render_briefs(folder)


def test_every_bundled_briefs_cover_block_is_front_matter(rendered_briefs: list[Path]) -> None:
    assert len(rendered_briefs) >= 10
    for path in rendered_briefs:
        first_page = read_lines(read_pdf(path).pages)[0]
        byline = next(x for x in first_page if " | " in x.text)
        cover = first_page[: first_page.index(byline) + 1]
        assert {x.matter for x in cover} == {FRONT}, (path.name, cover)
        opener = next(x for x in first_page if x.text in ("Summary", "Purpose of the report"))
        assert opener.matter == BODY, path.name
        after = first_page[first_page.index(opener) :]
        assert {x.matter for x in after} == {BODY}, path.name


def test_a_long_byline_and_author_line_do_not_pass_for_running_prose() -> None:
    # The byline and author line are each as long as the prose lines: only their words
    # (names, "|") show they are not prose.
    page = [
        "Health Needs of Travelling Families",
        "Leicestershire HDRC and NHS partners (illustrative) | Report | 2026",
        "Authors: HDRC Evidence Team; Inclusion Health Working Group; Engagement Partners",
        "Families living on roadside sites often have no water, sanitation or waste",
        "collection, and they may be moved on repeatedly by the police and councils.",
    ]
    lines = read_lines(
        [
            "\n".join(page),
            "The second page of the report has running text that goes on and on here.",
        ]
    )[0]
    assert [x.matter for x in lines] == [FRONT, FRONT, FRONT, BODY, BODY]


def test_a_summary_label_with_a_colon_ends_a_council_reports_cover_block() -> None:
    page = [
        "From: Roger Smith, Leader of the Council",
        "To: County Council - 9th January 2025",
        "Subject: English Devolution White Paper",
        "Summary:",
        "The publication of the English Devolution White Paper on 16 December 2024",
        "provides a definitive policy position from Government in regards to both devolution",
    ]
    lines = read_lines(["\n".join(page), "More text on the next page of the report goes here."])[0]
    assert [x.matter for x in lines[:3]] == [FRONT] * 3
    assert {x.matter for x in lines[3:]} == {BODY}


def test_the_end_of_a_contents_list_at_the_top_of_page_two_is_front_matter() -> None:
    intro = (
        "Much like many other large cities, the county faces a homelessness crisis that\n"
        "seems to grow every year, and shelters are full most nights of the week and the\n"
        "month, so the council has asked for more money to open new beds for the winter.\n"
        "This paper compares how full the shelters were across the months of the year."
    )
    pages = [
        "A study of shelter use\nContents\n1 Introduction . . . . . . . . 2\nA.1 Data . . . . . 9",
        "A.2 Data licence . . . . . . . . . . 10\nA.3 Data cleaning . . . . . . . . . . 10\n"
        f"References 11\n1 Introduction\n{intro}",
        "More body text on the third page about shelters, funding and people sleeping rough.",
    ]
    page_two = read_lines(pages)[1]
    assert [x.matter for x in page_two[:3]] == [FRONT] * 3
    assert {x.matter for x in page_two[3:]} == {BODY}


def test_summary_leaves_out_sentences_with_web_addresses() -> None:
    text = (
        "Veterans with mental health needs are helped by the third sector and the NHS together.\n"
        "Management of Mental Health in Veterans: the role of Combat Stress, see "
        "http://www.example.org/veterans.pdf for the whole of the report."
    )
    chunk = IndexedChunk("c", [1.0, 0.0], ({}, {}), {"text": text, "page": 1, "chunk_index": 0})  # type: ignore[arg-type]
    sentences = [s.text for s in summarise([chunk], sentences=4)]
    assert sentences == [text.splitlines()[0]]


def test_summary_leaves_out_a_table_row_read_as_a_sentence() -> None:
    """Three or more figures in a row are a table read across ("194.5 79.2 101"), however many
    words sit around them; a sentence with figures here and there stays."""
    table = (
        "Emergency hospital admissions for cardiovascular and respiratory diseases were "
        "194.5 79.2 101 per hundred thousand residents of Crawley."
    )
    prose = (
        "Emergency hospital admissions for falls rose by 12% in 2022/23 among older people "
        "living alone in Crawley."
    )
    chunk = IndexedChunk(  # type: ignore[arg-type]
        "c", [1.0, 0.0], ({}, {}), {"text": f"{table}\n{prose}", "page": 1, "chunk_index": 0}
    )
    assert [s.text for s in summarise([chunk], sentences=4)] == [prose]


def _summary_of(text: str, index: int = 0) -> list[str]:
    payload = {"text": text, "page": 1, "chunk_index": index}
    chunk = IndexedChunk("c", [1.0, 0.0], ({}, {}), payload)  # type: ignore[arg-type]
    return [s.text for s in summarise([chunk], sentences=4)]


def test_summary_never_opens_with_the_end_of_a_sentence_the_chunk_before_began() -> None:
    # A later chunk's window can start inside a sentence ("Life | Expectancy has improved …").
    rest = (
        "Expectancy has improved for men and women in the district over the last fifteen years, "
        "more than in any other district of the county since the survey began."
    )
    whole = "For men, life expectancy rose to 80.5 years in 2017."
    assert _summary_of(f"{rest} {whole}", index=3) == [whole]
    assert _summary_of(rest, index=0) == [rest]  # a document's first words start a sentence
    # Where the chunk before is at hand, the words the two share say where this one starts.
    shared = rest.split()[:6]
    for before, starts in (("in 2001. Life", False), ("in 2001.", True)):
        earlier = f"The district has grown older since {before} {' '.join(shared)}"
        chunks = [
            IndexedChunk(str(i), vector, ({}, {}), {"text": t, "page": i + 1, "chunk_index": i})  # type: ignore[arg-type]
            for i, (t, vector) in enumerate(
                [(earlier, [0.0, 1.0]), (f"{rest} {whole}", [1.0, 0.0])]
            )
        ]
        got = [x.text for x in summarise(chunks, sentences=4) if x.page == 2]
        assert got == ([rest] if starts else [whole]), before


def _assert_summary_takes(prose: str, left_out: tuple[str, ...], kept: tuple[str, ...]) -> None:
    """Each of `left_out`, before `prose`, gives way to it; each of `kept` is a summary alone."""
    for other in left_out:
        assert _summary_of(f"{other}\n{prose}") == [prose], other
    for own in kept:
        assert _summary_of(own) == [own], own


def test_summary_leaves_out_a_caption_run_into_a_sentence_and_a_question() -> None:
    _assert_summary_takes(
        "Households in the coastal towns were most often deprived on two or more dimensions.",
        left_out=(
            "Households deprived in health dimensions in West Sussex by MSOAs Figure 5 "
            "Deprivation proportion by small area.",
            "What causes ill health and premature deaths among people living in West Sussex?",
        ),
        # A figure the sentence itself points to is its own.
        kept=(
            "Households deprived in housing were mostly in Crawley and the coast (figure 6).",
            "The pattern shown in Figure 4 holds for every district of the county and its towns.",
        ),
    )


def test_summary_leaves_out_a_charts_legend_read_as_a_sentence() -> None:
    _assert_summary_takes(
        "GP consultations for asthma in children continued to increase during week 38.",
        left_out=(
            "Under 1 Year 1 to 4 5 to 14 15 to 44 45 to 64 65 to 74 75 plus All ages 10a: Asthma "
            "by age rate by week per England).",
            "7a: Gastroenteritis by age rate by week per England, all ages and all districts.",
            "Influenza-like illness PHE Centre (all age) MEM heat map rate by week per England).",
            "England, based on a denominator population of approximately 5.5 million patients).",
        ),
        # A ratio in a sentence is not a chart's label, nor is the document's own numbering.
        kept=(
            "Staff to pupil ratios of 1:8 were kept in every nursery visited in the county.",
            "Recommendation 2: Focus on the supply factors affecting the digital workforce.",
        ),
    )


def test_summary_leaves_out_a_figure_that_goes_on_from_the_line_before() -> None:
    text = (
        "There were further increases in GP consultations for asthma during week\n"
        "40 (figure 10), and in particular in adults aged 45 to 64 years across England.\n"
        "Key facts\n"
        "46 people were placed in temporary accommodation by the council last winter."
    )
    assert _summary_of(text) == [
        "46 people were placed in temporary accommodation by the council last winter."
    ]


def test_summary_leaves_out_a_sentence_begun_on_the_line_before() -> None:
    # The line before runs on, or is a sentence's first line broken inside a name.
    begun = {
        "Small areas shown in dark blue represent areas of": (
            "West Sussex that fall among the 20% of areas in England with the highest need."
        ),
        "This briefing will provide a summary of the updated Income Deprivation": (
            "Affecting Children Index (IDACI), one of the indices published alongside the rest."
        ),
        "The food environment assessment tool (FEAT) uses Food": (
            "Standards Agency (FSA) food hygiene rating data to map the places selling food."
        ),
    }
    for line, rest in begun.items():
        assert _summary_of(f"{line}\n{rest}") == [], rest
    # A heading that ends on a name, one broken over two lines, and a bullet's item each start
    # what follows them.
    started = {
        "Free school meal eligibility in West Sussex": (
            "In 2023/24 academic year, 15.7% of pupils in West Sussex were known to be eligible."
        ),
        "Economic and sectoral impacts, including up to the\nNovember restrictions": (
            "COVID-19 and the restrictions needed to contain it have had a significant impact."
        ),
        "The themes that emerged from the interviews: • Empowerment and Confidence Building": (
            "Participants reported feeling empowered by being trusted to lead projects and funds."
        ),
    }
    for line, own in started.items():
        assert _summary_of(f"{line}\n{own}") == [own], own


def test_summary_leaves_out_the_title_of_a_work_it_cites() -> None:
    cited = (
        "56 Hotopf M, Hull O, Fear NT, Browne T, Horn O et al. The health of UK military "
        "personnel who deployed to the 2003 Iraq war: a cohort study. "
        "31 Fear N, Iversen A, Meltzer H. Patterns of drinking in the UK Armed Forces were "
        "studied over several years. "
        "55 Royal British Legion. Profile and Needs of the Ex-Service Community in England, "
        "2005 to 2020."
    )
    assert _summary_of(cited) == []
    # The same sentences in the document's own words are its findings.
    own = "The health of UK military personnel who deployed to the 2003 Iraq war was studied."
    assert _summary_of(f"Veterans were followed up. {own}") == [own]


def test_summary_leaves_out_a_sentence_that_leans_on_the_one_before() -> None:
    _assert_summary_takes(
        "Outright ownership was the most common tenure among households in West Sussex.",
        left_out=(
            "This was higher than the South East (13.6%) and England (17.1%) in both census years.",
            "However, they also felt that this should not stop GP records being used for research.",
            "23%) and those who are satisfied with their neighbourhood overall were most positive.",
        ),
        # A document that says what it is, or sums up, stands on its own.
        kept=(
            "This is a data profile of the health and wellbeing of the population of the county.",
            "Overall, bioenergy generation fell by 4.9 per cent to 34.1 TWh, the lowest since "
            "2017.",
        ),
    )


@pytest.mark.parametrize(
    "sentence",
    [
        "Generally, the distribution of these health issues was in line with the national figures.",
        "These small areas fall within Arun (5 LSOAs) and Crawley (1 LSOA).",
        "This left a final sample of 4,986 respondents and 13,096 worries.",
        "It will also explain what the key findings are for the county as a whole.",
        "In addition, the Government will roll out rapid testing to front-line staff.",
        "As a result public spending will settle at around 44% of GDP by 2029-30.",
        "In this proposal, Davis suggested that three factors explain users' motivation.",
        "Any response taken by Government, therefore, should balance the complex impacts.",
        "But children eligible for free school meals are less likely to reach the level.",
        "A further 129 (2%) of respondents did not give any concern or worry at all.",
        # An "also" adding to something said, an example's marker set off early, a referring
        # "the latter" or "other", and "this" opening the main clause after a clause before it.
        "The report also describes how to harness solutions to complex public health problems.",
        "We have also supported GP practices in north central London to provide digital access.",
        "13% also commented that Millmead is a safe, warm, secure and welcoming environment.",
        "When, for example, health issues are reported, this is as identified in case notes.",
        "Crawley, in particular, has a younger age profile than the rest of the county.",
        "Working together across the council and beyond, this approach has enabled leaders to act.",
        "The latter two years of the plan are still indicative, in the absence of settlements.",
        "Other research suggests that a higher BMI is associated with higher unemployment.",
    ],
)
def test_a_sentence_that_opens_on_an_earlier_one_is_known(sentence: str) -> None:
    assert opens_on_earlier(sentence)


@pytest.mark.parametrize(
    "sentence",
    [
        "This briefing looks at levels of physical activity across West Sussex.",
        "This annual report on zoonoses includes cases reported during 2017.",
        "This is a data profile of the health and wellbeing of the population.",
        "This COVID-19 Winter Plan ensures the national restrictions can be lifted.",
        "In this report we set out the council's plans for the next three years.",
        "This year, 45% of residents said they felt safe after dark in their area.",
        "It is estimated that 5% of adults in the county care for a relative.",
        "Those aged 65 and over are more likely to live alone than younger adults.",
        "That the committee supports a single referral route for warm home advice.",
        "Overall, the county remains one of the least deprived areas in the country.",
        "The Indices of Deprivation measure relative deprivation in small areas.",
        "Service restrictions, also known as service bans, are widely used in shelter systems.",
        "West Sussex, overall, is a relatively affluent county with pockets of deprivation.",
        "To achieve our vision, this Strategy builds on existing work across the county.",
        "The same-day emergency care unit at the hospital opened to patients in 2023.",
    ],
)
def test_a_sentence_that_stands_alone_is_known(sentence: str) -> None:
    assert not opens_on_earlier(sentence)


def _summary_of_chunks(*texts: str) -> list[str]:
    chunks = [
        IndexedChunk(str(i), [1.0, 0.0], ({}, {}), {"text": text, "page": i + 1, "chunk_index": i})  # type: ignore[arg-type]
        for i, text in enumerate(texts)
    ]
    return [s.text for s in summarise(chunks, sentences=4)]


def test_summary_leaves_out_a_sentence_that_trails_off_or_runs_two_boxes_together() -> None:
    _assert_summary_takes(
        "Most of the people who died had several long-term health conditions at once.",
        left_out=(
            "Amongst this group of people who died whilst experiencing homelessness...",
            "4,500 people aged 65 and over lived alone and at greater risk of loneliness., At "
            "the time of the 2011 Census.",
        ),
        kept=("The survey was run in 2014, and 2,110 people aged 65 and over answered it.",),
    )


def test_a_summary_opens_on_a_sentence_that_stands_alone() -> None:
    """A summary opened "Generally, the distribution of these …": a sentence read alone."""
    leaning = (
        "In addition, rapid testing of care home staff will reach every care home this winter."
    )
    alone = "The council renewed its winter plan for the care homes of the county in the spring."
    later = "Rapid testing of care home staff began in the autumn and covered most care homes."
    assert _summary_of_chunks(f"{leaning} {alone}", later) == [alone, later]
    # Later in a summary a sentence may go on from another.
    assert _summary_of_chunks(alone, leaning) == [alone, leaning]
    # A document with no sentence that stands alone keeps the one it has.
    assert _summary_of_chunks(leaning) == [leaning]


def test_summary_leaves_out_a_sentence_opened_by_a_footnote_or_a_table_rows_number() -> None:
    _assert_summary_takes(
        "Outright ownership was the most common tenure among households in West Sussex.",
        left_out=(
            "46 Set against a counterfactual of rising cases, the impact of the tiers is unclear.",
            "36 Efficiency CED Consultants We will reduce the amount we spend on consultants.",
        ),
        # A count that opens a sentence is the sentence's own.
        kept=("46 people were placed in temporary accommodation by the council last winter.",),
    )


def test_summary_never_quotes_a_sentence_the_document_repeats_twice() -> None:
    # A report that states its finding in its summary and again in its conclusion.
    finding = "The programme allowed for co-produced projects which met the partnership's aims."
    other = "Participants reported feeling empowered by being trusted to lead projects and funds."
    chunks = [
        IndexedChunk(str(i), vector, ({}, {}), {"text": t, "page": page, "chunk_index": i})  # type: ignore[arg-type]
        for i, (t, page, vector) in enumerate(
            [(finding, 7, [1.0, 0.0]), (f"{finding}\n{other}", 38, [0.9, 0.1])]
        )
    ]
    assert [s.text for s in summarise(chunks, sentences=4)] == [finding, other]
    # Nor a sentence that only introduces a list, with the list's first number run into it.
    _assert_summary_takes(
        "Outright ownership was the most common tenure among households in West Sussex.",
        left_out=("The evaluation criteria led to the results in Section 4, which show: 1.",),
        kept=(),
    )


def test_summary_sentences_lose_their_paragraph_numbers_and_split_at_bullets() -> None:
    numbered = "1.2 The plan sets out the principles by which the council decides its proposals."
    assert _summary_of(numbered) == [numbered[4:]]
    # A number the text layer ran into the first word goes too; a figure's decimals stay.
    for glued in ("1.2The", "10.The"):
        assert _summary_of(glued + numbered[7:]) == [numbered[4:]]
    # A spaced number goes before any capital, a one-letter word too, as it always did.
    spaced = "1.2 A plan sets out the principles by which the council decides its proposals."
    assert _summary_of(spaced) == [spaced[4:]]
    figure = "3.5 million people in the county were registered with a practice in the year."
    assert _summary_of(figure) == [figure]
    # Every list mark splits, filled or hollow, round or square (one list of marks for all).
    for mark in BULLETS:
        bullets = (
            f"Key findings: {mark} Most residents aged 65 to 85 are expected to stay independent "
            f"in 2035. {mark} The number of people with dementia and two other conditions will "
            "rise by a third."
        )
        assert _summary_of(bullets) in (
            ["Most residents aged 65 to 85 are expected to stay independent in 2035."],
            ["The number of people with dementia and two other conditions will rise by a third."],
        ), mark


def test_chunks_drop_the_same_repeated_lines_as_the_page_previews() -> None:
    # Roman page numbers and a header in the middle of the text: the page previews drop both
    # (search.pagetext), so the chunker must too: one running-line rule for both.
    numerals = ["ii", "iii", "iv", "v"]
    bodies = [*PROSE, "The last page says something else entirely about warm homes."]
    pages = [
        "\n".join([body, numeral, "Warm Homes Briefing 2025"])
        for body, numeral in zip(bodies, numerals, strict=True)
    ]
    kept = [line.text for page in read_lines(pages) for line in page]
    assert kept == bodies
    assert page_previews(pages, count=4) == [" ".join(b.split()[:4]) + " …" for b in bodies]


def test_a_paragraph_of_thanks_with_no_heading_is_back_matter() -> None:
    body = [
        "The programme reached families in every district, and most said the activities",
        "helped their children make friends and stay active over the summer holidays.",
        "Some activities were hard to reach without a car, and parents asked for more",
        "of them in the villages.",  # a paragraph's short last line ends it
    ]
    thanks = [
        "We would also like to thank the Family Information Service and the family hubs",
        "for the data this review drew on.",
    ]
    after = [
        "Appendix A shows the activities by district, with the number of places offered",
        "and the number taken up by children who receive free school meals.",
    ]
    # Earlier pages of their own (a line repeated on half the pages is a running header).
    pages = [
        f"Page {n} of the evaluation describes the activities offered in {place}."
        for n, place in ((1, "Adur"), (2, "Arun"))
    ]
    pages.append("\n".join(body + thanks + after))
    last = read_lines(pages)[2]
    matters = [x.matter for x in last]
    assert matters[:4] == [BODY] * 4
    assert matters[4:6] == [BACK, BACK]
    assert matters[6:] == [BODY, BODY]


def test_thanks_inside_a_sentence_or_mid_paragraph_stay_body() -> None:
    page = [
        "Residents told us that the new bus route made it easier to reach the surgery,",
        "and we would like to thank the drivers is not how this line opens a paragraph.",
        "Most people who used it were over 75, and many of them reached their flu jab",
        "in good time.",  # a short last line: the next line opens a paragraph
        "Thanks to the new route, more people over 75 reached their flu jab in time, and",
        "the practice saw fewer missed appointments over the winter than the year before.",
    ]
    lines = read_lines(["\n".join(page), "A second page of running text about buses and GPs."])[0]
    assert lines[3].ends_block and lines[4].text.startswith("Thanks to")  # it opens a paragraph
    assert {x.matter for x in lines} == {BODY}


_PLACES = ("Melton", "Blaby", "Charnwood", "Harborough", "Oadby", "Hinckley", "Rutland")


def _body_pages(count: int) -> list[str]:
    """Pages of running prose, no line repeated (a line on half the pages is a running header)."""
    return [
        "\n".join(f"{line[:-1]} in {place}, as the {n + 1}th survey found." for line in PROSE)
        for n, place in enumerate(_PLACES[:count])
    ]


def test_a_short_back_cover_naming_its_maker_is_back_matter() -> None:
    for back in (
        "This report was produced for Kent County Council",
        "jsna.westsussex.gov.uk",
        "© Crown copyright 2020\nPublished to GOV.UK in pdf format only.\nwww.gov.uk/dhsc",
    ):
        pages = read_lines([*_body_pages(3), back])
        assert {x.matter for x in pages[-1]} == {BACK}, back
        assert {x.matter for page in pages[:-1] for x in page} == {BODY}


def test_a_short_last_page_of_findings_or_a_caption_stays_body() -> None:
    # A caption (its chart is a picture), and a closing paragraph that names a web address.
    caption = "Figure 6: Rural urban classification 2021 of lower super output areas"
    closing = (
        "Landlords who fix damp before winter save the health service far more than it costs.\n"
        "The partnership will report on the first year of inspections to the board next spring.\n"
        "Read more on the council's website, www.example.gov.uk."
    )
    for last in (caption, closing):
        assert {x.matter for x in read_lines([*_body_pages(3), last])[-1]} == {BODY}, last
    # A document of two pages has no back cover: its last page is half of it.
    assert {x.matter for x in read_lines([*_body_pages(1), caption])[-1]} == {BODY}


def test_a_page_left_blank_on_purpose_is_not_body() -> None:
    pages = read_lines([*_body_pages(3), "This page is intentionally left blank", *_body_pages(3)])
    assert {x.matter for x in pages[3]} == {BACK}
    assert {x.matter for x in pages[4]} == {BODY}


def test_a_contents_slide_past_the_front_of_a_deck_is_not_body() -> None:
    contents = "\n".join(
        [
            "Summary Contents 2",
            "Section Slide Contents",
            "Main causes of ill health, life expectancy and inequalities",
            "Key risk factors for main causes of death",
        ]
    )
    # Page 7 of 14: past the first pages, where contents were looked for, in the first half.
    pages = read_lines([*_body_pages(6), contents, *_body_pages(7)])
    assert {x.matter for x in pages[6]} == {FRONT}
    assert {x.matter for page in pages[:6] + pages[7:] for x in page} == {BODY}
    # A page that only mentions contents in its first lines is body.
    mentions = read_lines([*_body_pages(7), "The contents of the food parcels\n" + PROSE[0]])
    assert {x.matter for x in mentions[7]} == {BODY}


def _one_chunk(*lines: str) -> str:
    """The text of the one chunk a page of these lines makes."""
    (chunk,) = chunk_pages("d", ["\n".join(lines)], max_words=400, overlap_words=10)
    return chunk.text


def _headings(*lines: str) -> list[bool]:
    """Which of a page's lines are read as headings."""
    return [x.is_heading for x in read_lines(["\n".join(lines)])[0]]


def test_a_heading_wrapped_onto_a_second_line_ends_its_block_after_both_lines() -> None:
    # Interview findings in a narrow column: a heading whose last word wrapped, then prose.
    page = (
        "Many described the importance to them as parents, and to help improve and manage",
        "their mental and physical well-being in the longer term.",
        "“…it’s the ultimate – having somewhere I can have my kids.”",
        "Challenges with transition into permanent",
        "accommodation",
        "Many were nervous of moving into permanent accommodation before they were",
        "ready, and some said that supported housing was a way to learn to live alone.",
    )
    text = _one_chunk(*page)
    assert "my kids.”\nChallenges with transition into permanent accommodation\nMany" in text
    assert _headings(*page)[3:5] == [True, True]
    # The same when the prose under it opens a list.
    listed = _one_chunk(
        "more than double the rates in West Sussex overall (4.6 per 1,000).",
        "Households with dependent children in temporary",
        "accommodation",
        "• Around half of West Sussex households in temporary accommodation had",
        "dependent children (888 households), more than in any year before.",
    )
    assert "in temporary accommodation\n• Around half" in listed
    # A sentence broken over lines, and a table's label over its cells, stay as they were.
    prose = (
        "The council reviewed the number of households placed in",
        "temporary accommodation over the year and found that the total had risen.",
    )
    assert not any(_headings(*prose))
    cells = ("Victim of", "domestic abuse", "(n = 3)", "Victim of", "exploitation", "(n = 9)")
    assert not any(_headings(*cells)[:2])


def test_a_numbered_section_heading_or_one_after_a_quote_ends_its_block() -> None:
    # A long line that ends no sentence (a list item printed without its bullet) before a
    # numbered section's heading; a quoted remark ending a paragraph before a heading.
    numbered = _one_chunk(
        "try not to talk too much about other things – autism should be the main thing you talk"
        " about at the appointment",
        "2. Have an autism assessment",
        "An autism assessment is where a team of specialists checks if you are autistic.",
    )
    assert "appointment\n2. Have an autism assessment\nAn autism" in numbered
    quoted = _one_chunk(
        "One resident said that the site needed proper washing facilities and more space for",
        "families, and that “it is a concern when it comes to health, you need somewhere.”",
        "Cleanliness and hygiene",
        "People told us about the lack of access to clean water and toilets on the sites.",
    )
    assert "somewhere.”\nCleanliness and hygiene\nPeople" in quoted
    # A figure that opens a line inside a sentence is no section's number.
    running = (
        "The number of households placed in temporary accommodation by the councils rose to",
        "2,191 in 2024 Across West Sussex",
        "Most of them were families with children, placed in self-contained homes.",
    )
    assert not any(_headings(*running))


def test_a_short_titled_list_item_ends_its_block_before_the_paragraph_explaining_it() -> None:
    text = _one_chunk(
        "From reflective interviews with the project teams, the following themes emerged about",
        "• Empowerment and Confidence Building",
        "Participants reported feeling empowered by being trusted to lead projects and funds.",
    )
    assert "• Empowerment and Confidence Building\nParticipants reported" in text
    # A list item as long as a line of prose wrapped onto the next, capital or not.
    wrapped = _one_chunk(
        "• Healthy life expectancy here is provided at the county level for the West",
        "Sussex population only, as district figures are too small to be published reliably.",
    )
    assert "for the West Sussex population" in wrapped


def test_a_heading_laid_out_on_a_sentences_line_is_not_quoted_with_it() -> None:
    """An infographic's heading or a table's cell on the same line as the sentence after it
    ("… to go digital We have also …"), and a word processor's "o" bullets read across one
    line: each sentence is quoted on its own, the heading not at all."""
    finding = (
        "We have also supported GP practices in the north of the county to offer digital access "
        "to their services."
    )
    spliced = f"Supporting GP practices to go digital {finding}"
    assert _summary_of(spliced) == [finding]
    budget = "The 2025-26 core budget includes £12.75m from insecure funding sources this year."
    assert _summary_of(f"Insecure funding {budget}") == [budget]
    item = "Of the carers whose details are known, 74% on the database were women in 2009."
    assert _summary_of(f"Other carers 18 o {item}") == [item]
    # A capitalised word that names something, not a sentence's opening, splits nothing.
    named = (
        "Families were referred to the Warm Homes Service and we then visited them again in the "
        "spring to see what had changed."
    )
    assert _summary_of(named) == [named]


def test_a_journals_declarations_are_back_matter_and_a_reports_funding_section_is_body() -> None:
    findings = [
        "Rural participants reported longer journeys to their GP than urban participants.",
        "Journey times fell for those offered the community transport scheme.",
    ]
    paper = [
        *findings,
        "Availability of data and materials",
        "The survey data are held by the research team and shared on reasonable request.",
        "Consent for publication",
        "Not applicable.",
    ]
    report = [
        *findings,
        "Funding",
        "The scheme is funded by the public health grant until March 2027, at a cost of",
        "£120,000 a year, with the district councils meeting the cost of the minibuses.",
    ]
    openers = [f"Page {n} sets out the study's aims and methods." for n in (1, 2)]
    paper_lines = read_lines([*openers, "\n".join(paper)])[2]
    assert [x.matter for x in paper_lines] == [BODY, BODY, BACK, BACK, BACK, BACK]
    report_lines = read_lines([*openers, "\n".join(report)])[2]
    assert {x.matter for x in report_lines} == {BODY}


def test_a_council_reports_contact_details_are_back_matter() -> None:
    last = [
        "The Cabinet Member is asked to agree the transfer of the service from April.",
        "Young people aged 18 to 25 will keep their social worker through the change,",
        "and their support plans will be reviewed with them before the transfer.",
        "13. Contact details",
        "Report Author:",
        "Sharon Howard, Assistant Director",
        "sharon.howard@example.gov.uk",
    ]
    openers = [f"Page {n} sets out the decision and its background." for n in (1, 2)]
    lines = read_lines([*openers, "\n".join(last)])[2]
    assert [x.matter for x in lines] == [BODY, BODY, BODY, BACK, BACK, BACK, BACK]
