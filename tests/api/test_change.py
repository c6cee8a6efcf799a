"""PATCH /api/v1/incidents/{id}: transitions, notes, no-ops and optimistic locking."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import report

URL = "/api/v1/incidents"

# How to reach each status from `new` through allowed transitions only.
PATH_TO = {
    "new": [],
    "in_progress": ["in_progress"],
    "resolved": ["in_progress", "resolved"],
    "closed": ["in_progress", "resolved", "closed"],
}
ALLOWED = {
    ("new", "in_progress"),
    ("in_progress", "resolved"),
    ("resolved", "in_progress"),
    ("resolved", "closed"),
}
ALL_PAIRS = [(current, target) for current in PATH_TO for target in PATH_TO if current != target]


async def _incident_in(client: httpx.AsyncClient, status: str) -> dict[str, Any]:
    incident = await report(client)
    for step in PATH_TO[status]:
        response = await client.patch(f"{URL}/{incident['id']}", json={"status": step})
        assert response.status_code == 200, response.text
        incident = response.json()
    return incident


@pytest.mark.parametrize(("current", "target"), sorted(ALLOWED))
async def test_allowed_transitions_apply(
    client: httpx.AsyncClient, current: str, target: str
) -> None:
    incident = await _incident_in(client, current)

    response = await client.patch(f"{URL}/{incident['id']}", json={"status": target.upper()})

    assert response.status_code == 200
    changed = response.json()
    assert changed["status"] == target
    assert changed["version"] == incident["version"] + 1
    assert changed["updated_at"] > incident["updated_at"]
    assert changed["created_at"] == incident["created_at"]
    assert response.headers["ETag"] == f'"{changed["version"]}"'
    assert (await client.get(f"{URL}/{incident['id']}")).json() == changed


@pytest.mark.parametrize(("current", "target"), sorted(set(ALL_PAIRS) - ALLOWED))
async def test_other_transitions_are_409_naming_what_is_allowed(
    client: httpx.AsyncClient, current: str, target: str
) -> None:
    incident = await _incident_in(client, current)

    response = await client.patch(f"{URL}/{incident['id']}", json={"status": target})

    assert response.status_code == 409
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["type"] == "/problems/illegal-transition"
    assert problem["current_status"] == current
    assert problem["allowed_statuses"] == sorted(
        (t for c, t in ALLOWED if c == current), key=list(PATH_TO).index
    )
    assert current in problem["detail"]
    assert target in problem["detail"]
    assert (await client.get(f"{URL}/{incident['id']}")).json() == incident


async def test_setting_the_same_status_is_a_no_op(client: httpx.AsyncClient) -> None:
    incident = await _incident_in(client, "in_progress")

    response = await client.patch(f"{URL}/{incident['id']}", json={"status": "in_progress"})

    assert response.status_code == 200
    assert response.json() == incident
    assert response.headers["ETag"] == f'"{incident["version"]}"'


async def test_append_adds_a_line(client: httpx.AsyncClient) -> None:
    incident = await report(client, "a")

    response = await client.patch(f"{URL}/{incident['id']}", json={"description_append": "  b  "})

    assert response.status_code == 200
    assert response.json()["description"] == "a\nb"
    assert response.json()["status"] == "new"
    assert response.json()["version"] == 2


async def test_status_and_append_together(client: httpx.AsyncClient) -> None:
    incident = await report(client, "Scooter #42 offline")

    response = await client.patch(
        f"{URL}/{incident['id']}",
        json={"status": "in_progress", "description_append": "Courier sent"},
    )

    assert response.json()["status"] == "in_progress"
    assert response.json()["description"] == "Scooter #42 offline\nCourier sent"
    assert response.json()["version"] == 2


async def test_append_with_an_illegal_transition_changes_nothing(
    client: httpx.AsyncClient,
) -> None:
    incident = await report(client, "a")

    response = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "closed", "description_append": "b"}
    )

    assert response.status_code == 409
    assert (await client.get(f"{URL}/{incident['id']}")).json() == incident


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"status": None},
        {"status": None, "description_append": None},
        {"status": "done"},
        {"description_append": ""},
        {"description_append": "   "},
        {"description_append": "x" * 10_001},
        {"description_append": 5},
        {"status": "resolved", "description": "rewritten"},
        {"source": "partner"},
        {"id": 9},
    ],
)
async def test_bad_patch_bodies_are_422(client: httpx.AsyncClient, body: dict[str, Any]) -> None:
    incident = await report(client)

    response = await client.patch(f"{URL}/{incident['id']}", json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]
    assert (await client.get(f"{URL}/{incident['id']}")).json() == incident


async def test_patch_unknown_id_is_404(client: httpx.AsyncClient) -> None:
    response = await client.patch(f"{URL}/424242", json={"status": "in_progress"})
    assert response.status_code == 404
    assert response.json()["type"] == "/problems/incident-not-found"


async def test_if_match_with_the_current_etag_applies(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    etag = (await client.get(f"{URL}/{incident['id']}")).headers["ETag"]

    response = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "in_progress"}, headers={"If-Match": etag}
    )

    assert response.status_code == 200
    assert response.headers["ETag"] != etag


@pytest.mark.parametrize("if_match", ['"1"', 'W/"2"', '"banana"', '"1", "3"'])
async def test_if_match_that_does_not_match_is_412_and_changes_nothing(
    client: httpx.AsyncClient, if_match: str
) -> None:
    incident = await report(client)
    moved = await client.patch(f"{URL}/{incident['id']}", json={"status": "in_progress"})
    assert moved.headers["ETag"] == '"2"'

    response = await client.patch(
        f"{URL}/{incident['id']}",
        json={"status": "resolved", "description_append": "x"},
        headers={"If-Match": if_match},
    )

    assert response.status_code == 412
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"] == "/problems/version-mismatch"
    assert (await client.get(f"{URL}/{incident['id']}")).json() == moved.json()


@pytest.mark.parametrize("if_match", ["*", '"1", "2"'])
async def test_if_match_star_or_a_list_containing_the_current_tag_applies(
    client: httpx.AsyncClient, if_match: str
) -> None:
    incident = await report(client)
    response = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "in_progress"}, headers={"If-Match": if_match}
    )
    assert response.status_code == 200


async def test_if_match_on_an_unknown_incident_is_404(client: httpx.AsyncClient) -> None:
    response = await client.patch(
        f"{URL}/5555", json={"status": "in_progress"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 404


async def test_etag_changes_on_every_change(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    url = f"{URL}/{incident['id']}"
    seen = {(await client.get(url)).headers["ETag"]}
    for body in (
        {"description_append": "note"},
        {"status": "in_progress"},
        {"status": "resolved"},
        {"status": "in_progress"},
        {"status": "resolved"},
        {"status": "closed"},
    ):
        response = await client.patch(url, json=body)
        assert response.headers["ETag"] not in seen
        seen.add(response.headers["ETag"])
    assert len(seen) == 7


async def test_concurrent_appends_are_all_kept(client: httpx.AsyncClient) -> None:
    incident = await report(client, "start")
    notes = [f"note {n}" for n in range(10)]

    responses = await asyncio.gather(
        *(
            client.patch(f"{URL}/{incident['id']}", json={"description_append": note})
            for note in notes
        )
    )

    assert [r.status_code for r in responses] == [200] * 10
    final = (await client.get(f"{URL}/{incident['id']}")).json()
    lines = final["description"].split("\n")
    assert lines[0] == "start"
    assert sorted(lines[1:]) == sorted(notes)
    assert final["version"] == 11


async def test_concurrent_patches_with_one_etag_let_exactly_one_through(
    client: httpx.AsyncClient,
) -> None:
    incident = await report(client, "start")

    responses = await asyncio.gather(
        *(
            client.patch(
                f"{URL}/{incident['id']}",
                json={"description_append": f"note {n}"},
                headers={"If-Match": '"1"'},
            )
            for n in range(8)
        )
    )

    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [412] * 7
    final = (await client.get(f"{URL}/{incident['id']}")).json()
    assert final["version"] == 2
    assert len(final["description"].split("\n")) == 2


@pytest.mark.parametrize("if_match", ["2", "null", '"1', "*, *"])
async def test_a_malformed_if_match_is_422(client: httpx.AsyncClient, if_match: str) -> None:
    incident = await report(client)
    response = await client.patch(
        f"{URL}/{incident['id']}", json={"status": "in_progress"}, headers={"If-Match": if_match}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "if-match"]
    assert (await client.get(f"{URL}/{incident['id']}")).json()["status"] == "new"


async def test_a_note_may_not_take_the_description_past_its_limit(
    client: httpx.AsyncClient,
) -> None:
    incident = await report(client, "x" * 9_990)
    url = f"{URL}/{incident['id']}"

    fits = await client.patch(url, json={"description_append": "y" * 9})
    refused = await client.patch(url, json={"description_append": "z" * 2})

    assert fits.status_code == 200, fits.text
    assert len(fits.json()["description"]) == 10_000
    assert refused.status_code == 422
    problem = refused.json()
    assert problem["type"] == "/problems/invalid-input"
    assert "10000" in problem["detail"]
    assert "at most 0 more" in problem["detail"]
    assert problem["errors"][0]["loc"] == ["body", "description_append"]
    assert (await client.get(url)).json()["version"] == 2


async def test_repeated_notes_stop_at_the_limit(client: httpx.AsyncClient) -> None:
    incident = await report(client)
    url = f"{URL}/{incident['id']}"
    answers = [
        (await client.patch(url, json={"description_append": "n" * 4_000})).status_code
        for _ in range(4)
    ]
    assert answers == [200, 200, 422, 422]
    assert len((await client.get(url)).json()["description"]) <= 10_000
