"""What machines send is recorded, cut when it must be, counted once, and every refusal seen."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from tests.api.test_alertmanager import NOT_YET, notification
from tests.conftest import TickingClock

EVENTS = "/api/v1/events"
ALERTMANAGER = "/api/v1/integrations/alertmanager"


def _alert(n: int, status: str = "firing", **annotations: str) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "ScooterOffline", "instance": f"scooter-{n}"},
        "annotations": {"summary": f"Scooter {n} offline", **annotations},
        "startsAt": "2026-11-23T09:00:00Z",
        "endsAt": NOT_YET,
        "generatorURL": "http://prometheus:9090/graph",
        "fingerprint": f"{n:016x}",
    }


async def test_a_group_of_1001_alerts_is_recorded_whole_and_resolved_whole(
    client: httpx.AsyncClient,
) -> None:
    fired = await client.post(
        ALERTMANAGER, json=notification("firing", list(map(_alert, range(1001))))
    )

    assert fired.status_code == 200, fired.text[:500]
    outcomes = [a["outcome"] for a in fired.json()["alerts"]]
    assert outcomes == ["created"] * 1001
    listed = await client.get("/api/v1/incidents?source=monitoring&limit=1")
    assert listed.headers["X-Total-Count"] == "1001"

    resolved = [_alert(n, "resolved") for n in range(1001)]
    cleared = await client.post(ALERTMANAGER, json=notification("resolved", resolved))
    assert [a["outcome"] for a in cleared.json()["alerts"]] == ["resolved"] * 1001
    still_new = await client.get("/api/v1/incidents?status=new&limit=1")
    assert still_new.headers["X-Total-Count"] == "0"


async def test_a_long_alert_is_recorded_cut_and_says_so(client: httpx.AsyncClient) -> None:
    latin = _alert(1, description="x" * 40_000)
    cyrillic = _alert(2, description="я" * 6_000, runbook="ж" * 14_000)

    answer = await client.post(ALERTMANAGER, json=notification("firing", [latin, cyrillic]))

    for handled in answer.json()["alerts"]:
        assert (handled["outcome"], handled["truncated"]) == ("created", True), handled
        assert "cut" in handled["detail"]
        incident = (await client.get(f"/api/v1/incidents/{handled['incident_id']}")).json()
        assert incident["details_truncated"] is True
        assert incident["details"]["labels"]["alertname"] == "ScooterOffline"
        assert len(incident["description"]) <= 10_000
    latin_incident = (
        await client.get(f"/api/v1/incidents/{answer.json()['alerts'][0]['incident_id']}")
    ).json()
    assert latin_incident["description"].endswith("…[cut]")


async def test_a_copy_sent_again_counts_nothing_until_the_window_passes(
    client: httpx.AsyncClient, clock: TickingClock
) -> None:
    group = notification("firing", [_alert(1), _alert(2)])
    first = await client.post(ALERTMANAGER, json=group)
    clock.advance(timedelta(seconds=15))  # Alertmanager timed out and sends it again
    again = await client.post(ALERTMANAGER, json=group)

    assert again.json() == first.json()
    incident_id = first.json()["alerts"][0]["incident_id"]
    assert (await client.get(f"/api/v1/incidents/{incident_id}")).json()["occurrences"] == 1

    clock.advance(timedelta(minutes=5))  # repeat_interval: the group still fires
    repeated = await client.post(ALERTMANAGER, json=group)
    assert [a["outcome"] for a in repeated.json()["alerts"]] == ["occurred_again"] * 2
    assert (await client.get(f"/api/v1/incidents/{incident_id}")).json()["occurrences"] == 2


async def test_an_event_too_long_is_recorded_cut(client: httpx.AsyncClient) -> None:
    body = {
        "action": "trigger",
        "dedup_key": "report-upload",
        "summary": "Upload failed: " + "y" * 20_000,
        "details": {"log": "é" * 40_000, "host": "etl-1"},
    }
    created = await client.post(EVENTS, json=body)

    assert created.status_code == 201, created.text[:300]
    incident = created.json()
    assert incident["details_truncated"] is True
    assert len(incident["description"]) == 10_000
    assert incident["description"].endswith("…[cut]")
    assert incident["details"]["host"] == "etl-1"
    assert len(incident["details"]["log"].encode()) < 32 * 1024


async def test_a_resolve_takes_the_triggers_body_and_keeps_what_it_says(
    client: httpx.AsyncClient,
) -> None:
    body = {
        "action": "trigger",
        "dedup_key": "nightly-report",
        "summary": "Nightly report did not upload",
        "source": "monitoring",
        "details": {"attempt": 3},
    }
    created = (await client.post(EVENTS, json=body)).json()

    resolved = await client.post(EVENTS, json={**body, "action": "resolve", "details": {"ok": 1}})

    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    events = (await client.get(f"/api/v1/incidents/{created['id']}/events")).json()
    last = events[-1]
    assert last["kind"] == "resolved"
    assert last["summary"] == "Nightly report did not upload"
    assert last["details"] == {"ok": 1}
    typo = await client.post(EVENTS, json={**body, "action": "resolve", "sumary": "x"})
    assert typo.status_code == 422


async def test_every_refusal_at_a_machine_door_is_counted(client: httpx.AsyncClient) -> None:
    refused = await client.post(EVENTS, json={"action": "trigger", "dedup_key": "k"})
    assert refused.status_code == 422
    metrics = (await client.get("/metrics")).text
    assert 'incidents_intake_refused_total{door="events",reason="invalid"} 1.0' in metrics
    assert 'incidents_intake_refused_total{door="alertmanager",reason="invalid"} 0.0' in metrics
