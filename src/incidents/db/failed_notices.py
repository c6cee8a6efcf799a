"""Queries on notices given up: park them, count them by reason, list them, queue them again."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, exc, func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import notification_failures, outbox
from incidents.domain.notifications import FailureReason

_PENDING = and_(outbox.c.sent_at.is_(None), outbox.c.failed_at.is_(None))


@dataclass(frozen=True, slots=True)
class FailedNotice:
    """A notice given up, as `incidents outbox failed` lists it."""

    id: int
    kind: str
    chat_id: int | None
    incident_id: int | None
    attempts: int
    failed_at: datetime
    failure: str | None
    last_error: str | None


async def count(conn: AsyncConnection, reason: FailureReason, n: int = 1) -> None:
    """Add `n` to the notices given up for `reason`."""
    if n <= 0:
        return
    row = notification_failures.c.reason == reason.value
    bump = notification_failures.update().where(row).values(total=notification_failures.c.total + n)
    if (await conn.execute(bump)).rowcount:
        return
    try:
        async with conn.begin_nested():
            await conn.execute(notification_failures.insert().values(reason=reason.value, total=n))
    except exc.IntegrityError:  # another process counted the first one meanwhile
        await conn.execute(bump)


async def totals(conn: AsyncConnection) -> dict[FailureReason, int]:
    """How many notices were given up, by reason (every reason, 0 when none)."""
    found = dict.fromkeys(FailureReason, 0)
    rows = await conn.execute(select(notification_failures.c.reason, notification_failures.c.total))
    for reason, total in rows:
        if reason in FailureReason.__members__.values():
            found[FailureReason(reason)] = int(total)
    return found


async def park_chat(
    conn: AsyncConnection, chat_ids: Sequence[int | None], *, error: str, now: datetime
) -> int:
    """Give up every pending notice to these chats (the bot is not there); how many."""
    ids = [chat_id for chat_id in chat_ids if chat_id is not None]
    where: ColumnElement[bool] = outbox.c.chat_id.in_(ids)
    if None in chat_ids:
        where = or_(where, outbox.c.chat_id.is_(None))
    parked = await conn.execute(
        outbox.update()
        .where(_PENDING, where)
        .values(
            failed_at=now,
            locked_until=None,
            failure=FailureReason.LEFT_CHAT.value,
            last_error=error,
        )
    )
    await count(conn, FailureReason.LEFT_CHAT, parked.rowcount)
    return int(parked.rowcount)


async def failed(conn: AsyncConnection, *, limit: int = 100) -> list[FailedNotice]:
    """The notices given up, the latest first."""
    query = (
        select(outbox)
        .where(outbox.c.failed_at.is_not(None), outbox.c.sent_at.is_(None))
        .order_by(outbox.c.failed_at.desc(), outbox.c.id.desc())
        .limit(limit)
    )
    return [
        FailedNotice(
            id=row.id,
            kind=row.kind,
            chat_id=row.chat_id,
            incident_id=row.incident_id,
            attempts=row.attempts,
            failed_at=row.failed_at,
            failure=row.failure,
            last_error=row.last_error,
        )
        for row in await conn.execute(query)
    ]


async def requeue(conn: AsyncConnection, notice_id: int, *, now: datetime) -> bool:
    """Queue a notice given up again, due now with fresh tries; False when no notice of that
    id was given up."""
    statement = (
        outbox.update()
        .where(outbox.c.id == notice_id, outbox.c.failed_at.is_not(None))
        .where(outbox.c.sent_at.is_(None))
        .values(failed_at=None, failure=None, attempts=0, next_attempt_at=now, locked_until=None)
    )
    return bool((await conn.execute(statement)).rowcount)


async def failed_count(conn: AsyncConnection) -> int:
    """How many notices are given up (and kept)."""
    query = select(func.count()).select_from(outbox).where(outbox.c.failed_at.is_not(None))
    return int((await conn.execute(query)).scalar_one())
