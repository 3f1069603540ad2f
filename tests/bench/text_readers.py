"""Page text by pypdf and by the product's PDFium reader (`ingest.textlayer.TextLayer`) over a
folder of PDFs, side by side: the process CPU each spends, and how far their words agree
(files that differ most are listed).

    .venv/bin/python -m tests.bench.text_readers ../shared/data/pdfs/real [--every N]
"""

from __future__ import annotations

import argparse
import difflib
import statistics
import time
import warnings
from pathlib import Path

import pypdf

from ingest.textlayer import TextLayer


def _pypdf_pages(path: Path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def _pdfium_pages(path: Path) -> list[str]:
    count = len(pypdf.PdfReader(path).pages)
    with TextLayer(path, count) as layer:
        return [layer.page_text(n) or "" for n in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--every", type=int, default=1, help="read every Nth file by name")
    parser.add_argument("--words", type=int, default=3000, help="words compared per file")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    files = sorted(args.folder.glob("*.pdf"))[:: max(1, args.every)]
    spent = {"pypdf": 0.0, "pdfium": 0.0}
    agree: list[float] = []
    pages = 0
    for path in files:
        texts = {}
        for name, read in (("pypdf", _pypdf_pages), ("pdfium", _pdfium_pages)):
            started = time.process_time()
            try:
                texts[name] = read(path)
            except Exception as error:  # a reader that fails on a file is reported, not fatal
                print(f"{path.name}: {name} failed ({type(error).__name__})")
            spent[name] += time.process_time() - started
        if len(texts) < 2:
            continue
        pages += len(texts["pypdf"])
        a, b = (" ".join(texts[n]).split()[: args.words] for n in ("pypdf", "pdfium"))
        share = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()
        agree.append(share)
        if share < 0.97:
            print(f"{path.name}: words agree {share:.3f} ({len(a)} by pypdf, {len(b)} by PDFium)")
    print(
        f"{len(files)} files, {pages} pages: pypdf {spent['pypdf']:.1f} CPU-s, "
        f"PDFium {spent['pdfium']:.1f} CPU-s ({spent['pypdf'] / max(spent['pdfium'], 1e-9):.1f}x)"
    )
    if agree:
        print(f"words agree: median {statistics.median(agree):.3f}, lowest {min(agree):.3f}")


if __name__ == "__main__":
    main()
