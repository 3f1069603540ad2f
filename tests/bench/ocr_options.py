"""Tesseract's options side by side, on the pages the ingest sends to OCR and on text pages
turned into scans: CPU seconds (pdftoppm and Tesseract, as `ingest.ocr` runs them) and the
words read. A script, not a test: run it with the code of the commit to measure on PYTHONPATH.

    # the pages of a folder's PDFs that the ingest reads by OCR, and why (jumbled text or a
    # picture), as JSON
    PYTHONPATH=. .venv/bin/python -m tests.bench.ocr_options pages ../shared/data/pdfs/real \
        > /tmp/ocr/pages.json
    # text pages drawn as a 300 dpi grey scanner would, each beside its text layer (the truth)
    PYTHONPATH=. .venv/bin/python -m tests.bench.ocr_options scans ../shared/data/pdfs/real \
        /tmp/ocr/pages.json /tmp/ocr/scans --leave-out other__geotopo-komprimiert.pdf
    # every page read under every configuration in turn, for some rounds; then the table
    PYTHONPATH=. .venv/bin/python -m tests.bench.ocr_options run /tmp/ocr/pages.json \
        /tmp/ocr/real.jsonl --rounds 3 [--configs default,noinv]
    PYTHONPATH=. .venv/bin/python -m tests.bench.ocr_options run /tmp/ocr/scans \
        /tmp/ocr/scans.jsonl --rounds 3
    PYTHONPATH=. .venv/bin/python -m tests.bench.ocr_options table /tmp/ocr/real.jsonl
    PYTHONPATH=. .venv/bin/python -m tests.bench.ocr_options table /tmp/ocr/scans.jsonl \
        --truth /tmp/ocr/scans

Each page's time is the median over rounds; the order of configurations turns page by page and
round by round, so a busy spell on the shared machine falls on all of them. On scans the
measure is word recall against the page's own text layer (the share of its words, counted with
repeats, that OCR found); on the real OCR pages, which have no truth, it is the distinct English
words of three letters or more found, against all configurations' words together.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pypdf
import pytesseract  # type: ignore[import-untyped]
from PIL import Image

from ingest.ocr import _assemble
from ingest.pdf import is_glyph_garbage, read_pdf
from ingest.textlayer import TextLayer
from search.retrieval.spelling import english_words

_NO_INVERT = "-c tessedit_do_invert=0"
# name: (dpi pdftoppm draws the page at, Tesseract's extra options); "default" is ingest.ocr's.
CONFIGS: dict[str, tuple[int, str]] = {
    "default": (200, ""),
    "noinv": (200, _NO_INVERT),
    "noinv-150": (150, _NO_INVERT),
    "noinv-300": (300, _NO_INVERT),
    "default-150": (150, ""),
    "default-300": (300, ""),
    "oem1": (200, "--oem 1"),
    "inv-thr-0.5": (200, "-c invert_threshold=0.5"),
    "noinv-psm4": (200, "--psm 4 " + _NO_INVERT),
    "noinv-psm6": (200, "--psm 6 " + _NO_INVERT),
    "noinv-psm11": (200, "--psm 11 " + _NO_INVERT),
    "noinv-dpiflag": (200, "--dpi 200 " + _NO_INVERT),
    "default-dpiflag": (200, "--dpi 200"),
    "default-150-dpiflag": (150, "--dpi 150"),
    "noinv-150-dpiflag": (150, "--dpi 150 " + _NO_INVERT),
}
_WORD = re.compile(r"[a-z0-9]+")
# A text page becomes a scan only with this many words in its text layer.
_MIN_SCAN_WORDS = 200


def list_ocr_pages(folder: Path) -> list[dict[str, Any]]:
    """Each PDF's pages the ingest asks OCR for (read_pdf's own choice), and why."""
    out: list[dict[str, Any]] = []
    for path in sorted(folder.glob("*.pdf")):
        asked: list[int] = []

        def record(numbers: list[int], asked: list[int] = asked) -> dict[int, Any]:
            asked.extend(numbers)
            return {}

        # A file whose pages are all pictures raises after asking: it is still listed.
        with contextlib.suppress(Exception):
            read_pdf(path, read_scans=record)
        if not asked:
            continue
        count = len(pypdf.PdfReader(path).pages)
        with TextLayer(path, count) as layer:
            kinds = [
                "jumbled text"
                if is_glyph_garbage(text := layer.page_text(n - 1) or "") and text.strip()
                else "picture"
                for n in asked
            ]
        out.append({"file": str(path), "pages": asked, "kinds": kinds})
    return out


def make_scans(
    folder: Path,
    listed: Path,
    out: Path,
    leave_out: frozenset[str] = frozenset(),
    files: int = 12,
    seed: int = 41,
) -> None:
    """Two text pages from each of `files` PDFs (not pages OCR reads, not files named in
    `leave_out`), drawn at 300 dpi grey, saved as picture-only PDFs (JPEG, as scanners save
    them) with the text layer beside each."""
    skip = {Path(e["file"]).name: set(e["pages"]) for e in json.loads(listed.read_text())}
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    paths = sorted(p for p in folder.glob("*.pdf") if p.name not in leave_out)
    rng.shuffle(paths)
    taken: set[str] = set()
    for path in paths:
        if len(taken) >= files:
            break
        try:
            count = len(pypdf.PdfReader(path).pages)
        except Exception:  # a file pypdf refuses has no pages to take
            continue
        with TextLayer(path, count) as layer:
            candidates = [
                (n + 1, text)
                for n in range(count)
                if n + 1 not in skip.get(path.name, set())
                and len(_WORD.findall((text := layer.page_text(n) or "").lower()))
                >= _MIN_SCAN_WORDS
            ]
        for number, text in rng.sample(candidates, min(2, len(candidates))):
            taken.add(path.name)
            stem = out / f"{path.stem}-p{number}"
            subprocess.run(
                ["pdftoppm", "-r", "300", "-gray", "-png", "-singlefile", "-f", str(number),
                 "-l", str(number), str(path), str(stem)],
                check=True,
            )  # fmt: skip
            with Image.open(stem.with_suffix(".png")) as image:
                image.convert("L").save(
                    stem.with_suffix(".pdf"), "PDF", resolution=300.0, quality=85
                )
            stem.with_suffix(".png").unlink()
            stem.with_suffix(".txt").write_text(text)


def _children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def read_page(path: Path, number: int, dpi: int, config: str) -> dict[str, Any]:
    """One page read as `ingest.ocr.read_page_by_ocr` reads it, with Tesseract's `config`."""
    with tempfile.TemporaryDirectory(prefix="ocr-options-") as folder:
        stem = Path(folder) / "page"
        cpu, wall = _children_cpu(), time.perf_counter()
        subprocess.run(
            ["pdftoppm", "-r", str(dpi), "-gray", "-singlefile", "-f", str(number), "-l",
             str(number), "-x", "0", "-y", "0", "-W", str(dpi * 40), "-H", str(dpi * 40),
             str(path), str(stem)],
            check=True,
            capture_output=True,
        )  # fmt: skip
        drawn_cpu, drawn = _children_cpu(), time.perf_counter()
        picture = stem.with_suffix(".pgm")
        data = pytesseract.image_to_data(
            str(picture), lang="eng", config=config, output_type=pytesseract.Output.DICT
        )
        read_cpu, read = _children_cpu(), time.perf_counter()
        with Image.open(picture) as image:
            height = image.size[1]
    page = _assemble(data, dpi, height)
    return {
        "render_cpu": drawn_cpu - cpu,
        "render_wall": drawn - wall,
        "tess_cpu": read_cpu - drawn_cpu,
        "tess_wall": read - drawn,
        "conf": page.confidence,
        "text": page.text,
    }


