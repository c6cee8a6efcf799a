"""The console as operators read it, in Chromium, in English and Russian at 1280, 390 and 360
pixels: no word split across lines (measured in the browser), people by name, how it ended,
labelled phone cards with the badge in one place, charts with every label inside, the language
by Accept-Language and by the switch, and a live list that shows an incident made over the API.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Server
from tests.web.test_browser import PASSWORD, browser, make_account

__all__ = ["browser"]  # the fixture, shared with the other browser tests

# Long browser scenarios (every width, both languages): `make test-slow` runs them, as CI does.
pytestmark = [pytest.mark.browser, pytest.mark.slow]

WIDTHS = (1280, 390, 360)
LOCALES = {"en": "en-US", "ru": "ru-RU"}
WORDS = {
    "en": {"ended": "Closed · false alarm", "duplicate": "Closed · duplicate", "key": "key"},
    "ru": {"ended": "Закрыт · ложная тревога", "duplicate": "Закрыт · дубликат", "key": "ключ"},
}

# Each visible word's boxes: a word drawn on two lines has boxes at two heights.
BROKEN_WORDS = """
() => {
  const broken = [];
  const skip = ".visually-hidden, svg, select, textarea, script, details:not([open]) > table";
  for (const scope of document.querySelectorAll("header, main")) {
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const element = node.parentElement;
      if (!element || element.closest(skip) || element.getClientRects().length === 0) continue;
      for (const match of node.textContent.matchAll(/\\S+/g)) {
        const range = document.createRange();
        range.setStart(node, match.index);
        range.setEnd(node, match.index + match[0].length);
        const lines = new Set(
          [...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.bottom))
        );
        if (lines.size > 1) broken.push(match[0]);
      }
    }
  }
  return broken;
}
"""

# Every text of every chart drawn now: its box against its drawing's box.
LABELS_OUTSIDE = """
() => {
  const outside = [];
  for (const svg of document.querySelectorAll("svg.chart")) {
    const frame = svg.getBoundingClientRect();
    if (frame.width === 0) continue;
    for (const text of svg.querySelectorAll("text")) {
      const box = text.getBoundingClientRect();
      if (box.left < frame.left - 0.5 || box.right > frame.right + 0.5
          || box.top < frame.top - 0.5 || box.bottom > frame.bottom + 0.5) {
        outside.push(text.textContent);
      }
    }
  }
  return outside;
}
"""


@pytest.fixture
def registry(served: Server) -> Server:
    """A registry with olga, the key night-shift, and incidents in every state."""
    make_account(served, "olga", "operator")
    key = served.make_key("night-shift", "operator")
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {key}"}) as api:
        made = [
            _report(api, "Scooter #42 offline near the station; battery was at 3%", "monitoring"),
            _report(api, "Pickup point 7 is not answering the phone", "partner"),
            _report(api, "Locker 3 at Central station is jammed", "operator"),
            _report(api, "Nightly sales report did not upload", "monitoring"),
        ]
        _patch(api, made[1], status="closed", resolution="false_alarm")
        _patch(api, made[2], status="in_progress", assignee="user:olga")
        _patch(api, made[2], status="resolved")
        _patch(api, made[3], status="closed", resolution="duplicate", duplicate_of=made[0])
        _patch(api, made[0], status="in_progress")
    return served


def _report(api: httpx.Client, description: str, source: str) -> int:
    made = api.post("/api/v1/incidents", json={"description": description, "source": source})
    assert made.status_code == 201, made.text
    number: int = made.json()["id"]
    return number


def _patch(api: httpx.Client, number: int, **change: Any) -> None:
    changed = api.patch(f"/api/v1/incidents/{number}", json=change)
    assert changed.status_code == 200, changed.text


async def _signed_in(browser: Any, server: Server, language: str, width: int) -> Any:
    """A page of a browser asking for `language`, `width` pixels wide, signed in as olga."""
    phone = width < 760
    context = await browser.new_context(
        viewport={"width": width, "height": 844 if phone else 860},
        is_mobile=phone,
        has_touch=phone,
        locale=LOCALES[language],
    )
    page = await context.new_page()
    await page.goto(f"{server.url}/sign-in")
    await page.locator("#username").fill("olga")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.stacked button[type=submit]").click()
    await page.locator("table.incidents").wait_for()
    return page


async def _no_broken_words(page: Any, where: str) -> None:
    broken = await page.evaluate(BROKEN_WORDS)
    assert broken == [], f"{where}: words split across lines: {broken}"
    overflow = await page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{where}: wider than the window by {overflow} px"


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_people_by_name_how_it_ended_and_no_word_split(
    browser: Any, registry: Server, language: str
) -> None:
    from playwright.async_api import expect

    words = WORDS[language]
    for width in WIDTHS:
        page = await _signed_in(browser, registry, language, width)
        where = f"{language} {width} px"
        await expect(page.locator("html")).to_have_attribute("lang", language)
        rows = page.locator("table.incidents tbody tr")
        await expect(rows).to_have_count(4)
        await expect(page.locator("table.incidents")).to_contain_text(words["ended"])
        await expect(page.locator("table.incidents")).to_contain_text(words["duplicate"] + " #1")
        night_shift = page.locator('.person[title="key:night-shift"]').first
        await expect(night_shift).to_have_text(f"{words['key']} night-shift")
        await expect(page.locator("table.incidents")).not_to_contain_text("key:night-shift")
        await _no_broken_words(page, f"the list, {where}")
        if width < 760:
            await _cards_read_alike(page, where)

        for number in (1, 2, 3, 4):
            await page.goto(f"{registry.url}/incidents/{number}")
            await page.locator("ol.timeline").wait_for()
            await _no_broken_words(page, f"incident {number}, {where}")
        await expect(page.locator(".facts .status")).to_have_text(words["duplicate"] + " #1")
        await page.goto(f"{registry.url}/incidents/3")
        handed = "handed it to olga" if language == "en" else "передал(а) инцидент: olga"
        await expect(page.locator("ol.timeline")).to_contain_text(
            f"{words['key']} night-shift {handed}"
        )
        await page.context.close()


async def _cards_read_alike(page: Any, where: str) -> None:
    """Phone cards: each field under its label, the badge in the same place on every card."""
    labelled = await page.evaluate(
        """() => [...document.querySelectorAll("table.incidents td.owner, td.reporter, td.source")]
            .map((cell) => getComputedStyle(cell, "::before").content)"""
    )
    assert labelled, where
    assert all(label not in ("none", "normal", '""') for label in labelled), (where, labelled)
    badges = [await badge.bounding_box() for badge in await page.locator("td .badge").all()]
    lefts = {round(box["x"]) for box in badges if box is not None}
    assert len(lefts) == 1, (where, lefts)  # numbers #1..#4 are as wide as each other


@pytest.mark.parametrize("language", ["en", "ru"])
async def test_chart_labels_lie_inside_and_name_the_current_day(
    browser: Any, registry: Server, language: str
) -> None:
    from playwright.async_api import expect

    today = "today" if language == "en" else "сегодня"
    second = " s" if language == "en" else " с"
    for width in WIDTHS:
        page = await _signed_in(browser, registry, language, width)
        await page.goto(f"{registry.url}/overview")
        visible = page.locator(".chart-wide svg" if width >= 760 else ".chart-narrow svg")
        await expect(visible.first).to_be_visible()
        outside = await page.evaluate(LABELS_OUTSIDE)
        assert outside == [], f"{language} {width} px: labels cut: {outside}"
        await expect(visible.first.locator("text", has_text=today)).to_have_count(1)
        # Taken within seconds: the weekly chart counts in seconds.
        ticks = await visible.nth(1).locator(".grid text").all_text_contents()
        assert any(tick.endswith(second) for tick in ticks), ticks
        # The period's inputs look like the other fields.
        since = await page.locator("#since").evaluate("(e) => getComputedStyle(e).borderRadius")
        source = await page.locator("#source").evaluate("(e) => getComputedStyle(e).borderRadius")
        assert since == source
        await page.context.close()


async def test_accept_language_and_the_switch(browser: Any, registry: Server) -> None:
    from playwright.async_api import expect

    page = await _signed_in(browser, registry, "ru", 390)
    await expect(page.get_by_role("heading", name="Инциденты", level=1)).to_be_attached()
    await page.locator(".languages").get_by_role("link", name="EN").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await page.goto(f"{registry.url}/incidents/1")
    await expect(page.get_by_role("heading", name="History")).to_be_visible()
    await page.locator(".languages").get_by_role("link", name="RU").click()
    await expect(page.get_by_role("heading", name="История")).to_be_visible()
    await expect(page).to_have_url(f"{registry.url}/incidents/1")
    await page.context.close()


async def test_the_list_and_an_incident_update_by_themselves(browser: Any, served: Server) -> None:
    from playwright.async_api import expect

    make_account(served, "olga", "operator")
    key = served.make_key("night-shift", "operator")
    refused: list[str] = []
    page = await _signed_in_empty(browser, served)
    page.on("console", lambda message: refused.append(message.text))
    with httpx.Client(base_url=served.url, headers={"Authorization": f"Bearer {key}"}) as api:
        number = _report(api, "Smoke alarm at depot 3", "operator")
        rows = page.locator("table.incidents tbody tr")
        await expect(rows).to_have_count(1, timeout=15_000)
        await expect(rows.first).to_contain_text("Smoke alarm at depot 3")

        await page.goto(f"{served.url}/incidents/{number}")
        _patch(api, number, status="in_progress", assignee="key:night-shift")
        await expect(page.locator(".title-row .badge")).to_have_text("In progress", timeout=15_000)
        await expect(page.locator("ol.timeline li")).to_have_count(3)
        await expect(page.locator(".facts .owner")).to_have_text("key night-shift")
    assert not [text for text in refused if "Content Security Policy" in text]

    # Scripts off: the same pages, as before, by reloading.
    quiet = await browser.new_context(java_script_enabled=False)
    await quiet.add_cookies(await page.context.cookies())
    still = await quiet.new_page()
    await still.goto(f"{served.url}/")
    await expect(still.locator("table.incidents tbody tr")).to_have_count(1)
    await still.goto(f"{served.url}/incidents/{number}")
    await expect(still.locator(".title-row .badge")).to_have_text("In progress")
    await quiet.close()
    await page.context.close()


async def _signed_in_empty(browser: Any, server: Server) -> Any:
    context = await browser.new_context(viewport={"width": 1280, "height": 860})
    page = await context.new_page()
    await page.goto(f"{server.url}/sign-in")
    await page.locator("#username").fill("olga")
    await page.locator("#password").fill(PASSWORD)
    await page.locator("form.stacked button[type=submit]").click()
    await page.locator("p.empty").wait_for()
    return page
