"""Console pages for owners, dismissals and duplicates: the Mine tab, hand-over, the forms."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from incidents.domain.access import chat_member
from incidents.service import incidents
from incidents.service.runtime import Runtime
from tests.conftest import report
from tests.web.conftest import AccountMaker, ConsoleMaker, csrf_of, version_of
from tests.web.test_pages import listed_ids

OPTION = re.compile(r'<option value="([^"]*)"[^>]*>([^<]*)</option>')


async def _send(
    http: httpx.AsyncClient, incident_id: int, action: str, data: dict[str, str]
) -> httpx.Response:
    page = await http.get(f"/incidents/{incident_id}")
    form = {"csrf_token": csrf_of(page), "version": version_of(page), **data}
    return await http.post(f"/incidents/{incident_id}/{action}", data=form)


async def test_owner_on_the_list_and_the_page_and_the_mine_tab(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator", username="olga"))
    first, second = await report(client, "first"), await report(client, "second")
    await client.patch(f"/api/v1/incidents/{second['id']}", json={"status": "in_progress"})

    handed = await _send(http, first["id"], "assignee", {"assignee": "me"})
    page = await http.get(f"/incidents/{first['id']}")
    listing = await http.get("/")
    mine = await http.get("/?assignee=me")

    assert handed.status_code == 303
    olga = '<span class="person" title="user:olga">olga</span>'
    assert f'class="owner">{olga}</dd>' in page.text
    assert "took it" in page.text
    assert f'class="owner">{olga}</td>' in listing.text
    assert 'class="owner"><span class="person" title="key:operator">key operator</span></td>' in (
        listing.text
    )
    assert listed_ids(mine) == [first["id"]]
    assert 'aria-current="page">Mine<' in mine.text


async def test_the_owner_is_picked_from_the_registry_s_people(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator"))
    await make_account("operator", username="olga")
    await make_account("reporter", username="rita")
    incident = await report(client)
    page = await http.get(f"/incidents/{incident['id']}")
    offered = OPTION.findall(page.text.split('name="assignee"')[1].split("</select>")[0])

    handed = await _send(http, incident["id"], "assignee", {"assignee": "user:olga"})
    typo = await _send(http, incident["id"], "assignee", {"assignee": "user:olgaa"})
    cleared = await _send(http, incident["id"], "assignee", {"assignee": "  "})

    # Nobody, me, then the accounts and keys that may change incidents (a reporter may not).
    assert offered[:2] == [("", "nobody"), ("me", "me (operator1)")]
    assert ("user:olga", "olga") in offered
    assert ("key:operator", "key operator") in offered
    assert not any(value == "user:rita" for value, _ in offered)
    assert handed.status_code == 303
    assert typo.status_code == 400
    assert "Choose one of the values offered." in typo.text
    assert cleared.status_code == 303
    api = (await client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert api["assignee"] is None


async def test_close_as_false_alarm_with_a_reason(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator"))
    incident = await report(client)

    closed = await _send(http, incident["id"], "dismissal", {"note": "Drill <test>"})
    page = await http.get(f"/incidents/{incident['id']}")

    assert closed.status_code == 303
    # How it ended, in words, wherever the status is shown.
    assert 'class="status">Closed · false alarm</dd>' in page.text
    assert ">Closed · false alarm</span>" in page.text
    assert ">Closed · false alarm</span>" in (await http.get("/")).text
    assert "Drill &lt;test&gt;" in page.text
    assert "Close as false alarm" not in page.text  # closed: nothing more to dismiss
    api = (await client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert (api["status"], api["resolution"]) == ("closed", "false_alarm")


async def test_duplicate_of_links_both_ways_and_refuses_mistakes(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator"))
    seven, twelve = await report(client, "seven"), await report(client, "twelve")

    missing = await _send(http, twelve["id"], "duplicate", {"duplicate_of": "999999"})
    junk = await _send(http, twelve["id"], "duplicate", {"duplicate_of": "seven"})
    folded = await _send(http, twelve["id"], "duplicate", {"duplicate_of": f"#{seven['id']}"})
    cycle = await _send(http, seven["id"], "duplicate", {"duplicate_of": str(twelve["id"])})

    assert missing.status_code == 422
    assert junk.status_code == 422
    assert "Give the number of another incident that exists." in missing.text
    assert folded.status_code == 303
    assert cycle.status_code == 409
    assert f"#{twelve['id']} is already a duplicate of #{seven['id']}" in cycle.text
    dup_page = await http.get(f"/incidents/{twelve['id']}")
    root_page = await http.get(f"/incidents/{seven['id']}")
    assert f'<a href="/incidents/{seven["id"]}">#{seven["id"]}</a>' in dup_page.text
    assert f'class="status">Closed · duplicate #{seven["id"]}</dd>' in dup_page.text
    assert f'<a href="/incidents/{twelve["id"]}">#{twelve["id"]}</a>' in root_page.text
    assert f"folded #{twelve['id']} into it (2 times in all)" in root_page.text


async def test_chat_members_who_acted_are_offered_by_their_handle(
    open_console: ConsoleMaker,
    make_account: AccountMaker,
    client: httpx.AsyncClient,
    app: FastAPI,
) -> None:
    http = await open_console(await make_account("operator"))
    incident = await report(client)
    runtime: Runtime = app.state.runtime
    for handle in ("masha_old", "masha"):  # one member, who changed their @username
        await incidents.change_incident(
            runtime,
            actor=chat_member(4242, handle),
            incident_id=incident["id"],
            note=f"seen by @{handle}",
        )
    page = await http.get(f"/incidents/{incident['id']}")
    offered = OPTION.findall(page.text.split('name="assignee"')[1].split("</select>")[0])

    members = [(value, label) for value, label in offered if value.startswith("telegram:")]
    assert members == [("telegram:4242 (@masha)", "@masha")]
    handed = await _send(http, incident["id"], "assignee", {"assignee": members[0][0]})
    assert handed.status_code == 303
    page = await http.get(f"/incidents/{incident['id']}")
    assert '<span class="person" title="telegram:4242 (@masha)">@masha</span>' in page.text
