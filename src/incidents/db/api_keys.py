"""Queries on API keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, exc, func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import api_keys
from incidents.domain.access import ApiKey, Role
from incidents.domain.incident import Source


@dataclass(frozen=True, slots=True)
class StoredKey:
    """A key's row: the listed fields plus what authentication needs."""

    id: int
    key: ApiKey
    secret_hash: str


def _to_stored(row: Row[Any]) -> StoredKey:
    key = ApiKey(
        name=row.name,
        role=Role(row.role),
        source=None if row.source is None else Source(row.source),
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )
    return StoredKey(id=row.id, key=key, secret_hash=row.secret_hash)


async def insert_key(
    conn: AsyncConnection,
    *,
    name: str,
    role: Role,
    source: Source | None,
    lookup: str,
    secret_hash: str,
    created_by: str,
    now: datetime,
) -> ApiKey:
    """Store a new key; raises UniqueViolation when the name is taken."""
    statement = (
        api_keys.insert()
        .values(
            name=name,
            role=role.value,
            source=None if source is None else source.value,
            lookup=lookup,
            secret_hash=secret_hash,
            created_by=created_by,
            created_at=now,
        )
        .returning(*api_keys.c)
    )
    try:
        result = await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error
    return _to_stored(result.one()).key


async def find_key(conn: AsyncConnection, lookup: str) -> StoredKey | None:
    """The key whose public lookup part is `lookup`."""
    row = (await conn.execute(select(api_keys).where(api_keys.c.lookup == lookup))).one_or_none()
    return None if row is None else _to_stored(row)


async def list_keys(conn: AsyncConnection, *, source: Source | None = None) -> list[ApiKey]:
    """Every key (with `source`, the keys bound to it), oldest first."""
    query = select(api_keys).order_by(api_keys.c.id)
    if source is not None:
        query = query.where(api_keys.c.source == source.value)
    rows = await conn.execute(query)
    return [_to_stored(row).key for row in rows]


async def count_keys(conn: AsyncConnection) -> int:
    """How many keys exist, revoked ones included."""
    return int((await conn.execute(select(func.count()).select_from(api_keys))).scalar_one())


def _named(name: str) -> ColumnElement[bool]:
    """Names match in any letter case (a unique index on lower(name) keeps them apart)."""
    return func.lower(api_keys.c.name) == name.lower()


async def find_key_named(conn: AsyncConnection, name: str) -> ApiKey | None:
    """The key named `name`, in any letter case."""
    row = (await conn.execute(select(api_keys).where(_named(name)))).one_or_none()
    return None if row is None else _to_stored(row).key


async def revoke_key(conn: AsyncConnection, name: str, *, now: datetime) -> ApiKey | None:
    """Mark a key revoked (keeping the first revocation time); None when no key has `name`."""
    await conn.execute(
        api_keys.update()
        .where(_named(name), api_keys.c.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return await find_key_named(conn, name)


async def touch_key(conn: AsyncConnection, key_id: int, *, now: datetime) -> None:
    """Record that a key was used at `now`."""
    await conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(last_used_at=now))
