"""Pooled connections the database closed are replaced before use, without failing a request."""

from __future__ import annotations

import asyncio

import asyncpg
import httpx
import pytest

from tests.conftest import report


# Only PostgreSQL closes connections from its side.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_requests_survive_the_server_closing_pooled_connections(
    client: httpx.AsyncClient, database_url: str
) -> None:
    created = await report(client)
    name = database_url.rsplit("/", 1)[1]
    admin = await asyncpg.connect(database_url.replace("postgresql+asyncpg", "postgresql", 1))
    try:
        ended = await admin.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = $1 AND pid <> pg_backend_pid()",
            name,
        )
    finally:
        await admin.close()
    assert ended >= 1
    await asyncio.sleep(0.2)  # the event loop notices the closed sockets

    for _ in range(3):
        response = await client.get(f"/api/v1/incidents/{created['id']}")
        assert response.status_code == 200, response.text
