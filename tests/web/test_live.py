"""Live pages over HTTP: `/live` answers a number that grows with every change, the list and
an incident's page carry it with their own script (no inline code, none of `unsafe-*`)."""

from __future__ import annotations

import re

import httpx

from tests.conftest import report
from tests.web.conftest import AccountMaker, ConsoleMaker

STAMP = re.compile(r'data-stamp="(\d+)"')


async def test_live_answers_grow_with_each_change(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator"))
    before = (await http.get("/live")).json()["stamp"]
    first = await report(client, "first")
    after_report = (await http.get("/live")).json()["stamp"]
    one = (await http.get("/live", params={"incident": first["id"]})).json()["stamp"]
    await report(client, "second")
    await client.patch(f"/api/v1/incidents/{first['id']}", json={"status": "in_progress"})

    assert after_report > before
    assert one == after_report
    assert (await http.get("/live")).json()["stamp"] > after_report
    assert (await http.get("/live", params={"incident": first["id"]})).json()["stamp"] > one


async def test_live_pages_carry_their_stamp_and_script(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator"))
    incident = await report(client)
    listing = await http.get("/")
    page = await http.get(f"/incidents/{incident['id']}")

    for answer in (listing, page):
        assert '<script src="/static/live.js" defer></script>' in answer.text
        assert STAMP.search(answer.text)
        policy = answer.headers["content-security-policy"]
        assert "script-src 'self';" in policy
        assert "unsafe" not in policy
        assert "<script>" not in answer.text  # nothing inline
    assert 'data-live="/live"' in listing.text
    assert f'data-live="/live?incident={incident["id"]}"' in page.text
    script = await http.get("/static/live.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]


async def test_live_asks_for_sign_in(open_console: ConsoleMaker) -> None:
    http = await open_console()
    answer = await http.get("/live")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/sign-in")
