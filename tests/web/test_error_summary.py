"""A form's error summary lists every answer to change, in the form's order, each linking to
the input a person must change."""

from __future__ import annotations

import re

import pytest

from web.templating import build_environment, error_list, first_radio_id


def test_each_error_links_to_its_field_in_the_order_given() -> None:
    errors = [("name", "Enter a name."), ("password", "Enter a password.")]
    assert error_list(errors) == [
        {"text": "Enter a name.", "href": "#name"},
        {"text": "Enter a password.", "href": "#password"},
    ]


def test_a_field_whose_input_has_another_id_links_to_that_id() -> None:
    errors = [("title", "Enter a title."), ("access", "Choose who can see the document.")]
    anchors = {"access": "access-public", "": "title"}
    assert [e["href"] for e in error_list(errors, anchors)] == ["#title", "#access-public"]
    assert error_list([("", "The document changed.")], anchors)[0]["href"] == "#title"


def test_no_errors_make_an_empty_list() -> None:
    assert error_list([]) == []
    assert error_list({}.items()) == []


def test_the_list_renders_as_a_govuk_error_summary_linking_to_the_field() -> None:
    template = build_environment("a@b.c").from_string(
        '{% from "govuk_frontend_jinja/components/error-summary/macro.html" import '
        "govukErrorSummary %}"
        '{{ govukErrorSummary({"titleText": "There is a problem", "errorList": errors}) }}'
    )
    html = template.render(errors=error_list([("year_from", "Enter a year & try again.")]))
    assert "There is a problem" in html
    assert '<a href="#year_from">Enter a year &amp; try again.</a>' in html


@pytest.mark.parametrize(
    ("call", "group", "choices"),
    [
        (
            "access_radios('Who can see it', choices, 'staff')",
            "access",
            [("public", "All"), ("staff", "Staff")],
        ),
        (
            "role_radios(choices, '')",
            "role",
            [("partner", "Partner", "Hint"), ("admin", "Admin", "Hint")],
        ),
    ],
)
def test_a_radio_groups_problem_links_to_the_first_radio_its_macro_draws(
    call: str, group: str, choices: list[tuple[str, ...]]
) -> None:
    """GOV.UK's error summary links a radio group's problem to its first radio: the anchor the
    routes and templates give is the id the group's macro gives that radio."""
    template = build_environment("a@b.c").from_string(
        f'{{% from "macros.html" import access_radios, role_radios %}}{{{{ {call} }}}}'
    )
    ids = re.findall(r'<input[^>]*\bid="([^"]+)"', template.render(choices=choices))
    anchor = first_radio_id(group, (c[0] for c in choices))
    assert ids[0] == anchor == f"{group}-{choices[0][0]}"
    assert error_list([(group, "Choose one.")], {group: anchor}) == [
        {"text": "Choose one.", "href": f"#{ids[0]}"}
    ]
