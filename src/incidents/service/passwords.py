"""Password hashing with argon2id; hashing runs in a worker thread, off the event loop."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """A hash of nothing anyone knows, verified for unknown usernames to cost the same time."""
    return _hasher.hash("no account has this password")


async def hash_password(password: str) -> str:
    """The argon2id hash of `password`, with a fresh salt."""
    return await asyncio.to_thread(_hasher.hash, password)


def _matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether `password` matches `password_hash`; None (no account) takes as long and fails."""
    if password_hash is None:
        await asyncio.to_thread(_matches_nothing, password)
        return False
    return await asyncio.to_thread(_matches, password_hash, password)


def _matches_nothing(password: str) -> None:
    _matches(_dummy_hash(), password)


def needs_rehash(password_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than the current ones."""
    return _hasher.check_needs_rehash(password_hash)
