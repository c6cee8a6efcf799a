"""Idempotency-Key: retries and concurrent duplicates create one incident."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest

from tests.conftest import ClientMaker, KeyMaker, TickingClock

URL = "/api/v1/incidents"
BODY = {"description": "Report for pickup point 7 did not upload", "source": "partner"}


async def _total(client: httpx.AsyncClient) -> int:
    return int((await client.get(URL)).headers["X-Total-Count"])


async def test_a_retry_returns_the_original_incident(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "upload-7-2026-11-23"}
    first = await client.post(URL, json=BODY, headers=headers)
    again = await client.post(URL, json=BODY, headers=headers)

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert await _total(client) == 1
    events = await client.get(f"{first.headers['Location']}/events")
    assert [e["kind"] for e in events.json()] == ["created"]


async def test_the_same_body_after_normalisation_is_the_same_request(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "k1"}
    first = await client.post(URL, json=BODY, headers=headers)
    shouting = {"description": f"  {BODY['description']} ", "source": "PARTNER"}
    again = await client.post(URL, json=shouting, headers=headers)
    assert again.json()["id"] == first.json()["id"]


async def test_the_same_key_with_another_body_is_409(client: httpx.AsyncClient) -> None:
    headers = {"Idempotency-Key": "k2"}
    await client.post(URL, json=BODY, headers=headers)

    other = await client.post(URL, json={**BODY, "source": "operator"}, headers=headers)

    # A conflict with the earlier request, as the operation documents: not a malformed one.
    assert other.status_code == 409
    assert other.headers["content-type"] == "application/problem+json"
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert "k2" in other.json()["detail"]
    assert await _total(client) == 1


async def test_keys_are_per_client(client_for: ClientMaker, make_key: KeyMaker) -> None:
    headers = {"Idempotency-Key": "shared-name"}
    async with (
        client_for(await make_key("reporter")) as one,
        client_for(await make_key("reporter")) as other,
    ):
        first = await one.post(URL, json=BODY, headers=headers)
        second = await other.post(URL, json=BODY, headers=headers)
        assert first.json()["id"] != second.json()["id"]
        assert await _total(one) == 2


async def test_ten_concurrent_identical_requests_make_one_incident(
    client: httpx.AsyncClient,
) -> None:
    headers = {"Idempotency-Key": "burst-1"}

    responses = await asyncio.gather(
        *(client.post(URL, json=BODY, headers=headers) for _ in range(10))
    )

    assert [r.status_code for r in responses] == [201] * 10
    assert len({r.json()["id"] for r in responses}) == 1
    assert sum(r.headers.get("Idempotent-Replayed") == "true" for r in responses) == 9
    assert await _total(client) == 1


async def test_keys_expire_after_a_day(client: httpx.AsyncClient, clock: TickingClock) -> None:
    headers = {"Idempotency-Key": "daily"}
    first = await client.post(URL, json=BODY, headers=headers)
    clock.advance(timedelta(hours=23))
    assert (await client.post(URL, json=BODY, headers=headers)).json()["id"] == first.json()["id"]
    clock.advance(timedelta(hours=2))
    later = await client.post(URL, json=BODY, headers=headers)
    assert later.json()["id"] != first.json()["id"]
    assert "Idempotent-Replayed" not in later.headers


@pytest.mark.parametrize("key", ["", "x" * 256])
async def test_bad_idempotency_keys_are_422(client: httpx.AsyncClient, key: str) -> None:
    response = await client.post(URL, json=BODY, headers={"Idempotency-Key": key})
    assert response.status_code == 422
    assert response.json()["errors"][0]["loc"] == ["header", "idempotency-key"]


async def test_without_a_key_every_request_reports(client: httpx.AsyncClient) -> None:
    await client.post(URL, json=BODY)
    await client.post(URL, json=BODY)
    assert await _total(client) == 2
