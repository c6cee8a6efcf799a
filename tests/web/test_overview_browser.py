"""The Overview page in Chromium, on a month of history: the charts are drawn (and named) on a
desktop and on a phone, nothing runs as script. Takes the README's overview screenshots."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.domain.incident import Resolution, Source, Status
from incidents.service import incidents
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.conftest import Server
from tests.web.test_browser import PHONE, browser, make_account, shoot, signed_in_page

__all__ = ["browser"]  # the fixture, shared with the other browser tests

# Long browser scenarios (every width, both languages): `make test-slow` runs them, as CI does.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

SUMMARIES = {
    Source.OPERATOR: ["Locker {n} at Central station is jammed", "Courier app froze on {n}"],
    Source.MONITORING: ["Scooter #{n} offline", "Nightly report {n} did not upload"],
    Source.PARTNER: ["Pickup point {n} is not answering", "Partner API {n} returns 502"],
}


class SetClock:
    """A clock that says what the test sets."""

    def __init__(self) -> None:
        self.current = datetime.now(UTC)

    def now(self) -> datetime:
        return self.current


async def month_of_history(database_url: str) -> None:
    """About a hundred incidents over the last 30 days, most taken and resolved, some open."""
    clock = SetClock()
    runtime = Runtime.open(Settings(database_url=database_url, _env_file=None), clock=clock)
    operator = Actor(who=ActorId.user("olga"), role=Role.OPERATOR)
    chance = random.Random(20)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    try:
        for day in range(29, -1, -1):
            for _ in range(chance.choice([1, 2, 3, 3, 4, 5])):
                source = chance.choice([Source.MONITORING, Source.MONITORING, *Source])
                clock.current = today - timedelta(days=day, hours=-chance.randint(7, 20))
                if clock.current > datetime.now(UTC):
                    continue
                text = chance.choice(SUMMARIES[source]).format(n=chance.randint(2, 90))
                made = await incidents.create_incident(
                    runtime, actor=operator, description=text, source=source
                )
                if day < 2 and chance.random() < 0.6:
                    continue  # still new
                clock.current += timedelta(minutes=chance.randint(2, 25 + day * 2))
                await incidents.change_incident(
                    runtime,
                    actor=operator,
                    incident_id=made.incident.id,
                    status=Status.IN_PROGRESS,
                )
                if chance.random() < 0.08:
                    clock.current += timedelta(minutes=5)
                    await incidents.change_incident(
                        runtime,
                        actor=operator,
                        incident_id=made.incident.id,
                        status=Status.CLOSED,
                        resolution=Resolution.FALSE_ALARM,
                    )
                    continue
                if day < 4 and chance.random() < 0.5:
                    continue  # still in progress
                clock.current += timedelta(minutes=chance.randint(30, 300 + day * 10))
                await incidents.change_incident(
                    runtime, actor=operator, incident_id=made.incident.id, status=Status.RESOLVED
                )
                if day > 3 or chance.random() < 0.5:
                    clock.current += timedelta(hours=1)
                    await incidents.change_incident(
                        runtime, actor=operator, incident_id=made.incident.id, status=Status.CLOSED
                    )
    finally:
        await runtime.close()


async def test_the_overview_draws_its_charts_on_a_desktop_and_a_phone(
    browser: Any, served: Server, database_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    await month_of_history(database_url)
    make_account(served, "olga", "operator")
    page = await signed_in_page(browser, served, "olga")
    await page.get_by_role("link", name="Overview").click()
    await expect(page.get_by_role("heading", name="Overview", level=1)).to_be_visible()
    charts = page.get_by_role("img", name="Incidents reported per day, by source")
    await expect(charts.first).to_be_visible()
    weekly = page.get_by_role("img", name="Median time to take and to resolve, per week")
    await expect(weekly.first).to_be_visible()
    assert await page.locator(".chart-wide rect.source-monitoring").count() > 10
    await expect(page.get_by_role("heading", name="Oldest open incidents")).to_be_visible()
    await expect(page.locator("table.oldest tbody tr").first).to_be_visible()
    await shoot(page, "overview.png", tmp_path)

    phone = await (
        await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    ).new_page()
    await phone.context.add_cookies(await page.context.cookies())
    await phone.goto(f"{served.url}/overview")
    narrow = phone.locator(".chart-narrow svg").first
    await expect(narrow).to_be_visible()
    await expect(phone.locator(".chart-wide svg").first).to_be_hidden()
    box = await narrow.bounding_box()
    assert box is not None
    assert box["width"] <= PHONE["width"]
    overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0
    await shoot(phone, "overview-phone.png", tmp_path)
