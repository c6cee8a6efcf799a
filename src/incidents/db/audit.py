"""The audit trail: each incident's events, append-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import incident_events
from incidents.domain.access import Actor
from incidents.domain.audit import Event, EventKind, NewEvent

# Incidents per statement: well within both databases' limits on bound parameters.
CHUNK = 500


async def insert_events(
    conn: AsyncConnection,
    incident_id: int,
    events: list[NewEvent],
    *,
    actor: str,
    request: Actor,
    now: datetime,
) -> list[int]:
    """Append events to the trail in the request `request` acts in; their ids, in order."""
    if not events:
        return []
    result = await conn.execute(
        incident_events.insert().returning(incident_events.c.id, sort_by_parameter_order=True),
        [_row(incident_id, event, actor, request, now) for event in events],
    )
    return [row.id for row in result]


def _row(
    incident_id: int, event: NewEvent, actor: str, request: Actor, now: datetime
) -> dict[str, Any]:
    return {
        "incident_id": incident_id,
        "kind": event.kind.value,
        "actor": actor,
        "request_id": request.request_id,
        "client_request_id": request.client_request_id,
        "created_at": now,
        "data": event.data,
    }


async def insert_many(
    conn: AsyncConnection,
    rows: Sequence[tuple[int, NewEvent, str]],
    *,
    request: Actor,
    now: datetime,
) -> list[int]:
    """Append one event to each of many incidents whose rows the caller holds, (incident id,
    event, actor) each, in the request `request` acts in; their ids, in order.

    One executemany (with RETURNING, SQLite would go row by row), then each incident's
    newest event: no other writer can add to an incident whose row is held.
    """
    if not rows:
        return []
    await conn.execute(
        incident_events.insert(), [_row(i, event, actor, request, now) for i, event, actor in rows]
    )
    newest: dict[int, int] = {}
    ids = [incident_id for incident_id, _, _ in rows]
    for start in range(0, len(ids), CHUNK):
        query = (
            select(incident_events.c.incident_id, func.max(incident_events.c.id))
            .where(incident_events.c.incident_id.in_(ids[start : start + CHUNK]))
            .group_by(incident_events.c.incident_id)
        )
        for incident_id, event_id in await conn.execute(query):
            newest[incident_id] = event_id
    return [newest[incident_id] for incident_id in ids]


async def list_events(
    conn: AsyncConnection, incident_id: int, *, limit: int, offset: int
) -> list[Event]:
    """A page of an incident's events, oldest first."""
    query = (
        select(incident_events)
        .where(incident_events.c.incident_id == incident_id)
        .order_by(incident_events.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        Event(
            id=row.id,
            incident_id=row.incident_id,
            kind=EventKind(row.kind),
            actor=row.actor,
            request_id=row.request_id,
            client_request_id=row.client_request_id,
            created_at=row.created_at,
            data=row.data,
        )
        for row in await conn.execute(query)
    ]


async def count_events(conn: AsyncConnection, incident_id: int) -> int:
    """How many events an incident has."""
    query = (
        select(func.count())
        .select_from(incident_events)
        .where(incident_events.c.incident_id == incident_id)
    )
    return int((await conn.execute(query)).scalar_one())


async def actors_like(conn: AsyncConnection, prefix: str) -> list[str]:
    """Every distinct actor name that starts with `prefix` (e.g. `telegram:`), the one that
    acted last, last."""
    last = func.max(incident_events.c.id)
    query = (
        select(incident_events.c.actor)
        .where(incident_events.c.actor.startswith(prefix, autoescape=True))
        .group_by(incident_events.c.actor)
        .order_by(last)
    )
    return [str(name) for name in (await conn.execute(query)).scalars()]


async def latest_event_id(conn: AsyncConnection, incident_id: int | None = None) -> int:
    """The newest event's id (of one incident, or of all); 0 before the first."""
    query = select(func.max(incident_events.c.id))
    if incident_id is not None:
        query = query.where(incident_events.c.incident_id == incident_id)
    return int((await conn.execute(query)).scalar_one() or 0)
