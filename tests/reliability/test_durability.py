"""Durability: SIGKILL the server mid-load; every acknowledged write is there, whole, once."""

from __future__ import annotations

import asyncio
import random
import time
from pathlib import Path

import pytest

from tests.reliability.harness import ServerProcess, client, database_kind, record, sized
from tests.reliability.ledger import (
    Ledger,
    check_database,
    drive,
    retry_unacknowledged,
    sync_from_server,
)

# A scenario that starts servers and waits on them: `make test-slow` runs it (CI does).
pytestmark = pytest.mark.slow

WORKERS = 8


async def test_acknowledged_writes_survive_sigkill(database_url: str, tmp_path: Path) -> None:
    rounds = sized(ci=3, full=12)
    rng = random.Random(20261123)
    started = time.monotonic()
    server = ServerProcess(database_url, tmp_path)
    secret = await server.make_key("durability")
    ledger = Ledger()
    lost = duplicates = half_written = retried = 0
    try:
        for round_ in range(rounds):
            await server.start()
            async with client(server.url, secret) as http:
                if round_:
                    lost += await sync_from_server(ledger, http)
                    retried += await retry_unacknowledged(ledger, http)
                # A different kill point each round: after this many acknowledged writes.
                kill_at = ledger.acknowledged + rng.randint(sized(20, 60), sized(120, 400))
                stop = asyncio.Event()
                workers = [
                    asyncio.create_task(drive(ledger, http, worker=w, round_=round_, stop=stop))
                    for w in range(WORKERS)
                ]
                while ledger.acknowledged < kill_at and not any(w.done() for w in workers):
                    await asyncio.sleep(0.005)
                server.kill()
                stop.set()
                await asyncio.gather(*workers)
        await server.start()
        async with client(server.url, secret) as http:
            lost += await sync_from_server(ledger, http)
            retried += await retry_unacknowledged(ledger, http)
            lost += await sync_from_server(ledger, http)
        duplicates, half_written = await check_database(database_url, ledger)
        assert await server.terminate() == 0, server.log()
    finally:
        server.stop_quietly()

    assert lost == 0
    assert duplicates == 0
    assert half_written == 0
    assert ledger.tally.server_errors == 0, ledger.tally.by_status
    record(
        "durability",
        database_kind(database_url),
        requests=ledger.tally.requests,
        kills=rounds,
        acknowledged=ledger.acknowledged,
        retried_creates=retried,
        lost=lost,
        duplicates=duplicates,
        half_written=half_written,
        server_errors=ledger.tally.server_errors,
        seconds=round(time.monotonic() - started, 1),
    )
