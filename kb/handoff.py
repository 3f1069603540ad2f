"""Ingest while the site runs: the site owns the embedded store, so `kb ingest` hands it the job
over loopback and shows the progress it streams back."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from rich.console import Console

from kb.reporting import outcome_line, summary_text
from search.catalogue import Catalogue
from search.library import Library
from search.schema import RunChoices
from search.settings import Settings
from web.admin import SITE_FILE, TOKEN_FILE

__all__ = [
    "hand_over",
    "hand_over_removal",
    "make_ingest_runner",
    "read_admin_token",
    "read_reply",
    "running_site",
]


def make_ingest_runner(library: Library) -> Callable[..., dict[str, Any]]:
    """The job the site runs in a worker thread, beside live searches: `emit` is given each
    file's outcome line, and progress lines (`progress_line`) for the files being read."""

    def run(
        paths: list[str], choices: RunChoices, emit: Callable[[dict[str, Any]], None]
    ) -> dict[str, Any]:
        # Read at the first job, not at the site's start: the readers of every file format
        # take a third of a second to import.
        from kb.ingesting import build_ingester, progress_line

        # Its own connection: searches read only committed documents, never half a write.
        catalogue = Catalogue(library.settings.catalogue_path)
        try:
            index = library.writer(catalogue)
            ingester = build_ingester(index, library.settings, choices)
            summary = ingester.run(
                [Path(p) for p in paths],
                prune=choices.prune,
                on_file=lambda _path, outcome: emit(outcome_line(outcome)),
                on_progress=lambda *step: emit(progress_line(*step)),
            )
            return dict(summary.as_dict())
        finally:
            catalogue.close()

    return run


def running_site(settings: Settings) -> str | None:
    """The URL of a site running on this data folder, if it announced one."""
    path = settings.data_dir / SITE_FILE
    if not path.is_file():
        return None
    try:
        return str(json.loads(path.read_text())["url"])
    except (ValueError, KeyError):
        return None


def read_admin_token(settings: Settings) -> str | None:
    if settings.web.admin_token:
        return settings.web.admin_token.get_secret_value()
    path = settings.data_dir / TOKEN_FILE
    return path.read_text().strip() if path.is_file() else None


def hand_over(
    settings: Settings, url: str, paths: list[Path], choices: RunChoices, report: Path
) -> int:
    """Send the job to the running site and print its per-file lines; 0 when it finished."""
    console = Console(stderr=True)
    token = read_admin_token(settings)
    if token is None:
        console.print("The site is running but no admin token was found: set KB_WEB__ADMIN_TOKEN.")
        return 1
    # The site's IngestJob takes the paths and each of the run's choices by its own name.
    body = {"paths": [str(p.resolve()) for p in paths], **asdict(choices)}
    console.print(f"The site at {url} owns the index: handing the ingest to it.")
    report.parent.mkdir(parents=True, exist_ok=True)
    done = 0
    try:
        with (
            httpx.stream(
                "POST",
                f"{url}/admin/ingest",
                json=body,
                timeout=None,
                headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            ) as response,
            report.open("w", encoding="utf-8") as lines,
        ):
            if response.status_code != 200:
                response.read()
                detail = str(read_reply(response).get("detail", "")) or response.text[:300]
                console.print(f"The site refused the job ({response.status_code}): {detail}")
                return 1
            for raw in response.iter_lines():
                if not raw.strip():
                    continue
                line = json.loads(raw)
                if "summary" in line:
                    console.print(summary_text(line["summary"], report))
                    return 0
                if "error" in line:
                    console.print(line["error"])
                    return 1
                if "outcome" not in line:
                    continue  # not a file's outcome (the site keeps progress lines to itself)
                done += 1
                lines.write(json.dumps(line) + "\n")
                mark = "[red]failed[/red] " if line["outcome"] == "failed" else ""
                console.print(
                    f"{done:>5} {mark}{line['file']}: {line['outcome']} {line['reason']}".rstrip()
                )
    except httpx.HTTPError as error:
        console.print(f"Could not reach the site at {url}: {error}. Stop it, or try again.")
        return 1
    console.print("The site closed the connection before the ingest finished.")
    return 1


def hand_over_removal(settings: Settings, url: str, doc_id: str) -> int:
    """Ask the running site to remove a document for good (`kb remove`); 0 when it did."""
    console = Console(stderr=True)
    token = read_admin_token(settings)
    if token is None:
        console.print("The site is running but no admin token was found: set KB_WEB__ADMIN_TOKEN.")
        return 1
    console.print(f"The site at {url} owns the index: asking it to remove the document.")
    try:
        response = httpx.delete(
            f"{url}/api/admin/documents/{quote(doc_id, safe='')}",
            timeout=60,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
        )
    except httpx.HTTPError as error:
        console.print(f"Could not reach the site at {url}: {error}. Stop it, or try again.")
        return 1
    reply = read_reply(response)
    if response.status_code == 404:
        console.print(f"No document with id {doc_id}.")
        return 1
    if response.status_code != 200:
        detail = str(reply.get("detail", "")) or response.text[:300]
        console.print(f"The site refused ({response.status_code}): {detail}")
        return 1
    print(f"Removed {doc_id}.")
    return 0


def read_reply(response: httpx.Response) -> dict[str, Any]:
    """The site's JSON answer, or {} when it answered with something else (an HTML or plain
    error page from a proxy or the host check), so the command says so instead of crashing."""
    try:
        body = response.json() if response.content else {}
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
