"""Monitoring's reads and writes of incidents, many at once: by source and dedup key."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exc, func, literal, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.incidents import incidents_of_rows
from incidents.db.tables import incidents
from incidents.db.types import UTCDateTime
from incidents.domain.incident import Incident, Resolution, Source, Status, searchable_text

# Keys per statement: well below SQLite's and asyncpg's limits on bound parameters.
CHUNK = 500


def _chunks(items: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


@dataclass(frozen=True, slots=True)
class NewAlertIncident:
    """An incident a trigger opens."""

    description: str
    source: Source
    created_by: str
    dedup_key: str
    details: dict[str, Any] | None
    details_truncated: bool


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One more occurrence of an open incident, in `status` with `resolution`; `details`
    None keeps the stored ones."""

    incident: Incident
    status: Status
    resolution: Resolution | None
    details: dict[str, Any] | None
    details_truncated: bool


async def open_by_key(
    conn: AsyncConnection, source: Source, keys: Sequence[str]
) -> dict[str, Incident]:
    """The open (not closed) incident of `source` with each of `keys` that has one, row-locked
    on PostgreSQL."""
    found: dict[str, Incident] = {}
    for chunk in _chunks(sorted(set(keys))):
        query = (
            select(incidents)
            .where(
                incidents.c.source == source.value,
                incidents.c.dedup_key.in_(chunk),
                incidents.c.status != Status.CLOSED.value,
            )
            .order_by(incidents.c.id)
            .with_for_update()
        )
        rows = (await conn.execute(query)).all()
        found.update((i.dedup_key or "", i) for i in await incidents_of_rows(conn, rows))
    return found


async def roots_by_key(
    conn: AsyncConnection, source: Source, keys: Sequence[str]
) -> dict[str, Incident]:
    """For each of `keys` a closed duplicate of `source` has, the open incident of the same
    source it was folded into (the newest such duplicate's), row-locked on PostgreSQL.

    A fold across sources carries no later trigger over: neither source reads the other's.
    """
    duplicate = incidents.alias("duplicate")
    root_of: dict[str, int] = {}
    for chunk in _chunks(sorted(set(keys))):
        query = (
            select(duplicate.c.dedup_key, incidents.c.id)
            .join(duplicate, duplicate.c.duplicate_of == incidents.c.id)
            .where(
                duplicate.c.source == source.value,
                duplicate.c.dedup_key.in_(chunk),
                incidents.c.source == source.value,
                incidents.c.status != Status.CLOSED.value,
            )
            .order_by(duplicate.c.id)
        )
        for key, root in await conn.execute(query):
            root_of[key] = root  # the newest duplicate's root wins
    roots = await locked(conn, sorted(set(root_of.values())))
    return {key: roots[root] for key, root in root_of.items()}


async def locked(conn: AsyncConnection, ids: Sequence[int]) -> dict[int, Incident]:
    """The incidents with `ids`, by id, row-locked on PostgreSQL."""
    found: dict[int, Incident] = {}
    for chunk in _chunks(ids):
        query = (
            select(incidents)
            .where(incidents.c.id.in_(chunk))
            .order_by(incidents.c.id)
            .with_for_update()
        )
        rows = (await conn.execute(query)).all()
        found.update((i.id, i) for i in await incidents_of_rows(conn, rows))
    return found


