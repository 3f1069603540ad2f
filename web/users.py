"""Accounts and sessions in SQLite: who may sign in, with which role, and who is signed in now.

Session ids are random (256 bits) and only their SHA-256 is stored, so a copy of the
database cannot be used to sign in. Passwords are stored only as argon2 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from search.catalogue import write_transaction
from web.passwords import hash_password, verify_password

__all__ = [
    "LAST_ADMIN",
    "LAST_ADMIN_ROLE",
    "MAX_NAME_LENGTH",
    "USER_ROLES",
    "AccountError",
    "AuditEntry",
    "Session",
    "User",
    "UserRole",
    "UserStore",
    "check_name",
    "hash_session_id",
]

UserRole = Literal["partner", "staff", "admin"]
USER_ROLES: tuple[UserRole, ...] = ("partner", "staff", "admin")
MAX_NAME_LENGTH = 64
LAST_ADMIN = (
    "{name} is the only admin account, so it cannot be removed: nobody could manage the site. "
    "Add another admin account first."
)
LAST_ADMIN_ROLE = (
    "{name} is the only admin account, so it must stay an admin: nobody else could manage the "
    "site. Add another admin account first."
)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    name TEXT PRIMARY KEY COLLATE NOCASE,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    id_hash TEXT PRIMARY KEY,
    user_name TEXT NOT NULL REFERENCES users(name) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT ''
);
"""


class AccountError(ValueError):
    """A change to accounts that cannot be made; the message says why in plain words."""


@dataclass(frozen=True)
class User:
    name: str
    role: UserRole
    created_at: float


@dataclass(frozen=True)
class Session:
    """A signed-in browser: its user, role and the token its forms must send back."""

    id_hash: str
    user: str
    role: UserRole
    csrf: str
    expires_at: float


@dataclass(frozen=True)
class AuditEntry:
    at: float
    actor: str
    action: str
    detail: str


def hash_session_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8", "surrogateescape")).hexdigest()


def check_name(name: str) -> str:
    """A user name, trimmed; raise AccountError when it cannot be one."""
    name = name.strip()
    if not name or len(name) > MAX_NAME_LENGTH or not name.isprintable():
        raise AccountError(f"A user name must be 1 to {MAX_NAME_LENGTH} letters or signs.")
    return name


