"""Queries on the outbox: enqueue in the change's transaction, claim, settle."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db import chats, queries
from incidents.db.tables import outbox
from incidents.domain.notifications import MAX_ATTEMPTS, Notice, NoticeKind


async def enqueue(
    conn: AsyncConnection,
    *,
    kind: NoticeKind,
    incident_id: int,
    actor: str,
    note: str | None,
    now: datetime,
) -> None:
    """Add a notification, due at once."""
    await conn.execute(
        outbox.insert().values(
            kind=kind.value,
            incident_id=incident_id,
            actor=actor,
            note=note,
            created_at=now,
            attempts=0,
            next_attempt_at=now,
        )
    )


async def claim(
    conn: AsyncConnection, *, now: datetime, lease_until: datetime, limit: int
) -> list[Notice]:
    """Lease up to `limit` due notifications, oldest first, that no other sender holds.

    On PostgreSQL rows another sender is claiming are skipped (FOR UPDATE SKIP LOCKED);
    SQLite serializes writers, so the lease alone decides.
    """
    due = (
        select(outbox.c.id)
        .where(
            outbox.c.sent_at.is_(None),
            outbox.c.failed_at.is_(None),
            outbox.c.next_attempt_at <= now,
            or_(outbox.c.locked_until.is_(None), outbox.c.locked_until < now),
        )
        .order_by(outbox.c.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await conn.execute(
        outbox.update()
        .where(outbox.c.id.in_(due.scalar_subquery()))
        .values(locked_until=lease_until, attempts=outbox.c.attempts + 1)
        .returning(*outbox.c)
    )
    notices = []
    for row in sorted(claimed, key=lambda row: row.id):
        incident = await queries.get_incident(conn, row.incident_id)
        assert incident is not None, "outbox rows refer to incidents by foreign key"
        notices.append(
            Notice(
                id=row.id,
                kind=NoticeKind(row.kind),
                incident=incident,
                actor=row.actor,
                note=row.note,
                thread=await chats.thread_of(conn, row.incident_id),
                attempts=row.attempts,
            )
        )
    return notices


async def mark_sent(conn: AsyncConnection, notice_id: int, *, now: datetime) -> None:
    """Record a delivered notification."""
    await conn.execute(
        outbox.update().where(outbox.c.id == notice_id).values(sent_at=now, locked_until=None)
    )


async def mark_failed(
    conn: AsyncConnection, notice_id: int, *, error: str, retry_at: datetime, now: datetime
) -> None:
    """Record a failed attempt: retry at `retry_at`, or give up after MAX_ATTEMPTS."""
    await conn.execute(
        outbox.update()
        .where(outbox.c.id == notice_id)
        .values(locked_until=None, next_attempt_at=retry_at, last_error=error[:2000])
    )
    await conn.execute(
        outbox.update()
        .where(outbox.c.id == notice_id, outbox.c.attempts >= MAX_ATTEMPTS)
        .values(failed_at=now)
    )


async def pending_count(conn: AsyncConnection) -> int:
    """How many notifications wait for delivery."""
    query = (
        select(func.count())
        .select_from(outbox)
        .where(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))
    )
    return int((await conn.execute(query)).scalar_one())


async def forget_before(conn: AsyncConnection, *, before: datetime, now: datetime) -> int:
    """Delete notifications queued before `before`, except any a sender holds right now."""
    held = outbox.c.locked_until.is_not(None) & (outbox.c.locked_until > now)
    statement = outbox.delete().where(outbox.c.created_at < before, ~held)
    return (await conn.execute(statement)).rowcount
