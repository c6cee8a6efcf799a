"""Connections straight on the driver, beside SQLAlchemy's pool, for what the pool can not do
(a listening connection)."""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy import make_url
from sqlalchemy.engine import URL

_CONNECT_TIMEOUT_SECONDS = 5.0


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
