"""Resolution: fixed when resolved, cleared on reopening; dismissal closes early as false alarm."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import ClientMaker, KeyMaker, report

URL = "/api/v1/incidents"
STEPS = {"new": [], "in_progress": ["in_progress"], "resolved": ["in_progress", "resolved"]}


async def _incident_in(client: httpx.AsyncClient, status: str) -> dict[str, object]:
    incident = await report(client)
    for step in STEPS[status]:
        incident = (await client.patch(f"{URL}/{incident['id']}", json={"status": step})).json()
    return incident


async def test_resolving_sets_fixed_closing_keeps_it_reopening_clears_it(
    client: httpx.AsyncClient,
) -> None:
    incident = await _incident_in(client, "in_progress")
    assert incident["resolution"] is None
    path = f"{URL}/{incident['id']}"

    resolved = (await client.patch(path, json={"status": "resolved"})).json()
    reopened = (await client.patch(path, json={"status": "in_progress"})).json()
    await client.patch(path, json={"status": "resolved"})
    closed = (await client.patch(path, json={"status": "closed"})).json()

    assert resolved["resolution"] == "fixed"
    assert reopened["resolution"] is None
    assert closed["resolution"] == "fixed"


@pytest.mark.parametrize("status", ["new", "in_progress", "resolved"])
async def test_dismissal_closes_as_false_alarm_with_the_note_appended(
    client: httpx.AsyncClient, status: str
) -> None:
    incident = await _incident_in(client, status)

    response = await client.patch(
        f"{URL}/{incident['id']}",
        json={"status": "closed", "resolution": "false_alarm", "note": "Test alert"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["status"], body["resolution"]) == ("closed", "false_alarm")
    assert body["description"] == "Scooter #42 offline\nTest alert"
    trail = (await client.get(f"{URL}/{incident['id']}/events")).json()
    assert [(e["kind"], e.get("resolution"), e.get("text")) for e in trail[-2:]] == [
        ("status_changed", "false_alarm", None),
        ("note_added", None, "Test alert"),
    ]


@pytest.mark.parametrize("status", ["new", "in_progress"])
async def test_closing_early_without_a_resolution_is_409_saying_what_would_work(
    client: httpx.AsyncClient, status: str
) -> None:
    incident = await _incident_in(client, status)

    response = await client.patch(f"{URL}/{incident['id']}", json={"status": "closed"})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    assert (
        "Closing early needs the resolution false_alarm or duplicate" in response.json()["detail"]
    )


@pytest.mark.parametrize(
    "body",
    [
        {"status": "resolved", "resolution": "false_alarm"},
        {"resolution": "false_alarm"},
        {"status": "in_progress", "resolution": "fixed"},
        {"status": "closed", "resolution": "bogus"},
        {"status": "closed", "resolution": "false_alarm", "note": ""},
        {"status": "closed", "resolution": "false_alarm", "note": "a", "description_append": "b"},
        {"status": "closed", "resolution": "false_alarm", "duplicate_of": 1},
    ],
)
async def test_a_resolution_that_does_not_fit_is_422(
    client: httpx.AsyncClient, body: dict[str, object]
) -> None:
    incident = await _incident_in(client, "in_progress")

    response = await client.patch(f"{URL}/{incident['id']}", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_closed_incident_keeps_its_resolution(client: httpx.AsyncClient) -> None:
    incident = await _incident_in(client, "new")
    path = f"{URL}/{incident['id']}"
    dismissal = {"status": "closed", "resolution": "false_alarm"}
    first = (await client.patch(path, json=dismissal)).json()

    again = await client.patch(path, json=dismissal)
    other = await client.patch(path, json={"status": "closed", "resolution": "fixed"})

    assert again.json()["version"] == first["version"]
    assert other.status_code == 409


async def test_a_reporter_may_not_dismiss(client_for: ClientMaker, make_key: KeyMaker) -> None:
    async with client_for(await make_key("reporter")) as reporter:
        incident = await report(reporter)
        response = await reporter.patch(
            f"{URL}/{incident['id']}", json={"status": "closed", "resolution": "false_alarm"}
        )

    assert response.status_code == 403


async def test_the_list_filters_by_resolution_with_an_exact_total(
    client: httpx.AsyncClient,
) -> None:
    dismissed = []
    for n in range(3):
        incident = await report(client, f"alarm {n}")
        body = {"status": "closed", "resolution": "false_alarm"}
        dismissed.append((await client.patch(f"{URL}/{incident['id']}", json=body)).json())
    fixed = await _incident_in(client, "resolved")
    await _incident_in(client, "new")

    alarms = await client.get(f"{URL}?resolution=false_alarm&limit=2")
    either = await client.get(f"{URL}?resolution=false_alarm&resolution=FIXED&status=closed")
    fixes = await client.get(f"{URL}?resolution=fixed")

    assert alarms.headers["X-Total-Count"] == "3"
    assert [i["id"] for i in alarms.json()] == [dismissed[2]["id"], dismissed[1]["id"]]
    assert either.headers["X-Total-Count"] == "3"
    assert [i["id"] for i in fixes.json()] == [fixed["id"]]
    assert fixes.headers["X-Total-Count"] == "1"
    assert (await client.get(f"{URL}?resolution=nope")).status_code == 422
