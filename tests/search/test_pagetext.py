"""The one running-header detector and the one list of placeholder authors."""

from __future__ import annotations

from search.pagetext import (
    author_name,
    drop_axis_ticks,
    drop_running_lines,
    find_running_lines,
    is_placeholder_author,
    known_authors,
)


def test_placeholder_authors_are_dropped_and_real_names_kept() -> None:
    assert known_authors(["Anonymous", " ", "Dana Patel", "ADMIN", "owner"]) == ["Dana Patel"]
    assert is_placeholder_author("  Unknown ")
    assert not is_placeholder_author("Public Health England")


def test_sign_in_names_and_template_authors_are_not_authors() -> None:
    for name in ["jcoz2180", "fitchd01", "hannah", "wscc", "JGibson", "NickL", "Your council"]:
        assert is_placeholder_author(name), name
    assert is_placeholder_author("Microsoft  Office User")
    for name in ["Defra", "DESNZ", "HM Government", "Elizabeth Vass", "McDonald, Anne"]:
        assert not is_placeholder_author(name), name


def test_a_directorys_team_code_is_dropped_from_an_author_name() -> None:
    shown = known_authors(
        ["Mike Gogarty - CED SC", "Breathwick, Hayley - ST F", "jcoz2180", "Mike Gogarty"]
    )
    assert shown == ["Mike Gogarty", "Breathwick, Hayley"]
    # A hyphen inside a name, or before words that are not a code, stays.
    assert author_name("Anna Smith-Jones") == "Anna Smith-Jones"
    assert author_name("Public Health - South East") == "Public Health - South East"


def test_running_lines_at_the_edges_only_unless_asked_for_anywhere() -> None:
    pages = [f"Housing review\nBody {n} text\nKey finding\nmore {n}\nPage {n}" for n in range(4)]
    tops, bottoms = find_running_lines(pages, edge_lines=1)
    assert tops == {"housing review"}
    assert bottoms == {"page"}  # "Page 3": the number at its end goes
    anywhere, _ = find_running_lines(pages, min_share=0.5, edge_lines=None)
    assert "key finding" in anywhere
    assert "body # text" in anywhere  # numbers aside, it repeats too
    assert find_running_lines(pages[:2]) == (set(), set())


def test_running_phrases_go_but_single_words_stay_and_recurring_prose_is_read_once() -> None:
    legend = "This map shades each area by its rank, from the most to the least deprived tenth."
    pages = [
        "\n".join(["Joint Strategic Needs Assessment", f"Page {n}", legend, *words.split()])
        for n, words in enumerate(["asthma makes breathing hard", "your asthma nurse helps",
                                   "asthma attacks need your inhaler"], start=1)
    ]  # fmt: skip
    kept = drop_running_lines(pages)
    assert [page[0] for page in kept] == [legend, "your", "asthma"]
    # A PDF that sets one word a line: "asthma" and "your" recur on every page, and stay.
    assert [" ".join(page) for page in kept[1:]] == [
        "your asthma nurse helps",
        "asthma attacks need your inhaler",
    ]
    assert kept[0][1:] == ["asthma", "makes", "breathing", "hard"]


def test_figures_in_the_body_stay_but_page_and_line_numbers_go() -> None:
    bodies = [
        "take\ntwo\npuffs\nevery\n30\nto\n60\nseconds",  # one word a line: figures of the text
        "up\nto\na\nmaximum\nof\n10\npuffs\nin\nall",
        "if\nit\ndoes\nnot\nhelp\ncall\n999\nat\nonce",
        "ask\nyour\nnurse\nfor\na\nplan\nthat\nhelps\nyou",
    ]
    numerals = ["ii", "iii", "iv", "v"]
    margin = "\n".join(str(n) for n in range(1, 4))  # a margin's line numbers, on every page
    pages = [
        f"Asthma care plan\n{body}\n{mark}\n{numeral}\n{margin}\nend of page, at last"
        for body, mark, numeral in zip(bodies, "•)*{", numerals, strict=True)
    ]
    kept = drop_running_lines(pages)
    # The header goes (a phrase on every page), so does "end of page …", and so do marks
    # alone on a line in the body ("•", ")"): they carry no words.
    assert [" ".join(page) for page in kept] == [" ".join(body.split()) for body in bodies]


