"""Database URLs as people write them, and one line on why a database could not be opened."""

from __future__ import annotations

import os
import socket
import sqlite3
from pathlib import Path

import asyncpg
from sqlalchemy import exc
from sqlalchemy.engine import URL, make_url

# Schemes people write -> the async driver the service runs on.
_DRIVERS = {
    "postgresql": "postgresql+asyncpg",
    "postgres": "postgresql+asyncpg",
    "postgresql+asyncpg": "postgresql+asyncpg",
    "sqlite": "sqlite+aiosqlite",
    "sqlite+aiosqlite": "sqlite+aiosqlite",
}
EXAMPLES = "postgresql://USER:PASSWORD@HOST:5432/DBNAME or sqlite:///./data/incidents.db"


def async_url(url: str) -> str:
    """`url` with the async driver of its database; ValueError for a scheme not served or a
    URL that does not say where the database is."""
    scheme, separator, rest = url.strip().partition("://")
    driver = _DRIVERS.get(scheme.lower()) if separator else None
    if not separator:
        raise ValueError(f"not a database URL; write {EXAMPLES}")
    if driver is None:
        raise ValueError(f"{scheme!r} is not a database this service runs on; write {EXAMPLES}")
    if driver.startswith("sqlite") and not rest.startswith("/"):
        raise ValueError(
            "an SQLite URL needs three slashes before a relative path "
            "(sqlite:///./data/incidents.db) and four before an absolute one "
            "(sqlite:////srv/incidents/incidents.db)"
        )
    if driver.startswith("sqlite") and rest.strip("/") in ("", ":memory:"):
        raise ValueError(
            "an in-memory SQLite database would lose every incident when the command ends: "
            "name a file, e.g. sqlite:///./data/incidents.db"
        )
    written = f"{driver}://{rest}"
    try:
        make_url(written).port  # noqa: B018 (a port that is not a number fails here)
    except (ValueError, exc.ArgumentError):
        raise ValueError(f"not a database URL this service can read; write {EXAMPLES}") from None
    return written


def sqlite_file(url: str | URL) -> Path | None:
    """The absolute path of the SQLite file `url` names (relative paths from the current
    folder); None for PostgreSQL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(os.path.abspath(Path(parsed.database).expanduser()))


def with_absolute_path(url: str | URL) -> str:
    """`url` with an SQLite file's path made absolute, so people see which file is meant."""
    path = sqlite_file(url)
    parsed = make_url(url)
    if path is not None:
        parsed = parsed.set(database=str(path))
    return parsed.render_as_string(hide_password=False)


def connection_problem(url: str, error: BaseException) -> str | None:
    """One line saying why `url` could not be used and how to fix it; None when unknown."""
    parsed = make_url(url)
    where = f"{parsed.host or 'localhost'}:{parsed.port or 5432}"
    for cause in _chain(error):
        if isinstance(cause, asyncpg.InvalidCatalogNameError):
            return (
                f"the database {parsed.database!r} does not exist on {where}: create it "
                f"(createdb -h {parsed.host or 'localhost'} -p {parsed.port or 5432} "
                f"-U {parsed.username or 'postgres'} {parsed.database}) or name another "
                "in INCIDENTS_DATABASE_URL"
            )
        if isinstance(
            cause, asyncpg.InvalidPasswordError | asyncpg.InvalidAuthorizationSpecificationError
        ):
            return (
                f"{where} refused the user {parsed.username!r} ({cause}): check the user "
                "and password in INCIDENTS_DATABASE_URL"
            )
        if isinstance(cause, ConnectionRefusedError):
            return (
                f"nothing accepts connections at {where}: start PostgreSQL there, or correct "
                "the host and port in INCIDENTS_DATABASE_URL"
            )
        if isinstance(cause, socket.gaierror):
            return f"the host {parsed.host!r} is unknown: correct INCIDENTS_DATABASE_URL"
        if isinstance(cause, TimeoutError):
            return (
                f"{where} did not answer in time: check that PostgreSQL runs there and the "
                "network lets you in (INCIDENTS_DB_CONNECT_TIMEOUT_SECONDS waits longer)"
            )
        if isinstance(cause, sqlite3.OperationalError | OSError) and _is_sqlite(parsed):
            return (
                f"the SQLite file {parsed.database!r} can not be used ({cause}): check the path "
                "in INCIDENTS_DATABASE_URL and that this user may write there"
            )
    return None


def _is_sqlite(parsed: URL) -> bool:
    return parsed.get_backend_name() == "sqlite"


def _chain(error: BaseException) -> list[BaseException]:
    """`error`, what it wraps (SQLAlchemy's `orig`) and what caused it, outermost first."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop(0)
        if current is None or any(current is known for known in seen):
            continue
        seen.append(current)
        orig = current.orig if isinstance(current, exc.DBAPIError) else None
        pending += [orig if isinstance(orig, BaseException) else None]
        pending += [current.__cause__, current.__context__]
    return seen
