"""Stats read first-take and first-resolve times from the incident row: every door writes
them with the move, and migration 0017 fills them from the trail for incidents made before."""

from __future__ import annotations

from typing import Any

import httpx
import sqlalchemy as sa
from alembic import command
from fastapi import FastAPI
from sqlalchemy import Connection

from incidents.db.engine import create_engine
from incidents.db.migrate import alembic_config, upgrade_to_head
from tests.conftest import TickingClock, report

URL = "/api/v1/incidents"


def _downgrade_to_0014(connection: Connection) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    command.downgrade(config, "0014")


async def _firsts(database_url: str) -> list[tuple[Any, ...]]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(
                sa.text("SELECT id, first_taken_at, first_resolved_at FROM incidents ORDER BY id")
            )
            return [tuple(row) for row in rows]
    finally:
        await engine.dispose()


async def test_moves_write_first_times_and_the_migration_fills_them_alike(
    app: FastAPI, client: httpx.AsyncClient, clock: TickingClock, database_url: str
) -> None:
    taken = await report(client, "Locker 3 jammed")
    for status in ("in_progress", "resolved", "in_progress", "resolved"):
        await client.patch(f"{URL}/{taken['id']}", json={"status": status})
    untouched = await report(client, "Locker 4 jammed")
    alert = {"action": "trigger", "dedup_key": "scooter-7", "summary": "Scooter 7 offline"}
    monitored = (await client.post("/api/v1/events", json=alert)).json()
    await client.post("/api/v1/events", json={"action": "resolve", "dedup_key": "scooter-7"})
    await client.post("/api/v1/events", json=alert)  # reopened: not a take
    stats = (await client.get("/api/v1/stats")).json()
    await app.state.runtime.close()

    written = await _firsts(database_url)
    by_id = {row[0]: row[1:] for row in written}
    trail = (await client.get(f"{URL}/{taken['id']}/events")).json()
    moves = [e for e in trail if e["kind"] == "status_changed"]
    assert by_id[taken["id"]][0] is not None
    assert by_id[taken["id"]][0] < by_id[taken["id"]][1]  # taken, then resolved
    assert len(moves) == 4
    assert by_id[untouched["id"]] == (None, None)
    assert by_id[monitored["id"]][0] is None
    assert by_id[monitored["id"]][1] is not None

    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_downgrade_to_0014)
            await connection.commit()
    finally:
        await engine.dispose()
    await upgrade_to_head(database_url)

    assert await _firsts(database_url) == written
    assert stats["time_to_take"]["overall"]["count"] == 1
    assert stats["time_to_resolve"]["overall"]["count"] == 2
