"""Console pages for owners, dismissals and duplicates: the Mine tab, hand-over, the forms."""

from __future__ import annotations

import httpx

from tests.conftest import report
from tests.web.conftest import AccountMaker, ConsoleMaker, csrf_of, version_of
from tests.web.test_pages import listed_ids


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

    handed = await _send(http, first["id"], "assignee", {"assignee": "user:olga"})
    page = await http.get(f"/incidents/{first['id']}")
    listing = await http.get("/")
    mine = await http.get("/?assignee=me")

    assert handed.status_code == 303
    assert 'class="owner">user:olga</dd>' in page.text
    assert "handed it to user:olga" in page.text
    assert 'class="owner">user:olga</td>' in listing.text
    assert 'class="owner">key:operator</td>' in listing.text
    assert listed_ids(mine) == [first["id"]]
    assert 'aria-current="page">Mine<' in mine.text


async def test_an_empty_owner_field_leaves_it_to_nobody_and_a_bad_one_is_told(
    open_console: ConsoleMaker, make_account: AccountMaker, client: httpx.AsyncClient
) -> None:
    http = await open_console(await make_account("operator", username="olga"))
    incident = await report(client)
    await client.patch(f"/api/v1/incidents/{incident['id']}", json={"assignee": "user:olga"})

    bad = await _send(http, incident["id"], "assignee", {"assignee": "olga"})
    cleared = await _send(http, incident["id"], "assignee", {"assignee": "  "})

    assert bad.status_code == 422
    assert "The owner must be someone the registry knows" in bad.text
    unknown = await _send(http, incident["id"], "assignee", {"assignee": "user:olgaa"})
    assert unknown.status_code == 422
    assert "existing" in unknown.text
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
    assert 'class="resolution">false alarm</dd>' in page.text
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
    assert f'<a href="/incidents/{twelve["id"]}">#{twelve["id"]}</a>' in root_page.text
    assert f"folded #{twelve['id']} into it (2 times in all)" in root_page.text
