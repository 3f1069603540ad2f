"""What the catalogue reads behind the status, health and determinant pages cost as the library
grows: a synthetic catalogue of N documents (each about three determinants, with a file and a
2 KB summary in its details, a tenth of them internal) and the mean time of each read, for the
whole library and for a visitor's view. A script, not a test: run it with the code of the
commit to measure on PYTHONPATH (the catalogue is built by that code, so use a new path each).

    PYTHONPATH=. .venv/bin/python tests/bench/catalogue_reads.py /tmp/cat.sqlite --documents 20000
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from search.catalogue import Catalogue, DocumentRecord, FileOutcome
from search.schema import DocumentMeta

DETERMINANTS = ("housing", "income", "education", "work", "transport", "environment")
PLACES = ("leicester", "blaby", "charnwood", "london", "manchester", "east_midlands")
LOCAL = ["leicester", "blaby", "charnwood"]


def build(catalogue: Catalogue, documents: int) -> None:
    chosen = random.Random(1)
    for n in range(documents):
        about = chosen.sample(DETERMINANTS, 3)
        strongest = {
            d: {
                "chunk": f"c{n}-{i}",
                "strength": chosen.random(),
                "passages": chosen.randint(1, 30),
            }
            for i, d in enumerate(about)
        }
        extra = {
            "determinants": {d: chosen.random() for d in about},
            "places": [chosen.choice(PLACES)],
            "strongest": strongest,
            "summary": "x" * 2000,
        }
        access = "internal" if n % 10 == 0 else "public"
        meta = DocumentMeta(title=f"Report {n}", year=chosen.randint(2000, 2025), access=access)
        record = DocumentRecord(f"d{n}", meta, f"f{n}.pdf", f"/x/f{n}.pdf", 30, 70, float(n), extra)
        outcome = "failed" if n % 50 == 0 else "indexed"
        catalogue.add_document(
            record,
            ["page"] * 3,
            FileOutcome(record.path, record.file_name, outcome, doc_id=f"d{n}"),
        )


def mean_ms(read: Callable[[Catalogue], Any], catalogue: Catalogue, rounds: int) -> float:
    read(catalogue)
    started = time.perf_counter()
    for _ in range(rounds):
        read(catalogue)
    return round((time.perf_counter() - started) / rounds * 1000, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("path", type=Path)
    parser.add_argument("--documents", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    catalogue = Catalogue(args.path)
    if catalogue.stats()["documents"] == 0:
        build(catalogue, args.documents)
    views = {"whole": catalogue, "visitor": catalogue.scoped(["public"])}
    reads: dict[str, Callable[[Catalogue], Any]] = {
        "stats (healthz, metrics)": lambda c: c.stats(),
        "determinant totals (overview)": lambda c: c.determinant_totals(),
        "one determinant's totals": lambda c: c.determinant_totals_for("housing"),
        "strongest 10 about housing": lambda c: c.strongest_passages("housing", LOCAL, 10),
        "newest 5 about housing": lambda c: c.newest_about("housing", 5),
    }
    whole_only: dict[str, Callable[[Catalogue], Any]] = {
        "file counts (status, metrics)": lambda c: c.file_counts(),
        "last page of 50 files": lambda c: c.files(None, args.documents - 50, 50),
        "a page of failed files": lambda c: c.files("failed", 0, 50),
    }
    out: dict[str, dict[str, float]] = {}
    for name, read in reads.items():
        out[name] = {view: mean_ms(read, c, args.rounds) for view, c in views.items()}
    for name, read in whole_only.items():
        out[name] = {"whole": mean_ms(read, catalogue, args.rounds)}
    catalogue.close()
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
