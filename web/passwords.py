"""Passwords: argon2 hashes, and the rules new passwords must meet.

The rules follow the NCSC's current advice: length over complexity (no demands for
symbols or capitals, long passwords and spaces welcome) and a check against a list of
passwords people use most, which attackers try first.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "COMMON_PASSWORDS",
    "MAX_PASSWORD_LENGTH",
    "hash_password",
    "password_problem",
    "read_common_passwords",
    "verify_password",
]

COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt"
MAX_PASSWORD_LENGTH = 256

_HASHER = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Checked when the user is unknown, so a wrong name takes as long as a wrong password.
    Made on first use, not at import: an argon2 hash takes a fifth of a second."""
    return _HASHER.hash("not a real password, only here to spend the same time")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when `password` matches; always does the same work, even with no hash."""
    if len(password) > MAX_PASSWORD_LENGTH:
        return False
    try:
        return _HASHER.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


@cache
def read_common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines if line.strip())


def password_problem(
    password: str, user_name: str, min_length: int, whose: Literal["your", "their"] = "your"
) -> str | None:
    """Why this password may not be used, in plain words; None when it is fine.

    `whose` only words the message: "their" when an admin chooses someone else's password."""
    if len(password) < min_length:
        return (
            f"Use at least {min_length} characters. "
            "Three random words together are long and easy to remember."
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Use at most {MAX_PASSWORD_LENGTH} characters."
    folded = password.strip().lower()
    if folded in read_common_passwords() or len(set(folded)) <= 2:
        return "That password is too common. Pick one that people would not guess."
    if user_name and user_name.strip().lower() in folded:
        return f"Do not put {whose} user name in {whose} password."
    return None
