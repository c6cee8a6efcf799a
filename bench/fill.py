"""Fill a database fast, straight through its driver: COPY on PostgreSQL, batches on SQLite."""

from __future__ import annotations

import itertools
import json
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime

import asyncpg

from bench.dataset import Row, rows

CHUNK = 50_000
INCIDENT_COLUMNS = (
    "id", "description", "status", "source", "version", "created_by", "created_at", "updated_at",
    "occurrences", "last_seen_at", "search_text", "resolution", "first_taken_at",
    "first_resolved_at",
)  # fmt: skip
# Incidents that ended were fixed, as far as the synthetic data says.
ENDED = frozenset({"resolved", "closed"})
EVENT_COLUMNS = ("incident_id", "kind", "actor", "request_id", "created_at", "data")
# The triggers are off while COPY runs (see below), so the counters are recounted after it.
RECOUNT = """
    DELETE FROM incident_counters;
    INSERT INTO incident_counters (status, source, resolution, shard, count)
    SELECT status, source, COALESCE(resolution, ''), id % 16, count(*) FROM incidents
    GROUP BY status, source, COALESCE(resolution, ''), id % 16;
"""


def _chunks(first: int, count: int, *, first_id: int, now: datetime) -> Iterator[list[Row]]:
    made = rows(first, count, first_id=first_id, now=now)
    while chunk := list(itertools.islice(made, CHUNK)):
        yield chunk


def _incident_record(row: Row) -> tuple[object, ...]:
    taken, resolved = _firsts(row)
    return (
        row.id, row.description, row.status, row.source, len(row.events),
        row.created_by, row.created_at, row.updated_at,
        1, row.created_at, row.description.casefold(),
        "fixed" if row.status in ENDED else None, taken, resolved,
    )  # fmt: skip


def _firsts(row: Row) -> tuple[datetime | None, datetime | None]:
    """When the incident was first taken and first resolved, as the registry keeps them on
    the row (migration 0017)."""
    taken = resolved = None
    for _kind, at, data in row.events:
        moved = json.loads(data)
        if taken is None and (moved.get("from"), moved.get("to")) == ("new", "in_progress"):
            taken = at
        if resolved is None and moved.get("to") == "resolved":
            resolved = at
    return taken, resolved


async def fill_postgres(dsn: str, *, have: int, want: int, now: datetime) -> None:
    """Add incidents `have` .. `want - 1` (and their events) to the PostgreSQL database."""
    conn = await asyncpg.connect(dsn)
    try:
        async with conn.transaction():
            # Bulk load without per-row triggers (counters, foreign keys); the data is made
            # consistent, and the counters are recounted in the same transaction.
            await conn.execute("SET LOCAL session_replication_role = replica")
            first_id = int(await conn.fetchval("SELECT coalesce(max(id), 0) + 1 FROM incidents"))
            for chunk in _chunks(have, want - have, first_id=first_id, now=now):
                await conn.copy_records_to_table(
                    "incidents", records=map(_incident_record, chunk), columns=INCIDENT_COLUMNS
                )
                events = [
                    (row.id, kind, row.created_by, None, at, data)
                    for row in chunk
                    for kind, at, data in row.events
                ]
                await conn.copy_records_to_table(
                    "incident_events", records=events, columns=EVENT_COLUMNS
                )
            await conn.execute(RECOUNT)
            await conn.execute("SELECT setval('incidents_id_seq', (SELECT max(id) FROM incidents))")
        await conn.execute("VACUUM (ANALYZE) incidents, incident_events, incident_counters")
    finally:
        await conn.close()


def _naive(moment: datetime) -> str:
    """A timestamp as the app stores it on SQLite: naive UTC with microseconds."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def _sqlite_record(row: Row) -> tuple[object, ...]:
    """An incident record with its times as SQLite stores them (naive UTC text)."""
    return tuple(
        _naive(value) if isinstance(value, datetime) else value for value in _incident_record(row)
    )


def fill_sqlite(path: str, *, have: int, want: int, now: datetime) -> None:
    """Add incidents `have` .. `want - 1` (and their events) to the SQLite file at `path`."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("BEGIN IMMEDIATE")
        first_id = conn.execute("SELECT coalesce(max(id), 0) + 1 FROM incidents").fetchone()[0]
        # Inserted in SQL, so the counting triggers keep the counters as they always do.
        columns = ", ".join(INCIDENT_COLUMNS)
        placeholders = ", ".join("?" * len(INCIDENT_COLUMNS))
        for chunk in _chunks(have, want - have, first_id=first_id, now=now):
            conn.executemany(
                f"INSERT INTO incidents ({columns}) VALUES ({placeholders})",
                [_sqlite_record(row) for row in chunk],
            )
            conn.executemany(
                "INSERT INTO incident_events (incident_id, kind, actor, request_id, created_at,"
                " data) VALUES (?, ?, ?, NULL, ?, ?)",
                [
                    (row.id, kind, row.created_by, _naive(at), data)
                    for row in chunk
                    for kind, at, data in row.events
                ],
            )
        conn.execute("COMMIT")
        conn.execute("ANALYZE")
    finally:
        conn.close()
