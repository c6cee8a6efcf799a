"""Each visitor's language: Accept-Language, the header's EN / RU switch (remembered), and
INCIDENTS_LANGUAGE as the default; plural endings by each language's rules."""

from __future__ import annotations

import httpx
import pytest

from incidents.web.language import accepted
from incidents.web.texts import counted, texts_for
from tests.conftest import report
from tests.web.conftest import AccountMaker, ConsoleMaker


@pytest.mark.parametrize(
    ("header", "chosen"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8,en;q=0.7", "ru"),
        ("en-GB,en;q=0.9,ru;q=0.8", "en"),
        ("de-DE,de;q=0.9,ru;q=0.5", "ru"),
        ("de-DE,fr;q=0.9", "en"),
        ("en;q=0.2,ru;q=0.7", "ru"),
        ("ru;q=0,en;q=0.1", "en"),
        ("RU", "ru"),
        ("*", "en"),
        ("ru;q=bad,en;q=0.5", "en"),
        ("", "en"),
    ],
)
def test_accept_language_picks_one_of_ours(header: str, chosen: str) -> None:
    assert accepted(header, "en") == chosen


def test_an_unknown_browser_language_gets_the_default() -> None:
    assert accepted("de,fr;q=0.5", "ru") == "ru"


@pytest.mark.parametrize(
    ("n", "ru", "en"),
    [
        (1, "1 раз", "1 time"),
        (2, "2 раза", "2 times"),
        (5, "5 раз", "5 times"),
        (11, "11 раз", "11 times"),
        (21, "21 раз", "21 times"),
        (22, "22 раза", "22 times"),
    ],
)
def test_counts_follow_each_language_s_plural_rules(n: int, ru: str, en: str) -> None:
    assert counted(texts_for("ru").times, n, "ru") == ru
    assert counted(texts_for("en").times, n, "en") == en


async def test_each_browser_reads_its_own_language_and_the_switch_is_remembered(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("operator"))

    russian = await http.get("/", headers={"Accept-Language": "ru-RU,ru;q=0.9,en;q=0.8"})
    english = await http.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    plain = await http.get("/")
    assert '<html lang="ru">' in russian.text
    assert "Все инциденты" in russian.text
    assert '<html lang="en">' in english.text
    assert "All incidents" in english.text
    assert '<html lang="en">' in plain.text  # INCIDENTS_LANGUAGE's default
    assert russian.headers["vary"] == "Accept-Language, Cookie"
    assert 'href="/language?to=ru&amp;next=%2F"' in english.text

    switched = await http.get("/language", params={"to": "ru", "next": "/?status=new"})
    assert switched.status_code == 303
    assert switched.headers["location"] == "/?status=new"
    assert "incidents_language=ru" in switched.headers["set-cookie"]
    assert "Max-Age=31536000" in switched.headers["set-cookie"]
    # The switch outweighs the browser's own wish, on every page, until switched back.
    again = await http.get("/", headers={"Accept-Language": "en"})
    assert '<html lang="ru">' in again.text
    await http.get("/language", params={"to": "en", "next": "/"})
    assert '<html lang="en">' in (await http.get("/", headers={"Accept-Language": "ru"})).text


async def test_the_switch_refuses_what_it_does_not_offer(
    open_console: ConsoleMaker,
) -> None:
    http = await open_console()
    away = await http.get("/language", params={"to": "ru", "next": "//evil.example/"})
    odd = await http.get("/language", params={"to": "de", "next": "/sign-in"})
    assert away.headers["location"] == "/"
    assert odd.status_code == 303
    assert "set-cookie" not in odd.headers
    page = await http.get("/sign-in", headers={"Accept-Language": "ru"})
    assert "Вход" in page.text
    assert 'aria-current="true">RU<' in page.text


async def test_russian_counts_and_how_it_ended_in_russian(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator"))
    seven, twelve = await report(client, "seven"), await report(client, "twelve")
    await client.patch(
        f"/api/v1/incidents/{twelve['id']}",
        json={"status": "closed", "resolution": "duplicate", "duplicate_of": seven["id"]},
    )
    ru = {"Accept-Language": "ru"}
    dup_page = await http.get(f"/incidents/{twelve['id']}", headers=ru)
    root_page = await http.get(f"/incidents/{seven['id']}", headers=ru)
    assert f"Закрыт · дубликат #{seven['id']}" in dup_page.text
    assert "(всего 2 раза)" in root_page.text
    assert "ключ operator" in root_page.text
