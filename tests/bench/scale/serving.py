"""Times a built library over HTTP on loopback: `kb serve` started as an admin would, then the
pages a visitor opens, with one client and with eight at once (bounded in count and time)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

from tests.bench.test_strength import read_queries
from tests.processes import cpu_s, descendants

QUERIES = (
    "what helps older people who are lonely in rural villages",
    "housing benefit claims among older people",
    "free school meals eligibility and uptake",
    "deprivation in coastal towns",
    "child poverty rates",
    "damp and mould in rented homes",
    "homelessness deaths review",
    "physical activity levels in adults",
    "food banks and food insecurity",
    "air pollution and health",
    "pharmacy access and opening hours",
    "suicide prevention strategy",
    "carers support services",
    "home to school transport",
    "Gypsy and Traveller health needs",
    "fuel poverty and cold homes",
)
DETERMINANTS = ("housing", "income", "social_connection", "food", "transport", "work")
# Officers' questions for the timing of searches nobody has asked before: the worn sets only
# (council11 and council12 are kept for judging strength rules; timing reads no labels, but
# they stay untouched all the same).
NEW_QUESTION_SETS = tuple(f"council{n}" for n in range(2, 11))
NEW_QUESTIONS_TIMED = 64

FILTERED = "/search, a determinant ticked"
NEWEST = "/search, newest first"
LOCAL_FIRST = "/search, local first"


def cpu_times() -> list[int]:
    """The machine's CPU time so far by kind (user, nice, system, idle, iowait, irq, softirq,
    steal, ...), in clock ticks; empty where the kernel does not say."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except (OSError, IndexError):
        return []
    return [int(x) for x in first[1:]] if first and first[0] == "cpu" else []


