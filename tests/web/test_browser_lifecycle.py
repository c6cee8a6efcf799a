"""The console's owner, false-alarm and duplicate forms in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Server
from tests.web import test_browser as chromium

# Long browser scenarios (every width, both languages): `make test-slow` runs them, as CI does.
pytestmark = [pytest.mark.browser, pytest.mark.slow]
browser = chromium.browser  # the same module-scoped Chromium fixture


async def test_hand_over_dismiss_and_fold_a_duplicate(browser: Any, served: Server) -> None:
    chromium.make_account(served, "olga", "operator")
    chromium.make_account(served, "ivan", "operator")
    page = await chromium.signed_in_page(browser, served, "olga")
    await chromium.report_incident(page, served, "Scooter #42 offline", "operator")
    await chromium.report_incident(page, served, "Scooter 42 silent", "partner")
    await chromium.report_incident(page, served, "Smoke alarm at depot 3", "operator")

    await page.goto(f"{served.url}/incidents/1")
    await page.get_by_label("Owner", exact=True).select_option(label="ivan")
    await page.get_by_role("button", name="Hand over").click()
    await page.get_by_text("handed it to ivan").wait_for()
    await page.get_by_label("Owner", exact=True).select_option("me")
    await page.get_by_role("button", name="Hand over").click()
    await page.get_by_text("olga took it").wait_for()

    await page.goto(f"{served.url}/incidents/3")
    await page.get_by_label("Why (optional)").fill("Steam from the kettle")
    await page.get_by_role("button", name="Close as false alarm").click()
    await page.locator(".facts .status").get_by_text("Closed · false alarm").wait_for()

    await page.goto(f"{served.url}/incidents/2")
    await page.get_by_label("The incident this one repeats").fill("#1")
    await page.get_by_role("button", name="Close as duplicate").click()
    await page.get_by_text("closed it as a duplicate of #1").wait_for()
    await page.get_by_role("link", name="#1", exact=True).click()
    await page.get_by_text("folded #2 into it (2 times in all)").wait_for()

    await page.goto(f"{served.url}/")
    await page.get_by_role("link", name="Mine").click()
    rows = page.locator("table.incidents tbody tr")
    await rows.first.wait_for()
    assert await rows.count() == 1
    assert "Scooter #42 offline" in await rows.first.inner_text()
