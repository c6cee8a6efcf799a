"""Queries on console accounts and on failed sign-ins."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, exc, func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import accounts, sign_in_failures
from incidents.domain.access import Role
from incidents.domain.accounts import Account


@dataclass(frozen=True, slots=True)
class StoredAccount:
    """An account's row: the listed fields plus the password hash sign-in checks."""

    id: int
    account: Account
    password_hash: str


def _to_stored(row: Row[Any]) -> StoredAccount:
    account = Account(
        username=row.username,
        role=Role(row.role),
        created_by=row.created_by,
        created_at=row.created_at,
        password_changed_at=row.password_changed_at,
        last_sign_in_at=row.last_sign_in_at,
        disabled_at=row.disabled_at,
        session_generation=row.session_generation,
    )
    return StoredAccount(id=row.id, account=account, password_hash=row.password_hash)


async def insert_account(
    conn: AsyncConnection,
    *,
    username: str,
    role: Role,
    password_hash: str,
    created_by: str,
    now: datetime,
) -> Account:
    """Store a new account; raises UniqueViolation when the username is taken."""
    statement = (
        accounts.insert()
        .values(
            username=username,
            role=role.value,
            password_hash=password_hash,
            created_by=created_by,
            created_at=now,
            password_changed_at=now,
        )
        .returning(*accounts.c)
    )
    try:
        result = await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error
    return _to_stored(result.one()).account


async def find_account(conn: AsyncConnection, username: str) -> StoredAccount | None:
    """The account named `username`, if any."""
    query = select(accounts).where(accounts.c.username == username)
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else _to_stored(row)


async def list_accounts(conn: AsyncConnection) -> list[Account]:
    """Every account, oldest first."""
    rows = await conn.execute(select(accounts).order_by(accounts.c.id))
    return [_to_stored(row).account for row in rows]


async def count_accounts(conn: AsyncConnection) -> int:
    """How many accounts exist, disabled ones included."""
    return int((await conn.execute(select(func.count()).select_from(accounts))).scalar_one())


async def update_account(conn: AsyncConnection, username: str, **values: Any) -> Account | None:
    """Set columns of the account named `username`; None when there is none."""
    result = await conn.execute(
        accounts.update()
        .where(accounts.c.username == username)
        .values(**values)
        .returning(*accounts.c)
    )
    row = result.one_or_none()
    return None if row is None else _to_stored(row).account


async def disable_account(conn: AsyncConnection, username: str, *, now: datetime) -> None:
    """Mark an account disabled, keeping the first time it was."""
    await conn.execute(
        accounts.update()
        .where(accounts.c.username == username, accounts.c.disabled_at.is_(None))
        .values(disabled_at=now)
    )


async def end_sessions(conn: AsyncConnection, username: str) -> None:
    """Move the account's session generation on: every session begun before ends."""
    await conn.execute(
        accounts.update()
        .where(accounts.c.username == username)
        .values(session_generation=accounts.c.session_generation + 1)
    )


# The first key of PostgreSQL's two-key advisory locks that serialise sign-in claims.
_SIGN_IN_LOCKS = 0x5167


async def lock_sign_ins(conn: AsyncConnection, username: str) -> None:
    """Hold the sign-in claims for `username` until the transaction ends, in every process.

    PostgreSQL takes a transaction-scoped advisory lock on the username; an SQLite write
    transaction already holds the whole database (`BEGIN IMMEDIATE`).
    """
    if conn.dialect.name != "postgresql":
        return
    digest = hashlib.sha256(username.encode()).digest()
    key = int.from_bytes(digest[:4], "big", signed=True)
    await conn.execute(
        text("SELECT pg_advisory_xact_lock(:space, :key)"), {"space": _SIGN_IN_LOCKS, "key": key}
    )


async def recent_failures(
    conn: AsyncConnection, username: str, *, since: datetime
) -> list[datetime]:
    """When sign-ins as `username` failed after `since`."""
    query = select(sign_in_failures.c.failed_at).where(
        sign_in_failures.c.username == username, sign_in_failures.c.failed_at > since
    )
    return [row.failed_at for row in await conn.execute(query)]


async def record_failure(
    conn: AsyncConnection, username: str, *, now: datetime, forget_before: datetime
) -> None:
    """Note a failed (or claimed, not yet checked) sign-in as `username`, and forget failures
    too old to matter."""
    await conn.execute(
        sign_in_failures.delete().where(sign_in_failures.c.failed_at < forget_before)
    )
    await conn.execute(sign_in_failures.insert().values(username=username, failed_at=now))


async def clear_failures(conn: AsyncConnection, username: str) -> None:
    """Forget the failed sign-ins as `username` (after a success or a new password)."""
    await conn.execute(sign_in_failures.delete().where(sign_in_failures.c.username == username))
