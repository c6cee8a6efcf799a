"""The console in a real browser: Playwright drives Debian's Chromium against `incidents serve`.

Without Chromium or Playwright these tests skip, except in CI (INCIDENTS_REQUIRE_POSTGRES=1
asks for everything), where they fail. They also take the README's screenshots; set
INCIDENTS_UPDATE_SCREENSHOTS=1 to write them into docs/screenshots/.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import Server

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "screenshots"
PASSWORD = "correct horse battery staple"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """Chromium, headless; skipped when missing, except in CI where that is a failure."""
    _require_browser_tools()
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield chromium
        await chromium.close()


def _require_browser_tools() -> None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not CHROMIUM.exists():
        _unavailable(f"no Chromium at {CHROMIUM} (`make test` installs Debian's chromium)")


def _unavailable(reason: str) -> None:
    if os.environ.get("INCIDENTS_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"browser tests are required here: {reason}")
    pytest.skip(reason)


def make_account(server: Server, username: str, role: str) -> None:
    """Create an account as an admin would: `incidents users create --password-stdin`."""
    made = server.cli(
        "users", "create", "--username", username, "--role", role, "--password-stdin",
        stdin=f"{PASSWORD}\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert PASSWORD not in made.stdout + made.stderr


async def signed_in_page(browser: Any, server: Server, username: str) -> Any:
    """A new browser page, signed in as `username` through the sign-in form."""
    page = await (await browser.new_context(viewport=DESKTOP)).new_page()
    await page.goto(f"{server.url}/")
    await sign_in(page, username, PASSWORD)
    await page.get_by_role("heading", name="Incidents", level=1).wait_for()
    return page


async def sign_in(page: Any, username: str, password: str) -> None:
    """Fill in the sign-in form and send it."""
    await page.get_by_label("Username").fill(username)
    await page.get_by_label("Password").fill(password)
    await page.get_by_role("button", name="Sign in").click()


async def report_incident(page: Any, server: Server, description: str, source: str) -> None:
    """Report an incident through the form; ends on its page."""
    await page.goto(f"{server.url}/incidents/new")
    await page.get_by_label("What happened?").fill(description)
    await page.get_by_label("Source", exact=True).select_option(source)
    await page.get_by_role("button", name="Report").click()
    await page.get_by_role("heading", name="History").wait_for()


async def shoot(page: Any, name: str, tmp_path: Path) -> None:
    """Screenshot the page; into docs/screenshots/ when INCIDENTS_UPDATE_SCREENSHOTS=1."""
    target = tmp_path / name
    await page.screenshot(path=str(target), full_page=True)
    if os.environ.get("INCIDENTS_UPDATE_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(target, SCREENSHOTS / name)


async def test_an_operator_reports_finds_takes_and_resolves(
    browser: Any, served: Server, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    make_account(served, "olga", "operator")
    page = await (await browser.new_context(viewport=DESKTOP)).new_page()
    await page.goto(f"{served.url}/")
    await expect(page).to_have_url(f"{served.url}/sign-in")
    await sign_in(page, "olga", "not the password")
    await expect(page.get_by_role("alert")).to_have_text("Wrong username or password.")
    await sign_in(page, "olga", PASSWORD)
    await expect(page.get_by_text("No incidents match.")).to_be_visible()

    await report_incident(page, served, "Nightly sales report did not upload", "monitoring")
    await report_incident(page, served, "Pickup point 7 is not answering the phone", "partner")
    await report_incident(page, served, "Locker 3 at Central station is jammed", "operator")
    scooter = "Scooter #42 offline near the station\nBattery was at 3% at 08:10"
    await report_incident(page, served, scooter, "monitoring")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Incident #4")

    await page.get_by_role("link", name="← All incidents").click()
    await page.get_by_label("Source", exact=True).select_option("monitoring")
    await page.get_by_role("button", name="Apply").click()
    rows = page.locator("table.incidents tbody tr")
    await expect(rows).to_have_count(2)
    await page.get_by_label("Search the descriptions").fill("SCOOTER offline")
    await page.get_by_role("button", name="Apply").click()
    await expect(rows).to_have_count(1)
    await expect(rows.first).to_contain_text("Scooter #42 offline near the station")
    await expect(rows.first).not_to_contain_text("Battery")

    await rows.first.get_by_role("link", name="#4", exact=True).click()
    await page.get_by_role("button", name="Take").click()
    await expect(page.locator(".title-row .badge")).to_have_text("In progress")
    await page.get_by_label("Note", exact=True).fill("Courier on the way, ETA 20 min")
    await page.get_by_role("button", name="Add the note").click()
    await page.get_by_role("button", name="Resolve").click()
    await expect(page.locator(".title-row .badge")).to_have_text("Resolved · fixed")
    await expect(page.get_by_role("button", name="Take")).to_have_count(0)
    await expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    await expect(page.get_by_role("button", name="Close", exact=True)).to_be_visible()

    history = page.locator("ol.timeline li")
    await expect(history).to_have_count(5)
    await expect(history.nth(0)).to_contain_text("olga reported the incident")
    await expect(history.nth(0).locator(".person")).to_have_attribute("title", "user:olga")
    await expect(history.nth(1)).to_contain_text("changed the status from New to In progress")
    await expect(history.nth(2)).to_contain_text("olga took it")
    await expect(history.nth(3)).to_contain_text("Courier on the way, ETA 20 min")
    await expect(history.nth(4)).to_contain_text("changed the status from In progress to Resolved")
    await shoot(page, "incident.png", tmp_path)

    await page.goto(f"{served.url}/incidents/2")
    await page.get_by_role("button", name="Take").click()
    await page.goto(f"{served.url}/")
    await expect(rows).to_have_count(4)
    await shoot(page, "list.png", tmp_path)  # the phone's are taken by test_phone.py


async def test_a_change_made_in_another_tab_is_refused(browser: Any, served: Server) -> None:
    from playwright.async_api import expect

    make_account(served, "olga", "operator")
    first = await signed_in_page(browser, served, "olga")
    await report_incident(first, served, "Scooter #42 offline", "monitoring")
    second = await first.context.new_page()
    await second.goto(first.url)

    await first.get_by_role("button", name="Take").click()
    await expect(first.locator(".title-row .badge")).to_have_text("In progress")
    await second.get_by_role("button", name="Take").click()

    await expect(second.get_by_role("alert")).to_contain_text(
        "Someone changed this incident after you opened it"
    )
    await expect(second.locator(".title-row .badge")).to_have_text("In progress")
    await expect(second.get_by_role("button", name="Resolve")).to_be_visible()
    # Reported, taken, and its taker made its owner.
    await expect(second.locator("ol.timeline li")).to_have_count(3)


async def test_a_reporter_sees_no_operator_buttons(browser: Any, served: Server) -> None:
    from playwright.async_api import expect

    make_account(served, "rita", "reporter")
    page = await signed_in_page(browser, served, "rita")
    await report_incident(page, served, "Locker 3 jammed", "partner")

    await expect(page.get_by_text("changing them needs the operator role")).to_be_visible()
    await expect(page.get_by_role("button", name="Take")).to_have_count(0)
    await expect(page.get_by_label("Note", exact=True)).to_have_count(0)

    # The same session, a form without its CSRF token: refused, and nothing changes.
    forged = await page.request.post(
        f"{served.url}/incidents/1/status", form={"status": "in_progress", "version": "1"}
    )
    assert forged.status == 403
    assert "did not come from this console" in await forged.text()
    await page.reload()
    await expect(page.locator(".title-row .badge")).to_have_text("New")
