"""The Overview page over HTTP: tiles, charts as SVG with titles and text alternatives, the
oldest open incidents, mistakes in the period told on the page, both languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.service import accounts
from incidents.settings import Settings
from tests.conftest import TickingClock, report
from tests.web.conftest import AccountMaker, ConsoleMaker, sign_in

URL = "/overview"


async def test_the_overview_shows_counts_charts_and_the_oldest(
    open_console: ConsoleMaker,
    make_account: AccountMaker,
    client: httpx.AsyncClient,
    clock: TickingClock,
) -> None:
    clock.current = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    first = await report(client, "Locker 3 at Central station is jammed", "operator")
    clock.advance(timedelta(minutes=20))
    await client.patch(f"/api/v1/incidents/{first['id']}", json={"status": "in_progress"})
    clock.current = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
    await report(client, "Scooter #42 offline", "monitoring")
    clock.current = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

    http = await open_console(await make_account("reporter"))
    page = await http.get(URL)
    assert page.status_code == 200
    html = page.text
    assert "<h1>Overview</h1>" in html
    assert 'href="/overview"' in html  # the header links it
    assert re.search(r'Reported</span><span class="tile-value">2<', html)
    assert 'Median time to take</span><span class="tile-value">20 min<' in html
    assert html.count('role="img"') == 4  # two charts, each wide and narrow
    assert '<title id="per-day-wide-title">Incidents reported per day, by source</title>' in html
    assert "2 incidents reported (Operator 1, Monitoring 1)" in html
    assert "week of 16 Nov: take 20 min, resolve —" in html
    assert '<rect class="source-monitoring"' in html
    assert "#2" in html.split("Oldest open incidents")[1]
    # The page keeps the console's policy: scripts only from its own files, no inline style.
    assert "script-src 'self';" in page.headers["content-security-policy"]
    assert "<script" not in html
    assert "style=" not in html


async def test_a_bad_period_is_told_and_the_default_shown(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("operator"))
    for query in ("since=garbage", "since=2026-11-25&until=2026-11-01", "source=elsewhere"):
        page = await http.get(f"{URL}?{query}")
        assert page.status_code == 422, query
        assert "That period can not be shown" in page.text
        assert "<h1>Overview</h1>" in page.text


async def test_signing_in_is_needed(open_console: ConsoleMaker) -> None:
    http = await open_console()
    page = await http.get(URL)
    assert page.status_code in (302, 303)
    assert page.headers["location"].startswith("/sign-in")


@pytest.fixture
async def russian(database_url: str, clock: TickingClock) -> AsyncIterator[FastAPI]:
    settings = Settings(database_url=database_url, language="ru", _env_file=None)
    application = create_app(settings, clock=clock)
    yield application
    await application.state.runtime.close()


async def test_the_overview_speaks_russian(russian: FastAPI) -> None:
    await accounts.create_account(
        russian.state.runtime,
        actor=Actor.system("tests"),
        username="olga",
        role=Role.OPERATOR,
        password="correct horse battery staple",
    )
    transport = httpx.ASGITransport(app=russian)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        await sign_in(http, "olga")
        page = await http.get(URL)
    assert page.status_code == 200
    assert "<h1>Обзор</h1>" in page.text
    assert "Инциденты по дням и источникам" in page.text
    assert "С 25 окт по 23 ноя инцидентов не было." in page.text
