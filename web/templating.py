"""The Jinja2 environment: our templates first, then the GOV.UK Frontend macros under a prefix."""

from __future__ import annotations

import difflib
from collections import ChainMap
from collections.abc import Iterable, Mapping, MutableMapping
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader
from markupsafe import Markup, escape

from web.admin import current_viewer
from web.evidence_views import EVIDENCE_WORDS
from web.facets import FacetOption
from web.highlight import highlight
from web.kinds import explain_kind, label_kind
from web.views import RELATED_WORDS, shown_excerpt

__all__ = [
    "FOLD_KEEP",
    "FOLD_OVER",
    "ORGANISATION",
    "SERVICE_NAME",
    "TEMPLATE_DIR",
    "build_environment",
    "build_templates",
    "changed_words",
    "error_list",
    "facet_item",
    "first_radio_id",
    "fold_options",
    "kind_item",
    "radio_id",
]

TEMPLATE_DIR = Path(__file__).parent / "templates"

SERVICE_NAME = "Evidence Finder"
ORGANISATION = "Leicestershire Health Determinants Research Collaboration"


def facet_item(option: FacetOption) -> dict[str, Any]:
    """A filter option as a govukCheckboxes item, its document count beside it."""
    return {
        "value": option.value,
        "text": f"{option.text} ({option.count})",
        "checked": option.is_selected,
    }


def error_list(
    errors: Iterable[tuple[str, str]], anchors: Mapping[str, str] | None = None
) -> list[dict[str, str]]:
    """Each (field, message) as a govukErrorSummary errorList item, linking to the field's
    input: by the field's own id, or by its id in `anchors` where that differs (a radio group
    is reached by its first radio)."""
    anchors = anchors or {}
    return [{"text": message, "href": f"#{anchors.get(field, field)}"} for field, message in errors]


def radio_id(group: str, value: str) -> str:
    """The id of one radio in a group: the group's name and the radio's value (`access-public`)."""
    return f"{group}-{value}"


def first_radio_id(group: str, values: Iterable[str]) -> str:
    """The input a problem with a radio group links to from the error summary: its first radio,
    as GOV.UK's error summary asks (a group has no input of its own to focus)."""
    return radio_id(group, next(iter(values)))


# A filter group longer than FOLD_OVER options shows its first FOLD_KEEP (with every ticked
# one) and folds the rest behind "Show n more": each checkbox is a stop for a keyboard, and
# a search's 60 of them stood between the search box and its first result.
FOLD_OVER = 8
FOLD_KEEP = 6


def fold_options(options: list[FacetOption]) -> tuple[list[FacetOption], list[FacetOption]]:
    """A filter group's options split into those shown and those folded away, each in the
    group's order: all shown when the group is short, else the first FOLD_KEEP and every ticked
    one."""
    if len(options) <= FOLD_OVER:
        return list(options), []
    shown = [o for i, o in enumerate(options) if i < FOLD_KEEP or o.is_selected]
    return shown, [o for i, o in enumerate(options) if i >= FOLD_KEEP and not o.is_selected]


def kind_item(option: FacetOption) -> dict[str, Any]:
    """A kind of document as a filter option: in one style, with jargon explained."""
    item = facet_item(option)
    item["text"] = f"{label_kind(option.value)} ({option.count})"
    if explanation := explain_kind(option.value):
        item["hint"] = {"text": explanation}
    return item


def _quoted(words: list[str]) -> str:
    quoted = [f"‘{w}’" for w in words]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return ("the word " if len(quoted) == 1 else "the words ") + listed


def unused_words_sentence(words: list[str]) -> str:
    """Which of the search's words no document uses ("the word ‘fluoride’", "the words ‘radon’
    or ‘shisha’"), so a person sees a typo or a subject the library does not cover."""
    return f"No document you can search uses {_quoted(words)}."


def pulled_words_sentence(words: list[str]) -> str:
    """Which of the search's words the closest passages leave out, when leaving them out of
    the search brings it closer to those passages (search.retrieval.word_pull): the detail the
    person asked for, which the documents on the subject do not give."""
    return f"The closest passages do not mention {_quoted(words)}."


def changed_words(typed: str, suggested: str) -> Markup:
    """The suggested search with the words that differ from the typed one in bold, so a person
    sees at once what "Did you mean" would change."""
    before, after = typed.split(), suggested.split()
    pieces: list[Markup] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for kind, _, _, first, last in matcher.get_opcodes():
        words = Markup(" ").join(escape(w) for w in after[first:last])
        if words:
            pieces.append(words if kind == "equal" else Markup("<strong>{}</strong>").format(words))
    return Markup(" ").join(pieces)


class _Globals(ChainMap[str, Any]):
    """A template's globals (its own over the environment's), as Jinja's `ChainMap`, with a
    membership test that makes no generator. Jinja compares the names of the render's globals
    with these at every `{% from … import … %}`, and a GOV.UK component imports its attributes
    macro at each use: about 120 comparisons of 21 names a results page, 18 µs each with
    `ChainMap`'s own test and 4 µs with this one."""

    def __contains__(self, key: object) -> bool:
        for mapping in self.maps:  # noqa: SIM110 (any() over a generator is what is slow)
            if key in mapping:
                return True
        return False


class _Environment(Environment):
    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        # Jinja's documented hook for the globals map of each template: the same layers.
        return _Globals({} if d is None else d, self.globals)


def build_environment(contact_email: str) -> Environment:
    """One environment per app, so templates are compiled once and cached."""
    loader = ChoiceLoader(
        [
            FileSystemLoader(TEMPLATE_DIR),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    )
    env = _Environment(
        loader=loader, autoescape=True, trim_blocks=True, lstrip_blocks=True, auto_reload=False
    )
    env.globals.update(
        service_name=SERVICE_NAME,
        organisation_name=ORGANISATION,
        contact_email=contact_email,
        has_govuk_assets=True,
        current_viewer=current_viewer,
    )
    env.filters.update(
        highlight=highlight,
        facet_item=facet_item,
        kind_item=kind_item,
        kind_label=label_kind,
        kind_explanation=explain_kind,
    )
    env.globals.update(
        shown_excerpt=shown_excerpt,
        fold_options=fold_options,
        evidence_words=EVIDENCE_WORDS,
        related_words=RELATED_WORDS,
        unused_words_sentence=unused_words_sentence,
        pulled_words_sentence=pulled_words_sentence,
        changed_words=changed_words,
        radio_id=radio_id,
        first_radio_id=first_radio_id,
    )
    return env


def build_templates(contact_email: str) -> Jinja2Templates:
    return Jinja2Templates(env=build_environment(contact_email))
