"""Writes the scale benchmark's table into bench/RESULTS.md, between two marker lines."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.bench.scale.serving import FILTERED, LOCAL_FIRST, NEWEST

START = "<!-- scale:start -->"
END = "<!-- scale:end -->"
PAGES = (
    "/api/search",
    "/search",
    FILTERED,
    NEWEST,
    LOCAL_FIRST,
    "document page",
    "determinant page",
    "/determinants",
)


def render(results: dict[str, Any]) -> str:
    sizes = sorted(results["sizes"].items(), key=lambda kv: int(kv[0]))
    lines = [
        START,
        "",
        f"Source: the real library ({results['source_chunks']} chunks), copied into distinct "
        f"documents. {results['cores']} cores shared with other jobs (load average shown).",
        "",
        "| chunks | build s | disk MB | start → first answer s | first query ms | start → read "
        "ahead s | site RSS MB (peak) | HNSW recall@10 (bench questions / held-out questions / "
        "chunk vectors) | load before → after |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in sizes:
        mem = r["site_memory"]
        recall = r["recall_at_10"]
        lines.append(
            f"| {r['chunks']:,} | {r['build_s'] or 'earlier run'} | {r['disk_mb']:.0f} | "
            f"{r['start_to_first_answer_s']} | {r['first_query_ms']} | "
            f"{r.get('read_ahead_s') or '–'} | "
            f"{mem['rss_mb']:.0f} ({mem['peak_rss_mb']:.0f}) | "
            f"{recall['queries']} / {recall.get('held_out_questions', '–')} / "
            f"{recall['chunk_vectors']} | "
            f"{r['load_before'][0]} → {r['load_after'][0]} |"
        )
    lines += [
        "",
        "Warm latency over HTTP, p50 / p95 ms; 1 client, then 8 clients (requests/s, errors):",
        "",
        "| chunks | page | 1 client p50 / p95 | 8 clients p50 / p95 | 8 clients req/s | errors "
        "| load (1 client / 8) | CPU stolen / waiting on disk % (1 client; 8) "
        "| 8 clients: CPU ms a request, site / engine / clients |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in sizes:
        for page in (p for p in PAGES if p in r["pages"]):  # runs before a page was added
            one, eight = r["pages"][page]["one_client"], r["pages"][page]["eight_clients"]
            lines.append(
                f"| {r['chunks']:,} | {page} | {one['p50_ms']} / {one['p95_ms']} | "
                f"{eight['p50_ms']} / {eight['p95_ms']} | {eight['requests_per_s']} | "
                f"{one['errors'] + eight['errors']} | "
                f"{one.get('load', '?')} / {eight.get('load', '?')} | "
                f"{_waits(one)}; {_waits(eight)} | {_cpu_split(eight)} |"
            )
    lines += [
        "",
        "First pass (each query, document and determinant asked once, 1 client; for a search",
        "this is its first sight of its matching chunks), p50 / p95 ms:",
        "",
        "| chunks | " + " | ".join(PAGES) + " |",
        "|---|" + "---|" * len(PAGES),
    ]
    for _, r in sizes:
        cells = [
            f"{c['p50_ms']} / {c['p95_ms']} (load {c['load']})"
            if (c := r["pages"].get(page, {}).get("first_pass"))
            else "–"
            for page in PAGES
        ]
        lines.append(f"| {r['chunks']:,} | " + " | ".join(cells) + " |")
    asked = [(r["chunks"], r["new_questions"]) for _, r in sizes if "new_questions" in r]
    if asked:
        lines += [
            "",
            "`/api/search` for officers' questions the site had not been asked (each once, 1 "
            "client, after the runs above), p50 / p95 ms:",
            "",
            "| chunks | questions | p50 / p95 | errors | load |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {chunks:,} | {n['requests']} | {n['p50_ms']} / {n['p95_ms']} | {n['errors']} | "
            f"{n['load']} |"
            for chunks, n in asked
        ]
    compared = [(s, r["qdrant_client_local"]) for s, r in sizes if "qdrant_client_local" in r]
    for size, c in compared:
        e, q, ratio = c["embedded"], c["qdrant_client_local"], c["local_over_embedded"]
        lines += [
            "",
            f"Same hybrid queries in process at {int(size):,} chunks ({c['queries']} timed; "
            f"start = open + first answer):",
            "",
            "| engine | start s | p50 ms | p95 ms |",
            "|---|---|---|---|",
            f"| qdrant-edge (embedded, ours) | {e['start_s']} | {e['p50_ms']} | {e['p95_ms']} |",
            f"| qdrant-client local mode | {q['start_s']} | {q['p50_ms']} | {q['p95_ms']} |",
            f"| ratio local / embedded | {ratio['start']}× | {ratio['p50']}× | {ratio['p95']}× |",
        ]
        if "load" in c:
            lines += ["", f"Load average before → after: {c['load'][0]} → {c['load'][1]}."]
    lines += ["", END]
    return "\n".join(lines)


def write_report(results: dict[str, Any], path: Path) -> None:
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    table = render(results)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        after = rest.split(END, 1)[1]
        text = before + table + after
    else:
        text = text.rstrip("\n") + "\n\n## Scale (make bench-scale)\n\n" + table + "\n"
    path.write_text(text, encoding="utf-8")


def _waits(run: dict[str, Any]) -> str:
    """CPU time stolen by the host and waiting on the disk during a run ("?" before the bench
    recorded them)."""
    if "stolen_pct" not in run:
        return "?"
    return f"{run['stolen_pct']} / {run['io_wait_pct']}"


def _cpu_split(run: dict[str, Any]) -> str:
    """The CPU a request took in the site's process, the engine's and the clients' ("?"
    before the bench recorded it): a rate short of its target shows which process held it
    back."""
    split = run.get("cpu_ms_per_request")
    if not split:
        return "?"
    return f"{split['site']} / {split['engine']} / {split['clients']}"
