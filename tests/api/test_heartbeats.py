"""Heartbeats: jobs check in; silence opens an incident, the next check-in resolves it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from incidents.app import create_app
from incidents.service.heartbeats import check_heartbeats
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from tests.conftest import ClientMaker, KeyMaker, TickingClock

URL = "/api/v1/heartbeats"


async def _listed(client: httpx.AsyncClient) -> dict[str, dict[str, Any]]:
    response = await client.get(URL)
    assert response.status_code == 200, response.text
    return {beat["name"]: beat for beat in response.json()}


async def test_a_check_in_is_listed_as_up_until_its_timeout(
    client: httpx.AsyncClient, clock: TickingClock
) -> None:
    response = await client.post(f"{URL}/nightly-report", json={"timeout_seconds": 600})
    assert response.status_code == 200, response.text
    beat = response.json()
    assert beat["name"] == "nightly-report"
    assert beat["timeout_seconds"] == 600
    assert beat["state"] == "up"
    assert beat["incident_id"] is None
    assert beat["last_seen_at"].startswith("2026-11-23T09:00:00")
    assert beat["due_at"].startswith("2026-11-23T09:10:00")
    plain = await client.post(f"{URL}/defaulted")  # no body at all: the default timeout
    assert plain.json()["timeout_seconds"] == 3600

    clock.advance(timedelta(seconds=599))
    assert (await _listed(client))["nightly-report"]["state"] == "up"
    clock.advance(timedelta(seconds=2))
    listed = await _listed(client)
    assert list(listed) == ["defaulted", "nightly-report"]
    assert listed["nightly-report"]["state"] == "overdue"
    assert listed["nightly-report"]["incident_id"] is None  # nobody has checked yet
    assert listed["defaulted"]["state"] == "up"


async def test_a_check_in_without_a_timeout_keeps_the_one_given_before(
    client: httpx.AsyncClient,
) -> None:
    await client.post(f"{URL}/backup", json={"timeout_seconds": 90})
    again = await client.post(f"{URL}/backup", json={})
    assert again.json()["timeout_seconds"] == 90
    changed = await client.post(f"{URL}/backup", json={"timeout_seconds": 120})
    assert changed.json()["timeout_seconds"] == 120


async def test_silence_opens_an_incident_and_a_check_in_resolves_it(
    app: FastAPI, client: httpx.AsyncClient, clock: TickingClock
) -> None:
    runtime: Runtime = app.state.runtime
    await client.post(f"{URL}/nightly-report", json={"timeout_seconds": 3600})
    assert await check_heartbeats(runtime) == []

    clock.advance(timedelta(hours=1, seconds=1))
    opened = await check_heartbeats(runtime)

    assert len(opened) == 1
    incident = (await client.get(f"/api/v1/incidents/{opened[0].id}")).json()
    assert incident["source"] == "monitoring"
    assert incident["dedup_key"] == "heartbeat:nightly-report"
    assert incident["description"] == "no check-in from nightly-report since 2026-11-23T09:00:00Z"
    assert incident["created_by"] == "system:heartbeats"
    assert incident["status"] == "new"
    assert (await _listed(client))["nightly-report"]["incident_id"] == incident["id"]
    assert await check_heartbeats(runtime) == []  # one silence, one incident

    back = await client.post(f"{URL}/nightly-report")

    assert back.json()["state"] == "up"
    assert back.json()["incident_id"] is None
    resolved = (await client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert resolved["status"] == "resolved"
    trail = (await client.get(f"/api/v1/incidents/{incident['id']}/events")).json()
    assert [(e["kind"], e["actor"]) for e in trail] == [
        ("created", "system:heartbeats"),
        ("resolved", "system:heartbeats"),
    ]
    assert trail[-1]["reported_by"] == "key:operator"
    assert (await _listed(client))["nightly-report"]["incident_id"] is None

    clock.advance(timedelta(hours=2))
    again = await check_heartbeats(runtime)
    assert [i.id for i in again] == [incident["id"]]  # the fix did not hold: reopened
    reopened = (await client.get(f"/api/v1/incidents/{incident['id']}")).json()
    assert (reopened["status"], reopened["occurrences"]) == ("in_progress", 2)


async def test_a_silence_is_reported_once_however_many_checkers_look(
    app: FastAPI, client: httpx.AsyncClient, clock: TickingClock, settings: Settings
) -> None:
    for name in ("a", "b", "c"):
        await client.post(f"{URL}/{name}", json={"timeout_seconds": 60})
    clock.advance(timedelta(minutes=5))
    other_process = Runtime.open(settings, clock=clock)
    try:
        found = await asyncio.gather(
            check_heartbeats(app.state.runtime),
            check_heartbeats(other_process),
            check_heartbeats(app.state.runtime),
        )
    finally:
        await other_process.close()

    assert sorted(i.dedup_key or "" for batch in found for i in batch) == [
        "heartbeat:a",
        "heartbeat:b",
        "heartbeat:c",
    ]
    listed = (await client.get("/api/v1/incidents")).json()
    assert len(listed) == 3
    assert all(i["occurrences"] == 1 for i in listed)


async def test_the_server_checks_heartbeats_by_itself(
    settings: Settings, clock: TickingClock, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    fast = settings.model_copy(update={"heartbeat_check_seconds": 0.05})
    app = create_app(fast, clock=clock)
    secret = await make_key("reporter")
    async with app.router.lifespan_context(app):
        headers = {"Authorization": f"Bearer {secret}"}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=headers
        ) as http:
            await http.post(f"{URL}/cron-job", json={"timeout_seconds": 1})
            clock.advance(timedelta(seconds=5))
            for _ in range(200):
                beat = (await http.get(URL)).json()[0]
                if beat["incident_id"] is not None:
                    break
                await asyncio.sleep(0.05)
            assert beat["state"] == "overdue"
            assert beat["incident_id"] is not None


async def test_a_reporter_may_check_in_a_key_bound_elsewhere_and_no_key_may_not(
    client_for: ClientMaker, make_key: KeyMaker, anonymous: httpx.AsyncClient
) -> None:
    async with client_for(await make_key("reporter", source="monitoring")) as cron:
        assert (await cron.post(f"{URL}/job")).status_code == 200
        assert (await cron.get(URL)).status_code == 200
    async with client_for(await make_key("reporter", source="partner")) as partner:
        refused = await partner.post(f"{URL}/job")
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/source-not-allowed"
    assert (await anonymous.post(f"{URL}/job")).status_code == 401
    assert (await anonymous.get(URL)).status_code == 401


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("has space", None),
        ("-starts-with-dash", None),
        ("x" * 65, None),
        ("ok", {"timeout_seconds": 0}),
        ("ok", {"timeout_seconds": -5}),
        ("ok", {"timeout_seconds": "soon"}),
        ("ok", {"timeout_seconds": 10**12}),
        ("ok", {"timeout_seconds": 1.5}),
        ("ok", {"timeout": 60}),
        ("ok", [60]),
    ],
)
async def test_bad_check_ins_are_422_problems(
    client: httpx.AsyncClient, name: str, body: Any
) -> None:
    response = await client.post(f"{URL}/{name}", json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert await _listed(client) == {}
