"""Who may use the admin pages: a token from settings, or one made at start-up for this machine."""

from __future__ import annotations

import base64
import hmac
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import HTTPException, Request, status

TOKEN_FILE = ".admin-token"
SITE_FILE = "site.json"
_LOOPBACK = {"127.0.0.1", "::1", "localhost", "testclient"}


@dataclass(frozen=True)
class AdminAccess:
    token: str


def prepare_admin_token(data_dir: Path, configured: str | None) -> str:
    """The configured token, or a fresh random one saved where only this user can read it."""
    if configured:
        return configured
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / TOKEN_FILE
    token = secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(token)
    return token


def announce_site(data_dir: Path, url: str) -> None:
    """Tell local `kb` commands where the running site listens (they hand jobs to it)."""
    (data_dir / SITE_FILE).write_text(json.dumps({"url": url, "pid": os.getpid()}))


def withdraw_site(data_dir: Path) -> None:
    (data_dir / SITE_FILE).unlink(missing_ok=True)


def _presented_token(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer":
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip()).decode()
        except (ValueError, UnicodeDecodeError):
            return ""
        return decoded.partition(":")[2]
    return ""


def require_admin(request: Request) -> None:
    """Admin routes answer only on this machine and only with the token."""
    token: str | None = getattr(request.app.state, "admin_token", None)
    client = request.client.host if request.client else ""
    if client not in _LOOPBACK:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN, "Admin pages only work on the server itself."
        )
    if not token or not hmac.compare_digest(_presented_token(request), token):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "Sign in with the admin token (any user name, the token as the password).",
            headers={"WWW-Authenticate": 'Basic realm="Evidence Finder admin"'},
        )
