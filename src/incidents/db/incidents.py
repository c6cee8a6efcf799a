"""Queries on incidents: insert, find, change, list and count them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    and_,
    exc,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import (
    INCIDENT_COLUMNS_SQL,
    SEARCH_CONFIGS,
    SEARCH_VECTOR_COLUMN,
    incidents,
)
from incidents.db.types import UTCDateTime
from incidents.domain.access import stable_part
from incidents.domain.cursor import Position
from incidents.domain.incident import (
    Incident,
    Resolution,
    Source,
    Status,
    searchable_text,
    stems_words,
)

# What `update_incident` leaves as it was.
UNCHANGED: Any = object()


@dataclass(frozen=True, slots=True)
class IncidentFilter:
    """Which incidents a list asks for; an empty tuple or None means any."""

    statuses: tuple[Status, ...] = ()
    sources: tuple[Source, ...] = ()
    dedup_key: str | None = None
    # Each must occur in the searchable text (see `searchable_text`).
    words: tuple[str, ...] = ()
    resolutions: tuple[Resolution, ...] = ()
    # Actor names; None among them stands for the unassigned.
    assignees: tuple[str | None, ...] = ()


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
        details_truncated=bool(row.details_truncated),
        assignee=row.assignee,
        resolution=None if row.resolution is None else Resolution(row.resolution),
        duplicate_of=row.duplicate_of,
    )


async def _with_duplicates(conn: AsyncConnection, found: list[Incident]) -> list[Incident]:
    """`found` with the ids of the incidents folded into each (one query for all)."""
    if not found:
        return found
    # Sorted here, not by ORDER BY id: with it, SQLite walks the whole table in id order
    # rather than the duplicate_of index (its statistics see one value, NULL, everywhere).
    query = select(incidents.c.duplicate_of, incidents.c.id).where(
        incidents.c.duplicate_of.in_([incident.id for incident in found])
    )
    folded: dict[int, list[int]] = {}
    for target, duplicate in await conn.execute(query):
        folded.setdefault(target, []).append(duplicate)
    return [
        replace(incident, duplicates=tuple(sorted(folded[incident.id])))
        if incident.id in folded
        else incident
        for incident in found
    ]


async def _one(conn: AsyncConnection, row: Row[Any]) -> Incident:
    return (await _with_duplicates(conn, [_to_incident(row)]))[0]


async def incidents_of_rows(conn: AsyncConnection, rows: Sequence[Row[Any]]) -> list[Incident]:
    """Incidents from rows of `incidents`, with the ids folded into each (one query)."""
    return await _with_duplicates(conn, [_to_incident(row) for row in rows])


def _word(word: str, *, full_text: bool) -> ColumnElement[bool]:
    """The text contains `word` (LIKE '%word%' with %, _ and the escape character escaped: a
    trigram index serves it on PostgreSQL, SQLite scans), or, with `full_text`, matches it
    stemmed in Russian or English (the full-text index)."""
    like = incidents.c.search_text.contains(word, autoescape=True)
    if not (full_text and stems_words(word)):
        return like
    russian, english = (
        func.plainto_tsquery(literal_column(f"'{config}'::regconfig"), word)
        for config in SEARCH_CONFIGS
    )
    vector: ColumnElement[Any] = literal_column(f"incidents.{SEARCH_VECTOR_COLUMN}")
    return or_(like, vector.op("@@")(russian.op("||")(english)))


def _where(flt: IncidentFilter, *, full_text: bool = False) -> ColumnElement[bool]:
    clauses: list[ColumnElement[bool]] = []
    if flt.statuses:
        clauses.append(incidents.c.status.in_([s.value for s in flt.statuses]))
    if flt.sources:
        clauses.append(incidents.c.source.in_([s.value for s in flt.sources]))
    if flt.dedup_key is not None:
        clauses.append(incidents.c.dedup_key == flt.dedup_key)
    if flt.resolutions:
        clauses.append(incidents.c.resolution.in_([r.value for r in flt.resolutions]))
    if flt.assignees:
        clauses.append(or_(*(_assigned_to(name) for name in flt.assignees)))
    clauses.extend(_word(word, full_text=full_text) for word in flt.words)
    return and_(true(), *clauses)


def _assigned_to(name: str | None) -> ColumnElement[bool]:
    """Assigned to `name` (None: to nobody); a Telegram user by id, under any @username."""
    if name is None:
        return incidents.c.assignee.is_(None)
    stable = stable_part(name)
    if stable == name:
        return incidents.c.assignee == name
    renamed = incidents.c.assignee.startswith(f"{stable} (@", autoescape=True)
    return or_(incidents.c.assignee == stable, renamed)


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
    return _to_incident(result.one())  # nothing is folded into a new incident


async def get_incident(
    conn: AsyncConnection, incident_id: int, *, for_update: bool = False
) -> Incident | None:
    """One incident by id, row-locked on PostgreSQL when `for_update`."""
    query = select(incidents).where(incidents.c.id == incident_id)
    if for_update:
        query = query.with_for_update()
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else await _one(conn, row)


def first_moves(before: Status, after: Status, now: datetime) -> dict[str, Any]:
    """The first-take and first-resolve times a move from `before` to `after` at `now`
    writes (each only once; its twin in SQL is db/changes._CHANGE's CASE)."""
    moment = literal(now, UTCDateTime)
    values: dict[str, Any] = {}
    if before == Status.NEW and after == Status.IN_PROGRESS:
        values["first_taken_at"] = func.coalesce(incidents.c.first_taken_at, moment)
    if after == Status.RESOLVED and before != Status.RESOLVED:
        values["first_resolved_at"] = func.coalesce(incidents.c.first_resolved_at, moment)
    return values


async def update_incident(
    conn: AsyncConnection,
    incident: Incident,
    *,
    description: str,
    status: Status,
    now: datetime,
    assignee: str | None = UNCHANGED,
    resolution: Resolution | None = UNCHANGED,
    duplicate_of: int | None = UNCHANGED,
    occurrences: int = UNCHANGED,
) -> Incident:
    """Write a new state of `incident`, bumping its version; the caller holds the row.

    `assignee`, `resolution`, `duplicate_of` and `occurrences` stay as they were unless given.
    """
    values: dict[str, Any] = {
        "description": description,
        "search_text": searchable_text(description),
        "status": status.value,
        "version": incidents.c.version + 1,
        "updated_at": now,
    }
    if assignee is not UNCHANGED:
        values["assignee"] = assignee
    if resolution is not UNCHANGED:
        values["resolution"] = None if resolution is None else resolution.value
    if duplicate_of is not UNCHANGED:
        values["duplicate_of"] = duplicate_of
    if occurrences is not UNCHANGED:
        values["occurrences"] = occurrences
    values.update(first_moves(incident.status, status, now))
    result = await conn.execute(
        incidents.update()
        .where(incidents.c.id == incident.id, incidents.c.version == incident.version)
        .values(**values)
        .returning(*incidents.c)
    )
    # The row is locked (PostgreSQL) or the database write-locked (SQLite): the version holds.
    return await _one(conn, result.one())


async def repoint_duplicates(conn: AsyncConnection, *, former: int, root: int) -> None:
    """Point the duplicates of `former` at `root`, so that no duplicate points at a duplicate."""
    await conn.execute(
        incidents.update().where(incidents.c.duplicate_of == former).values(duplicate_of=root)
    )


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
        .where(_where(flt, full_text=_full_text(conn)))
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
    return await _with_duplicates(conn, [_to_incident(row) for row in await conn.execute(query)])


def _full_text(conn: AsyncConnection) -> bool:
    return conn.dialect.name == "postgresql"


async def count_incidents(
    conn: AsyncConnection, flt: IncidentFilter, *, bound: int | None = None
) -> int:
    """How many incidents match `flt`; with `bound`, counting stops past that many (a result
    over `bound` means "more than `bound`")."""
    matching = select(incidents.c.id).where(_where(flt, full_text=_full_text(conn)))
    if bound is not None:
        matching = matching.limit(bound + 1)
    query = select(func.count()).select_from(matching.subquery())
    return int((await conn.execute(query)).scalar_one())


async def incidents_by_status(
    conn: AsyncConnection, flt: IncidentFilter | None = None
) -> dict[Status, int]:
    """The number of incidents in each status (zero for statuses nobody is in)."""
    query = select(incidents.c.status, func.count()).group_by(incidents.c.status)
    if flt is not None:
        query = query.where(_where(flt, full_text=_full_text(conn)))
    counts = dict.fromkeys(Status, 0)
    for status, count in await conn.execute(query):
        counts[Status(status)] = int(count)
    return counts


# The request path on PostgreSQL (db/driver.py): the same rows, one statement, on asyncpg.

# An incident with the ids folded into it, in one round trip.
_FETCH = f"""
SELECT {INCIDENT_COLUMNS_SQL},
    ARRAY(SELECT d.id FROM incidents d WHERE d.duplicate_of = i.id ORDER BY d.id) AS duplicates
FROM incidents i WHERE i.id = $1
"""  # noqa: S608 (our own column names)


def incident_of_record(record: Any) -> Incident:
    """An incident from an asyncpg record of `incidents` (with `duplicates`, if selected)."""
    resolution = record["resolution"]
    duplicates = record.get("duplicates")
    return Incident(
        id=record["id"],
        description=record["description"],
        status=Status(record["status"]),
        source=Source(record["source"]),
        version=record["version"],
        created_by=record["created_by"],
        created_at=record["created_at"],
        updated_at=record["updated_at"],
        dedup_key=record["dedup_key"],
        occurrences=record["occurrences"],
        last_seen_at=record["last_seen_at"],
        details=record["details"],
        details_truncated=record["details_truncated"],
        assignee=record["assignee"],
        resolution=None if resolution is None else Resolution(resolution),
        duplicate_of=record["duplicate_of"],
        duplicates=tuple(duplicates) if duplicates else (),
    )


async def fetch_incident(driver: Any, incident_id: int) -> Incident | None:
    """One incident by id, on a driver connection (PostgreSQL)."""
    record = await driver.fetchrow(_FETCH, incident_id)
    return None if record is None else incident_of_record(record)


# SQLite's single-row read on plain sqlite3 (db/driver.py): timestamps are stored as naive UTC
# text, JSON as text, and the folded ids come as one comma-separated string.
_READ = f"""
SELECT {INCIDENT_COLUMNS_SQL},
    (SELECT group_concat(id) FROM (SELECT d.id FROM incidents d WHERE d.duplicate_of = i.id
        ORDER BY d.id)) AS duplicates
FROM incidents i WHERE i.id = ?
"""  # noqa: S608 (our own column names)


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def read_incident(reader: sqlite3.Connection, incident_id: int) -> Incident | None:
    """One incident by id, on SQLite's plain reader (a blocking call of microseconds)."""
    row = reader.execute(_READ, (incident_id,)).fetchone()
    if row is None:
        return None
    resolution, details, folded = row["resolution"], row["details"], row["duplicates"]
    return Incident(
        id=row["id"],
        description=row["description"],
        status=Status(row["status"]),
        source=Source(row["source"]),
        version=row["version"],
        created_by=row["created_by"],
        created_at=_moment(row["created_at"]),
        updated_at=_moment(row["updated_at"]),
        dedup_key=row["dedup_key"],
        occurrences=row["occurrences"],
        last_seen_at=_moment(row["last_seen_at"]),
        details=None if details is None else json.loads(details),
        details_truncated=bool(row["details_truncated"]),
        assignee=row["assignee"],
        resolution=None if resolution is None else Resolution(resolution),
        duplicate_of=row["duplicate_of"],
        duplicates=tuple(int(n) for n in folded.split(",")) if folded else (),
    )
