"""Kinds of document in one style ('council_report', 'report' and 'JSNA chapter' all read as
sentence-case words), with a plain explanation for the ones that are jargon."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = [
    "EXPLANATIONS",
    "KINDS",
    "SPELT_OUT",
    "canonical_kind",
    "explain_kind",
    "kind_choices",
    "label_kind",
    "same_kinds",
]

# The kinds an admin may choose for a document: the classes the ingest gives a document it
# describes itself (ingest.describing; a test keeps them in), and those our manifests use.
KINDS = (
    "council report",
    "committee paper",
    "JSNA chapter",
    "briefing",
    "evaluation",
    "report",
    "government report",
    "academic paper",
    "other",
)

# Names a manifest may use that read better spelt out.
SPELT_OUT = {
    "gov report": "Government report",
    "govt report": "Government report",
}

# Jargon a reader may not know, by the word or abbreviation that starts it.
EXPLANATIONS = {
    "jsna": "JSNA is short for Joint Strategic Needs Assessment: the council and the NHS look "
    "together at the health and care needs of the people who live in the area.",
    "committee": "A committee paper is written for a meeting of councillors who make decisions.",
    "evaluation": "An evaluation looks at whether a service or project worked.",
    "briefing": "A briefing is a short paper that sums up what is known about one subject.",
    "academic": "An academic paper is research written by a university team.",
}


def _word(word: str, is_first: bool) -> str:
    # Abbreviations such as JSNA or NHS keep their capitals.
    if len(word) > 1 and word.isupper():
        return word
    return word.capitalize() if is_first else word.lower()


def label_kind(kind: str) -> str:
    """'council_report' gives 'Council report'; 'JSNA chapter' stays 'JSNA chapter'."""
    words = re.sub(r"[_\-\s]+", " ", kind).strip().split(" ")
    if words == [""]:
        return ""
    plain = " ".join(_word(w, i == 0) for i, w in enumerate(words))
    return SPELT_OUT.get(plain.lower(), plain)


def explain_kind(kind: str) -> str:
    """A sentence saying what the kind of document is, or '' when it needs none."""
    first = label_kind(kind).split(" ")[0].lower()
    return EXPLANATIONS.get(first, "")


def kind_choices(current: str, in_library: list[str]) -> list[tuple[str, str]]:
    """(value, label) for each kind an admin may choose: "not known", then the known kinds,
    those already in the library and the document's own, once per label, by label. Where two
    spellings read the same, the document's own is kept, then the library's ("gov report"
    from a manifest), so a choice files the document with the others of its kind rather than
    beside them under the same name."""
    chosen: dict[str, str] = {}
    for kind in [current, *in_library, *KINDS]:
        label = label_kind(kind)
        if label:
            chosen.setdefault(label.casefold(), kind)
    known = sorted(((kind, label_kind(kind)) for kind in chosen.values()), key=lambda c: c[1])
    return [("", "Not known"), *known]


def same_kinds(chosen: Iterable[str], held: Iterable[str]) -> tuple[str, ...]:
    """The kinds chosen, each with every spelling of it in `held` that reads the same
    ("gov report" and "government report" are both "Government report"), each once."""
    labels = {label_kind(kind).casefold() for kind in chosen}
    out = dict.fromkeys(chosen)
    out.update(dict.fromkeys(k for k in held if label_kind(k).casefold() in labels))
    return tuple(out)


def canonical_kind(kind: str) -> str:
    """One spelling for every spelling of a kind: a known kind's own ("gov report",
    "gov_report" and "Government report" are "government report"), and for any other its
    words in lower case, abbreviations kept ("Policy_Paper" and "policy paper" are "policy
    paper", "NHS bulletin" stays), so two spellings of it are one filter option."""
    label = label_kind(kind)
    known = next((k for k in KINDS if label_kind(k).casefold() == label.casefold()), None)
    if known is not None:
        return known
    first, _, rest = label.partition(" ")
    return " ".join(filter(None, (_word(first, False), rest))) if label else kind
