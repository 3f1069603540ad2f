"""A form's error summary lists every answer to change, in the form's order, each linking to
the input a person must change."""

from __future__ import annotations

from web.templating import build_environment, error_list


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