class UserStore:
    """One SQLite file beside the catalogue; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock, write_transaction(self._db) as db:
            yield db

    def close(self) -> None:
        self._db.close()

    # users -----------------------------------------------------------------

    def add_user(self, name: str, role: str, password: str) -> User:
        """Add an account (the password must already have passed the rules)."""
        name = check_name(name)
        if role not in USER_ROLES:
            raise AccountError(f"The role must be one of {', '.join(USER_ROLES)}.")
        digest = hash_password(password)
        now = time.time()
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM users WHERE name = ?", (name,)).fetchone():
                raise AccountError(f"There is already a user called {name}.")
            db.execute("INSERT INTO users VALUES (?,?,?,?)", (name, role, digest, now))
        return User(name, role, now)

    def remove_user(self, name: str) -> bool:
        """Remove an account and end its sessions; False when there was none.

        The last admin account is never removed (AccountError says so), so someone can always
        manage the site; the count and the removal are one transaction, so two admins removing
        each other at once cannot both succeed."""
        with self._transaction() as db:
            row = db.execute("SELECT name, role FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            if row["role"] == "admin":
                _keep_an_admin(db, LAST_ADMIN.format(name=row["name"]))
            db.execute("DELETE FROM sessions WHERE user_name = ?", (row["name"],))
            return db.execute("DELETE FROM users WHERE name = ?", (row["name"],)).rowcount > 0

    def set_password(self, name: str, password: str, keep_session: str = "") -> bool:
        """Give an account a new password (it must already have passed the rules) and end its
        sessions, so a session someone stole dies with the old password; False when there is
        no such account. `keep_session` (an id hash) spares the browser of someone setting
        their own."""
        digest = hash_password(password)
        with self._transaction() as db:
            row = db.execute("SELECT name FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                return False
            db.execute("UPDATE users SET password_hash = ? WHERE name = ?", (digest, row["name"]))
            db.execute(
                "DELETE FROM sessions WHERE user_name = ? AND id_hash != ?",
                (row["name"], keep_session),
            )
            return True

    def set_role(self, name: str, role: str) -> UserRole | None:
        """Give an account another role; its role before, or None when there is no such account.

        Sessions read the role from the account on every request, so the change applies to
        the next page the person opens. The last admin keeps the admin role (AccountError
        says so), counted in the same transaction as the change, as for removing."""
        if role not in USER_ROLES:
            raise AccountError(f"The role must be one of {', '.join(USER_ROLES)}.")
        with self._transaction() as db:
            row = db.execute("SELECT name, role FROM users WHERE name = ?", (name,)).fetchone()
            if row is None:
                return None
            if row["role"] == "admin" and role != "admin":
                _keep_an_admin(db, LAST_ADMIN_ROLE.format(name=row["name"]))
            db.execute("UPDATE users SET role = ? WHERE name = ?", (role, row["name"]))
            before: UserRole = row["role"]
            return before

    def user(self, name: str) -> User | None:
        """The account with this name (in any case), as stored; None when there is none."""
        with self._lock:
            row = self._db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        return None if row is None else User(row["name"], row["role"], row["created_at"])

    def users(self) -> list[User]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM users ORDER BY name").fetchall()
        return [User(r["name"], r["role"], r["created_at"]) for r in rows]

    def check_password(self, name: str, password: str) -> User | None:
        """The user when the password is right; None otherwise (taking the same time)."""
        with self._lock:
            row = self._db.execute("SELECT * FROM users WHERE name = ?", (name,)).fetchone()
        stored = row["password_hash"] if row else None
        if not verify_password(stored, password) or row is None:
            return None
        return User(row["name"], row["role"], row["created_at"])

    # sessions --------------------------------------------------------------

    def start_session(self, user: User, lifetime_s: float) -> tuple[str, Session]:
        """A new session: its secret id (for the cookie only) and what the site keeps."""
        session_id = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = time.time()
        id_hash = hash_session_id(session_id)
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE expires_at <= ?", (now,))
            db.execute(
                "INSERT INTO sessions VALUES (?,?,?,?,?)",
                (id_hash, user.name, csrf, now, now + lifetime_s),
            )
        return session_id, Session(id_hash, user.name, user.role, csrf, now + lifetime_s)

    def session(self, session_id: str) -> Session | None:
        """The live session with this id; None when unknown or expired."""
        if not session_id or len(session_id) > 200:
            return None
        with self._lock:
            row = self._db.execute(
                "SELECT s.*, u.role FROM sessions s JOIN users u ON u.name = s.user_name"
                " WHERE s.id_hash = ? AND s.expires_at > ?",
                (hash_session_id(session_id), time.time()),
            ).fetchone()
        if row is None:
            return None
        return Session(
            row["id_hash"], row["user_name"], row["role"], row["csrf"], row["expires_at"]
        )

    def end_session(self, id_hash: str) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM sessions WHERE id_hash = ?", (id_hash,))

    def end_sessions_of(self, name: str) -> int:
        """End every session of this user, the name in any case (as the users table matches
        it); how many ended."""
        with self._transaction() as db:
            return db.execute(
                "DELETE FROM sessions WHERE user_name = ? COLLATE NOCASE", (name,)
            ).rowcount

    def session_counts(self) -> dict[str, int]:
        """Live sessions per user, for the admin's accounts page."""
        with self._lock:
            rows = self._db.execute(
                "SELECT user_name, count(*) FROM sessions WHERE expires_at > ? GROUP BY user_name",
                (time.time(),),
            ).fetchall()
        return {str(r[0]): int(r[1]) for r in rows}

    # audit -----------------------------------------------------------------

    def audit(self, actor: str, action: str, detail: str = "") -> None:
        """Write down one admin action: who, what, and to what."""
        with self._transaction() as db:
            db.execute(
                "INSERT INTO audit (at, actor, action, detail) VALUES (?,?,?,?)",
                (time.time(), actor, action, detail[:2000]),
            )

    def audit_log(self, limit: int = 200) -> list[AuditEntry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM audit ORDER BY id DESC LIMIT ?", (max(1, min(limit, 5000)),)
            ).fetchall()
        return [AuditEntry(r["at"], r["actor"], r["action"], r["detail"]) for r in rows]


def _keep_an_admin(db: sqlite3.Connection, refusal: str) -> None:
    """Raise AccountError(`refusal`) unless another admin account is left after this one goes;
    inside the caller's transaction, so two admins acting at once cannot both pass it."""
    admins = db.execute("SELECT count(*) FROM users WHERE role = 'admin'").fetchone()
    if admins[0] <= 1:
        raise AccountError(refusal)
