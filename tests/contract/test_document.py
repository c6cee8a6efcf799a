"""The places where `/openapi.json` and the server once disagreed, each pinned down."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import report

URL = "/api/v1/incidents"


async def _document(client: httpx.AsyncClient) -> dict[str, Any]:
    schema: dict[str, Any] = (await client.get("/openapi.json")).json()
    return schema


async def test_cursor_and_offset_together_are_accepted(client: httpx.AsyncClient) -> None:
    ids = [(await report(client, f"incident {n}"))["id"] for n in range(4)]
    token = (await client.get(URL, params={"limit": 1})).headers["X-Next-Cursor"]

    both = await client.get(URL, params={"cursor": token, "offset": 1, "limit": 2})

    assert both.status_code == 200, both.text
    assert [item["id"] for item in both.json()] == [ids[1], ids[0]]


async def test_every_cursor_of_the_documented_form_is_accepted(client: httpx.AsyncClient) -> None:
    await report(client)
    for token in ("0.0", "0.1", "99999999999999999.9999999999999999999"):
        assert (await client.get(URL, params={"cursor": token})).status_code == 200, token
    for token in ("0", "", "a.1", "1.2.3"):
        assert (await client.get(URL, params={"cursor": token})).status_code == 422, token


async def test_optional_parameters_are_never_documented_as_null(
    client: httpx.AsyncClient,
) -> None:
    document = await _document(client)
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                schema = parameter["schema"]
                assert {"type": "null"} not in schema.get("anyOf", []), (method, path, parameter)
    patch = document["paths"]["/api/v1/incidents/{incident_id}"]["patch"]
    if_match = next(p for p in patch["parameters"] if p["name"] == "if-match")
    assert if_match["schema"]["type"] == "string"


async def test_if_match_null_is_refused_as_the_document_says(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    response = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "in_progress"}, headers={"If-Match": "null"}
    )
    assert response.status_code == 422


async def test_events_are_a_union_on_action(client: httpx.AsyncClient) -> None:
    document = await _document(client)
    body = document["paths"]["/api/v1/events"]["post"]["requestBody"]["content"]
    schema = body["application/json"]["schema"]
    assert schema["discriminator"]["propertyName"] == "action"
    trigger = document["components"]["schemas"]["AlertTrigger"]
    assert "summary" in trigger["required"]
    resolve = document["components"]["schemas"]["AlertResolve"]
    # A resolve takes the trigger's own fields (a script flips only the action), never needs them.
    assert {"summary", "source", "details"} <= resolve["properties"].keys()
    assert resolve["required"] == ["action", "dedup_key"]
    assert resolve["additionalProperties"] is False

    no_summary = await client.post("/api/v1/events", json={"action": "trigger", "dedup_key": "k"})
    assert no_summary.status_code == 422
    typo = await client.post("/api/v1/events", json={"action": "resolve", "dedup_kye": "k"})
    assert typo.status_code == 422


async def test_a_reused_idempotency_key_answers_a_documented_status(
    client: httpx.AsyncClient,
) -> None:
    document = await _document(client)
    documented = document["paths"][URL]["post"]["responses"]
    headers = {"Idempotency-Key": "reused"}
    await client.post(URL, json={"description": "a", "source": "operator"}, headers=headers)
    again = await client.post(URL, json={"description": "b", "source": "operator"}, headers=headers)
    assert str(again.status_code) in documented
    assert again.status_code == 409


async def test_alertmanager_dates_are_date_time_strings(client: httpx.AsyncClient) -> None:
    alert = {
        "status": "firing",
        "labels": {"alertname": "Down"},
        "startsAt": "2026-11-23T10:15:00Z",
        "fingerprint": "abc",
    }
    envelope = {
        "version": "4",
        "groupKey": "g",
        "status": "firing",
        "receiver": "incidents",
        "groupLabels": {},
        "commonLabels": {},
        "commonAnnotations": {},
        "externalURL": "http://alertmanager",
    }
    url = "/api/v1/integrations/alertmanager"
    good = {**alert, "fingerprint": "good", "endsAt": "0001-01-01T00:00:00Z"}
    for ends_at in (0, "0", "1700000000", "2026-11-23"):
        sent = {**envelope, "alerts": [{**alert, "endsAt": ends_at}, good]}
        answer = await client.post(url, json=sent)
        # The alert that breaks the format is refused alone, saying why; the other goes ahead.
        assert answer.status_code == 200, ends_at
        refused, recorded = answer.json()["alerts"]
        assert refused["outcome"] == "invalid", ends_at
        assert refused["detail"].startswith("endsAt"), refused
        assert recorded["outcome"] in {"created", "occurred_again"}, recorded
    items = (await _document(client))["components"]["schemas"]["AlertmanagerNotification"]
    assert "invalid" in items["properties"]["alerts"]["items"]["description"]


async def test_details_nest_as_deep_as_the_document_says(client: httpx.AsyncClient) -> None:
    def nested(levels: int) -> dict[str, Any]:
        value: dict[str, Any] = {"leaf": "x"}
        for _ in range(levels - 1):
            value = {"deeper": value}
        return value

    event = {"action": "trigger", "summary": "Scooter #42 offline"}
    deep_enough = await client.post(
        "/api/v1/events", json={**event, "dedup_key": "a", "details": nested(5)}
    )
    too_deep = await client.post(
        "/api/v1/events", json={**event, "dedup_key": "b", "details": nested(6)}
    )
    assert deep_enough.status_code == 201, deep_enough.text
    assert too_deep.status_code == 422
    assert too_deep.json()["errors"][0]["loc"] == ["body", "details"]
