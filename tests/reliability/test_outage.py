"""Database outage: quick 503s while PostgreSQL cannot be reached, recovery without restart."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import httpx
import pytest
from sqlalchemy import make_url

from tests.reliability.harness import Proxy, ServerProcess, Tally, client, record, sized

# A scenario that starts servers and waits on them: `make test-slow` runs it (CI does).
pytestmark = pytest.mark.slow

# Short timeouts, so that an outage answers quickly; every answer must come within BOUND.
TIMEOUTS = {
    "INCIDENTS_DB_CONNECT_TIMEOUT_SECONDS": "1",
    "INCIDENTS_DB_POOL_TIMEOUT_SECONDS": "1",
    "INCIDENTS_DB_STATEMENT_TIMEOUT_MS": "2000",
}
BOUND = 6.0  # seconds: 3x the statement timeout, the longest configured one
CLIENTS = 6


async def _one_request(http: httpx.AsyncClient, n: int) -> httpx.Response:
    if n % 3 == 0:
        return await http.post(
            "/api/v1/incidents", json={"description": f"During an outage {n}", "source": "operator"}
        )
    if n % 3 == 1:
        return await http.get("/api/v1/incidents/1")
    return await http.get("/api/v1/incidents", params={"limit": 5})


SLOWEST = [0.0]  # the longest answer seen, in seconds


async def _drive(http: httpx.AsyncClient, tally: Tally, seconds: float) -> list[httpx.Response]:
    """Requests from CLIENTS clients for `seconds`; each answer's time is checked."""
    answers: list[httpx.Response] = []
    numbers = itertools.count()
    deadline = time.monotonic() + seconds

    async def one_client() -> None:
        while time.monotonic() < deadline:
            began = time.monotonic()
            response = await _one_request(http, next(numbers))
            took = time.monotonic() - began
            tally.saw(response)
            SLOWEST[0] = max(SLOWEST[0], took)
            assert took < BOUND, f"{response.request.url} took {took:.1f}s"
            answers.append(response)

    await asyncio.gather(*(one_client() for _ in range(CLIENTS)))
    return answers


async def test_outage_answers_503_quickly_and_recovers(postgres_url: str, tmp_path: Path) -> None:
    proxy = Proxy("127.0.0.1", make_url(postgres_url).port or 5432)
    await proxy.start()
    via_proxy = make_url(postgres_url).set(port=proxy.port).render_as_string(hide_password=False)
    server = ServerProcess(via_proxy, tmp_path, env=TIMEOUTS)
    secret = await server.make_key("outage")
    tally = Tally()
    outage_answers = 0
    recoveries: list[float] = []
    try:
        await server.start()
        async with client(server.url, secret) as http:
            first = await _one_request(http, 0)
            assert first.status_code == 201, first.text
            for answer in await _drive(http, tally, 1.0):
                assert answer.status_code < 300, answer.text
            for mode in ("refuse", "blackhole") * sized(ci=1, full=3):
                await proxy.cut(mode)
                for answer in await _drive(http, tally, sized(ci=4, full=10)):
                    assert answer.status_code == 503, answer.text
                    assert answer.headers["content-type"] == "application/problem+json"
                    assert answer.headers["Retry-After"].isdigit()
                    outage_answers += 1
                began = time.monotonic()
                ready = await http.get("/ready")
                assert ready.status_code == 503
                assert time.monotonic() - began < BOUND
                assert (await http.get("/health")).status_code == 200
                await proxy.restore()
                recoveries.append(await _recovery_seconds(http))
                for answer in await _drive(http, tally, 1.0):
                    assert answer.status_code < 300, answer.text
        assert await server.terminate() == 0, server.log()
    finally:
        server.stop_quietly()
        await proxy.stop()
    unexpected = tally.server_errors - outage_answers
    assert unexpected == 0
    record(
        "outage",
        "postgresql",
        requests=tally.requests,
        outages=len(recoveries),
        answered_503=outage_answers,
        server_errors=unexpected,
        slowest_answer_seconds=round(SLOWEST[0], 1),
        slowest_recovery_seconds=round(max(recoveries), 1),
    )


async def _recovery_seconds(http: httpx.AsyncClient) -> float:
    """How long after the way is mended /ready says 200 (it must, within 30 s)."""
    began = time.monotonic()
    while time.monotonic() - began < 30:
        if (await http.get("/ready")).status_code == 200:
            return time.monotonic() - began
        await asyncio.sleep(0.2)
    raise AssertionError("no recovery within 30 s of the database's return")
