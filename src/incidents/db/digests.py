"""Queries on digests: the claim of a day's digest."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import digests


async def was_queued(conn: AsyncConnection, day: date) -> bool:
    """Whether the digest of `day` was queued already."""
    query = select(digests.c.day).where(digests.c.day == day)
    return (await conn.execute(query)).first() is not None


async def claim(conn: AsyncConnection, day: date, *, now: datetime) -> bool:
    """Claim the digest of `day`; False when another process did. One insert: exactly one
    process gets each day."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(digests)
        .values(day=day, queued_at=now)
        .on_conflict_do_nothing(index_elements=["day"])
        .returning(digests.c.day)
    )
    return (await conn.execute(statement)).first() is not None
