"""Engine and transactions: one place that knows how each database is opened."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import event, exc, func, make_url, select, text, true
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from incidents.db.driver import DriverPool, sqlite_reader
from incidents.domain.errors import StatementTimedOut, StorageUnavailable

# SQLite: on a write transaction take the write lock at BEGIN, not at the first write.
# A deferred transaction that reads and then writes fails with SQLITE_BUSY (no retry,
# busy_timeout does not apply) when another connection committed in between.
_BEGIN_MODE = "incidents_sqlite_begin"
# Reads run each statement on its own, as on PostgreSQL (see Database.__init__).
_NO_BEGIN = "none"


# Failures of the database or the way to it, as opposed to a bad statement: retryable.
_UNAVAILABLE = (exc.OperationalError, exc.InterfaceError, exc.TimeoutError, OSError, TimeoutError)


# How long after PostgreSQL's statement_timeout the client gives up on a statement itself.
_CLIENT_DEADLINE_GRACE_SECONDS = 1.0
# PostgreSQL's memory for each sort or hash of a costly read (4 MB by default, which sends a
# year's stats to disk); at most INCIDENTS_DB_COSTLY_AT_ONCE of them run at once per process.
COSTLY_WORK_MEM = "32MB"


class UniqueViolation(Exception):
    """An insert collided with a unique constraint; the transaction must be rolled back."""


@dataclass(frozen=True, slots=True)
class EngineOptions:
    """Tuning that comes from settings."""

    pool_size: int = 10
    # Overflow connections open and close with every burst (a connection and TLS handshake
    # each, plain in the profile under load); queueing for a pooled one is cheaper.
    max_overflow: int = 0
    pool_timeout_seconds: float = 10.0
    connect_timeout_seconds: float = 5.0
    statement_timeout_ms: int = 15_000  # 0: no limit (migrations)
    # The deadline of each statement of a costly read (stats, text search, deep pages).
    costly_timeout_ms: int = 5_000
    sqlite_busy_timeout_ms: int = 15_000


def is_sqlite(url: str | URL) -> bool:
    """Whether `url` names an SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def redacted(url: str | URL) -> str:
    """`url` with any password masked, for logs."""
    return make_url(url).render_as_string(hide_password=True)


