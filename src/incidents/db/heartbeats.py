"""Queries on heartbeats."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, exc, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import heartbeats, incidents
from incidents.domain.heartbeat import Heartbeat
from incidents.domain.incident import Status

# The statuses in which a silence's incident still asks for attention.
_UNRESOLVED = (Status.NEW.value, Status.IN_PROGRESS.value)


def _to_heartbeat(row: Row[Any], incident_id: int | None = None) -> Heartbeat:
    return Heartbeat(
        name=row.name,
        timeout_seconds=row.timeout_seconds,
        last_seen_at=row.last_seen_at,
        due_at=row.due_at,
        alerted_at=row.alerted_at,
        incident_id=incident_id,
    )


async def get_heartbeat(conn: AsyncConnection, name: str) -> Heartbeat | None:
    """One heartbeat by name, row-locked on PostgreSQL."""
    query = select(heartbeats).where(heartbeats.c.name == name).with_for_update()
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else _to_heartbeat(row)


async def insert_heartbeat(
    conn: AsyncConnection, *, name: str, timeout_seconds: int, due_at: datetime, now: datetime
) -> Heartbeat:
    """Store a heartbeat's first check-in; raises UniqueViolation when a concurrent one won."""
    statement = (
        heartbeats.insert()
        .values(
            name=name,
            timeout_seconds=timeout_seconds,
            last_seen_at=now,
            due_at=due_at,
            alerted_at=None,
            created_at=now,
        )
        .returning(*heartbeats.c)
    )
    try:
        result = await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error
    return _to_heartbeat(result.one())


async def record_check_in(
    conn: AsyncConnection, *, name: str, timeout_seconds: int, due_at: datetime, now: datetime
) -> Heartbeat:
    """Record a check-in of a stored heartbeat: due again later, no longer alerted."""
    result = await conn.execute(
        heartbeats.update()
        .where(heartbeats.c.name == name)
        .values(timeout_seconds=timeout_seconds, last_seen_at=now, due_at=due_at, alerted_at=None)
        .returning(*heartbeats.c)
    )
    return _to_heartbeat(result.one())


async def overdue_names(conn: AsyncConnection, *, now: datetime) -> list[str]:
    """Heartbeats past due whose silence nobody has alerted yet."""
    query = (
        select(heartbeats.c.name)
        .where(heartbeats.c.alerted_at.is_(None), heartbeats.c.due_at < now)
        .order_by(heartbeats.c.due_at)
    )
    return list((await conn.execute(query)).scalars())


async def claim_alert(conn: AsyncConnection, name: str, *, now: datetime) -> Heartbeat | None:
    """Mark `name` alerted if it is overdue and nobody did yet; None when that was not so.

    One conditional UPDATE: of several checkers (processes) exactly one gets the row.
    """
    result = await conn.execute(
        heartbeats.update()
        .where(
            heartbeats.c.name == name,
            heartbeats.c.alerted_at.is_(None),
            heartbeats.c.due_at < now,
        )
        .values(alerted_at=now)
        .returning(*heartbeats.c)
    )
    row = result.one_or_none()
    return None if row is None else _to_heartbeat(row)


async def list_heartbeats(conn: AsyncConnection, *, key_prefix: str) -> list[Heartbeat]:
    """Every heartbeat by name, with the unresolved incident keyed `key_prefix + name`."""
    unresolved = (
        select(incidents.c.id, incidents.c.dedup_key)
        .where(incidents.c.status.in_(_UNRESOLVED), incidents.c.dedup_key.is_not(None))
        .subquery()
    )
    query = (
        select(heartbeats, unresolved.c.id.label("incident_id"))
        .outerjoin(unresolved, unresolved.c.dedup_key == key_prefix + heartbeats.c.name)
        .order_by(heartbeats.c.name)
    )
    return [_to_heartbeat(row, row.incident_id) for row in await conn.execute(query)]
