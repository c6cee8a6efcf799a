"""Taking a backup in one read transaction, loading one into an empty database, and the
record of the backups that finished (db/archive.py is the format)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, false, func, insert, inspect, select, text, update
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from incidents.db import archive
from incidents.db.engine import EngineOptions, create_engine
from incidents.db.tables import backups

# Rows fetched and inserted at a time.
BATCH = 2_000


@asynccontextmanager
async def long_running(
    url: str | URL, connect_timeout_seconds: float
) -> AsyncIterator[AsyncEngine]:
    """An engine of one connection whose statements may take as long as a backup does."""
    engine = create_engine(
        url,
        EngineOptions(
            pool_size=1, statement_timeout_ms=0, connect_timeout_seconds=connect_timeout_seconds
        ),
    )
    try:
        yield engine
    finally:
        await engine.dispose()


async def schema_revision(conn: AsyncConnection) -> str | None:
    """The Alembic revision the database is at; None when it was never migrated."""
    try:
        found = await conn.execute(text("SELECT version_num FROM alembic_version"))
    except Exception:
        return None
    return found.scalar_one_or_none()


async def dump(
    engine: AsyncEngine, write: Callable[[str], Any], *, now: datetime
) -> tuple[int, str]:
    """Write every archived table through `write`, all read in one transaction (REPEATABLE
    READ on PostgreSQL; on SQLite one read transaction is one snapshot); the rows written and
    the schema revision they were read at."""
    conn = await engine.connect()
    try:
        if engine.dialect.name == "postgresql":
            conn = await conn.execution_options(isolation_level="REPEATABLE READ")
        async with conn.begin():
            if engine.dialect.name == "postgresql":
                await conn.execute(text("SET TRANSACTION READ ONLY"))
            revision = await schema_revision(conn)
            if revision is None:
                raise archive.ArchiveError("the database has no schema: nothing to back up")
            tables = archive.archived_tables()
            header = archive.Header(
                schema_revision=revision,
                database=engine.dialect.name,
                created_at=now.isoformat(),
                tables=[table.name for table in tables],
            )
            write(archive.header_line(header))
            counts = {table.name: await _dump_table(conn, table, write) for table in tables}
            write(archive.end_line(counts))
    finally:
        await conn.close()
    return sum(counts.values()), revision


async def _dump_table(conn: AsyncConnection, table: Table, write: Callable[[str], Any]) -> int:
    write(archive.table_line(table))
    order = list(table.primary_key.columns) or list(table.columns)
    rows = await conn.stream(select(table).order_by(*order))
    written = 0
    async for batch in rows.partitions(BATCH):
        for row in batch:
            write(archive.row_line(tuple(row)))
        written += len(batch)
    return written


async def refuse_unless_empty(conn: AsyncConnection) -> None:
    """Raise ArchiveError when any table of the registry that exists holds a row."""
    present = set(await conn.run_sync(lambda sync: inspect(sync).get_table_names()))
    for table in archive.archived_tables():
        if table.name not in present:
            continue
        if (await conn.execute(select(1).select_from(table).limit(1))).first() is not None:
            raise archive.ArchiveError(
                f"the database is not empty (table {table.name} has rows): restore only into "
                "a new, empty database"
            )


async def load(engine: AsyncEngine, lines: Iterator[str]) -> int:
    """Insert a backup's rows into the empty database in one transaction; the rows loaded.

    Raises ArchiveError (nothing written) when the database holds rows or the file is damaged.
    """
    async with engine.connect() as conn, conn.begin():
        await refuse_unless_empty(conn)
        counts = await _load_sections(conn, lines)
        if engine.dialect.name == "postgresql":
            await _move_sequences_past_ids(conn)
    return sum(counts.values())


async def _load_sections(conn: AsyncConnection, lines: Iterator[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    loader: _TableLoader | None = None
    for item in archive.read_body(lines):
        if isinstance(item, archive.Section):
            if loader is not None:
                counts[loader.table.name] = await loader.finish(conn)
            loader = _TableLoader(item)
        elif "end" in item:
            if loader is not None:
                counts[loader.table.name] = await loader.finish(conn)
            if item["end"] != counts:
                raise archive.ArchiveError(
                    "the rows found do not match the counts at the end of the file: it is damaged"
                )
            return counts
        else:
            assert loader is not None
            await loader.add(conn, item)
    raise archive.ArchiveError("the backup ends before its last line: the file was cut short")


class _TableLoader:
    """Inserts one table's rows in batches; a column referring to its own table (a duplicate's
    original) is set after all the table's rows are in, whatever their order."""

    def __init__(self, section: archive.Section) -> None:
        self.table = section.table
        self.own = [
            key.parent.name
            for key in self.table.foreign_keys
            if key.column.table is self.table and key.parent.name in section.columns
        ]
        self.pending: list[dict[str, Any]] = []
        self.later: list[dict[str, Any]] = []
        self.count = 0

    async def add(self, conn: AsyncConnection, row: dict[str, Any]) -> None:
        for name in self.own:
            if row[name] is not None:
                self.later.append({"pk": row["id"], "value": row[name], "column": name})
                row[name] = None
        self.pending.append(row)
        if len(self.pending) >= BATCH:
            await self._flush(conn)

    async def _flush(self, conn: AsyncConnection) -> None:
        if self.pending:
            await conn.execute(insert(self.table), self.pending)
            self.count += len(self.pending)
            self.pending = []

    async def finish(self, conn: AsyncConnection) -> int:
        await self._flush(conn)
        for name in self.own:
            values = [item for item in self.later if item["column"] == name]
            if values:
                statement = (
                    update(self.table)
                    .where(self.table.c.id == bindparam("pk"))
                    .values({name: bindparam("value")})
                )
                await conn.execute(
                    statement, [{"pk": v["pk"], "value": v["value"]} for v in values]
                )
        return self.count


async def _move_sequences_past_ids(conn: AsyncConnection) -> None:
    """PostgreSQL: the next id each table hands out follows the highest one loaded."""
    for table in archive.archived_tables():
        column = table.autoincrement_column
        if column is None:
            continue
        highest = select(func.coalesce(func.max(column), 0)).scalar_subquery()
        sequence = func.pg_get_serial_sequence(table.name, column.name)
        await conn.execute(select(func.setval(sequence, highest + 1, false())))


async def record(conn: AsyncConnection, *, finished_at: datetime, revision: str, rows: int) -> None:
    """Note a backup that finished."""
    await conn.execute(
        insert(backups).values(finished_at=finished_at, schema_revision=revision, rows=rows)
    )


async def last_finished_at(conn: AsyncConnection) -> datetime | None:
    """When the newest backup finished; None when none did."""
    found: datetime | None = (
        await conn.execute(select(func.max(backups.c.finished_at)))
    ).scalar_one_or_none()
    return found
