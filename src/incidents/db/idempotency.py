"""Queries on idempotency keys: one row per (client, key) claims a create."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exc, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.engine import UniqueViolation
from incidents.db.tables import idempotency_keys


@dataclass(frozen=True, slots=True)
class Claim:
    """A stored idempotency key: the body it was first used with and what it created."""

    fingerprint: str
    incident_id: int | None


async def find_claim(conn: AsyncConnection, *, client: str, key: str) -> Claim | None:
    """The claim of `key` by `client`, if any."""
    query = select(idempotency_keys.c.fingerprint, idempotency_keys.c.incident_id).where(
        idempotency_keys.c.client == client, idempotency_keys.c.key == key
    )
    row = (await conn.execute(query)).one_or_none()
    return None if row is None else Claim(fingerprint=row.fingerprint, incident_id=row.incident_id)


async def claim(
    conn: AsyncConnection, *, client: str, key: str, fingerprint: str, now: datetime
) -> None:
    """Claim `key` for `client`; raises UniqueViolation when a concurrent request holds it.

    On PostgreSQL the insert waits for a concurrent claimer to commit or roll back first.
    """
    statement = idempotency_keys.insert().values(
        client=client, key=key, fingerprint=fingerprint, created_at=now
    )
    try:
        await conn.execute(statement)
    except exc.IntegrityError as error:
        raise UniqueViolation(str(error.orig)) from error


async def record_result(conn: AsyncConnection, *, client: str, key: str, incident_id: int) -> None:
    """Remember which incident a claimed key created."""
    await conn.execute(
        idempotency_keys.update()
        .where(idempotency_keys.c.client == client, idempotency_keys.c.key == key)
        .values(incident_id=incident_id)
    )


async def purge(conn: AsyncConnection, *, before: datetime) -> None:
    """Forget keys claimed before `before`."""
    await conn.execute(idempotency_keys.delete().where(idempotency_keys.c.created_at < before))
