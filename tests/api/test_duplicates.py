"""Duplicates: folded into the root, counted there, never chained, and refused in a cycle."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import ClientMaker, KeyMaker, report

URL = "/api/v1/incidents"


def duplicate_of(target: int) -> dict[str, object]:
    """The body that closes an incident as a duplicate of `target`."""
    return {"status": "closed", "resolution": "duplicate", "duplicate_of": target}


async def _get(client: httpx.AsyncClient, incident_id: int) -> dict[str, Any]:
    body: dict[str, Any] = (await client.get(f"{URL}/{incident_id}")).json()
    return body


@pytest.mark.parametrize("steps", [[], ["in_progress"], ["in_progress", "resolved"]])
async def test_a_duplicate_is_closed_and_folded_into_its_target(
    client: httpx.AsyncClient, steps: list[str]
) -> None:
    original = await report(client, "Scooter #42 offline")
    dup = await report(client, "Scooter 42 does not answer")
    for step in steps:
        await client.patch(f"{URL}/{dup['id']}", json={"status": step})

    response = await client.patch(f"{URL}/{dup['id']}", json=duplicate_of(original["id"]))

    assert response.status_code == 200, response.text
    closed = response.json()
    assert (closed["status"], closed["resolution"]) == ("closed", "duplicate")
    assert closed["duplicate_of"] == original["id"]
    target = await _get(client, original["id"])
    assert target["duplicates"] == [dup["id"]]
    assert target["occurrences"] == 2
    assert target["version"] == original["version"] + 1
    trail = (await client.get(f"{URL}/{dup['id']}/events")).json()
    assert trail[-1]["kind"] == "marked_duplicate"
    assert trail[-1]["duplicate_of"] == original["id"]
    assert trail[-2]["resolution"] == "duplicate"
    added = (await client.get(f"{URL}/{original['id']}/events")).json()[-1]
    assert (added["kind"], added["duplicate"], added["occurrences"]) == (
        "duplicate_added",
        dup["id"],
        2,
    )
    listed = (await client.get(URL)).json()
    assert {i["id"]: i["duplicates"] for i in listed}[original["id"]] == [dup["id"]]


async def test_a_duplicate_of_a_duplicate_points_at_the_root(client: httpx.AsyncClient) -> None:
    root, first, second = [await report(client, f"report {n}") for n in range(3)]
    await client.patch(f"{URL}/{first['id']}", json=duplicate_of(root["id"]))

    response = await client.patch(f"{URL}/{second['id']}", json=duplicate_of(first["id"]))

    assert response.json()["duplicate_of"] == root["id"]
    assert (await _get(client, root["id"]))["duplicates"] == [first["id"], second["id"]]
    assert (await _get(client, root["id"]))["occurrences"] == 3


async def test_folding_a_root_elsewhere_moves_its_duplicates_along(
    client: httpx.AsyncClient,
) -> None:
    top, middle, leaf = [await report(client, f"report {n}") for n in range(3)]
    await client.patch(f"{URL}/{leaf['id']}", json=duplicate_of(middle["id"]))

    await client.patch(f"{URL}/{middle['id']}", json=duplicate_of(top["id"]))

    assert (await _get(client, leaf["id"]))["duplicate_of"] == top["id"]
    assert (await _get(client, middle["id"]))["duplicates"] == []
    assert (await _get(client, top["id"]))["duplicates"] == [middle["id"], leaf["id"]]
    assert (await _get(client, top["id"]))["occurrences"] == 3


async def test_a_cycle_is_409_and_changes_nothing(client: httpx.AsyncClient) -> None:
    seven, twelve = await report(client, "seven"), await report(client, "twelve")
    await client.patch(f"{URL}/{twelve['id']}", json=duplicate_of(seven["id"]))
    before = await _get(client, seven["id"])

    response = await client.patch(f"{URL}/{seven['id']}", json=duplicate_of(twelve["id"]))

    assert response.status_code == 409
    assert response.json()["type"] == "/problems/duplicate-conflict"
    assert await _get(client, seven["id"]) == before


@pytest.mark.parametrize("target", [0, "self", 10**9, "x"])
async def test_a_missing_or_own_target_is_422_naming_duplicate_of(
    client: httpx.AsyncClient, target: object
) -> None:
    incident = await report(client)
    body = duplicate_of(incident["id"] if target == "self" else target)  # type: ignore[arg-type]

    response = await client.patch(f"{URL}/{incident['id']}", json=body)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "duplicate_of" in str(response.json()["errors"])
    assert (await _get(client, incident["id"]))["status"] == "new"


async def test_a_duplicate_without_a_target_is_422(client: httpx.AsyncClient) -> None:
    incident = await report(client)

    response = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "closed", "resolution": "duplicate"}
    )

    assert response.status_code == 422
    assert "duplicate_of" in str(response.json()["errors"])


async def test_marking_the_same_duplicate_again_changes_nothing(client: httpx.AsyncClient) -> None:
    original, dup = await report(client, "a"), await report(client, "b")
    first = (await client.patch(f"{URL}/{dup['id']}", json=duplicate_of(original["id"]))).json()

    again = await client.patch(f"{URL}/{dup['id']}", json=duplicate_of(original["id"]))

    assert again.status_code == 200
    assert again.json()["version"] == first["version"]
    assert (await _get(client, original["id"]))["occurrences"] == 2


async def test_a_missing_incident_is_404_even_with_a_good_target(
    client: httpx.AsyncClient,
) -> None:
    original = await report(client)

    response = await client.patch(f"{URL}/999999", json=duplicate_of(original["id"]))

    assert response.status_code == 404


async def test_cross_duplicates_at_once_end_with_exactly_one_closed(
    client: httpx.AsyncClient,
) -> None:
    for _ in range(5):
        seven, twelve = await report(client, "seven"), await report(client, "twelve")

        answers = await asyncio.gather(
            client.patch(f"{URL}/{twelve['id']}", json=duplicate_of(seven["id"])),
            client.patch(f"{URL}/{seven['id']}", json=duplicate_of(twelve["id"])),
        )

        assert sorted(a.status_code for a in answers) == [200, 409], [a.text for a in answers]
        states = [await _get(client, i) for i in (seven["id"], twelve["id"])]
        closed = [s for s in states if s["status"] == "closed"]
        assert len(closed) == 1
        survivor = next(s for s in states if s["status"] != "closed")
        assert survivor["duplicates"] == [closed[0]["id"]]
        assert survivor["occurrences"] == 2


async def test_a_trigger_with_the_duplicates_key_counts_on_the_open_root(
    client: httpx.AsyncClient,
) -> None:
    alert = {"action": "trigger", "dedup_key": "scooter-42", "summary": "Scooter #42 offline"}
    from_monitoring = (await client.post("/api/v1/events", json=alert)).json()
    root = (await client.post("/api/v1/events", json={**alert, "dedup_key": "scooter-42b"})).json()
    await client.patch(f"{URL}/{from_monitoring['id']}", json=duplicate_of(root["id"]))

    again = await client.post("/api/v1/events", json={**alert, "details": {"battery": "3%"}})

    assert again.status_code == 200, again.text
    assert again.json()["id"] == root["id"]
    assert again.json()["occurrences"] == 3  # its own, the folded one's, and this one
    assert again.json()["details"] == {"battery": "3%"}
    assert (await client.get(f"{URL}?dedup_key=scooter-42")).headers["X-Total-Count"] == "1"
    await client.patch(f"{URL}/{root['id']}", json={"status": "in_progress"})
    await client.patch(f"{URL}/{root['id']}", json={"status": "resolved"})
    await client.patch(f"{URL}/{root['id']}", json={"status": "closed"})
    fresh = (await client.post("/api/v1/events", json=alert)).json()
    assert fresh["id"] not in (root["id"], from_monitoring["id"])


async def test_a_fold_across_sources_carries_no_later_trigger_over(
    client: httpx.AsyncClient, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    alert = {"action": "trigger", "dedup_key": "scooter-7-offline", "summary": "Scooter 7"}
    from_monitoring = (await client.post("/api/v1/events", json=alert)).json()
    async with client_for(await make_key("operator", source="partner")) as partner:
        theirs = await report(partner, "Scooter 7 does not answer", source="partner")
    await client.patch(f"{URL}/{from_monitoring['id']}", json=duplicate_of(theirs["id"]))

    again = await client.post("/api/v1/events", json={**alert, "details": {"secret": "x"}})

    # Monitoring's details never land on the partner's incident: a new one of its own.
    assert again.status_code == 201, again.text
    assert again.json()["source"] == "monitoring"
    partners = (await client.get(f"{URL}/{theirs['id']}")).json()
    assert (partners["details"], partners["occurrences"]) == (None, 2)  # the fold's count


async def test_a_bound_key_folds_only_into_its_own_sources_incidents(
    client: httpx.AsyncClient, client_for: ClientMaker, make_key: KeyMaker
) -> None:
    theirs = await report(client, "operator's", source="operator")
    async with client_for(await make_key("operator", source="partner")) as partner:
        own = await report(partner, "partner's", source="partner")
        other = await report(partner, "partner's too", source="partner")

        refused = await partner.patch(f"{URL}/{own['id']}", json=duplicate_of(theirs["id"]))
        allowed = await partner.patch(f"{URL}/{own['id']}", json=duplicate_of(other["id"]))

    assert refused.status_code == 403
    assert refused.json()["type"] == "/problems/source-not-allowed"
    assert allowed.status_code == 200, allowed.text
    assert (await _get(client, theirs["id"]))["duplicates"] == []
