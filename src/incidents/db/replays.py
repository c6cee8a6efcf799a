"""Alertmanager notifications applied lately: the answer each got, by a digest of it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import exc, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import alertmanager_notifications as notifications


async def answer_since(conn: AsyncConnection, digest: str, *, since: datetime) -> Any | None:
    """The answer a notification with `digest` got at or after `since`, if any."""
    query = select(notifications.c.answer).where(
        notifications.c.digest == digest, notifications.c.received_at >= since
    )
    return (await conn.execute(query)).scalar_one_or_none()


async def claim(conn: AsyncConnection, digest: str, *, now: datetime) -> None:
    """Claim `digest` for a notification being applied now (an older claim gives way); raises
    UniqueViolation when a concurrent copy holds it (on PostgreSQL after it commits)."""
    await conn.execute(notifications.delete().where(notifications.c.digest == digest))
    try:
        await conn.execute(notifications.insert().values(digest=digest, received_at=now, answer={}))
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error


async def record_answer(conn: AsyncConnection, digest: str, answer: Any) -> None:
    """Keep the answer the claimed notification got."""
    await conn.execute(
        notifications.update().where(notifications.c.digest == digest).values(answer=answer)
    )


async def forget_before(conn: AsyncConnection, *, before: datetime) -> int:
    """Forget notifications received before `before`."""
    statement = notifications.delete().where(notifications.c.received_at < before)
    return (await conn.execute(statement)).rowcount