def test_footnote_marks_and_other_digits_alone_on_a_line_are_read_without_error() -> None:
    # "²" is a digit that int() cannot read; "١٢" (Arabic-Indic) is a number it can.
    bodies = ["Damp homes.", "Cold homes.", "Rent arrears.", "Overcrowding."]
    pages = [f"Housing review\n²\n١٢\n{body}" for body in bodies]
    kept = drop_running_lines(pages)
    assert [page[-1] for page in kept] == bodies


def test_a_charts_axis_ticks_go_and_the_words_beside_them_stay() -> None:
    # A weekly bulletin's chart, as its text layer reads: the rate axis one tick a line (its
    # last tick opening the legend's line), then the weeks of a year across one line.
    chart = [
        "Asthma by age",
        "0.6",
        "0.8",
        "1.0",
        "1.2",
        "1.4 weekend bank holiday baseline",
        " ".join([*map(str, range(41, 53)), *(f"{w:02}" for w in range(1, 13)), "2017 2018 Rate"]),
        "",
        "0%",
        "10%",
        "20%",
        "30%",
        "Aged 0-24",
    ]
    assert drop_axis_ticks(chart) == [
        "Asthma by age",
        "weekend bank holiday baseline",
        "2017 2018 Rate",
        "",
        "Aged 0-24",
    ]


def test_a_time_axis_across_a_line_goes_but_dates_down_a_table_stay() -> None:
    lines = [
        # A weekly bulletin's time axis: seven dates four weeks apart.
        "24/09/17 22/10/17 19/11/17 17/12/17 14/01/18 11/02/18 11/03/18 Daily rate per 100,000",
        "Meetings on 12/01/24 and 09/02/24 agreed the plan.",
        "02/01/24",  # a table's weekly dates, one a line, are its row labels
        "09/01/24",
        "16/01/24",
        "23/01/24",
        "31/02/24 30/02/24 29/02/24 28/02/24 27/02/24 26/02/24 25/02/24",  # not all dates
    ]
    kept = drop_axis_ticks(lines)
    assert kept[0] == "Daily rate per 100,000"
    assert kept[1:] == lines[1:]


def test_figures_that_do_not_step_evenly_are_a_tables_and_stay() -> None:
    table = [
        "2019",  # a table's years, one a line, step evenly but are row labels
        "2020",
        "2021",
        "2022",
        "0",  # a column of zeros does not step at all
        "0",
        "0",
        "0",
        "12.5",  # figures that step unevenly are data
        "14.1",
        "9.7",
        "15.0",
        "10",  # three in a row are too few to be an axis
        "20",
        "30",
        "Deciles 1 2 3 4 5 6 7 8 9 10",  # ten across are a table's heading, not a week axis
        "Adur 10 20 30 40",
    ]
    assert drop_axis_ticks(table) == table


def test_the_chunker_and_the_previews_read_pages_without_axis_ticks() -> None:
    pages = [
        "Rough sleeping rose in 2024.\n0\n2\n4\n6\n8\nNumber of deaths",
        "Most deaths were in winter.",
    ]
    assert drop_running_lines(pages) == [
        ["Rough sleeping rose in 2024.", "Number of deaths"],
        ["Most deaths were in winter."],
    ]


# Sentences that differ page by page, as a book's body does.
_SUBJECTS = ("Tenants", "Landlords", "Councils", "Families", "Inspectors", "Charities")
_PLACES = ("Crawley", "Worthing", "Horsham", "Chichester", "Arun", "Adur", "Mid Sussex")


def _body(page: int) -> str:
    subject = _SUBJECTS[page % len(_SUBJECTS)]
    place = _PLACES[page % len(_PLACES)]
    return f"{subject} in {place} reported damp in {page * 3 + 1} homes after the winter."


