"""Queries on incidents and their audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, exc, func, literal, select, true, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import incident_events, incidents
from incidents.db.types import UTCDateTime
from incidents.domain.cursor import Position
from incidents.domain.events import Event, EventKind, NewEvent
from incidents.domain.incident import Incident, Source, Status, searchable_text


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Which incidents a list asks for; an empty tuple or None means any."""

    statuses: tuple[Status, ...] = ()
    sources: tuple[Source, ...] = ()
    dedup_key: str | None = None
    # Each must occur in the searchable text (see `searchable_text`).
    words: tuple[str, ...] = ()


def _to_incident(row: Row[Any]) -> Incident:
    return Incident(
        id=row.id,
        description=row.description,
        status=Status(row.status),
        source=Source(row.source),
        version=row.version,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        dedup_key=row.dedup_key,
        occurrences=row.occurrences,
        last_seen_at=row.last_seen_at,
        details=row.details,
    )


def _where(flt: IncidentFilter) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if flt.statuses:
        clauses.append(incidents.c.status.in_([s.value for s in flt.statuses]))
    if flt.sources:
        clauses.append(incidents.c.source.in_([s.value for s in flt.sources]))
    if flt.dedup_key is not None:
        clauses.append(incidents.c.dedup_key == flt.dedup_key)
    # LIKE '%word%' with %, _ and the escape character escaped; a trigram index serves it on
    # PostgreSQL, SQLite scans.
    clauses.extend(incidents.c.search_text.contains(word, autoescape=True) for word in flt.words)
    return and_(true(), *clauses)


async def insert_incident(
    conn: AsyncConnection,
    *,
    description: str,
    source: Source,
    status: Status,
    created_by: str,
    now: datetime,
    dedup_key: str | None = None,
    details: dict[str, Any] | None = None,
) -> Incident:
    """Insert one incident and return it as stored.

    Raises UniqueViolation when an open incident has `dedup_key` already (on PostgreSQL
    after waiting for a concurrent inserter of that key to commit or roll back).
    """
    statement = (
        incidents.insert()
        .values(
            description=description,
            search_text=searchable_text(description),
            status=status.value,
            source=source.value,
            version=1,
            created_by=created_by,
            created_at=now,
            updated_at=now,
            dedup_key=dedup_key,
            occurrences=1,
            last_seen_at=now,
            details=details,
        )
        .returning(*incidents.c)
    )
    try:
        result = await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error
    return _to_incident(result.one())


async def find_open_incident(conn: AsyncConnection, dedup_key: str) -> Incident | None:
    """The open (not closed) incident with `dedup_key`, row-locked on PostgreSQL."""
    query = (
        select(incidents)
        .where(incidents.c.dedup_key == dedup_key, incidents.c.status != Status.CLOSED.value)
        .with_for_update()
    )
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else _to_incident(row)


async def get_incident(
    conn: AsyncConnection, incident_id: int, *, for_update: bool = False
) -> Incident | None:
    """One incident by id, row-locked on PostgreSQL when `for_update`."""
    query = select(incidents).where(incidents.c.id == incident_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else _to_incident(row)


async def update_incident(
    conn: AsyncConnection,
    incident: Incident,
    *,
    description: str,
    status: Status,
    now: datetime,
) -> Incident:
    """Write a new state of `incident`, bumping its version; the caller holds the row."""
    result = await conn.execute(
        incidents.update()
        .where(incidents.c.id == incident.id, incidents.c.version == incident.version)
        .values(
            description=description,
            search_text=searchable_text(description),
            status=status.value,
            version=incidents.c.version + 1,
            updated_at=now,
        )
        .returning(*incidents.c)
    )
    # The row is locked (PostgreSQL) or the database write-locked (SQLite): the version holds.
    return _to_incident(result.one())


async def record_occurrence(
    conn: AsyncConnection,
    incident: Incident,
    *,
    status: Status,
    details: dict[str, Any] | None,
    now: datetime,
) -> Incident:
    """Count one more occurrence of `incident`, in `status`; the caller holds the row.

    New `details` replace the stored ones; None keeps them.
    """
    values: dict[str, Any] = {
        "status": status.value,
        "occurrences": incidents.c.occurrences + 1,
        "last_seen_at": now,
        "version": incidents.c.version + 1,
        "updated_at": now,
    }
    if details is not None:
        values["details"] = details
    result = await conn.execute(
        incidents.update()
        .where(incidents.c.id == incident.id)
        .values(**values)
        .returning(*incidents.c)
    )
    return _to_incident(result.one())


async def list_incidents(
    conn: AsyncConnection,
    flt: IncidentFilter,
    *,
    limit: int,
    offset: int,
    after: Position | None = None,
) -> list[Incident]:
    """A page of incidents matching `flt`, newest first; only those past `after` if given."""
    query = (
        select(incidents)
        .where(_where(flt))
        .order_by(incidents.c.created_at.desc(), incidents.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if after is not None:
        # A row-value comparison walks the (created_at, id) order from the cursor on.
        query = query.where(
            tuple_(incidents.c.created_at, incidents.c.id)
            < tuple_(literal(after.created_at, UTCDateTime), literal(after.id))
        )
    return [_to_incident(row) for row in await conn.execute(query)]


async def count_incidents(conn: AsyncConnection, flt: IncidentFilter) -> int:
    """How many incidents match `flt`."""
    query = select(func.count()).select_from(incidents).where(_where(flt))
    return int((await conn.execute(query)).scalar_one())


async def incidents_by_status(
    conn: AsyncConnection, flt: IncidentFilter | None = None
) -> dict[Status, int]:
    """The number of incidents in each status (zero for statuses nobody is in)."""
    query = select(incidents.c.status, func.count()).group_by(incidents.c.status)
    if flt is not None:
        query = query.where(_where(flt))
    counts = dict.fromkeys(Status, 0)
    for status, count in await conn.execute(query):
        counts[Status(status)] = int(count)
    return counts


async def insert_events(
    conn: AsyncConnection,
    incident_id: int,
    events: list[NewEvent],
    *,
    actor: str,
    request_id: str | None,
    now: datetime,
) -> list[int]:
    """Append events to an incident's trail; returns their ids, in order."""
    if not events:
        return []
    result = await conn.execute(
        incident_events.insert().returning(incident_events.c.id, sort_by_parameter_order=True),
        [
            {
                "incident_id": incident_id,
                "kind": event.kind.value,
                "actor": actor,
                "request_id": request_id,
                "created_at": now,
                "data": event.data,
            }
            for event in events
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