def _pages_of(source: Path) -> list[tuple[str, Path, int]]:
    if source.is_dir():  # scans: one page each
        return [(p.name, p, 1) for p in sorted(source.glob("*.pdf"))]
    return [
        (f"{Path(e['file']).name}#{n}", Path(e["file"]), n)
        for e in json.loads(source.read_text())
        for n in e["pages"]
    ]


def run(source: Path, sink: Path, rounds: int, names: list[str]) -> None:
    os.environ["OMP_THREAD_LIMIT"] = "1"  # as ingest.ocr runs Tesseract
    pages = _pages_of(source)
    with sink.open("a") as out:
        for round_ in range(rounds):
            for i, (key, path, number) in enumerate(pages):
                shift = (i + round_ * 5) % len(names)
                for name in names[shift:] + names[:shift]:
                    dpi, config = CONFIGS[name]
                    row = {"round": round_, "page": key, "config": name}
                    row |= {"load": os.getloadavg()[0], **read_page(path, number, dpi, config)}
                    out.write(json.dumps(row) + "\n")
                    out.flush()
            print(f"round {round_} done {time.strftime('%H:%M:%S')}", file=sys.stderr)


def _tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _recall(truth: list[str], found: list[str]) -> tuple[int, int]:
    want, got = Counter(truth), Counter(found)
    return sum(min(n, got[w]) for w, n in want.items()), sum(want.values())


