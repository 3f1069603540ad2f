# The site and the kb command, CPU only.
FROM python:3.11-slim
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm make && rm -rf /var/lib/apt/lists/*
WORKDIR /srv/app
COPY . .
RUN python -m venv .venv && .venv/bin/pip install --no-cache-dir torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu \
    && .venv/bin/pip install --no-cache-dir -e . && npm ci --prefix web/frontend --omit=dev
ENV PATH=/srv/app/.venv/bin:$PATH HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 KB_CORPUS_DIR=/srv/corpus
EXPOSE 8000
CMD ["kb", "serve"]
