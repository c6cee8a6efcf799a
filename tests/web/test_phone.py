"""The console on a phone, in Chromium: filters folded, three incidents and the status buttons
on the first screen, the Russian header within 360 px. Takes the phone screenshots."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Server, serving
from tests.web.test_browser import PASSWORD, PHONE, browser, make_account, shoot

__all__ = ["browser"]  # the fixture, shared with the desktop tests

# Long browser scenarios (every width, both languages): `make test-slow` runs them, as CI does.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

NARROW = {"width": 360, "height": 780}
REPORTS = [
    ("Scooter #42 offline near the station; battery was at 3% at 08:10", "monitoring"),
    ("Pickup point 7 is not answering the phone", "partner"),
    ("Locker 3 at Central station is jammed", "operator"),
    ("Nightly sales report did not upload", "monitoring"),
]


def _report_all(server: Server) -> None:
    admin = {"Authorization": f"Bearer {server.make_key('phone-test', 'operator')}"}
    for description, source in REPORTS:
        made = httpx.post(
            f"{server.url}/api/v1/incidents",
            json={"description": description, "source": source},
            headers=admin,
        )
        assert made.status_code == 201, made.text


async def _phone(
    browser: Any,
    server: Server,
    viewport: dict[str, int],
    labels: tuple[str, ...],
    locale: str = "en-US",
) -> Any:
    """A page in a phone-sized window, signed in as olga (labels: username, password, button);
    `locale` is the language the browser asks for (Accept-Language)."""
    context = await browser.new_context(
        viewport=viewport, is_mobile=True, has_touch=True, locale=locale
    )
    page = await context.new_page()
    await page.goto(f"{server.url}/sign-in")
    await page.get_by_label(labels[0]).fill("olga")
    await page.get_by_label(labels[1]).fill(PASSWORD)
    await page.get_by_role("button", name=labels[2]).click()
    await page.locator("table.incidents").wait_for()
    return page


async def _on_first_screen(page: Any, selector: str, height: int) -> int:
    """How many elements matching `selector` lie wholly within the first `height` pixels."""
    boxes = [await element.bounding_box() for element in await page.locator(selector).all()]
    return sum(1 for box in boxes if box is not None and box["y"] + box["height"] <= height)


async def _overflow(page: Any) -> int:
    width: int = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    return width


async def test_a_phone_shows_incidents_and_actions_first(
    browser: Any, served: Server, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    make_account(served, "olga", "operator")
    _report_all(served)
    page = await _phone(browser, served, PHONE, ("Username", "Password", "Sign in"))

    filters = page.locator("form.filters")
    await expect(filters).to_be_hidden()
    assert await _on_first_screen(page, "table.incidents tbody tr", PHONE["height"]) >= 3
    assert await _overflow(page) <= 0
    await shoot(page, "list-phone.png", tmp_path)

    await page.get_by_text("Filters", exact=True).click()
    await expect(filters).to_be_visible()
    await page.get_by_label("Source", exact=True).select_option("monitoring")
    await page.get_by_role("button", name="Apply").click()
    await expect(page.locator("table.incidents tbody tr")).to_have_count(2)
    await expect(filters).to_be_visible()  # a filtered list shows what filters it

    await page.locator("table.incidents tbody tr").first.get_by_role("link").first.click()
    take = page.get_by_role("button", name="Take")
    await take.wait_for()
    assert await _on_first_screen(page, "button.action-in_progress", PHONE["height"]) == 1
    assert await _overflow(page) <= 0
    await shoot(page, "incident-phone.png", tmp_path)


async def test_the_russian_console_fits_360_pixels(
    browser: Any, database_url: str, tmp_path: Path
) -> None:
    from playwright.async_api import expect

    with serving(database_url, tmp_path, env={"INCIDENTS_LANGUAGE": "ru"}) as server:
        make_account(server, "olga", "operator")
        _report_all(server)
        labels = ("Имя пользователя", "Пароль", "Войти")
        page = await _phone(browser, server, NARROW, labels, locale="ru-RU")

        header = page.locator("header.top-bar")
        box = await header.bounding_box()
        assert box is not None
        assert box["width"] <= NARROW["width"]
        for part in await header.locator("a, button, span").all():
            part_box = await part.bounding_box()
            if part_box is not None:  # hidden parts have none
                assert part_box["x"] + part_box["width"] <= NARROW["width"], await part.inner_text()
        assert await _overflow(page) <= 0
        await expect(page.locator("form.filters")).to_be_hidden()
        assert await _on_first_screen(page, "table.incidents tbody tr", NARROW["height"]) >= 3
        await shoot(page, "list-phone-ru.png", tmp_path)

        await page.locator("table.incidents tbody tr").first.get_by_role("link").first.click()
        await page.get_by_role("button", name="Взять в работу").wait_for()
        assert await _on_first_screen(page, "button.action-in_progress", NARROW["height"]) == 1
        assert await _overflow(page) <= 0
