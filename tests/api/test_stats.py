"""GET /api/v1/stats against a small history whose figures are computed by hand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.service import access
from incidents.settings import Settings
from tests.conftest import ClientMaker, KeyMaker, TickingClock, report

URL = "/api/v1/stats"
PERIOD = {"since": "2026-11-23", "until": "2026-11-25"}


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


async def move(client: httpx.AsyncClient, incident: dict[str, Any], **body: Any) -> None:
    response = await client.patch(f"/api/v1/incidents/{incident['id']}", json=body)
    assert response.status_code == 200, response.text


async def history(client: httpx.AsyncClient, clock: TickingClock) -> None:
    """Five incidents over three days (UTC), as the module's docstring figures assume:

    A operator  23 09:00, taken 09:10, resolved 10:00, closed 11:00
    B monitoring 23 12:00, taken 12:05, resolved 13:00
    C partner   23 23:30, dismissed as a false alarm 23:45 (00:30 and 00:45 on the 24th in Berlin)
    D operator  24 08:00, taken 09:00, resolved 25 08:00
    E operator  24 10:00, still new
    """
    clock.current = at(23, 9)
    a = await report(client, "A", "operator")
    clock.current = at(23, 9, 10)
    await move(client, a, status="in_progress")
    clock.current = at(23, 10)
    await move(client, a, status="resolved")
    clock.current = at(23, 11)
    await move(client, a, status="closed")
    clock.current = at(23, 12)
    b = await report(client, "B", "monitoring")
    clock.current = at(23, 12, 5)
    await move(client, b, status="in_progress")
    clock.current = at(23, 13)
    await move(client, b, status="resolved")
    clock.current = at(23, 23, 30)
    c = await report(client, "C", "partner")
    clock.current = at(23, 23, 45)
    await move(client, c, status="closed", resolution="false_alarm")
    clock.current = at(24, 8)
    d = await report(client, "D", "operator")
    clock.current = at(24, 9)
    await move(client, d, status="in_progress")
    clock.current = at(24, 10)
    await report(client, "E", "operator")
    clock.current = at(25, 8)
    await move(client, d, status="resolved")
    clock.current = at(26, 12)


def spread(body: dict[str, Any]) -> tuple[int, float | None, float | None]:
    """(count, median, p90), to the second (the test clock ticks a millisecond per reading)."""
    median, p90 = body["median_seconds"], body["p90_seconds"]
    return (
        body["count"],
        None if median is None else round(median),
        None if p90 is None else round(p90),
    )


async def test_the_figures_of_a_known_history(
    client: httpx.AsyncClient, clock: TickingClock
) -> None:
    await history(client, clock)
    response = await client.get(URL, params=PERIOD)
    assert response.status_code == 200, response.text
    stats = response.json()

    assert (stats["since"], stats["until"], stats["timezone"]) == (
        "2026-11-23",
        "2026-11-25",
        "UTC",
    )
    assert (stats["reported"], stats["resolved"], stats["closed"]) == (5, 3, 2)
    assert stats["by_source"] == {"operator": 3, "monitoring": 1, "partner": 1}
    assert stats["by_resolution"] == {"fixed": 3, "false_alarm": 1, "duplicate": 0}

    take = stats["time_to_take"]
    assert spread(take["overall"]) == (3, 600, 3000)  # 300, 600, 3600
    assert spread(take["by_source"]["operator"]) == (2, 2100, 3300)  # 600, 3600
    assert spread(take["by_source"]["monitoring"]) == (1, 300, 300)
    assert spread(take["by_source"]["partner"]) == (0, None, None)
    resolve = stats["time_to_resolve"]
    assert spread(resolve["overall"]) == (3, 3600, 69840)  # 3600, 3600, 86400
    assert spread(resolve["by_source"]["operator"]) == (2, 45000, 78120)

    days = [(d["date"], d["reported"], d["resolved"]) for d in stats["per_day"]]
    assert days == [("2026-11-23", 3, 2), ("2026-11-24", 2, 0), ("2026-11-25", 0, 1)]
    assert stats["per_day"][0]["reported_by_source"] == {
        "operator": 1,
        "monitoring": 1,
        "partner": 1,
    }


async def test_one_source(client: httpx.AsyncClient, clock: TickingClock) -> None:
    await history(client, clock)
    stats = (await client.get(URL, params={**PERIOD, "source": "operator"})).json()
    assert stats["source"] == "operator"
    assert (stats["reported"], stats["resolved"], stats["closed"]) == (3, 2, 1)
    assert stats["by_source"] == {"operator": 3, "monitoring": 0, "partner": 0}
    assert spread(stats["time_to_take"]["overall"]) == (2, 2100, 3300)


async def test_a_key_bound_to_a_source_sees_that_source_only(
    client: httpx.AsyncClient, clock: TickingClock, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    await history(client, clock)
    async with client_for(await make_key("reporter", source="partner")) as partner:
        stats = (await partner.get(URL, params=PERIOD)).json()
        assert (stats["reported"], stats["closed"]) == (1, 1)
        other = (await partner.get(URL, params={**PERIOD, "source": "monitoring"})).json()
        assert other["reported"] == 0


@pytest.fixture
async def berlin(database_url: str, clock: TickingClock) -> AsyncIterator[FastAPI]:
    settings = Settings(database_url=database_url, timezone="Europe/Berlin", _env_file=None)
    application = create_app(settings, clock=clock)
    yield application
    await application.state.runtime.close()


async def test_days_are_counted_in_the_time_zone(berlin: FastAPI, clock: TickingClock) -> None:
    issued = await access.issue_key(
        berlin.state.runtime, actor=Actor.system("tests"), name="op", role=Role.OPERATOR
    )
    transport = httpx.ASGITransport(app=berlin)
    headers = {"Authorization": f"Bearer {issued.secret}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        await history(http, clock)
        stats = (await http.get(URL, params=PERIOD)).json()
    assert stats["timezone"] == "Europe/Berlin"
    days = [(d["date"], d["reported"], d["resolved"]) for d in stats["per_day"]]
    # C was reported at 00:30 on the 24th, Berlin time.
    assert days == [("2026-11-23", 2, 2), ("2026-11-24", 3, 0), ("2026-11-25", 0, 1)]


async def test_the_default_period_is_the_last_thirty_days(
    client: httpx.AsyncClient, clock: TickingClock
) -> None:
    await history(client, clock)
    stats = (await client.get(URL)).json()
    assert (stats["since"], stats["until"]) == ("2026-10-28", "2026-11-26")
    assert len(stats["per_day"]) == 30
    assert stats["reported"] == 5


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "garbage"}, "since"),
        ({"until": "2026-13-01"}, "until"),
        ({"since": "2026-11-25", "until": "2026-11-23"}, "since"),
        ({"since": "2024-01-01", "until": "2026-11-23"}, "until"),
        ({"source": "elsewhere"}, "source"),
        ({"since": "0001-01-01", "until": "0001-01-02"}, "since"),
        ({"since": "9999-12-30", "until": "9999-12-31"}, "until"),
        ({"from": "2026-11-01"}, "from"),
    ],
)
async def test_mistakes_are_named(
    client: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await client.get(URL, params=params)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert field in [error["loc"][-1] for error in problem["errors"]], problem


async def test_it_needs_a_key(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.get(URL)).status_code == 401


async def test_reporters_may_read_it(client_for: ClientMaker, make_key: KeyMaker) -> None:
    async with client_for(await make_key("reporter")) as reporter:
        response = await reporter.get(URL)
    assert response.status_code == 200
    assert response.json()["time_to_take"]["overall"] == {
        "count": 0,
        "median_seconds": None,
        "p90_seconds": None,
    }
