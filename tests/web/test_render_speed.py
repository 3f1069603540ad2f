"""The results page is quick to draw once retrieval is done: the template alone, timed."""

from __future__ import annotations

import random
import statistics
import string
import time
from types import SimpleNamespace

import pytest
from starlette.requests import Request

from search.catalogue import DocumentRecord
from search.retrieval.searcher import DocumentResult, Passage, SearchResults
from search.schema import DocumentMeta
from web.routes_pages import results_context
from web.search_form import SearchForm
from web.searching import FacetOption, SearchOutcome
from web.templating import build_templates

RENDERS = 20
BUDGET_MS = 100.0


def _passage(rng: random.Random) -> str:
    """About 180 words, nearly all different (the worst case for remembering stems), with the
    query's words scattered through, as in a real chunk."""
    words = ["".join(rng.choices(string.ascii_lowercase, k=rng.randint(3, 11))) for _ in range(180)]
    for i in range(0, 180, 15):
        words[i] = rng.choice(["cold", "damp", "homes", "Damp", "home"])
    return " ".join(words) + "."


def _outcome(form: SearchForm) -> SearchOutcome:
    rng = random.Random(6)
    documents = []
    for rank in range(1, 11):
        meta = DocumentMeta(
            title=f"Housing and health needs assessment part {rank}",
            organisation="Leicestershire County Council",
            year=2015 + rank,
            kind="JSNA chapter",
            authors=["Public Health Team"],
        )
        record = DocumentRecord(f"doc{rank}", meta, f"doc{rank}.pdf", "/x.pdf", 40, 90, 0.0)
        passages = [
            Passage(f"c{rank}-{n}", _passage(rng), n * 3, n * 3, 0.9 - n / 10) for n in (1, 2, 3)
        ]
        documents.append(DocumentResult(record, passages, 0.9, rank))
    results = SearchResults(form.q, form.filters(), 1, 10, 57, documents, took_ms=12.0)
    facets = {
        "organisation": [FacetOption(f"Organisation {n}", 20 - n, n == 0) for n in range(12)],
        "kind": [FacetOption(f"Kind {n}", 10 - n, False) for n in range(6)],
    }
    return SearchOutcome(results, facets, (2016, 2025))


# Timing belongs in benchmarks, not in the default suite: the machines are shared and noisy.
@pytest.mark.bench
def test_results_page_for_ten_documents_renders_in_well_under_100_ms() -> None:
    form = SearchForm(q="cold damp homes", organisations=("Organisation 0",))
    outcome = _outcome(form)
    templates = build_templates("team@example.org")
    templates.env.globals["last_updated"] = lambda: "30 November 2026"  # set by the app
    template = templates.env.get_template("search.html")
    request = Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/search",
            "query_string": form.url().split("?", 1)[1].encode(),
            "headers": [],
            # The header asks the app who is signed in; a bare app has no one.
            "app": SimpleNamespace(state=SimpleNamespace()),
        }
    )
    timings = []
    for _ in range(RENDERS):
        started = time.perf_counter()
        # The context is built inside the timing: excerpts and highlights are part of the page.
        html = template.render({"request": request, **results_context(form, outcome)})
        timings.append((time.perf_counter() - started) * 1000)
    assert html.count('class="app-result"') == 10
    assert html.count("<mark>damp</mark>") >= 10
    median = statistics.median(timings)
    assert median < BUDGET_MS, f"median render {median:.1f} ms over {RENDERS} renders"
