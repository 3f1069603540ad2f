"""Measures, over the JSON API of a built library, how often a shown passage links to the page
that holds most of its words, and how many covers, contents pages and reference lists are
shown as evidence. The truth comes from the catalogue's page text, never from the payload.

Run: python -m tests.bench.page_links --data-dir DIR [--files LIST] [--json OUT]
It uses only the public API and the catalogue, so it also measures older builds.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import sqlite3
import sys
import warnings
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Realistic council questions: officers' and researchers' phrasing, not tuned to any index.
QUERIES = [
    "what helps older people who are lonely in rural villages",
    "child poverty and free school meals",
    "damp and mould in private rented homes",
    "homelessness deaths and rough sleeping",
    "support for unpaid carers",
    "school readiness in the early years",
    "special educational needs transport costs",
    "integrated care strategy priorities",
    "family hubs consultation findings",
    "budget pressures in adult social care",
    "high needs block deficit",
    "covid winter plan testing and vaccination",
    "health inequalities in coastal towns",
    "mental health of people who are homeless",
    "armed forces covenant and veterans",
    "autism diagnosis waiting times",
    "GP consultations for respiratory infections",
    "minerals and waste local plan",
    "community wardens and antisocial behaviour",
    "digital data and analytics in the NHS",
    "public engagement on health data sharing",
    "energy supply and renewable electricity",
    "economic and fiscal context for the council",
    "devolution and local government reorganisation",
    "education provision and school places",
    "young people leaving care and independent living",
    "risk register for the council budget",
    "campus outbreak modelling",
    "equality impact assessment of service changes",
    "questions from councillors about potholes",
    "domestic abuse services",
    "air pollution near main roads",
    "drug and alcohol misuse treatment",
    "obesity and physical activity in children",
    "cost of living and fuel poverty",
    "access to green space and parks",
    "workforce survey of NHS analysts",
    "social prescribing and community groups",
    "trauma informed care in shelters",
    "life expectancy gap between rich and poor areas",
]

# Written for the issue-10 check of 2026-11-30, after the set above had been used: tuning
# looked only at TUNING_QUERIES; REPORT_QUERIES were run once, for the numbers reported.
TUNING_QUERIES = [
    "how many children get free school meals in West Sussex",
    "private renters receiving housing benefit",
    "fast food outlets near schools",
    "heart failure diagnosis and treatment in primary care",
    "deaths of people who were homeless",
    "suicide prevention priorities",
    "veterans needing adapted housing",
    "young people's access to youth clubs and activities",
    "pharmacy closures and access to medicines",
    "campylobacter and salmonella infections from animals",
    "asthma symptoms and inhalers",
    "coastal towns deprivation compared with inland areas",
    "older people dependent on care in the future",
    "carers assessments and support services",
    "dementia diagnosis and support after diagnosis",
    "social isolation and loneliness in older age",
    "Gypsy and Traveller site provision and health",
    "drug treatment completion rates",
    "workforce skills for data and digital in the NHS",
    "county council budget savings and reserves",
]
REPORT_QUERIES = [
    "households in temporary accommodation",
    "income deprivation affecting children index",
    "physical activity levels of adults by gender",
    "housing tenure owner occupiers and social renters",
    "benefit claimants in coastal communities",
    "hot weather and cold weather health risks",
    "GP surgery attendances for influenza-like illness",
    "renewable energy generation and wind capacity",
    "family hubs closure consultation responses",
    "home to school transport for children with SEND",
    "community safety wardens funding",
    "violence reduction public health approach",
    "substance misuse among young people",
    "health and wellbeing strategy priorities",
    "people's views on sharing their health records",
    "covid outbreak at a university",
    "economic impact of lockdown on health",
    "autism support for adults",
    "mental health of young people in schools",
    "shelter capacity for homeless people in Toronto",
]
# Questions the 100 real PDFs do not answer (none of them is in corpus/queries/real.jsonl).
NO_ANSWER_QUERIES = [
    "how to apply for a fishing licence",
    "Victorian railway engineering",
    "best hiking boots for the Lake District",
    "bird migration routes over Africa",
    "volcano eruption prediction",
    "the rules of cricket",
    "opera houses in Italy",
    "recipes for vegan lasagne",
    "tax on private jets",
    "submarine cable internet outages",
    "how to grow tomatoes in a greenhouse",
    "dinosaur fossils found in Argentina",
    "learning to play the violin",
    "the history of the printing press in Germany",
    "solar eclipse viewing safety glasses",
]

# Marks of a reference-list entry, not of an in-text citation ("(Smith et al., 2020)" is body
# text): author initials ("Smith, J.,"), DOIs, links and "available from / retrieved / accessed".
_CITATION = re.compile(
    r"\b[A-Z][a-z]+,? (?:[A-Z]\.\s?){1,3}[,(&]|(?i:\bdoi\b|https?://|available (?:at|from)|"
    r"retrieved from|accessed\b|\[internet\]|\bvol\.)"
)
_NON_BODY = re.compile(
    r"\babout this (?:brief|report|document)\b|\bauthors?:|\ball rights reserved\b|©|\bisbn\b|"
    r"\btable of contents\b|^contents\b|\backnowledge?ments?\b|\bdisclaimer\b|"
    r"\bcredit authorship\b|\bcompeting interests?\b|\breferences\b",
    re.IGNORECASE | re.MULTILINE,
)
_LEADERS = re.compile(r"(?:\.\s?){4,}\s*\d")
N_GRAM = 4
# The site answers only to its allowed host names: localhost is one unless settings say not.
BASE_URL = "http://localhost"


def looks_like_front_or_back(text: str) -> bool:
    """A plain judge of cover, contents, about/author/disclaimer and reference-list text."""
    words = max(1, len(text.split()))
    if len(_CITATION.findall(text)) * 100 / words >= 3:
        return True
    return bool(_NON_BODY.search(text) or _LEADERS.search(text))


def _tokens(text: str) -> list[str]:
    return [w.casefold() for w in re.findall(r"[^\W_]+", text)]


@dataclass
class DocumentText:
    """A document's words in reading order with each word's page, and an n-gram index."""

    words: list[str]
    pages: list[int]
    grams: dict[tuple[str, ...], list[int]] = field(default_factory=dict)

    @classmethod
    def read(cls, db: sqlite3.Connection, doc_id: str) -> DocumentText:
        words: list[str] = []
        pages: list[int] = []
        for number, text in db.execute(
            "SELECT page, text FROM pages WHERE doc_id = ? ORDER BY page", (doc_id,)
        ):
            tokens = _tokens(text)
            words += tokens
            pages += [number] * len(tokens)
        grams: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(words) - N_GRAM + 1):
            grams.setdefault(tuple(words[i : i + N_GRAM]), []).append(i)
        return cls(words, pages, grams)

    def page_shares(self, text: str) -> Counter[int]:
        """Letters of `text` found on each page, by aligning its word n-grams in order."""
        tokens = _tokens(text)
        shares: Counter[int] = Counter()
        last = -1
        for i in range(len(tokens) - N_GRAM + 1):
            places = self.grams.get(tuple(tokens[i : i + N_GRAM]), [])
            after = [p for p in places if p > last] or places
            if not after:
                continue
            # Nearest occurrence after the previous match keeps the alignment in order.
            last = min(after, key=lambda p: abs(p - last))
            shares[self.pages[last]] += len(tokens[i])
        return shares

    def pages_holding(self, text: str) -> Counter[int]:
        """Letters of `text` found on each page, every page counted on its own: text that a
        document repeats (a summary quoting its body, chart labels on every page) counts in
        full on each page that holds it, where `page_shares` must pick one occurrence."""
        tokens = _tokens(text)
        held: Counter[int] = Counter()
        for i in range(len(tokens) - N_GRAM + 1):
            for page in {self.pages[p] for p in self.grams.get(tuple(tokens[i : i + N_GRAM]), [])}:
                held[page] += len(tokens[i])
        return held


@dataclass
class Tally:
    passages: int = 0
    on_main_page: int = 0
    # Linked to a page holding as much of the text as any page (repeated text may tie).
    on_a_fullest_page: int = 0
    unaligned: int = 0
    misses: list[dict[str, Any]] = field(default_factory=list)
    shown: Counter[str] = field(default_factory=Counter)
    non_body: Counter[str] = field(default_factory=Counter)
    examples: list[dict[str, Any]] = field(default_factory=list)

    def judge(self, where: str, text: str) -> None:
        self.shown[where] += 1
        if looks_like_front_or_back(text):
            self.non_body[where] += 1
            if len(self.examples) < 30:
                self.examples.append({"where": where, "text": " ".join(text.split())[:160]})


_PAGE = re.compile(r"#page=(\d+)$")


def _linked_page(passage: dict[str, Any]) -> int | None:
    match = _PAGE.search(str(passage.get("file_url", "")))
    return int(match.group(1)) if match else None


def check_passage(tally: Tally, doc: DocumentText, passage: dict[str, Any], query: str) -> None:
    shares = doc.page_shares(str(passage["text"]))
    if not shares:
        tally.unaligned += 1
        return
    tally.passages += 1
    linked = _linked_page(passage)
    best = max(shares.values())
    page_url_ok = str(passage.get("page_url", "")).endswith(f"/pages/{linked}")
    held = doc.pages_holding(str(passage["text"]))
    if linked is not None and page_url_ok and held.get(linked, 0) == max(held.values()):
        tally.on_a_fullest_page += 1
    if linked is not None and shares.get(linked, 0) == best and page_url_ok:
        tally.on_main_page += 1
    elif len(tally.misses) < 20:
        tally.misses.append(
            {
                "query": query,
                "linked": linked,
                "shares": dict(shares),
                "held": dict(held.most_common(4)),
                "text": passage["text"][:120],
            }
        )


def measure(data_dir: Path, files: set[str] | None, queries: list[str]) -> dict[str, Any]:
    with warnings.catch_warnings():
        # Starlette warns about its own choice of HTTP client, not about this code.
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from search.settings import Settings
    from web.app import create_app

    settings = Settings(data_dir=data_dir)
    db = sqlite3.connect(data_dir / "catalogue.sqlite")
    texts: dict[str, DocumentText] = {}
    names = dict(db.execute("SELECT doc_id, file_name FROM documents"))
    wanted = {d for d, name in names.items() if files is None or name in files}

    def text_of(doc_id: str) -> DocumentText:
        if doc_id not in texts:
            texts[doc_id] = DocumentText.read(db, doc_id)
        return texts[doc_id]

    tally = Tally()
    with TestClient(create_app(settings), base_url=BASE_URL) as client:
        for query in queries:
            data = client.get("/api/search", params={"q": query}).json()
            for document in data.get("documents", []):
                if document["doc_id"] not in wanted:
                    continue
                for passage in document["passages"]:
                    check_passage(tally, text_of(document["doc_id"]), passage, query)
                    tally.judge("search best passages", passage["text"])
            for item in data.get("by_determinant", []):
                if item["document"]["doc_id"] in wanted:
                    tally.judge("best passage per determinant", item["passage"]["text"])
        for doc_id in sorted(wanted):
            page = client.get(f"/api/documents/{doc_id}").json()
            for sentence in page.get("summary", []):
                tally.judge("document summaries", sentence["text"])
            related = client.get(f"/api/documents/{doc_id}/related").json()
            for item in related.get("documents", []) if isinstance(related, dict) else []:
                if item["doc_id"] in wanted:
                    tally.judge("related passages", item["passage"]["text"])
        determinants = client.get("/api/determinants").json().get("determinants", [])
        for determinant in determinants:
            found = client.get(f"/api/determinants/{determinant['id']}").json()
            for item in found.get("strongest", []):
                if item["doc_id"] in wanted:
                    tally.judge("strongest evidence per determinant", item["passage"]["text"])
    share = tally.on_main_page / tally.passages if tally.passages else 0.0
    return {
        "data_dir": str(data_dir),
        "documents": len(wanted),
        "queries": len(queries),
        "passages_checked": tally.passages,
        "passages_unaligned": tally.unaligned,
        "linked_to_main_page": tally.on_main_page,
        "linked_to_a_page_holding_most": tally.on_a_fullest_page,
        "share_linked_to_main_page": round(share, 4),
        "shown": dict(tally.shown),
        "front_or_back_shown": dict(tally.non_body),
        "front_or_back_total": sum(tally.non_body.values()),
        "misses": tally.misses,
        "front_or_back_examples": tally.examples,
    }


FACET_GROUPS = ("determinant", "lens", "place", "organisation", "kind", "years")


def check_facet_counts(client: Any, queries: Iterable[str]) -> dict[str, Any]:
    """Tick every offered filter option in turn: its count must equal the filtered total."""
    checked, wrong = 0, []
    for query in queries:
        data = client.get("/api/search", params={"q": query}).json()
        for group in FACET_GROUPS:
            for option in data.get("facets", {}).get(group, []):
                params = {"q": query, group: option["value"]}
                ticked = client.get("/api/search", params=params).json()
                checked += 1
                if ticked.get("total") != option["count"]:
                    wrong.append(
                        {
                            "query": query,
                            group: option["value"],
                            "count": option["count"],
                            "total": ticked.get("total"),
                        }
                    )
    return {
        "facet_options_checked": checked,
        "facet_counts_wrong": len(wrong),
        "facet_misses": wrong[:20],
    }


def check_no_answer(client: Any, queries: Iterable[str]) -> dict[str, Any]:
    """Each no-answer query should come back with no strong document."""
    results = []
    for query in queries:
        data = client.get("/api/search", params={"q": query}).json()
        results.append(
            {"query": query, "strong_total": data.get("strong_total"), "total": data.get("total")}
        )
    zero = sum(r["strong_total"] == 0 for r in results)
    return {
        "no_answer_queries": len(results),
        "no_answer_with_strong_total_0": zero,
        "no_answer_results": results,
    }


def run_checks(data_dir: Path, queries: list[str], facet_queries: list[str]) -> dict[str, Any]:
    """Facet counts against their filtered totals, and no-answer queries' strength."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Using `httpx` with `starlette.testclient`")
        from fastapi.testclient import TestClient

    from search.settings import Settings
    from web.app import create_app

    with TestClient(create_app(Settings(data_dir=data_dir)), base_url=BASE_URL) as client:
        return {**check_facet_counts(client, facet_queries), **check_no_answer(client, queries)}


SETS = {"old": QUERIES, "tune": TUNING_QUERIES, "report": REPORT_QUERIES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--files", type=Path, help="a file listing PDF paths to count")
    parser.add_argument("--json", type=Path, help="write the result here too")
    parser.add_argument("--set", choices=sorted(SETS), default="old", help="which queries")
    parser.add_argument(
        "--checks", action="store_true", help="also facet counts and no-answer strength"
    )
    args = parser.parse_args(argv)
    files = None
    if args.files:
        files = {Path(x.strip()).name for x in args.files.read_text().splitlines() if x.strip()}
    queries = SETS[args.set]
    result = measure(args.data_dir, files, queries)
    if args.checks:
        result.update(run_checks(args.data_dir, NO_ANSWER_QUERIES, queries[:5]))
    text = json.dumps(result, indent=2)
    if args.json:
        args.json.write_text(text + "\n")
    sys.stdout.write(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
