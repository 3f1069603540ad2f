"""Admin route for `kb backup` while the site runs: the site owns the embedded index, so it
makes the copy itself, with ingest held off so store and catalogue match."""

from __future__ import annotations

import time
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request, status

from search.backup import BackupError, write_backup
from web.admin import require_admin
from web.deps import WholeLibraryDep
from web.ingest_lock import Holder, IngestLock, take_or_refuse

__all__ = ["router"]

BACKUPS_DIR = "backups"

router = APIRouter(dependencies=[Depends(require_admin)], include_in_schema=False)


@router.post("/api/admin/backup")
def admin_backup(request: Request, library: WholeLibraryDep) -> dict[str, Any]:
    """Write a backup under the data folder (never a path from the request) and say where."""
    lock: IngestLock = request.app.state.ingest_lock
    take_or_refuse(lock, Holder.BACKUP)
    try:
        stamp = time.strftime("%Y%m%d-%H%M%S") + f"-{time.time_ns() % 1_000_000:06d}"
        target = (library.settings.data_dir / BACKUPS_DIR / f"backup-{stamp}").resolve()
        info = write_backup(library.store, library.catalogue, library.settings, target)
    except BackupError as error:
        raise HTTPException(status.HTTP_409_CONFLICT, str(error)) from None
    finally:
        lock.release()
    return asdict(info)
