# Evidence Finder: `make run` sets up and serves; `make test` sets up and tests.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
KB := $(VENV)/bin/kb
STAMP := $(VENV)/.installed
ASSETS := web/frontend/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install run serve ingest corpus test test-fast check lint bench bench-scale browser-deps ocr-deps clean

install: $(STAMP) $(ASSETS)

# CPU torch first and pinned, so nothing later can pull a CUDA build.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

$(ASSETS): web/frontend/package.json
	npm ci --prefix web/frontend --no-audit --no-fund --loglevel=error
	touch $(ASSETS)

corpus: install
	$(PY) -m corpus.tooling.briefs corpus/briefs

ingest: corpus
	$(KB) ingest corpus

run: ingest
	$(KB) serve

serve: install
	$(KB) serve

# Debian's Chromium for the browser tests; installed only when missing.
browser-deps:
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver >/dev/null)

# Tesseract reads scanned pages; poppler's pdftoppm turns PDF pages into pictures for it.
ocr-deps:
	@command -v tesseract >/dev/null && command -v pdftoppm >/dev/null || (apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-eng poppler-utils >/dev/null)

test: install corpus browser-deps ocr-deps
	$(PY) -m pytest -q -m "not bench"

# The inner loop: no subprocess, crash or browser suites (they run in `make test`).
test-fast: install
	$(PY) -m pytest -q -m "not bench and not browser and not slow"

lint: install
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache

check: lint test

bench: install corpus ocr-deps
	$(PY) -m pytest -q -m bench -s

# Libraries of 10k/100k/300k chunks copied from an index of the real PDFs (built here when
# missing: about 15 minutes on 2 cores; a no-op when done), timed over HTTP.
# SCALE_SIZES=10000,100000 for less.
SCALE_SOURCE ?= data/bench-real
SCALE_SIZES ?= 10000,100000,300000
bench-scale: install
	KB_DATA_DIR=$(SCALE_SOURCE) $(KB) ingest ../shared/data/pdfs/real
	$(PY) -m tests.bench.scale --source $(SCALE_SOURCE) --sizes $(SCALE_SIZES)

clean:
	rm -rf $(VENV) data web/frontend/node_modules
