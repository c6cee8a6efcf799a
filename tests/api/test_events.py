"""The audit trail: every change is an event, in order, with its actor and request id."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from incidents.service.runtime import Runtime
from tests.conftest import ClientMaker, KeyMaker, report


def _strip(event: dict[str, Any]) -> dict[str, Any]:
    """An event without the fields that differ from run to run."""
    varying = {"id", "created_at", "request_id", "client_request_id"}
    return {k: v for k, v in event.items() if k not in varying}


async def test_a_full_lifecycle_leaves_a_full_trail(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with (
        client_for(await make_key("reporter", name="zabbix")) as zabbix,
        client_for(await make_key("operator", name="anna")) as anna,
    ):
        created = await zabbix.post(
            "/api/v1/incidents",
            json={"description": "Scooter #42 offline", "source": "monitoring"},
            headers={"X-Request-ID": "req-create-1"},
        )
        incident_id = created.json()["id"]
        url = f"/api/v1/incidents/{incident_id}"
        assert created.json()["created_by"] == "key:zabbix"
        steps: list[dict[str, Any]] = [
            {"status": "in_progress", "description_append": "Courier sent"},
            {"status": "resolved"},
            {"status": "in_progress", "description_append": "Offline again"},
            {"status": "resolved"},
            {"status": "closed"},
        ]
        for step in steps:
            assert (await anna.patch(url, json=step)).status_code == 200
        await anna.patch(url, json={"status": "closed"})  # a no-op leaves no event
        await anna.patch(url, json={"status": "new"})  # a refusal leaves no event

        response = await zabbix.get(f"{url}/events")

    assert response.status_code == 200
    trail = response.json()
    assert [_strip(event) for event in trail] == [
        {"incident_id": incident_id, "kind": "created", "actor": "key:zabbix"},
        {
            "incident_id": incident_id,
            "kind": "status_changed",
            "actor": "key:anna",
            "from": "new",
            "to": "in_progress",
        },
        {
            "incident_id": incident_id,
            "kind": "note_added",
            "actor": "key:anna",
            "text": "Courier sent",
        },
        {
            "incident_id": incident_id,
            "kind": "assigned",
            "actor": "key:anna",
            "from": None,
            "to": "key:anna",
        },
        {
            "incident_id": incident_id,
            "kind": "status_changed",
            "actor": "key:anna",
            "from": "in_progress",
            "to": "resolved",
        },
        {
            "incident_id": incident_id,
            "kind": "status_changed",
            "actor": "key:anna",
            "from": "resolved",
            "to": "in_progress",
        },
        {
            "incident_id": incident_id,
            "kind": "note_added",
            "actor": "key:anna",
            "text": "Offline again",
        },
        {
            "incident_id": incident_id,
            "kind": "status_changed",
            "actor": "key:anna",
            "from": "in_progress",
            "to": "resolved",
        },
        {
            "incident_id": incident_id,
            "kind": "status_changed",
            "actor": "key:anna",
            "from": "resolved",
            "to": "closed",
        },
    ]
    # The server's id for the request; the client's beside it, never instead of it.
    assert trail[0]["request_id"] == created.headers["X-Request-ID"] != "req-create-1"
    assert trail[0]["client_request_id"] == "req-create-1"
    assert [e["id"] for e in trail] == sorted(e["id"] for e in trail)
    assert [e["created_at"] for e in trail] == sorted(e["created_at"] for e in trail)
    assert all(e["created_at"].endswith(("Z", "+00:00")) for e in trail)
    # One PATCH, one request: its three events (the move, the note, the taker assigned) share
    # the request id.
    assert trail[1]["request_id"] == trail[2]["request_id"] == trail[3]["request_id"]
    assert trail[1]["request_id"] != trail[4]["request_id"]
    assert response.headers["X-Total-Count"] == "9"
    assert response.headers["Content-Range"] == "events 0-8/9"


async def test_request_ids_are_returned_and_made_up_when_missing_or_insane(
    client: httpx.AsyncClient,
) -> None:
    given = await client.get("/api/v1/incidents", headers={"X-Request-ID": "abc-123"})
    assert given.headers["X-Client-Request-ID"] == "abc-123"
    assert len(given.headers["X-Request-ID"]) == 32
    made = await client.get("/api/v1/incidents")
    assert len(made.headers["X-Request-ID"]) == 32
    hostile = await client.get("/api/v1/incidents", headers={"X-Request-ID": "<script>" * 40})
    assert hostile.headers["X-Request-ID"] != "<script>" * 40
    assert (await client.get("/health")).headers["X-Request-ID"]


async def test_events_are_paginated_like_the_list(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    for n in range(4):
        await client.patch(
            f"/api/v1/incidents/{incident['id']}", json={"description_append": f"{n}"}
        )

    page = await client.get(f"/api/v1/incidents/{incident['id']}/events?limit=2&offset=2")

    assert [e["text"] for e in page.json()] == ["1", "2"]
    assert page.headers["X-Total-Count"] == "5"
    assert page.headers["Content-Range"] == "events 2-3/5"
    assert 'rel="next"' in page.headers["Link"]
    assert 'rel="prev"' in page.headers["Link"]


async def test_events_of_an_unknown_incident_are_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/incidents/777/events")
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/incident-not-found"


@pytest.mark.parametrize(
    "statement", ["UPDATE incident_events SET actor = 'x'", "DELETE FROM incident_events"]
)
async def test_the_database_refuses_to_rewrite_history(
    app: FastAPI, client: httpx.AsyncClient, statement: str
) -> None:
    await report(client)
    runtime: Runtime = app.state.runtime
    async with runtime.database.engine.connect() as connection:
        with pytest.raises(Exception, match="append-only"):
            await connection.exec_driver_sql(statement)
