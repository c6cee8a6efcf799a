"""Costly work is bounded: deep offsets refused for the cursor, a few costly reads at once per
process (429 beyond), and a statement past its deadline a 503, never a 500."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from incidents.settings import Settings
from tests.conftest import ClientMaker, KeyMaker, report

URL = "/api/v1/incidents"
YEAR = {"since": "2025-11-24", "until": "2026-11-23"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, db_costly_at_once=2, _env_file=None)


async def test_offsets_past_10000_are_refused_naming_the_cursor(client: httpx.AsyncClient) -> None:
    await report(client)

    deepest = await client.get(URL, params={"offset": 10_000})
    past = await client.get(URL, params={"offset": 10_001})

    assert deepest.status_code == 200, deepest.text
    assert past.status_code == 422, past.text
    assert past.headers["content-type"] == "application/problem+json"
    assert "cursor" in past.json()["detail"]
    assert past.json()["errors"][0]["loc"] == ["query", "offset"]


async def test_costly_reads_past_the_limit_are_429_and_cheap_reads_go_on(
    app: FastAPI, client: httpx.AsyncClient, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    incident = await report(client)
    gate = app.state.runtime.costly
    async with client_for(await make_key("reporter", name="another")) as another:
        # Two costly reads of this process are running (held here, as a slow one would).
        with gate.admitted(), gate.admitted():
            answers = [
                await client.get("/api/v1/stats", params=YEAR),
                await client.get(URL, params={"q": "scooter"}),
                await client.get(URL, params={"offset": 1_001}),
            ]
            cheap = [
                await another.get(f"{URL}/{incident['id']}"),
                await another.get(URL),
                await another.get(URL, params={"offset": 1_000}),
            ]
        after = await client.get("/api/v1/stats", params=YEAR)

    for answer in answers:
        assert answer.status_code == 429, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert int(answer.headers["Retry-After"]) >= 1
        assert answer.json()["type"] == "/problems/busy"
    assert [answer.status_code for answer in cheap] == [200, 200, 200]
    assert after.status_code == 200, after.text
    assert gate.running == 0
    metrics = (await client.get("/metrics")).text
    assert "incidents_costly_refused_total 3.0" in metrics


async def test_a_statement_past_its_deadline_is_503_with_retry_after(
    settings: Settings, client_for: ClientMaker, make_key: KeyMaker, client: httpx.AsyncClient
) -> None:
    for n in range(5):
        await report(client, f"Scooter #{n} offline near the station")
    # The same registry, its costly reads given a deadline no statement meets.
    from incidents.app import create_app

    hurried = create_app(settings.model_copy(update={"db_costly_timeout_ms": 1}))
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=hurried),
            base_url="http://testserver",
            headers=client.headers,
        ) as http:
            # A year of stats: hundreds of days' buckets, well past a millisecond.
            answers = [await http.get("/api/v1/stats", params=YEAR)]
            cheap = await http.get(URL)
            metrics = (await http.get("/metrics")).text
    finally:
        await hurried.state.runtime.close()

    for answer in answers:
        assert answer.status_code == 503, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["type"] == "/problems/statement-timeout"
        assert int(answer.headers["Retry-After"]) >= 1
    assert cheap.status_code == 200
    assert "incidents_statement_timeouts_total 1.0" in metrics
