"""POST /api/v1/integrations/alertmanager: Alertmanager's webhook, as Alertmanager sends it."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from typing import Any

import httpx
import pytest

from tests.conftest import ClientMaker, KeyMaker, TickingClock

URL = "/api/v1/integrations/alertmanager"
NOT_YET = "0001-01-01T00:00:00Z"


def _alert(status: str, fingerprint: str, instance: str, ends_at: str = NOT_YET) -> dict[str, Any]:
    return {
        "status": status,
        "labels": {
            "alertname": "ScooterOffline",
            "instance": instance,
            "job": "fleet",
            "severity": "critical",
            "zone": "north",
        },
        "annotations": {
            "summary": f"Scooter {instance} offline",
            "description": f"{instance} has not reported for 5 minutes.",
        },
        "startsAt": "2026-11-23T09:00:00.123456789Z",
        "endsAt": ends_at,
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up%3D%3D0&g0.tab=1",
        "fingerprint": fingerprint,
    }


def notification(status: str, alerts: list[dict[str, Any]]) -> dict[str, Any]:
    """A notification as Alertmanager 0.27 sends it (version 4), extra fields included."""
    return {
        "receiver": "incidents",
        "status": status,
        "alerts": alerts,
        "groupLabels": {"alertname": "ScooterOffline"},
        "commonLabels": {"alertname": "ScooterOffline", "job": "fleet", "severity": "critical"},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager:9093",
        "version": "4",
        "groupKey": '{}/{severity="critical"}:{alertname="ScooterOffline"}',
        "truncatedAlerts": 0,
        "someFieldFromTheFuture": {"ignored": True},
    }


FIRING = notification(
    "firing",
    [
        _alert("firing", "3a5d0c4e1f2b6a79", "scooter-42"),
        _alert("firing", "8b1e7f3c2d4a5e60", "scooter-43"),
        _alert("firing", "c0ffee0123456789", "scooter-44"),
    ],
)


async def test_a_group_fires_then_partly_resolves(
    client: httpx.AsyncClient, clock: TickingClock
) -> None:
    fired = await client.post(URL, json=FIRING)

    assert fired.status_code == 200, fired.text
    handled = fired.json()["alerts"]
    assert [(a["fingerprint"], a["action"], a["outcome"]) for a in handled] == [
        ("3a5d0c4e1f2b6a79", "trigger", "created"),
        ("8b1e7f3c2d4a5e60", "trigger", "created"),
        ("c0ffee0123456789", "trigger", "created"),
    ]
    first = (await client.get(f"/api/v1/incidents/{handled[0]['incident_id']}")).json()
    assert first["dedup_key"] == "3a5d0c4e1f2b6a79"
    assert first["source"] == "monitoring"
    assert first["status"] == "new"
    assert first["description"] == (
        "Scooter scooter-42 offline\n"
        "scooter-42 has not reported for 5 minutes.\n"
        "alertname=ScooterOffline, severity=critical, instance=scooter-42, job=fleet, zone=north"
    )
    assert first["details"]["labels"]["instance"] == "scooter-42"
    assert first["details"]["generatorURL"].startswith("http://prometheus:9090/")
    assert first["details"]["externalURL"] == "http://alertmanager:9093"

    # Alertmanager repeats the group while it fires (after its repeat_interval, past the
    # retry window), and then sends what cleared.
    clock.advance(timedelta(hours=4))
    repeated = await client.post(URL, json=FIRING)
    assert [a["outcome"] for a in repeated.json()["alerts"]] == ["occurred_again"] * 3
    ended = "2026-11-23T09:20:00Z"
    cleared = notification(
        "firing",
        [
            _alert("resolved", "3a5d0c4e1f2b6a79", "scooter-42", ended),
            _alert("firing", "8b1e7f3c2d4a5e60", "scooter-43"),
            _alert("resolved", "c0ffee0123456789", "scooter-44", ended),
        ],
    )
    partly = await client.post(URL, json=cleared)

    assert [(a["action"], a["outcome"]) for a in partly.json()["alerts"]] == [
        ("resolve", "resolved"),
        ("trigger", "occurred_again"),
        ("resolve", "resolved"),
    ]
    ids = [a["incident_id"] for a in handled]
    assert [a["incident_id"] for a in partly.json()["alerts"]] == ids
    listed = (await client.get("/api/v1/incidents?source=monitoring")).json()
    assert {(i["dedup_key"], i["status"], i["occurrences"]) for i in listed} == {
        ("3a5d0c4e1f2b6a79", "resolved", 2),
        ("8b1e7f3c2d4a5e60", "new", 3),
        ("c0ffee0123456789", "resolved", 2),
    }

    refired = await client.post(URL, json=notification("firing", FIRING["alerts"][:1]))
    assert refired.json()["alerts"][0]["outcome"] == "reopened"
    all_clear = notification(
        "resolved", [_alert("resolved", "aaaa000000000000", "scooter-99", ended)]
    )
    nothing = await client.post(URL, json=all_clear)
    assert nothing.json()["alerts"] == [
        {
            "fingerprint": "aaaa000000000000",
            "action": "resolve",
            "outcome": "nothing_open",
            "incident_id": None,
            "truncated": False,
            "detail": None,
        }
    ]


async def test_an_alert_without_annotations_is_described_by_its_labels(
    client: httpx.AsyncClient,
) -> None:
    bare = {
        "status": "firing",
        "labels": {"alertname": "DiskFull", "instance": "db-1"},
        "annotations": {},
        "startsAt": "2026-11-23T09:00:00Z",
        "endsAt": NOT_YET,
        "generatorURL": "",
        "fingerprint": "d15cf011",
    }
    response = await client.post(URL, json=notification("firing", [bare]))
    incident_id = response.json()["alerts"][0]["incident_id"]
    incident = (await client.get(f"/api/v1/incidents/{incident_id}")).json()
    assert incident["description"] == "DiskFull\nalertname=DiskFull, instance=db-1"


async def test_what_no_database_holds_is_recorded_replaced(client: httpx.AsyncClient) -> None:
    odd = _alert("firing", "odd0", "scooter-1")
    odd["annotations"]["summary"] = "nul \u0000 inside"
    odd["labels"]["note"] = "lone \ud800 surrogate"

    sent = json.dumps(notification("firing", [odd]))  # "\ud800" escaped, as JSON may have it
    response = await client.post(URL, content=sent, headers={"content-type": "application/json"})

    [handled] = response.json()["alerts"]
    assert handled["outcome"] == "created"
    incident = (await client.get(f"/api/v1/incidents/{handled['incident_id']}")).json()
    assert incident["description"].startswith("nul \ufffd inside")
    assert incident["details"]["labels"]["note"] == "lone \ufffd surrogate"


async def test_a_reporter_key_bound_to_a_source_reports_as_it_and_no_key_may_not(
    client_for: ClientMaker, make_key: KeyMaker, anonymous: httpx.AsyncClient
) -> None:
    async with client_for(await make_key("reporter", source="monitoring")) as prometheus:
        assert (await prometheus.post(URL, json=FIRING)).status_code == 200
    # A partner's Alertmanager reports as the partner: its keys are its own, not monitoring's.
    async with client_for(await make_key("reporter", source="partner")) as partner:
        answered = await partner.post(URL, json=FIRING)
        assert answered.status_code == 200
        assert [a["outcome"] for a in answered.json()["alerts"]] == ["created"] * 3
        mine = (await partner.get("/api/v1/incidents")).json()
        assert {i["source"] for i in mine} == {"partner"}
    assert (await anonymous.post(URL, json=FIRING)).status_code == 401


def _broken(change: str) -> dict[str, Any]:
    payload = copy.deepcopy(FIRING)
    alert = payload["alerts"][0]
    if change == "version":
        payload["version"] = "3"
    elif change == "no alerts list":
        del payload["alerts"]
    elif change == "alert status":
        alert["status"] = "pending"
    elif change == "no fingerprint":
        del alert["fingerprint"]
    elif change == "empty fingerprint":
        alert["fingerprint"] = ""
    elif change == "labels not strings":
        alert["labels"] = {"alertname": ["a"]}
    elif change == "bad time":
        alert["startsAt"] = "yesterday"
    elif change == "alerts not a list":
        payload["alerts"] = {"0": alert}
    return payload


@pytest.mark.parametrize("change", ["version", "no alerts list", "alerts not a list"])
async def test_payloads_that_are_not_version_4_are_422(
    client: httpx.AsyncClient, change: str
) -> None:
    response = await client.post(URL, json=_broken(change))
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert (await client.get("/api/v1/incidents")).json() == []


@pytest.mark.parametrize(
    "change",
    ["alert status", "no fingerprint", "empty fingerprint", "labels not strings", "bad time"],
)
async def test_an_alert_that_cannot_be_read_is_refused_alone_and_counted(
    client: httpx.AsyncClient, change: str, caplog: pytest.LogCaptureFixture
) -> None:
    response = await client.post(URL, json=_broken(change))

    assert response.status_code == 200, response.text
    first, *others = response.json()["alerts"]
    assert (first["outcome"], first["incident_id"], first["action"]) == ("invalid", None, None)
    assert first["detail"]
    assert [a["outcome"] for a in others] == ["created", "created"]
    assert any("refused" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")
    metrics = (await client.get("/metrics")).text
    assert 'incidents_intake_refused_total{door="alertmanager",reason="invalid"} 1.0' in metrics
