"""The request path's statements straight on the driver (asyncpg; sqlite3 for single-row
reads), beside SQLAlchemy's pool.

SQLAlchemy keeps the schema, the migrations and everything off the hot path; its async
bridge costs more CPU per statement than the database spends on one (see PERFORMANCE.md), so
the few statements every request runs go to a small asyncpg pool of their own, prepared once
per connection. Connections come back to the pool without a reset round trip: these
statements leave no session state behind (no SET, LISTEN, advisory lock or open cursor).
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import asyncpg
from sqlalchemy import make_url
from sqlalchemy.engine import URL

from incidents.domain.errors import StatementTimedOut, StorageUnavailable

_CONNECT_TIMEOUT_SECONDS = 5.0
# Failures of the server or the way to it (a bad statement is a bug and stays one).
_UNAVAILABLE = (
    OSError,
    TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
)


def postgres_dsn(url: str | URL) -> str:
    """The libpq-style DSN asyncpg takes, from an SQLAlchemy URL."""
    plain = make_url(url).set(drivername="postgresql")
    return plain.render_as_string(hide_password=False)


async def connect_postgres(url: str | URL, *, application_name: str = "incidents") -> Any:
    """A new asyncpg connection to the database `url` names (the caller closes it)."""
    return await asyncpg.connect(
        postgres_dsn(url),
        timeout=_CONNECT_TIMEOUT_SECONDS,
        server_settings={"application_name": application_name},
    )


async def _json_codecs(connection: Any) -> None:
    for kind in ("json", "jsonb"):
        await connection.set_type_codec(
            kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog"
        )


async def _no_reset(_connection: Any) -> None:
    """Released connections are reused as they are (see the module's docstring)."""


@contextmanager
def unavailable_as_domain_error() -> Iterator[None]:
    """Failures to reach the database become StorageUnavailable, and a statement that ran out
    of time StatementTimedOut, as on SQLAlchemy's path."""
    try:
        yield
    except asyncpg.QueryCanceledError as error:
        raise StatementTimedOut() from error
    except _UNAVAILABLE as error:
        raise StorageUnavailable() from error


class DriverPool:
    """A pool of asyncpg connections, opened on first use (inside the running event loop)."""

    def __init__(
        self,
        url: str | URL,
        *,
        size: int,
        statement_timeout_ms: int,
        command_timeout_seconds: float | None,
        connect_timeout_seconds: float = _CONNECT_TIMEOUT_SECONDS,
        acquire_timeout_seconds: float | None = None,
    ) -> None:
        self._dsn = postgres_dsn(url)
        self._size = size
        self._settings = {"application_name": "incidents"}
        if statement_timeout_ms > 0:
            self._settings["statement_timeout"] = str(statement_timeout_ms)
        self._command_timeout = command_timeout_seconds
        self._connect_timeout = connect_timeout_seconds
        # As SQLAlchemy's pool_timeout: a request waits this long for a pooled connection
        # (all of them may hang on a database that stopped answering), then gets a 503.
        self._acquire_timeout = acquire_timeout_seconds
        self._pool: Any = None
        self._opening = asyncio.Lock()

    async def _open(self) -> Any:
        async with self._opening:
            if self._pool is None:
                self._pool = await asyncpg.create_pool(
                    self._dsn,
                    min_size=0,
                    max_size=self._size,
                    timeout=self._connect_timeout,
                    command_timeout=self._command_timeout,
                    server_settings=self._settings,
                    init=_json_codecs,
                    reset=_no_reset,
                )
        return self._pool

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Any]:
        """A pooled connection; each statement on it commits by itself."""
        with unavailable_as_domain_error():
            pool = self._pool or await self._open()
            async with pool.acquire(timeout=self._acquire_timeout) as connection:
                yield connection

    @asynccontextmanager
    async def costly(self, timeout_ms: int) -> AsyncIterator[Any]:
        """A pooled connection in a transaction whose statements end after `timeout_ms`
        (StatementTimedOut), for a costly read; 0: the usual statement timeout."""
        async with self.connection() as connection, connection.transaction():
            if timeout_ms > 0:
                await connection.execute(f"SET LOCAL statement_timeout = {int(timeout_ms)}")
            yield connection

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Any]:
        """A pooled connection in a transaction, committed when the block ends without error."""
        async with self.connection() as connection, connection.transaction():
            yield connection

    async def close(self) -> None:
        """Close every pooled connection."""
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()


class SqliteReader:
    """One plain sqlite3 connection for the request path's single-row reads (SQLite).

    Used on the event loop's own thread: a read by primary key takes tens of microseconds,
    less than handing it to another thread and back (aiosqlite). In WAL mode a reader never
    waits for writers; the short busy timeout only covers a checkpoint resetting the log.
    Only reads of a row or a few by key belong here, never a scan.
    """

    def __init__(self, path: str, *, busy_timeout_ms: int = 1000) -> None:
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        self._connection: sqlite3.Connection | None = None

    def connection(self) -> sqlite3.Connection:
        """The connection, opened on first use (read-only for this process's statements)."""
        if self._connection is None:
            connection = sqlite3.connect(self._path, isolation_level=None)
            connection.row_factory = sqlite3.Row
            connection.execute(f"PRAGMA busy_timeout={int(self._busy_timeout_ms)}")
            connection.execute("PRAGMA query_only=1")
            self._connection = connection
        return self._connection

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """The connection; failures to read the file become StorageUnavailable."""
        try:
            yield self.connection()
        except sqlite3.OperationalError as error:
            raise StorageUnavailable() from error

    def close(self) -> None:
        """Close the connection."""
        if self._connection is not None:
            connection, self._connection = self._connection, None
            connection.close()


def sqlite_reader(url: str | URL) -> SqliteReader | None:
    """A reader for the SQLite file `url` names (None for an in-memory database)."""
    database = make_url(url).database
    if database in (None, "", ":memory:"):
        return None
    return SqliteReader(str(Path(database).expanduser()))
