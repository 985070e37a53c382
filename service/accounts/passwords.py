"""Password hashing (argon2id) and the password rule."""

from __future__ import annotations

import asyncio
import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 1024

_HASHER = PasswordHasher()


def password_problem(password: str, email: str = "") -> str | None:
    """Why a new password is refused (a message key for the UI), or None when acceptable."""
    if len(password) < MIN_LENGTH:
        return "too_short"
    if len(password) > MAX_LENGTH:
        return "too_long"
    if email and password.strip().lower() == email.strip().lower():
        return "same_as_email"
    return None


async def hash_password(password: str) -> str:
    """The argon2id hash of a password; computed in a thread, it takes tens of milliseconds."""
    return await asyncio.to_thread(_HASHER.hash, password)


@functools.cache
def _decoy_hash() -> str:
    return _HASHER.hash("not a password of anybody")


def _verify(stored: str | None, password: str) -> bool:
    try:
        # Unknown accounts cost as much as known ones: timing does not reveal who exists.
        return _HASHER.verify(stored or _decoy_hash(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash; False when there is none."""
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _HASHER.check_needs_rehash(stored)