def table(results: Path, truth: Path | None) -> str:
    rows = [json.loads(line) for line in results.read_text().splitlines()]
    names = list(dict.fromkeys(r["config"] for r in rows))
    by: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by[(row["config"], row["page"])].append(row)
    rounds = max(r["round"] for r in rows) + 1
    pages = sorted(
        p for p in {r["page"] for r in rows} if all(len(by[(c, p)]) == rounds for c in names)
    )
    english = english_words()

    def searchable(text: str) -> set[str]:
        return {w for w in _tokens(text) if len(w) >= 3 and english.get(w, 0) > 0}

    union = {
        p: set().union(*(searchable(r["text"]) for c in names for r in by[(c, p)])) for p in pages
    }
    load = statistics.median(r["load"] for r in rows)
    lines = [
        f"{len(pages)} pages, {rounds} rounds, load {load:.1f} (median)",
        "| configuration | CPU s | pages/s | of default | measure |",
        "|---|---|---|---|---|",
    ]
    first = 0.0
    for name in names:
        cpu = sum(
            statistics.median(r["render_cpu"] + r["tess_cpu"] for r in by[(name, p)]) for p in pages
        )
        first = first or cpu
        texts = {p: by[(name, p)][0]["text"] for p in pages}  # the same text every round
        if truth is not None:
            counts = [
                _recall(_tokens((truth / p).with_suffix(".txt").read_text()), _tokens(texts[p]))
                for p in pages
            ]
            found, total = sum(c[0] for c in counts), sum(c[1] for c in counts)
            measure = f"word recall {100 * found / total:.2f}%"
        else:
            found = sum(len(searchable(texts[p])) for p in pages)
            total = sum(len(union[p]) for p in pages)
            measure = f"English words {found} of {total} ({100 * found / total:.1f}%)"
        lines.append(
            f"| {name} | {cpu:.1f} | {len(pages) / cpu:.2f} | {cpu / first:.2f} | {measure} |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    pages = commands.add_parser("pages")
    pages.add_argument("folder", type=Path)
    scans = commands.add_parser("scans")
    scans.add_argument("folder", type=Path)
    scans.add_argument("listed", type=Path)
    scans.add_argument("out", type=Path)
    scans.add_argument("--leave-out", action="append", default=[], help="a file's name")
    runs = commands.add_parser("run")
    runs.add_argument("source", type=Path, help="pages JSON, or a folder of scans")
    runs.add_argument("sink", type=Path)
    runs.add_argument("--rounds", type=int, default=3)
    runs.add_argument("--configs", default=",".join(CONFIGS))
    tables = commands.add_parser("table")
    tables.add_argument("results", type=Path)
    tables.add_argument("--truth", type=Path)
    args = parser.parse_args(argv)
    if args.command == "pages":
        print(json.dumps(list_ocr_pages(args.folder), indent=1))
    elif args.command == "scans":
        make_scans(args.folder, args.listed, args.out, frozenset(args.leave_out))
    elif args.command == "run":
        run(args.source, args.sink, args.rounds, args.configs.split(","))
    else:
        print(table(args.results, args.truth))


if __name__ == "__main__":
    main(sys.argv[1:])
