"""Queries on rate-limit buckets: one atomic statement admits or refuses a request."""

from __future__ import annotations

from sqlalchemy import delete, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import rate_limits

# The cell-rate rule in one upsert: TAT := max(TAT, now) + interval, only where that stays
# within `period` of now; no row comes back when the bucket is full. Written as SQL both
# databases read alike, once: this runs on every request, and building the statement with
# the expression language each time cost more than running it.
_TAKE = text(
    """
    INSERT INTO rate_limits (bucket, tat)
    VALUES (:bucket, CAST(:now AS DOUBLE PRECISION) + :interval)
    ON CONFLICT (bucket) DO UPDATE
    SET tat = CASE WHEN rate_limits.tat > :now THEN rate_limits.tat ELSE :now END + :interval
    WHERE CASE WHEN rate_limits.tat > :now THEN rate_limits.tat ELSE :now END + :interval
        - :now <= :period
    RETURNING tat
    """
)


async def take(
    conn: AsyncConnection, bucket: str, *, now: float, interval: float, period: float
) -> float | None:
    """Admit a request to `bucket` and return its new TAT, or None when the bucket is full.

    Concurrent takers of one bucket queue on its row lock (PostgreSQL) or the write lock
    (SQLite), so no process can overspend a bucket.
    """
    result = await conn.execute(
        _TAKE, {"bucket": bucket, "now": now, "interval": interval, "period": period}
    )
    tat: float | None = result.scalar_one_or_none()
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