def ensure_sqlite_directory(url: str | URL) -> None:
    """Create the folder of an SQLite database file if it does not exist yet."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str | URL, options: EngineOptions | None = None) -> AsyncEngine:
    """An async engine for `url`; connects lazily, on first use."""
    options = options or EngineOptions()
    if is_sqlite(url):
        return _sqlite_engine(url, options)
    return _postgres_engine(url, options)


def _postgres_engine(url: str | URL, options: EngineOptions) -> AsyncEngine:
    # No JIT: compiling a plan took longer (0.7 s) than running the overview's aggregates,
    # and the registry's other statements are too short to gain from it.
    server_settings = {"application_name": "incidents", "jit": "off"}
    connect_args: dict[str, Any] = {
        "timeout": options.connect_timeout_seconds,
        "server_settings": server_settings,
    }
    if options.statement_timeout_ms > 0:
        server_settings["statement_timeout"] = str(options.statement_timeout_ms)
        # statement_timeout needs a server that hears the statement. When the network drops
        # packets (no reset, no close), only a deadline on our side ends the wait; it comes a
        # little after the server's own, so a slow statement still fails the server's way.
        connect_args["command_timeout"] = (
            options.statement_timeout_ms / 1000 + _CLIENT_DEADLINE_GRACE_SECONDS
        )
    engine = create_async_engine(
        url,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_timeout=options.pool_timeout_seconds,
        connect_args=connect_args,
    )

    # A statement past its client-side deadline leaves its connection mid-protocol, with the
    # server perhaps unreachable: drop that connection at once (a rollback or a polite close
    # on it would wait out more deadlines) and let the pool treat it as a disconnect.
    @event.listens_for(engine.sync_engine, "handle_error")
    def _deadline_is_disconnect(context: Any) -> None:
        if isinstance(context.original_exception, TimeoutError):
            context.is_disconnect = True
            if context.connection is not None:
                context.connection.connection.driver_connection.terminate()

    # Instead of pool_pre_ping, which costs three round trips (BEGIN, ping, ROLLBACK) on every
    # checkout: a connection whose socket the server closed (restart, terminated backend)
    # is already marked closed by asyncpg, so it is replaced before use at no cost. A
    # connection that breaks unnoticed fails its request once, and that invalidates the pool.
    @event.listens_for(engine.sync_engine, "checkout")
    def _replace_closed(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        if record.driver_connection.is_closed():
            raise exc.DisconnectionError("the server closed this pooled connection")

    return engine


def _sqlite_engine(url: str | URL, options: EngineOptions) -> AsyncEngine:
    engine = create_async_engine(
        url,
        pool_size=options.pool_size,
        max_overflow=options.max_overflow,
        pool_timeout=options.pool_timeout_seconds,
        connect_args={"timeout": options.sqlite_busy_timeout_ms / 1000},
    )

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(options.sqlite_busy_timeout_ms)}")
        cursor.execute("PRAGMA foreign_keys=ON")
        # FULL: a commit the client was told about survives a power cut, not only a crash.
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_MODE, "DEFERRED")
        if mode != _NO_BEGIN:
            connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


# PostgreSQL's query_canceled: statement_timeout (or a cancel request) ended the statement.
QUERY_CANCELED = "57014"


def is_statement_timeout(error: BaseException) -> bool:
    """Whether `error` (or what caused it) is a statement ended for running out of time:
    PostgreSQL's query_canceled, or SQLite's `interrupted` (a progress handler's deadline)."""
    seen: BaseException | None = error
    for _ in range(5):
        if seen is None:
            return False
        if getattr(seen, "sqlstate", None) == QUERY_CANCELED:
            return True
        if isinstance(seen, sqlite3.OperationalError) and "interrupted" in str(seen):
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


@contextmanager
def _unavailable_as_domain_error() -> Iterator[None]:
    try:
        yield
    except (*_UNAVAILABLE, exc.DBAPIError) as error:
        if is_statement_timeout(error):
            raise StatementTimedOut() from error
        if isinstance(error, _UNAVAILABLE):
            raise StorageUnavailable() from error
        if isinstance(error, exc.DBAPIError) and error.connection_invalidated:
            raise StorageUnavailable() from error
        raise


@asynccontextmanager
async def _sqlite_deadline(connection: AsyncConnection, timeout_ms: int) -> AsyncIterator[None]:
    """Interrupt any statement on `connection` still running `timeout_ms` from now: SQLite has
    no statement timeout, but calls a progress handler every so many instructions."""
    if timeout_ms <= 0:
        yield
        return
    raw = await connection.get_raw_connection()
    driver: Any = raw.driver_connection  # aiosqlite's connection
    deadline = time.monotonic() + timeout_ms / 1000

    def past_deadline() -> int:
        return 1 if time.monotonic() > deadline else 0

    await driver.set_progress_handler(past_deadline, _PROGRESS_STEPS)
    try:
        yield
    finally:
        await driver.set_progress_handler(None, 0)


# SQLite instructions between two looks at the clock (microseconds of work: a short deadline
# holds even for a small statement; each look takes the GIL, see RELIABILITY.md).
_PROGRESS_STEPS = 1_000


class Transaction:
    """An open transaction; the use case must call `commit()`, anything else rolls back."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.committed = False

    async def commit(self) -> None:
        """Make the transaction's writes durable."""
        await self.connection.commit()
        self.committed = True


class Database:
    """The engine plus the one way use cases open transactions on it."""

    def __init__(self, engine: AsyncEngine, options: EngineOptions | None = None) -> None:
        self.engine = engine
        self.options = options or EngineOptions()
        self.is_sqlite = engine.dialect.name == "sqlite"
        # PostgreSQL: the request path's statements go straight to asyncpg (db/driver.py).
        self.driver = None if self.is_sqlite else _driver_pool(engine, options or EngineOptions())
        # SQLite: single-row reads on plain sqlite3, on the event loop's thread (db/driver.py).
        self.reader = sqlite_reader(engine.url) if self.is_sqlite else None
        self._write_engine = (
            engine.execution_options(**{_BEGIN_MODE: "IMMEDIATE"}) if self.is_sqlite else engine
        )
        # SQLite lets one writer in at a time; the others poll with growing sleeps (up to
        # 100 ms each), which made the p99 of writes under load seconds long. Writers of this
        # process queue here instead; busy_timeout still arbitrates between processes.
        self._sqlite_writers = asyncio.Lock() if self.is_sqlite else None
        # Reads run each statement on its own, skipping BEGIN and ROLLBACK (round trips on
        # PostgreSQL, thread hops on SQLite). Under PostgreSQL's READ COMMITTED every statement
        # of a transaction takes a new snapshot anyway, so reads see what they saw before.
        # So `reads()` must not write, lock or SET LOCAL.
        self._read_engine = (
            engine.execution_options(**{_BEGIN_MODE: _NO_BEGIN})
            if self.is_sqlite
            else engine.execution_options(isolation_level="AUTOCOMMIT")
        )

    @classmethod
    def from_url(cls, url: str | URL, options: EngineOptions | None = None) -> Database:
        """A database over a new engine for `url`."""
        return cls(create_engine(url, options), options)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Transaction]:
        """Open a transaction; it rolls back unless the caller commits it."""
        with _unavailable_as_domain_error():
            async with (
                self._sqlite_writers or nullcontext(),
                self._write_engine.connect() as connection,
            ):
                await connection.begin()
                tx = Transaction(connection)
                try:
                    yield tx
                finally:
                    if not tx.committed:
                        await connection.rollback()

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[AsyncConnection]:
        """A connection for reads only, not a transaction: each statement stands alone.

        No BEGIN, no ROLLBACK: returning the connection to the pool resets it. Statements
        must not write, lock or SET LOCAL, and two of them may see different snapshots.
        """
        with _unavailable_as_domain_error():
            async with self._read_engine.connect() as connection:
                yield connection

    @asynccontextmanager
    async def costly_reads(self) -> AsyncIterator[AsyncConnection]:
        """A connection for a costly read (stats, text search, deep pages): each statement
        ends after the costly deadline (StatementTimedOut), so it can not hold the database.

        PostgreSQL: a read-only transaction with `SET LOCAL statement_timeout`; SQLite: a
        progress handler that interrupts a statement past the deadline.
        """
        timeout = self.options.costly_timeout_ms
        with _unavailable_as_domain_error():
            if self.is_sqlite:
                async with (
                    self._read_engine.connect() as connection,
                    _sqlite_deadline(connection, timeout),
                ):
                    yield connection
                return
            async with self.engine.connect() as connection:
                await connection.begin()
                try:
                    # One round trip for the transaction's settings: room to sort a year's
                    # reports in memory, and the deadline (0 keeps the usual one).
                    settings = {"work_mem": COSTLY_WORK_MEM}
                    if timeout > 0:
                        settings["statement_timeout"] = str(int(timeout))
                    await connection.execute(
                        select(*(func.set_config(k, v, true()) for k, v in settings.items()))
                    )
                    yield connection
                finally:
                    await connection.rollback()

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[AsyncConnection]:
        """A connection on which each statement commits by itself, for a write that is one
        atomic statement (an upsert) and may be lost in a power cut (rate-limit buckets).

        No BEGIN and COMMIT round trips on PostgreSQL. On SQLite the writers of this process
        still take turns, and the commits skip the fsync (`synchronous=NORMAL`): they become
        durable with the next ordinary write. Never for two statements that belong together.
        """
        with _unavailable_as_domain_error():
            async with (
                self._sqlite_writers or nullcontext(),
                self._read_engine.connect() as connection,
            ):
                if not self.is_sqlite:
                    yield connection
                    return
                await connection.exec_driver_sql("PRAGMA synchronous=NORMAL")
                try:
                    yield connection
                finally:
                    try:
                        await connection.exec_driver_sql("PRAGMA synchronous=FULL")
                    except BaseException:
                        # Never pool a connection whose commits would skip the fsync.
                        await connection.invalidate()
                        raise

    async def ping(self) -> None:
        """Run a trivial query; raises StorageUnavailable when the database does not answer."""
        with _unavailable_as_domain_error():
            async with self.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        """Close every pooled connection."""
        if self.driver is not None:
            await self.driver.close()
        if self.reader is not None:
            self.reader.close()
        await self.engine.dispose()


def _driver_pool(engine: AsyncEngine, options: EngineOptions) -> DriverPool:
    timeout = options.statement_timeout_ms
    # As on SQLAlchemy's pool: the client's own deadline comes a little after the server's.
    deadline = timeout / 1000 + _CLIENT_DEADLINE_GRACE_SECONDS if timeout else None
    return DriverPool(
        engine.url,
        size=options.pool_size,
        statement_timeout_ms=timeout,
        command_timeout_seconds=deadline,
        connect_timeout_seconds=options.connect_timeout_seconds,
        acquire_timeout_seconds=options.pool_timeout_seconds,
    )
