"""What the load needs to know about the data, read straight from the database."""

from __future__ import annotations

import asyncio
import random
import sqlite3
from datetime import UTC, datetime
from typing import Protocol

import asyncpg

from incidents.domain.cursor import Position, encode_cursor

PAGE = "ORDER BY created_at DESC, id DESC"
# pgbench's inserts are deleted again, events first; the counters are recounted after.
FORGET_PGBENCH = """
    SET LOCAL session_replication_role = replica;
    DELETE FROM incident_events WHERE actor = 'pgbench';
    DELETE FROM incidents WHERE created_by = 'pgbench';
    DELETE FROM incident_counters;
    INSERT INTO incident_counters (status, source, resolution, shard, count)
    SELECT status, source, COALESCE(resolution, ''), id % 16, count(*) FROM incidents
    GROUP BY status, source, COALESCE(resolution, ''), id % 16;
"""


class Probe(Protocol):
    """Reads of the benchmark's own, outside the API."""

    def count(self) -> int:
        """How many incidents there are."""
        ...

    def ids(self, *, status: str | None, limit: int) -> list[int]:
        """Up to `limit` ids of existing incidents (in `status` if given), spread over all."""
        ...

    def position_at(self, depth: int) -> Position:
        """Where the list (newest first) is after `depth` incidents."""
        ...


def cursor_at(probe: Probe, depth: int) -> str:
    """The cursor a client holds after paging `depth` incidents deep."""
    return encode_cursor(probe.position_at(depth))


class PostgresProbe:
    """A Probe over asyncpg, one short connection per read."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    def _fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        async def fetch() -> list[asyncpg.Record]:
            conn = await asyncpg.connect(self.dsn)
            try:
                return list(await conn.fetch(sql, *args))
            finally:
                await conn.close()

        return asyncio.run(fetch())

    def count(self) -> int:
        return int(self._fetch("SELECT count(*) FROM incidents")[0][0])

    def ids(self, *, status: str | None, limit: int) -> list[int]:
        clause = "" if status is None else "WHERE status = $2"
        args: list[object] = [limit] if status is None else [limit, status]
        sql = f"SELECT id FROM incidents TABLESAMPLE SYSTEM (10) {clause} LIMIT $1"
        found = [row[0] for row in self._fetch(sql, *args)]
        if len(found) < min(limit, 100):
            sql = f"SELECT id FROM incidents {clause} LIMIT $1"
            found = [row[0] for row in self._fetch(sql, *args)]
        random.Random(1).shuffle(found)
        return found

    def position_at(self, depth: int) -> Position:
        row = self._fetch(f"SELECT created_at, id FROM incidents {PAGE} OFFSET $1 LIMIT 1", depth)
        return Position(row[0]["created_at"].astimezone(UTC), row[0]["id"])

    def forget_pgbench(self) -> None:
        """Delete what pgbench inserted, keeping the counters exact."""

        async def forget() -> None:
            conn = await asyncpg.connect(self.dsn)
            try:
                async with conn.transaction():
                    await conn.execute(FORGET_PGBENCH)
                await conn.execute("VACUUM (ANALYZE) incidents, incident_counters")
            finally:
                await conn.close()

        asyncio.run(forget())


class SqliteProbe:
    """A Probe over the sqlite3 module."""

    def __init__(self, path: str) -> None:
        self.path = path

    def _fetch(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        conn = sqlite3.connect(self.path)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()

    def count(self) -> int:
        return int(str(self._fetch("SELECT count(*) FROM incidents")[0][0]))

    def ids(self, *, status: str | None, limit: int) -> list[int]:
        clause = "" if status is None else "AND status = ?"
        args: list[object] = [] if status is None else [status]
        # Every n-th id: spread over the table without sorting it.
        step = max(1, self.count() // (limit * 2) if status is None else 1)
        sql = f"SELECT id FROM incidents WHERE id % {step} = 0 {clause} LIMIT {limit}"
        found = [int(str(row[0])) for row in self._fetch(sql, *args)]
        random.Random(1).shuffle(found)
        return found

    def position_at(self, depth: int) -> Position:
        row = self._fetch(f"SELECT created_at, id FROM incidents {PAGE} LIMIT 1 OFFSET ?", depth)
        created = datetime.fromisoformat(str(row[0][0])).replace(tzinfo=UTC)
        return Position(created, int(str(row[0][1])))
