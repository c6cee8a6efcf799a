"""Changes made in the console are delivered to webhook subscribers like any other: a
hand-over, and a fold that changes two incidents (each gets its delivery)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from incidents.domain.access import Actor
from incidents.service import webhooks
from tests.api.test_webhooks import by_incident, deliver_until
from tests.api.webhook_receiver import Receiver, verify
from tests.conftest import report
from tests.web.conftest import AccountMaker, ConsoleMaker, csrf_of, version_of


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    listening = Receiver()
    await listening.start()
    yield listening
    await listening.stop()


async def _send(
    http: httpx.AsyncClient, incident_id: int, action: str, data: dict[str, str]
) -> httpx.Response:
    page = await http.get(f"/incidents/{incident_id}")
    form = {"csrf_token": csrf_of(page), "version": version_of(page), **data}
    return await http.post(f"/incidents/{incident_id}/{action}", data=form)


async def test_console_changes_are_delivered(
    app: FastAPI,
    open_console: ConsoleMaker,
    make_account: AccountMaker,
    client: httpx.AsyncClient,
    receiver: Receiver,
) -> None:
    made = await webhooks.subscribe(
        app.state.runtime, actor=Actor.system("tests"), url=receiver.url, source=None
    )
    http = await open_console(await make_account("operator", username="olga"))
    seven, twelve = await report(client, "seven"), await report(client, "twelve")

    handed = await _send(http, seven["id"], "assignee", {"assignee": "user:olga"})
    folded = await _send(http, twelve["id"], "duplicate", {"duplicate_of": f"#{seven['id']}"})
    assert (handed.status_code, folded.status_code) == (303, 303)

    await deliver_until(app, lambda: len(receiver.acknowledged()) == 5)
    got = receiver.acknowledged()
    assert all(verify(made.secret, r.headers, r.body) for r in got)
    kinds = {
        incident_id: [[e["kind"] for e in r.document["data"]["events"]] for r in mine]
        for incident_id in (seven["id"], twelve["id"])
        for mine in [by_incident(got, incident_id)]
    }
    assert kinds[seven["id"]] == [["created"], ["assigned"], ["duplicate_added"]]
    assert kinds[twelve["id"]][0] == ["created"]
    assert "marked_duplicate" in kinds[twelve["id"]][1]
    assert by_incident(got, seven["id"])[1].document["data"]["events"][0]["actor"] == "user:olga"
    root = (await client.get(f"/api/v1/incidents/{seven['id']}")).json()
    assert by_incident(got, seven["id"])[-1].incident == root
    assert root["duplicates"] == [twelve["id"]]
