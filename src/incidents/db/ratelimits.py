"""Queries on rate-limit buckets: one atomic statement admits or refuses a request."""

from __future__ import annotations

from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import rate_limits


async def take(
    conn: AsyncConnection, bucket: str, *, now: float, interval: float, period: float
) -> float | None:
    """Admit a request to `bucket` and return its new TAT, or None when the bucket is full.

    The cell-rate rule in one upsert: TAT := max(TAT, now) + interval, only where that
    stays within `period` of now. Concurrent takers of one bucket queue on its row lock
    (PostgreSQL) or the write lock (SQLite), so no process can overspend a bucket.
    """
    current = rate_limits.c.tat
    pushed = case((current > now, current), else_=now) + interval
    insert: postgresql.Insert | sqlite.Insert = (
        postgresql.insert(rate_limits)
        if conn.dialect.name == "postgresql"
        else sqlite.insert(rate_limits)
    )
    statement = (
        insert.values(bucket=bucket, tat=now + interval)
        .on_conflict_do_update(
            index_elements=[rate_limits.c.bucket],
            set_={"tat": pushed},
            where=pushed - now <= period,
        )
        .returning(rate_limits.c.tat)
    )
    tat: float | None = (await conn.execute(statement)).scalar_one_or_none()
    return tat


async def tat_of(conn: AsyncConnection, bucket: str) -> float | None:
    """The bucket's TAT, if it has one."""
    query = select(rate_limits.c.tat).where(rate_limits.c.bucket == bucket)
    tat: float | None = (await conn.execute(query)).scalar_one_or_none()
    return tat


async def forget_drained(conn: AsyncConnection, *, now: float) -> int:
    """Delete buckets that are empty by `now` (a missing bucket is an empty one)."""
    result = await conn.execute(delete(rate_limits).where(rate_limits.c.tat <= now))
    return result.rowcount
