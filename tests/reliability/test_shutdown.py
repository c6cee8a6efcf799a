"""Graceful shutdown: SIGTERM lets in-flight requests and notification sends finish, exit 0."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from incidents.db import tables
from incidents.db.engine import create_engine
from tests.reliability.harness import ServerProcess, Tally, client, database_kind, record, sized
from tests.telegram.fake_bot_api import TOKEN, FakeBotAPI

# A scenario that starts servers and waits on them: `make test-slow` runs it (CI does).
pytestmark = pytest.mark.slow

NOTIFY = -1005550000000
SEND_SECONDS = 1.5  # how long the fake Telegram takes over each sendMessage


async def _half_then_rest(
    body: bytes, sent_half: asyncio.Event, go_on: asyncio.Event
) -> AsyncIterator[bytes]:
    """A request body that stops halfway until told to go on: a request in flight."""
    yield body[: len(body) // 2]
    sent_half.set()
    await go_on.wait()
    yield body[len(body) // 2 :]


async def _slow_report(
    http: httpx.AsyncClient, n: int, sent_half: asyncio.Event, go_on: asyncio.Event
) -> httpx.Response:
    body = f'{{"description": "Reported while stopping {n}", "source": "operator"}}'.encode()
    return await http.post(
        "/api/v1/incidents",
        content=_half_then_rest(body, sent_half, go_on),
        headers={"Content-Type": "application/json"},
    )


async def _outbox(url: str) -> tuple[int, int]:
    """(rows, rows sent) in the outbox."""
    engine = create_engine(url)
    try:
        async with engine.connect() as conn:
            rows = await conn.scalar(select(func.count()).select_from(tables.outbox))
            sent = await conn.scalar(
                select(func.count())
                .select_from(tables.outbox)
                .where(tables.outbox.c.sent_at.is_not(None))
            )
    finally:
        await engine.dispose()
    return int(rows or 0), int(sent or 0)


async def test_sigterm_finishes_requests_and_sends(database_url: str, tmp_path: Path) -> None:
    in_flight = sized(ci=4, full=16)
    fake = FakeBotAPI()
    await fake.start()
    server = ServerProcess(
        database_url,
        tmp_path,
        env={
            "INCIDENTS_TELEGRAM_TOKEN": TOKEN,
            "INCIDENTS_TELEGRAM_API_URL": fake.url,
            "INCIDENTS_TELEGRAM_NOTIFY_CHAT": str(NOTIFY),
        },
    )
    secret = await server.make_key("shutdown")
    tally = Tally()
    try:
        await server.start()
        fake.delays["sendMessage"] = SEND_SECONDS
        async with client(server.url, secret) as http:
            for n in range(3):
                response = await http.post(
                    "/api/v1/incidents", json={"description": f"Before {n}", "source": "operator"}
                )
                tally.saw(response)
                assert response.status_code == 201
            # A notification is being sent, and requests are halfway through their bodies.
            deadline = time.monotonic() + 15
            while fake.in_flight == 0:
                assert time.monotonic() < deadline, "the sender sent nothing"
                await asyncio.sleep(0.02)
            go_on = asyncio.Event()
            halves = [asyncio.Event() for _ in range(in_flight)]
            requests = [
                asyncio.create_task(_slow_report(http, n, halves[n], go_on))
                for n in range(in_flight)
            ]
            for half in halves:
                await asyncio.wait_for(half.wait(), 10)
            await asyncio.sleep(0.3)  # the halves reach the server
            stopping = asyncio.create_task(server.terminate())
            await asyncio.sleep(0.5)
            assert not stopping.done(), "the server quit with requests in flight"
            go_on.set()
            for response in await asyncio.gather(*requests):
                tally.saw(response)
                assert response.status_code == 201, response.text
            code = await stopping
        assert code == 0, server.log()
        assert fake.in_flight == 0
        rows, sent = await _outbox(database_url)
        # Every send Telegram completed was recorded as sent before the process exited.
        assert sent == sum(fake.announced().values())
        assert sent >= 1

        # Started again, it delivers the rest, and nothing twice.
        fake.delays.clear()
        await server.start()
        deadline = time.monotonic() + 30
        while (await _outbox(database_url))[1] < rows:
            assert time.monotonic() < deadline, "the rest was not delivered"
            await asyncio.sleep(0.2)
        assert await server.terminate() == 0, server.log()
    finally:
        server.stop_quietly()
        await fake.stop()
    announced = fake.announced()
    duplicates = sum(n - 1 for n in announced.values())
    assert duplicates == 0, announced
    assert len(announced) == rows == 3 + in_flight
    record(
        "graceful-shutdown",
        database_kind(database_url),
        requests=tally.requests,
        in_flight_requests=in_flight,
        sends_finished_while_stopping=sent,
        lost=0,
        duplicates=duplicates,
        server_errors=tally.server_errors,
        exit_code=code,
    )