def machine_waits(before: list[int], after: list[int]) -> dict[str, float]:
    """The shares of all CPU time between two readings that the host took for other guests
    (steal) and that waited on the disk (iowait), in percent: a slow run on a shared machine
    shows here, where the load average does not."""
    spent = [b - a for a, b in zip(before, after, strict=False)]
    total = sum(spent[:8])
    if len(spent) < 8 or total <= 0:
        return {}
    return {
        "stolen_pct": round(100 * spent[7] / total, 1),
        "io_wait_pct": round(100 * spent[4] / total, 1),
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base: str
    started_s: float
    first_query_ms: float
    answered_at: float  # time.monotonic() when the first search was answered

    def rss_mb(self) -> dict[str, float]:
        """Resident memory now and at its peak, from the kernel's own counters, of the site
        and every process it started (the engine's, `KB_QDRANT__ENGINE_PROCESS`): the peak is
        the sum of each one's peak, so never less than their peak together."""
        site = _memory_kb(self.process.pid)
        children = [_memory_kb(pid) for pid in descendants(self.process.pid)]
        total = {k: site[k] + sum(c[k] for c in children) for k in ("VmRSS", "VmHWM")}
        return {
            "rss_mb": round(total["VmRSS"] / 1024, 1),
            "peak_rss_mb": round(total["VmHWM"] / 1024, 1),
            "children_rss_mb": round(sum(c["VmRSS"] for c in children) / 1024, 1),
        }

    def cpu_s(self) -> tuple[float, float]:
        """CPU time so far (user and system) of the site's process and of every process it
        started (the engine's), in seconds."""
        return cpu_s(self.process.pid), sum(map(cpu_s, descendants(self.process.pid)))


def _memory_kb(pid: int) -> dict[str, int]:
    fields = {"VmRSS": 0, "VmHWM": 0}
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return fields  # ended meanwhile
    for line in lines:
        name, _, value = line.partition(":")
        if name in fields:
            fields[name] = int(value.split()[0])
    return fields


@contextmanager
def serve(data_dir: Path, port: int, timeout_s: float = 180.0) -> Iterator[Server]:
    """Start `kb serve`; time until it answers its first search, and that search's own time."""
    env = {**os.environ, "KB_DATA_DIR": str(data_dir), "KB_WEB__PORT": str(port)}
    kb = Path(sys.executable).with_name("kb")
    started = time.monotonic()
    process = subprocess.Popen([str(kb), "serve"], env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(timeout=60) as client:
            while True:
                if process.poll() is not None or time.monotonic() - started > timeout_s:
                    raise RuntimeError(f"kb serve did not answer within {timeout_s:.0f} s")
                asked = time.monotonic()
                try:
                    response = client.get(f"{base}/api/search", params={"q": "child poverty"})
                except httpx.TransportError:
                    time.sleep(0.05)
                    continue
                if response.status_code == 200:
                    done = time.monotonic()
                    break
        yield Server(process, base, done - started, (done - asked) * 1000, done)
    finally:
        process.terminate()
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for_read_ahead(server: Server, timeout_s: float = 600.0) -> float | None:
    """Seconds from the site's start until /healthz says it has read ahead (None: it reads
    nothing ahead, or did not finish in time)."""
    with httpx.Client(base_url=server.base, timeout=60) as client:
        while True:
            state = client.get("/healthz").json().get("read_ahead")
            since_start = server.started_s + (time.monotonic() - server.answered_at)
            if state == "done":
                return round(since_start, 1)
            if state != "reading" or since_start > timeout_s:
                return None
            time.sleep(0.5)


Target = Callable[[int], str]


def targets(doc_ids: list[str]) -> dict[str, Target]:
    """The pages timed; request n of each asks for a different query, document or determinant."""
    return {
        "/api/search": lambda n: f"/api/search?q={QUERIES[n % len(QUERIES)]}",
        "/search": lambda n: f"/search?q={QUERIES[n % len(QUERIES)]}",
        # An officer ticks a filter: its group's counts are then taken over the matches
        # without it, a second walk of the graph.
        FILTERED: lambda n: (
            f"/search?q={QUERIES[n % len(QUERIES)]}"
            f"&determinant={DETERMINANTS[n % len(DETERMINANTS)]}"
        ),
        # Either order reads every matched document's year or places, not only the page's.
        NEWEST: lambda n: f"/search?q={QUERIES[n % len(QUERIES)]}&sort=newest",
        LOCAL_FIRST: lambda n: f"/search?q={QUERIES[n % len(QUERIES)]}&local=1",
        "document page": lambda n: f"/documents/{doc_ids[n % len(doc_ids)]}",
        "determinant page": lambda n: f"/determinants/{DETERMINANTS[n % len(DETERMINANTS)]}",
        "/determinants": lambda n: "/determinants",
    }


def _time_one(client: httpx.Client, url: str) -> tuple[float, str]:
    """The request's time and its status ("200", "503", or the transport error's name)."""
    started = time.perf_counter()
    try:
        status = str(client.get(url).status_code)
    except httpx.HTTPError as error:
        status = type(error).__name__
    return (time.perf_counter() - started) * 1000, status


def run_clients(
    base: str,
    target: Target,
    clients: int,
    requests: int,
    limit_s: float,
    server: Server | None = None,
) -> dict[str, Any]:
    """`clients` threads share `requests` requests (or stop at `limit_s`); latency and rate,
    and, with the `server`, the CPU each request took in each process: the site's, the
    engine's and this one's (the clients), so a rate short of its target says which process
    held it back."""
    times: list[float] = []
    errors: Counter[str] = Counter()
    lock = threading.Lock()
    counter = iter(range(requests))
    deadline = time.monotonic() + limit_s

    def work() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            for n in counter:
                if time.monotonic() > deadline:
                    return
                took, status = _time_one(client, target(n))
                with lock:
                    times.append(took)
                    if status != "200":
                        errors[status] += 1

    load = os.getloadavg()[0]
    ticks = cpu_times()
    spent_before = _cpu_spent(server)
    started = time.perf_counter()
    threads = [threading.Thread(target=work) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    split: dict[str, Any] = {}
    spent_after = _cpu_spent(server)
    if spent_before and spent_after and times:
        spent = [b - a for a, b in zip(spent_before, spent_after, strict=True)]
        split["cpu_ms_per_request"] = {
            name: round(seconds * 1000 / len(times), 2)
            for name, seconds in zip(("site", "engine", "clients"), spent, strict=True)
        }
    return {
        "requests": len(times),
        "requests_per_s": round(len(times) / elapsed, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(percentile(times, 0.95), 1),
        "errors": sum(errors.values()),
        "error_statuses": dict(errors),
        # The machine is shared: the 1-minute load average when this run began, and the CPU
        # time the host took away or that waited on the disk while it ran.
        "load": round(load, 1),
        **machine_waits(ticks, cpu_times()),
        **split,
    }


def _cpu_spent(server: Server | None) -> tuple[float, float, float] | None:
    """The CPU time so far of the site's process, the engine's and this one (the clients'),
    in seconds; None without a server."""
    return None if server is None else (*server.cpu_s(), time.process_time())


def new_questions(most: int = NEW_QUESTIONS_TIMED) -> list[str]:
    """Up to `most` different officers' questions, spread evenly over `NEW_QUESTION_SETS`, in a
    fixed order: none of them is one of the bench's own `QUERIES`."""
    asked = dict.fromkeys(
        str(query["query"]).strip() for name in NEW_QUESTION_SETS for query in read_queries(name)
    )
    every = [q for q in asked if q not in QUERIES]
    step = max(1, len(every) // most)
    return every[::step][:most]


def measure_new_questions(
    server: Server, questions: list[str], limit_s: float = 60.0
) -> dict[str, Any]:
    """`/api/search` for questions the site has not been asked, each once, one client: what an
    officer typing a new question waits for (its vector, its matches' first reading, and the
    answer check and word pull, which the warm runs have remembered)."""
    return run_clients(
        server.base,
        lambda n: f"/api/search?q={quote(questions[n])}",
        clients=1,
        requests=len(questions),
        limit_s=limit_s,
    )


# 240 requests with one client (each of the 16 questions 15 times) and 720 shared by eight:
# p95 of 60 was the 4th slowest request, and moved by 10 ms between runs of the same code.
def measure_pages(
    server: Server, doc_ids: list[str], requests: int = 240, limit_s: float = 60.0
) -> dict[str, Any]:
    """Each page warmed (every query, document and determinant asked once, timed as the
    first pass: a search's first sight of its matching chunks reads their payloads into the
    chunk table), then timed with 1 client and with 8."""
    out: dict[str, Any] = {}
    for name, target in targets(doc_ids).items():
        first: list[float] = []
        load = os.getloadavg()[0]
        with httpx.Client(base_url=server.base, timeout=60) as client:
            for n in range(max(len(QUERIES), len(DETERMINANTS), min(len(doc_ids), 16))):
                took, _ = _time_one(client, target(n))
                first.append(took)
        out[name] = {
            "first_pass": {
                "requests": len(first),
                "p50_ms": round(statistics.median(first), 1),
                "p95_ms": round(percentile(first, 0.95), 1),
                "load": round(load, 1),
            },
            "one_client": run_clients(server.base, target, 1, requests, limit_s, server),
            "eight_clients": run_clients(server.base, target, 8, requests * 3, limit_s, server),
        }
    return out