def test_a_books_running_heads_go_though_none_recurs_on_half_the_pages() -> None:
    # Printed page n is the file's page n + 6 (a front matter of six pages). Even pages carry
    # the book's title, odd pages their chapter's, each with the page's number; chapter
    # openers carry neither, so the title sits on fewer than half the pages.
    pages = []
    for place in range(6, 30):
        printed = place - 5
        chapter = "“PIRACY”" if place < 18 else "“PROPERTY”"
        if place in (6, 18):
            head = None
        elif printed % 2 == 0:
            head = f"{printed} FREE CULTURE"
        else:
            head = f"{chapter} {printed}"
        lines = [head] if head else []
        pages.append("\n".join([*lines, _body(place)]))
    kept = drop_running_lines(pages)
    assert [len(page) for page in kept] == [1] * len(pages)
    assert all(page == [_body(place)] for place, page in zip(range(6, 30), kept, strict=True))


def test_numbers_at_a_lines_end_that_do_not_step_with_the_page_stay() -> None:
    # A table's rows end in figures at the page's bottom, and a section heading's number
    # once equals its page's: neither is a running head.
    diseases = ("Anthrax", "Brucellosis", "Hantavirus", "Leptospirosis", "Lyme disease")
    counts = (4, 9, 2, 7, 7, 1, 12, 3, 8, 5)
    pages = [
        "\n".join(
            [
                "3 Housing and health" if n == 3 else _body(n),
                _body(n + 40),
                f"{diseases[n % len(diseases)]} cases {counts[n]}",
            ]
        )
        for n in range(len(counts))
    ]
    kept = drop_running_lines(pages)
    assert [page.splitlines() for page in pages] == kept


def test_a_head_whose_number_steps_with_the_page_goes_only_where_many_pages_share_it() -> None:
    pages = [f"Annual report {n + 2}\n{_body(n)}" for n in range(12)]
    pages[5] = _body(5)  # a chapter opener, no head
    # Heads on 3 pages of 12 step with the page: too few to be sure they are page numbers.
    few = [page if n in (1, 2, 3) else _body(n) for n, page in enumerate(pages)]
    assert drop_running_lines(few) == [page.splitlines() for page in few]
    # On every third page (4 of 12, fewer than half), their shared step marks them.
    sparse = [page if n % 3 == 0 else _body(n) for n, page in enumerate(pages)]
    assert drop_running_lines(sparse) == [[_body(n)] for n in range(12)]


def test_a_line_set_on_one_hands_pages_only_goes() -> None:
    # A footer on every left-hand page (the file's odd places) of a 24-page report, and the
    # odd pages' first page a chapter opener without it: 11 of 24 pages, short of half.
    footer = "<http://example.gov.uk/jsna/get-it>"
    pages = [
        f"{_body(n)}\n{_body(n + 50)}" + (f"\n{footer}" if n % 2 and n != 1 else "")
        for n in range(24)
    ]
    kept = drop_running_lines(pages)
    assert not any(footer in page for page in kept)
    assert all(page == [_body(n), _body(n + 50)] for n, page in enumerate(kept))


def test_a_line_on_too_few_of_one_hands_pages_stays() -> None:
    # On 6 of the 12 right-hand pages (half of them, and a quarter of all pages): a note the
    # report repeats where it applies, not a running line.
    note = "Figures for Adur include Shoreham"
    pages = [f"{_body(n)}" + (f"\n{note}" if n % 4 == 0 else "") for n in range(24)]
    assert drop_running_lines(pages) == [page.splitlines() for page in pages]


def test_a_page_number_at_an_edge_goes_though_the_numbering_breaks_and_a_body_figure_stays() -> (
    None
):
    # Printed numbers at each page's foot jump twice (plates inserted without numbers), so no
    # step from the page's place is shared by half the pages, and no figure repeats: only
    # their place at the page's edge marks them. A figure alone inside a page stays.
    printed = [1, 2, 3, 4, 7, 8, 9, 14, 15, 16]
    counts = [12, 5, 30, 7, 18, 3, 25, 9, 41, 2]  # a figure of the text on each page
    pages = [
        "\n".join([*(_body(n + k) for k in (0, 10, 20)), str(count)])
        + "\n"
        + "\n".join([*(_body(n + k) for k in (30, 40, 50)), str(number)])
        for n, (count, number) in enumerate(zip(counts, printed, strict=True))
    ]
    kept = drop_running_lines(pages)
    assert [page[-1] for page in kept] == [_body(n + 50) for n in range(len(printed))]
    assert [page[3] for page in kept] == [str(count) for count in counts]
