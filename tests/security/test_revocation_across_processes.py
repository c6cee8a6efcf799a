"""Revocation with keys cached in each process: at once where revoked, within a second in
every other process (PostgreSQL: by NOTIFY, or by one-second entries while the listener is
down; SQLite: by one-second entries), on two `incidents serve` processes of one database."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import Server, serving

# The promise is one second; the rest is the test's own HTTP and a loaded machine's slack.
PROMISE_SECONDS = 1.0
SLACK_SECONDS = 1.5
# The first-start banner's admin key.
FIRST_KEY = re.compile(r"^\s*(inc_\S+)\s*$", re.MULTILINE)


@pytest.fixture
def pair(database_url: str, tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    with ExitStack() as stack:
        first = stack.enter_context(serving(database_url, tmp_path))
        second = stack.enter_context(serving(database_url, tmp_path, "--no-migrate"))
        yield first, second


def _status(server: Server, secret: str) -> int:
    headers = {"Authorization": f"Bearer {secret}"}
    return httpx.get(f"{server.url}/api/v1/incidents?limit=1", headers=headers).status_code


def _refused_within(server: Server, secret: str, seconds: float) -> float:
    """How long until `server` refuses `secret` (fails past `seconds`)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if _status(server, secret) == 401:
            return time.monotonic() - started
        time.sleep(0.05)
    pytest.fail(f"the revoked key still worked after {seconds} s")


async def _cut_listeners_and_revoke(dsn: str, name: str) -> int:
    """Terminate every key listener, then revoke `name` (heard by nobody); how many were cut."""
    conn = await asyncpg.connect(dsn)
    try:
        cut: int = await conn.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = 'incidents-keys'"
        )
        await conn.execute("UPDATE api_keys SET revoked_at = now() WHERE name = $1", name)
    finally:
        await conn.close()
    return cut


def _make_key(server: Server, admin: str, name: str) -> str:
    made = httpx.post(
        f"{server.url}/api/v1/keys",
        json={"name": name, "role": "operator"},
        headers={"Authorization": f"Bearer {admin}"},
    )
    assert made.status_code == 201, made.text
    secret: str = made.json()["secret"]
    return secret


def test_revocation_at_once_here_and_within_a_second_elsewhere(
    database_url: str, pair: tuple[Server, Server]
) -> None:
    first, second = pair
    [admin] = FIRST_KEY.findall(first.banner())

    # Revoked over HTTP in the first process, after both processes used (and cached) it.
    leaving = _make_key(first, admin, "leaving")
    for _ in range(3):
        assert _status(first, leaving) == 200
        assert _status(second, leaving) == 200
    revoked = httpx.delete(
        f"{first.url}/api/v1/keys/leaving", headers={"Authorization": f"Bearer {admin}"}
    )
    assert revoked.status_code == 204
    assert _status(first, leaving) == 401
    _refused_within(second, leaving, PROMISE_SECONDS + SLACK_SECONDS)

    # Revoked by the command line, a third process: both servers hear of it.
    by_cli = _make_key(first, admin, "cli-revoked")
    for server in pair:
        assert _status(server, by_cli) == 200
    assert first.cli("keys", "revoke", "cli-revoked").returncode == 0
    for server in pair:
        _refused_within(server, by_cli, PROMISE_SECONDS + SLACK_SECONDS)

    if database_url.startswith("sqlite"):
        return  # no listener: entries live one second anyway
    # PostgreSQL with every listening connection cut: a revocation made meanwhile (its
    # notification heard by nobody) still takes effect within the promise.
    unheard = _make_key(first, admin, "unheard")
    for server in pair:
        assert _status(server, unheard) == 200
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    assert asyncio.run(_cut_listeners_and_revoke(dsn, "unheard")) == 2  # one per process
    for server in pair:
        _refused_within(server, unheard, PROMISE_SECONDS + SLACK_SECONDS)
