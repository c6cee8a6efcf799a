"""POST /api/v1/incidents: what is accepted, what comes back, what is refused."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

URL = "/api/v1/incidents"


async def test_create_returns_the_incident_with_location_and_etag(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        URL, json={"description": "Scooter #42 offline", "source": "monitoring"}
    )

    assert response.status_code == 201
    body = response.json()
    assert body["description"] == "Scooter #42 offline"
    assert body["status"] == "new"
    assert body["source"] == "monitoring"
    assert isinstance(body["id"], int)
    assert body["created_at"] == body["updated_at"]
    assert body["created_at"].endswith(("Z", "+00:00"))
    assert response.headers["Location"] == f"{URL}/{body['id']}"
    assert response.headers["ETag"] == '"1"'

    fetched = await client.get(response.headers["Location"])
    assert fetched.json() == body


async def test_create_trims_and_accepts_any_letter_case(client: httpx.AsyncClient) -> None:
    response = await client.post(
        URL, json={"description": "  Pickup point 7 silent \n", "source": "PARTNER"}
    )
    assert response.status_code == 201
    assert response.json()["description"] == "Pickup point 7 silent"
    assert response.json()["source"] == "partner"


async def test_create_accepts_the_longest_description(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, json={"description": "x" * 10_000, "source": "operator"})
    assert response.status_code == 201


async def test_ids_are_assigned_by_the_database(client: httpx.AsyncClient) -> None:
    first = await client.post(URL, json={"description": "a", "source": "operator"})
    second = await client.post(URL, json={"description": "b", "source": "operator"})
    assert second.json()["id"] > first.json()["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "x", "source": "operator", "status": "closed"}, "status"),
        ({"description": "x", "source": "operator", "id": 7}, "id"),
        ({"description": "x", "source": "operator", "priority": "high"}, "priority"),
        ({"source": "operator"}, "description"),
        ({"description": "x"}, "source"),
        ({"description": "x", "source": "customer"}, "source"),
        ({"description": "x", "source": None}, "source"),
        ({"description": "", "source": "operator"}, "description"),
        ({"description": "   \n ", "source": "operator"}, "description"),
        ({"description": "x" * 10_001, "source": "operator"}, "description"),
        ({"description": 42, "source": "operator"}, "description"),
        ({"description": ["x"], "source": "operator"}, "description"),
    ],
)
async def test_create_refuses_bad_fields(
    client: httpx.AsyncClient, body: dict[str, Any], field: str
) -> None:
    response = await client.post(URL, json=body)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert problem["type"] == "/problems/validation-error"
    assert problem["title"]
    assert problem["detail"]
    assert any(error["loc"][-1] == field for error in problem["errors"]), problem["errors"]
    listed = await client.get(URL)
    assert listed.headers["X-Total-Count"] == "0"


@pytest.mark.parametrize(
    "content", [b"[]", b'"text"', b"null", b"42", b"{not json", b"", b'{"description": "x",}']
)
async def test_create_refuses_a_body_that_is_not_a_json_object(
    client: httpx.AsyncClient, content: bytes
) -> None:
    response = await client.post(URL, content=content, headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"]


async def test_create_refuses_form_data(client: httpx.AsyncClient) -> None:
    response = await client.post(URL, data={"description": "x", "source": "operator"})
    assert response.status_code == 422


async def test_nul_characters_are_refused_not_a_database_error(client: httpx.AsyncClient) -> None:
    created = await client.post(URL, json={"description": "a\u0000b", "source": "operator"})
    assert created.status_code == 422
    assert created.json()["errors"][0]["loc"] == ["body", "description"]
    incident = (await client.post(URL, json={"description": "ok", "source": "operator"})).json()
    noted = await client.patch(f"{URL}/{incident['id']}", json={"description_append": "\u0000"})
    assert noted.status_code == 422
    assert noted.headers["content-type"] == "application/problem+json"


async def test_a_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    huge = {"description": "x" * 300_000, "source": "operator"}
    response = await client.post(URL, json=huge)
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["status"] == 413
    assert (await client.get(URL)).headers["X-Total-Count"] == "0"


async def test_a_streamed_body_over_the_limit_is_413(client: httpx.AsyncClient) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"source": "operator", "description": "'
        for _ in range(300):
            yield b"x" * 1000
        yield b'"}'

    response = await client.post(
        URL, content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["type"] == "/problems/content-too-large"


async def test_alertmanager_may_send_larger_bodies(client: httpx.AsyncClient) -> None:
    padding = {"note": "y" * 100_000}
    response = await client.post(
        "/api/v1/integrations/alertmanager", json={"version": "4", "alerts": [], **padding}
    )
    assert response.status_code != 413
