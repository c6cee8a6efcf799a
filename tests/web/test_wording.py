"""The console's words: any alphabet in usernames, the real wait, roles as words, notes once."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from incidents.app import create_app
from incidents.domain.accounts import FREE_SIGN_IN_FAILURES
from incidents.settings import Settings
from tests.conftest import TickingClock, report
from tests.web.conftest import AccountMaker, ConsoleMaker, post_form, sign_in


async def test_usernames_take_letters_of_any_alphabet(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    made = await make_account("operator", username="Ольга")
    assert made == "ольга"
    http = await open_console()
    assert (await sign_in(http, "ОЛЬГА")).status_code == 303
    home = await http.get("/")
    assert "ольга, role: operator" in home.text


async def test_the_sign_in_slowdown_says_the_real_wait(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    await make_account("operator", username="olga")
    http = await open_console()
    for _ in range(FREE_SIGN_IN_FAILURES):
        await sign_in(http, "olga", "wrong-password")

    refused = await sign_in(http, "olga")

    wait = int(refused.headers["retry-after"])
    assert wait < 60
    assert f"Try again in {wait} s." in refused.text
    assert "min" not in refused.text.split("Too many failed sign-ins")[1].split("<")[0]


async def test_the_header_names_the_role_as_a_word(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("admin", username="admin"))
    home = await http.get("/")
    assert "admin, role: administrator" in home.text
    assert "admin · admin" not in home.text


async def test_the_list_title_says_incidents_once(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("operator"))
    home = await http.get("/")
    assert re.search(r"<title>\s*Incidents\s*</title>", home.text), home.text[:400]
    page = await http.get("/incidents/new")
    assert re.search(r"<title>\s*Report an incident · Incidents\s*</title>", page.text)


async def test_a_note_shows_once_in_the_history(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    incident = await report(client, "Scooter #42 offline")
    http = await open_console(await make_account("operator"))
    path = f"/incidents/{incident['id']}"
    version = "1"
    sent = await post_form(
        http, path, f"{path}/notes", {"note": "Courier sent", "version": version}
    )
    assert sent.status_code == 303
    api_path = f"/api/v1/incidents/{incident['id']}"
    await client.patch(api_path, json={"description_append": "Second note"})

    page = (await http.get(path)).text

    assert page.count("Courier sent") == 1
    assert page.count("Second note") == 1
    description = page.split('class="description">')[1].split("</div>")[0]
    assert description == "Scooter #42 offline"


async def test_the_404_page_keeps_the_header(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("operator", username="olga"))
    missing = await http.get("/incidents/999")
    assert missing.status_code == 404
    assert "olga, role: operator" in missing.text
    assert 'action="/sign-out"' in missing.text


@pytest.fixture
async def russian(settings: Settings, clock: TickingClock) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={"language": "ru"}), clock=clock)
    yield app
    await app.state.runtime.close()


async def test_russian_words(
    russian: FastAPI, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    await make_account("operator", username="olga")
    key = {"dedup_key": "k", "summary": "Самокат #7", "action": "trigger"}
    first = (await client.post("/api/v1/events", json=key)).json()
    await client.post("/api/v1/events", json=key)
    await client.patch(f"/api/v1/incidents/{first['id']}", json={"status": "in_progress"})
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=russian), base_url="http://testserver"
    ) as http:
        await sign_in(http, "olga")
        home = (await http.get("/")).text
        page = (await http.get(f"/incidents/{first['id']}")).text
    assert "Давность" in home
    assert "Возраст" not in home
    assert "прислал(а) сигнал снова" in page
    buttons: list[Any] = re.findall(
        r'<button type="submit" class="button action-[^"]+">([^<]+)<', page
    )
    assert buttons == ["Решить"]


async def test_the_header_says_incidents_once(
    open_console: ConsoleMaker, make_account: AccountMaker
) -> None:
    http = await open_console(await make_account("operator"))
    header = (await http.get("/")).text.split("<header")[1].split("</header>")[0]
    assert re.findall(r">\s*Incidents\s*<", header) == [">Incidents<"]  # the brand
