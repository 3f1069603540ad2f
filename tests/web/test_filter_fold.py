"""Long filter groups fold their tail away, so a keyboard reaches the results sooner."""

from __future__ import annotations

import re

from web.facets import FacetOption
from web.search_form import SearchForm
from web.templating import FOLD_KEEP, FOLD_OVER, build_environment, fold_options


def _options(count: int, ticked: tuple[int, ...] = ()) -> list[FacetOption]:
    return [FacetOption(f"Body {n}", 20 - n, n in ticked) for n in range(count)]


def test_a_short_group_shows_every_option() -> None:
    options = _options(FOLD_OVER)
    assert fold_options(options) == (options, [])


def test_a_long_group_shows_its_first_options_and_every_ticked_one() -> None:
    options = _options(12, ticked=(9,))
    shown, folded = fold_options(options)
    assert [o.value for o in shown] == [*(f"Body {n}" for n in range(FOLD_KEEP)), "Body 9"]
    assert [o.value for o in folded] == [f"Body {n}" for n in (6, 7, 8, 10, 11)]
    assert sorted(shown + folded, key=options.index) == options  # nothing lost, order kept


def _panel(organisations: list[FacetOption]) -> str:
    template = build_environment("a@b.c").from_string(
        '{% import "filters.html" as f %}{{ f.panel(form, facets, years) }}'
    )
    facets = {"organisation": organisations, "kind": _options(2)}
    return template.render(form=SearchForm(q="damp"), facets=facets, years=None)


def test_the_folded_options_sit_in_a_details_element_under_the_group() -> None:
    html = _panel(_options(12, ticked=(9,)))
    folded = re.search(r'<details class="[^"]*app-filters__more".*?</details>', html, re.S)
    assert folded is not None
    assert "Show 5 more" in folded.group()
    assert "organisation options" in folded.group()  # what a screen reader hears
    assert 'value="Body 10"' in folded.group() and 'value="Body 9"' not in folded.group()
    # The ticked one is shown above the fold, ticked, under the same name.
    assert re.search(r'name="organisation" type="checkbox" value="Body 9" checked', html)
    # Every checkbox has its own id.
    ids = re.findall(r'<input class="govuk-checkboxes__input" id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 12 + 2 + 1  # organisations, kinds, "local first"


def test_a_short_group_has_nothing_folded() -> None:
    assert "app-filters__more" not in _panel(_options(FOLD_OVER))


def test_a_skip_link_passes_the_filters() -> None:
    assert 'href="#search-results">Skip the filters to the results</a>' in _panel(_options(3))
