"""The audit trail: each incident's events, append-only."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import incident_events
from incidents.domain.access import Actor
from incidents.domain.audit import Event, EventKind, NewEvent


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
    rows = [(incident_id, event, actor) for event in events]
    return await insert_many(conn, rows, request=request, now=now)


async def insert_many(
    conn: AsyncConnection,
    rows: Sequence[tuple[int, NewEvent, str]],
    *,
    request: Actor,
    now: datetime,
) -> list[int]:
    """Append one event to each of many incidents, (incident id, event, actor) each, in the
    request `request` acts in; their ids, in order."""
    if not rows:
        return []
    result = await conn.execute(
        incident_events.insert().returning(incident_events.c.id, sort_by_parameter_order=True),
        [
            {
                "incident_id": incident_id,
                "kind": event.kind.value,
                "actor": actor,
                "request_id": request.request_id,
                "client_request_id": request.client_request_id,
                "created_at": now,
                "data": event.data,
            }
            for incident_id, event, actor in rows
        ],
    )
    return [row.id for row in result]


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
