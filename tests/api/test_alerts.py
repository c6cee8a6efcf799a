"""POST /api/v1/events: triggers and resolves deduplicated by key, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import ClientMaker, KeyMaker

URL = "/api/v1/events"
KEY = "scooter-42-offline"


def trigger(key: str = KEY, summary: str = "Scooter #42 offline", **extra: Any) -> dict[str, Any]:
    return {"action": "trigger", "dedup_key": key, "summary": summary, **extra}


def resolve(key: str = KEY) -> dict[str, Any]:
    return {"action": "resolve", "dedup_key": key}


async def _trail(client: httpx.AsyncClient, incident_id: int) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/incidents/{incident_id}/events")
    assert response.status_code == 200
    varying = {"id", "incident_id", "created_at", "request_id", "client_request_id"}
    return [{k: v for k, v in e.items() if k not in varying} for e in response.json()]


async def test_a_first_trigger_opens_an_incident_with_its_details(
    client: httpx.AsyncClient,
) -> None:
    details = {"battery": "4%", "position": {"lat": 55.75, "lon": 37.62}, "tags": ["a", 1]}

    response = await client.post(URL, json=trigger(source="monitoring", details=details))

    assert response.status_code == 201, response.text
    body = response.json()
    assert body["description"] == "Scooter #42 offline"
    assert body["status"] == "new"
    assert body["source"] == "monitoring"
    assert body["dedup_key"] == KEY
    assert body["occurrences"] == 1
    assert body["last_seen_at"] == body["created_at"]
    assert body["details"] == details
    assert response.headers["Location"] == f"/api/v1/incidents/{body['id']}"
    assert response.headers["ETag"] == '"1"'
    read = (await client.get(response.headers["Location"])).json()
    assert read == body
    assert await _trail(client, body["id"]) == [{"kind": "created", "actor": "key:operator"}]


async def test_an_incident_made_by_hand_has_the_new_fields_empty(
    client: httpx.AsyncClient,
) -> None:
    made = await client.post("/api/v1/incidents", json={"description": "x", "source": "operator"})
    body = made.json()
    assert body["dedup_key"] is None
    assert body["details"] is None
    assert body["occurrences"] == 1
    assert body["last_seen_at"] == body["created_at"]


@pytest.mark.parametrize("status", ["new", "in_progress"])
async def test_a_trigger_on_an_open_incident_counts_another_occurrence(
    client: httpx.AsyncClient, status: str
) -> None:
    first = (await client.post(URL, json=trigger())).json()
    if status == "in_progress":
        await client.patch(f"/api/v1/incidents/{first['id']}", json={"status": status})

    again = await client.post(URL, json=trigger(summary="another text", details={"battery": 1}))

    assert again.status_code == 200, again.text
    body = again.json()
    assert body["id"] == first["id"]
    assert body["status"] == status
    assert body["occurrences"] == 2
    assert body["last_seen_at"] > first["last_seen_at"]
    assert body["description"] == "Scooter #42 offline"  # the first summary stays
    assert body["details"] == {"battery": 1}  # the latest details win
    assert "Location" not in again.headers
    assert again.headers["ETag"] == f'"{body["version"]}"'
    assert (await _trail(client, first["id"]))[-1] == {
        "kind": "occurred_again",
        "actor": "key:operator",
        "occurrences": 2,
    }
    listed = await client.get(f"/api/v1/incidents?dedup_key={KEY}")
    assert listed.headers["X-Total-Count"] == "1"


async def test_a_trigger_without_details_keeps_the_stored_ones(client: httpx.AsyncClient) -> None:
    await client.post(URL, json=trigger(details={"kept": True}))
    again = await client.post(URL, json=trigger())
    assert again.json()["details"] == {"kept": True}


async def test_a_trigger_on_a_resolved_incident_reopens_it(client: httpx.AsyncClient) -> None:
    first = (await client.post(URL, json=trigger())).json()
    url = f"/api/v1/incidents/{first['id']}"
    for status in ("in_progress", "resolved"):
        await client.patch(url, json={"status": status})

    again = await client.post(URL, json=trigger(), headers={"X-Request-ID": "fired-again"})

    assert again.status_code == 200
    body = again.json()
    assert body["id"] == first["id"]
    assert body["status"] == "in_progress"
    assert body["occurrences"] == 2
    events = (await client.get(f"{url}/events")).json()
    assert events[-1]["kind"] == "reopened"
    assert events[-1]["actor"] == "system:events"
    assert events[-1]["request_id"] == again.headers["X-Request-ID"]
    assert events[-1]["client_request_id"] == "fired-again"
    assert {k: events[-1][k] for k in ("from", "to", "occurrences", "reported_by")} == {
        "from": "resolved",
        "to": "in_progress",
        "occurrences": 2,
        "reported_by": "key:operator",
    }


async def test_a_trigger_after_closing_opens_a_new_incident(client: httpx.AsyncClient) -> None:
    first = (await client.post(URL, json=trigger())).json()
    url = f"/api/v1/incidents/{first['id']}"
    for status in ("in_progress", "resolved", "closed"):
        assert (await client.patch(url, json={"status": status})).status_code == 200

    again = await client.post(URL, json=trigger())

    assert again.status_code == 201
    assert again.json()["id"] != first["id"]
    assert again.json()["occurrences"] == 1
    history = await client.get(f"/api/v1/incidents?dedup_key={KEY}")
    assert [i["id"] for i in history.json()] == [again.json()["id"], first["id"]]
    assert [i["status"] for i in history.json()] == ["new", "closed"]


@pytest.mark.parametrize("status", ["new", "in_progress"])
async def test_resolve_resolves_the_open_incident(client: httpx.AsyncClient, status: str) -> None:
    first = (await client.post(URL, json=trigger())).json()
    url = f"/api/v1/incidents/{first['id']}"
    if status == "in_progress":
        await client.patch(url, json={"status": status})

    response = await client.post(URL, json=resolve())

    assert response.status_code == 200, response.text
    assert response.json()["id"] == first["id"]
    assert response.json()["status"] == "resolved"
    assert (await _trail(client, first["id"]))[-1] == {
        "kind": "resolved",
        "actor": "system:events",
        "from": status,
        "to": "resolved",
        "reported_by": "key:operator",
    }
    # A person still may not skip a step: the automatic rule is monitoring's alone.
    second = (await client.post(URL, json=trigger(key="other"))).json()
    refused = await client.patch(f"/api/v1/incidents/{second['id']}", json={"status": "resolved"})
    assert refused.status_code == 409


async def test_resolving_twice_changes_nothing_the_second_time(client: httpx.AsyncClient) -> None:
    await client.post(URL, json=trigger())
    first = await client.post(URL, json=resolve())
    second = await client.post(URL, json=resolve())
    assert second.status_code == 200
    assert second.json() == first.json()


async def test_resolve_with_nothing_open_is_accepted_and_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    never = await client.post(URL, json=resolve("never-seen"))
    assert never.status_code == 202
    assert never.json() == {"dedup_key": "never-seen", "outcome": "nothing_open"}

    first = (await client.post(URL, json=trigger())).json()
    url = f"/api/v1/incidents/{first['id']}"
    for status in ("in_progress", "resolved", "closed"):
        await client.patch(url, json={"status": status})
    after_close = await client.post(URL, json=resolve())

    assert after_close.status_code == 202
    assert (await client.get(url)).json()["version"] == 4
    assert (await client.get("/api/v1/incidents")).headers["X-Total-Count"] == "1"


async def test_the_list_filters_by_dedup_key(client: httpx.AsyncClient) -> None:
    a = (await client.post(URL, json=trigger(key="a"))).json()
    await client.post(URL, json=trigger(key="b"))
    await client.post("/api/v1/incidents", json={"description": "a", "source": "operator"})

    response = await client.get("/api/v1/incidents?dedup_key=a&status=new")

    assert [i["id"] for i in response.json()] == [a["id"]]
    assert response.headers["X-Total-Count"] == "1"
    none = await client.get("/api/v1/incidents?dedup_key=zzz")
    assert none.json() == []


async def test_a_burst_of_identical_triggers_makes_one_incident(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with client_for(await make_key("reporter", name="zabbix")) as zabbix:
        assert (await zabbix.get("/api/v1/incidents")).status_code == 200  # warm the key up
        answers = await asyncio.gather(*(zabbix.post(URL, json=trigger()) for _ in range(100)))

        statuses = sorted(a.status_code for a in answers)
        assert statuses == [200] * 99 + [201], {a.status_code: a.text for a in answers}
        listed = await zabbix.get(f"/api/v1/incidents?dedup_key={KEY}")
        assert listed.headers["X-Total-Count"] == "1"
        incident = listed.json()[0]
        assert incident["occurrences"] == 100
        assert incident["version"] == 100
        assert sorted(a.json()["occurrences"] for a in answers) == list(range(1, 101))
        trail = await zabbix.get(f"/api/v1/incidents/{incident['id']}/events?limit=500")
        assert trail.headers["X-Total-Count"] == "100"


async def test_a_reporter_may_send_events_and_no_key_may_not(
    client_for: ClientMaker, make_key: KeyMaker, anonymous: httpx.AsyncClient
) -> None:
    async with client_for(await make_key("reporter")) as reporter:
        assert (await reporter.post(URL, json=trigger())).status_code == 201
        assert (await reporter.post(URL, json=resolve())).status_code == 200
    refused = await anonymous.post(URL, json=trigger())
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/problem+json"


async def test_a_key_bound_to_a_source_keeps_to_it(
    client_for: ClientMaker, make_key: KeyMaker, client: httpx.AsyncClient
) -> None:
    await client.post(URL, json=trigger(key="monitored"))
    async with client_for(await make_key("reporter", source="partner")) as partner:
        default_source = await partner.post(URL, json=trigger(key="p"))
        own = await partner.post(URL, json=trigger(key="p", source="partner"))
        # The same key is the partner's own: it neither touches nor learns of monitoring's.
        same_key = await partner.post(URL, json=trigger(key="monitored", source="partner"))
        resolve_same_key = await partner.post(URL, json=resolve("monitored"))
        speak_for_other = await partner.post(URL, json=trigger(key="m", source="monitoring"))
        resolve_other = await partner.post(URL, json={**resolve("m"), "source": "monitoring"})
        resolve_own = await partner.post(URL, json=resolve("p"))

    # Without `source`, a bound key reports its own source, not monitoring.
    assert default_source.status_code == 201, default_source.text
    assert default_source.json()["source"] == "partner"
    assert own.status_code == 200
    assert (own.json()["source"], own.json()["occurrences"]) == ("partner", 2)
    assert same_key.status_code == 201
    assert (same_key.json()["source"], same_key.json()["occurrences"]) == ("partner", 1)
    assert resolve_same_key.status_code == 200
    assert resolve_same_key.json()["id"] == same_key.json()["id"]
    for refused in (speak_for_other, resolve_other):
        assert refused.status_code == 403
        assert refused.json()["type"] == "/problems/source-not-allowed"
    assert resolve_own.status_code == 200
    monitored = (
        await client.get("/api/v1/incidents?dedup_key=monitored&source=monitoring")
    ).json()[0]
    assert (monitored["status"], monitored["occurrences"]) == ("new", 1)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"action": "trigger", "dedup_key": KEY},
        {"action": "trigger", "dedup_key": KEY, "summary": "   "},
        {"action": "trigger", "dedup_key": "", "summary": "x"},
        {"action": "trigger", "dedup_key": "   ", "summary": "x"},
        {"action": "trigger", "dedup_key": "k" * 256, "summary": "x"},
        {"action": "acknowledge", "dedup_key": KEY},
        {"action": "resolve"},
        {"action": "trigger", "dedup_key": KEY, "summary": "x", "severity": "critical"},
        {"action": "trigger", "dedup_key": KEY, "summary": "x", "source": "customer"},
        {"action": "trigger", "dedup_key": KEY, "summary": "x", "details": [1, 2]},
        {"action": "trigger", "dedup_key": KEY, "summary": "x", "details": "text"},
        {"action": "trigger", "dedup_key": KEY, "summary": "x", "details": {"a": "\u0000"}},
        {"action": "trigger", "dedup_key": KEY, "summary": "a\u0000b"},
        {"action": "trigger", "dedup_key": "a\u0000b", "summary": "x"},
        {"action": "trigger", "dedup_key": "heartbeat:nightly", "summary": "x"},
        {"action": "resolve", "dedup_key": "heartbeat:nightly"},
        {"action": 1, "dedup_key": KEY},
    ],
)
async def test_bad_events_are_422_problems(client: httpx.AsyncClient, body: Any) -> None:
    response = await client.post(URL, json=body)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert (await client.get("/api/v1/incidents")).json() == []


@pytest.mark.parametrize(
    "raw", [b"", b"[]", b"not json", b'{"action": "trigger", "dedup_key": "k", "summary": NaN}']
)
async def test_events_that_are_not_json_objects_are_422(
    client: httpx.AsyncClient, raw: bytes
) -> None:
    response = await client.post(URL, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_details_with_nan_are_refused(client: httpx.AsyncClient) -> None:
    raw = b'{"action": "trigger", "dedup_key": "k", "summary": "x", "details": {"v": NaN}}'
    response = await client.post(URL, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert (await client.get("/api/v1/incidents")).json() == []


async def test_letter_case_of_action_and_source_does_not_matter(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(URL, json=trigger(action="TRIGGER", source="Monitoring"))
    assert response.status_code == 201
    assert response.json()["source"] == "monitoring"