async def insert_alert_incidents(
    conn: AsyncConnection, new: Sequence[NewAlertIncident], *, now: datetime
) -> list[Incident]:
    """Insert the incidents triggers open, in one statement per chunk; them, in order.

    Raises UniqueViolation when an open incident of the same source has one of the keys
    already (on PostgreSQL after waiting for a concurrent inserter to commit or roll back).
    """
    rows = [
        {
            "description": item.description,
            "search_text": searchable_text(item.description),
            "status": Status.NEW.value,
            "source": item.source.value,
            "version": 1,
            "created_by": item.created_by,
            "created_at": now,
            "updated_at": now,
            "dedup_key": item.dedup_key,
            "occurrences": 1,
            "last_seen_at": now,
            "details": item.details,
            "details_truncated": item.details_truncated,
        }
        for item in new
    ]
    # One executemany (with RETURNING, SQLite would go row by row), then read back by key:
    # each is the one open incident of its source with it.
    try:
        await conn.execute(incidents.insert(), rows)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error
    ids: dict[tuple[str, str], int] = {}
    for source in {item.source for item in new}:
        keys = sorted(item.dedup_key for item in new if item.source == source)
        for chunk in _chunks(keys):
            query = select(incidents.c.dedup_key, incidents.c.id).where(
                incidents.c.source == source.value,
                incidents.c.dedup_key.in_(chunk),
                incidents.c.status != Status.CLOSED.value,
            )
            for key, incident_id in await conn.execute(query):
                ids[source.value, key] = incident_id
    return [
        Incident(
            id=ids[item.source.value, item.dedup_key],
            description=item.description,
            status=Status.NEW,
            source=item.source,
            version=1,
            created_by=item.created_by,
            created_at=now,
            updated_at=now,
            dedup_key=item.dedup_key,
            occurrences=1,
            last_seen_at=now,
            details=item.details,
            details_truncated=item.details_truncated,
        )
        for item in new
    ]


_OCCURRED = (
    incidents.update()
    .where(incidents.c.id == bindparam("b_id"))
    .values(
        status=bindparam("b_status"),
        resolution=bindparam("b_resolution"),
        occurrences=incidents.c.occurrences + 1,
        last_seen_at=bindparam("b_now"),
        version=incidents.c.version + 1,
        updated_at=bindparam("b_now"),
        details=bindparam("b_details"),
        details_truncated=bindparam("b_truncated"),
    )
)


async def record_occurrences(
    conn: AsyncConnection, occurrences: Sequence[Occurrence], *, now: datetime
) -> list[Incident]:
    """Count one more occurrence of each incident (the caller holds the rows); them after, in
    the order given."""
    if not occurrences:
        return []
    await conn.execute(
        _OCCURRED,
        [
            {
                "b_id": item.incident.id,
                "b_status": item.status.value,
                "b_resolution": None if item.resolution is None else item.resolution.value,
                "b_now": now,
                "b_details": item.incident.details if item.details is None else item.details,
                "b_truncated": (
                    item.incident.details_truncated
                    if item.details is None
                    else item.details_truncated
                ),
            }
            for item in occurrences
        ],
    )
    # The rows are held: their new state is known without reading it back.
    return [
        replace(
            item.incident,
            status=item.status,
            resolution=item.resolution,
            occurrences=item.incident.occurrences + 1,
            last_seen_at=now,
            version=item.incident.version + 1,
            updated_at=now,
            details=item.incident.details if item.details is None else item.details,
            details_truncated=(
                item.incident.details_truncated if item.details is None else item.details_truncated
            ),
        )
        for item in occurrences
    ]


async def resolve_all(
    conn: AsyncConnection, held: Sequence[Incident], *, now: datetime
) -> list[Incident]:
    """Resolve the incidents `held` (the caller holds their rows) as fixed; them after."""
    for chunk in _chunks([incident.id for incident in held]):
        await conn.execute(
            incidents.update()
            .where(incidents.c.id.in_(chunk))
            .values(
                status=Status.RESOLVED.value,
                resolution=Resolution.FIXED.value,
                version=incidents.c.version + 1,
                updated_at=now,
                first_resolved_at=func.coalesce(
                    incidents.c.first_resolved_at, literal(now, UTCDateTime)
                ),
            )
        )
    return [
        replace(
            incident,
            status=Status.RESOLVED,
            resolution=Resolution.FIXED,
            version=incident.version + 1,
            updated_at=now,
        )
        for incident in held
    ]
