"""SQLite under concurrency: two server processes write one file; no client sees a lock."""

from __future__ import annotations

import asyncio
import random
import shutil
import time
from pathlib import Path

import httpx
import pytest

from tests.reliability.harness import ServerProcess, client, record, sized
from tests.reliability.ledger import Ledger, check_database, sync_from_server

# A scenario that starts servers and waits on them: `make test-slow` runs it (CI does).
pytestmark = pytest.mark.slow

CLIENTS_PER_SERVER = 6


async def _write(ledger: Ledger, http: httpx.AsyncClient, name: str, writes: int) -> None:
    """Report incidents and move them on: `writes` acknowledged writes, every one a 2xx."""
    rng = random.Random(name)
    own: list[int] = []
    for n in range(writes):
        if not own or rng.random() < 0.5:
            created = await ledger.create(http, f"{name}-{n}")
            assert created is not None, "the server went away"
            own.append(created)
        else:
            assert await ledger.change(http, rng.choice(own), rng)


async def test_two_processes_share_one_sqlite_file(sqlite_template: Path, tmp_path: Path) -> None:
    path = tmp_path / "shared.db"
    shutil.copyfile(sqlite_template, path)
    url = f"sqlite+aiosqlite:///{path}"
    first = ServerProcess(url, tmp_path)
    second = ServerProcess(url, tmp_path, "--no-migrate")
    secret = await first.make_key("sqlite-writers")
    writes = sized(ci=40, full=300)
    ledger = Ledger()
    started = time.monotonic()
    try:
        await first.start()
        await second.start()
        async with client(first.url, secret) as one, client(second.url, secret) as other:
            await asyncio.gather(
                *(
                    _write(ledger, http, f"{label}-{c}", writes)
                    for label, http in (("a", one), ("b", other))
                    for c in range(CLIENTS_PER_SERVER)
                )
            )
            # Each process sees the other's writes: read everything back through the other.
            lost = await sync_from_server(ledger, other) + await sync_from_server(ledger, one)
            listed = await one.get("/api/v1/incidents", params={"limit": 1})
            ledger.tally.saw(listed)
            total = int(listed.headers["X-Total-Count"])
        assert await first.terminate() == 0, first.log()
        assert await second.terminate() == 0, second.log()
    finally:
        first.stop_quietly()
        second.stop_quietly()
    duplicates, half_written = await check_database(url, ledger)
    created = sum(incident is not None for incident in ledger.creates.values())

    assert lost == 0
    assert total == created == len(ledger.creates)
    assert duplicates == 0
    assert half_written == 0
    assert set(ledger.tally.by_status) <= {200, 201, 409}, ledger.tally.by_status
    assert "database is locked" not in first.log() + second.log()
    record(
        "sqlite-two-processes",
        "sqlite",
        requests=ledger.tally.requests,
        acknowledged=ledger.acknowledged,
        lost=lost,
        duplicates=duplicates,
        half_written=half_written,
        server_errors=ledger.tally.server_errors,
        seconds=round(time.monotonic() - started, 1),
    )
