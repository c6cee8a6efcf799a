"""GET /api/v1/incidents/{id}: one incident, its ETag, and the errors around it."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import report


async def test_get_returns_the_incident_and_its_etag(client: httpx.AsyncClient) -> None:
    created = await report(client, "Report did not upload", "monitoring")

    response = await client.get(f"/api/v1/incidents/{created['id']}")

    assert response.status_code == 200
    assert response.json() == created
    assert response.headers["ETag"] == '"1"'


async def test_get_unknown_id_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/incidents/987654")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json() == {
        "type": "/problems/incident-not-found",
        "title": "Incident not found",
        "status": 404,
        "detail": "Incident 987654 does not exist.",
        "instance": "/api/v1/incidents/987654",
    }


@pytest.mark.parametrize("bad_id", ["0", "-1", "abc", "1.5", "99999999999999999999", "%00"])
async def test_get_with_an_id_that_can_not_exist_is_a_422_problem(
    client: httpx.AsyncClient, bad_id: str
) -> None:
    response = await client.get(f"/api/v1/incidents/{bad_id}")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["loc"] == ["path", "incident_id"]


async def test_if_none_match_with_the_current_etag_is_not_modified(
    client: httpx.AsyncClient,
) -> None:
    created = await report(client)
    url = f"/api/v1/incidents/{created['id']}"

    unchanged = await client.get(url, headers={"If-None-Match": '"1"'})
    assert unchanged.status_code == 304
    assert unchanged.headers["ETag"] == '"1"'

    await client.patch(url, json={"status": "in_progress"})
    changed = await client.get(url, headers={"If-None-Match": '"1"'})
    assert changed.status_code == 200
    assert changed.headers["ETag"] == '"2"'


async def test_unknown_route_is_a_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 404


async def test_wrong_method_is_a_problem_listing_every_allowed_method(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/api/v1/incidents/1")
    assert response.status_code == 405
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["Allow"] == "GET, PATCH"
    listing = await client.request("OPTIONS", "/api/v1/incidents")
    assert listing.headers["Allow"] == "GET, POST"


async def test_a_body_that_is_not_utf8_is_422(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/incidents",
        content=b'{"description": "\xf3\x82", "source": "operator"}',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
