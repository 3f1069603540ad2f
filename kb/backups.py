"""`kb backup` and `kb restore`: copy the library (index, uploaded files, accounts) while the
site runs (the site makes the copy), or directly when nothing owns it; restore only when nothing
does."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import typer

from kb.config import require_library
from kb.handoff import read_admin_token, read_reply, running_site
from search.backup import BackupError, check_backup_target, restore_backup, write_backup
from search.settings import Settings
from search.store.base import StoreBusyError, StoreError

__all__ = ["run_backup", "run_restore"]


def run_backup(settings: Settings, target: Path) -> int:
    """0 when a complete backup is in `target`; a plain message on stderr otherwise."""
    from search.library import Library

    require_library(settings)
    target = target.resolve()
    try:
        check_backup_target(settings, target)
    except BackupError as error:
        typer.echo(str(error), err=True)
        return 2
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        typer.echo(f"{target} is not an empty folder. Choose a new folder.", err=True)
        return 2
    try:
        library = Library.open(settings)
    except StoreBusyError as error:
        url = running_site(settings)
        if url is None:
            typer.echo(str(error), err=True)
            return 1
        return _backup_through_site(settings, url, target)
    except StoreError as error:
        typer.echo(str(error), err=True)
        return 1
    try:
        info = write_backup(library.store, library.catalogue, settings, target)
    except (BackupError, OSError) as error:
        typer.echo(f"The backup could not be made: {error}", err=True)
        return 1
    finally:
        library.close()
    _say_done(info.documents, info.chunks, target, info.uploaded_files)
    return 0


def _backup_through_site(settings: Settings, url: str, target: Path) -> int:
    token = read_admin_token(settings)
    if token is None:
        typer.echo("The site is running but no admin token was found: set KB_WEB__ADMIN_TOKEN.")
        return 1
    typer.echo(f"The site at {url} owns the index: asking it for a backup.", err=True)
    try:
        response = httpx.post(
            f"{url}/api/admin/backup", headers={"Authorization": f"Bearer {token}"}, timeout=None
        )
    except httpx.HTTPError as error:
        typer.echo(f"Could not reach the site at {url}: {error}. Try again.", err=True)
        return 1
    body = read_reply(response)
    if response.status_code != 200 or "path" not in body:
        detail = body.get("detail", "") or response.text[:300]
        typer.echo(f"The site refused ({response.status_code}): {detail}", err=True)
        return 1
    made = Path(str(body["path"]))
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            target.rmdir()
        shutil.move(made, target)
    except OSError as error:
        typer.echo(f"The backup is in {made} but could not be moved to {target}: {error}", err=True)
        return 1
    _say_done(
        int(body["documents"]), int(body["chunks"]), target, int(body.get("uploaded_files", 0))
    )
    return 0


def _say_done(documents: int, chunks: int, target: Path, uploaded: int) -> None:
    typer.echo(
        f"Backed up {documents} documents ({chunks} chunks), {uploaded} uploaded files and the "
        f"accounts to {target}",
        err=True,
    )


def run_restore(settings: Settings, source: Path) -> int:
    """0 when the backup is in place; what it replaced is kept, and the message says where."""
    try:
        info, kept = restore_backup(settings, source.resolve())
    except (BackupError, OSError) as error:
        # A failure part-way says itself what became of the library it was replacing.
        typer.echo(f"The backup was not restored: {error}", err=True)
        return 1
    extra = (
        f", {info.uploaded_files} uploaded files and the accounts"
        if info.uploads_dir
        else " (a backup from before uploaded files and accounts were kept: those here are"
        " left as they are)"
    )
    typer.echo(
        f"Restored {info.documents} documents ({info.chunks} chunks){extra} from {source}. "
        f"What it replaced is kept in {kept}.",
        err=True,
    )
    return 0
