"""Rate limits: a key's requests count against the key, requests without one against the
address; the buckets live in the database, so every process (here: every app) shares them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.domain.ratelimit import Rate
from incidents.service import access
from incidents.settings import Settings
from tests.conftest import ClientMaker, KeyMaker, TickingClock

PER_KEY = 5  # a minute: one request every 12 s once the burst is spent
PER_IP = 3


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        rate_limit_per_key=Rate(PER_KEY),
        rate_limit_per_ip=Rate(PER_IP),
        _env_file=None,
    )


@pytest.fixture
async def second_app(settings: Settings, clock: TickingClock) -> AsyncIterator[FastAPI]:
    """Another server process on the same database, as far as the buckets can tell."""
    application = create_app(settings, clock=clock)
    yield application
    await application.state.runtime.close()


def assert_rate_limited(response: httpx.Response) -> int:
    """Check a 429 problem and return its Retry-After in seconds."""
    assert response.status_code == 429, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "/problems/rate-limited"
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert body["retry_after"] == retry_after
    return retry_after


async def test_a_key_gets_its_burst_then_429_with_retry_after(
    client_for: ClientMaker, make_key: KeyMaker, clock: TickingClock
) -> None:
    async with client_for(await make_key("operator")) as http:
        for _ in range(PER_KEY):
            assert (await http.get("/api/v1/incidents")).status_code == 200
        refused = await http.get("/api/v1/incidents")
        retry_after = assert_rate_limited(refused)
        assert retry_after == 12  # one request's share of the minute
        assert refused.json()["limit"] == "5/minute"

        # Refused requests spend nothing: after the wait, exactly one more is admitted.
        clock.advance(timedelta(seconds=retry_after))
        assert (await http.get("/api/v1/incidents")).status_code == 200
        assert_rate_limited(await http.get("/api/v1/incidents"))


async def test_every_route_that_takes_a_key_counts(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with client_for(await make_key("admin")) as http:
        created = await http.post(
            "/api/v1/incidents", json={"description": "Pickup point 7 silent", "source": "partner"}
        )
        assert created.status_code == 201
        assert (await http.get(f"/api/v1/incidents/{created.json()['id']}")).status_code == 200
        assert (await http.get("/api/v1/keys")).status_code == 200
        assert (await http.get("/api/v1/heartbeats")).status_code == 200
        assert (await http.post("/api/v1/events", json={})).status_code == 422
        # The sixth request of the minute is refused before any work, whatever it asks.
        refused = await http.post("/api/v1/incidents", json={"description": "x", "source": "x"})
        assert_rate_limited(refused)
        listed = await http.get("/api/v1/incidents")
        assert_rate_limited(listed)


async def test_keys_do_not_share_a_bucket(client_for: ClientMaker, make_key: KeyMaker) -> None:
    async with client_for(await make_key("reporter")) as noisy:
        for _ in range(PER_KEY):
            await noisy.get("/api/v1/incidents")
        assert_rate_limited(await noisy.get("/api/v1/incidents"))
    async with client_for(await make_key("reporter")) as quiet:
        assert (await quiet.get("/api/v1/incidents")).status_code == 200


async def test_processes_share_the_buckets(
    client_for: ClientMaker, make_key: KeyMaker, second_app: FastAPI
) -> None:
    secret = await make_key("operator")
    other = httpx.AsyncClient(
        transport=httpx.ASGITransport(app=second_app),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {secret}"},
    )
    async with client_for(secret) as first, other:
        statuses = [
            (await (first if turn % 2 else other).get("/api/v1/incidents")).status_code
            for turn in range(PER_KEY + 3)
        ]
    assert statuses == [200] * PER_KEY + [429] * 3


async def test_concurrent_requests_never_overspend(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    async with client_for(await make_key("operator")) as http:
        responses = await asyncio.gather(*(http.get("/api/v1/incidents") for _ in range(20)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * PER_KEY + [429] * (20 - PER_KEY)


async def test_requests_without_a_valid_key_count_against_the_address(
    client_for: ClientMaker, make_key: KeyMaker
) -> None:
    good = await make_key("operator")
    async with client_for() as anonymous, client_for("inc_0123456789ab_guessed") as guesser:
        assert (await anonymous.get("/api/v1/incidents")).status_code == 401
        assert (await guesser.get("/api/v1/incidents")).status_code == 401
        assert (await anonymous.post("/api/v1/incidents", json={})).status_code == 401
        # The address has spent its three: guessing further gets 429, not another try.
        assert_rate_limited(await guesser.get("/api/v1/incidents"))
        assert_rate_limited(await anonymous.get("/api/v1/keys"))
    # A valid key from the same address is counted against the key, not the address.
    async with client_for(good) as http:
        assert (await http.get("/api/v1/incidents")).status_code == 200


async def test_public_routes_are_not_limited(
    client_for: ClientMaker,
) -> None:
    async with client_for() as anonymous:
        for _ in range(PER_IP + 2):
            assert (await anonymous.get("/health")).status_code == 200
            assert (await anonymous.get("/ready")).status_code == 200
            assert (await anonymous.get("/metrics")).status_code == 200


async def test_zero_means_no_limit(database_url: str, clock: TickingClock) -> None:
    settings = Settings(
        database_url=database_url,
        rate_limit_per_key=Rate(0),
        rate_limit_per_ip=Rate(0),
        _env_file=None,
    )
    app = create_app(settings, clock=clock)
    issued = await access.issue_key(
        app.state.runtime, actor=Actor.system("tests"), name="busy", role=Role.REPORTER
    )
    transport = httpx.ASGITransport(app=app)
    keyed = {"Authorization": f"Bearer {issued.secret}"}
    # Four times what this module's limits (5 a key, 3 an address) would admit.
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        anonymous = {(await http.get("/api/v1/incidents")).status_code for _ in range(20)}
        with_key = {
            (await http.get("/api/v1/incidents", headers=keyed)).status_code for _ in range(20)
        }
    await app.state.runtime.close()
    assert anonymous == {401}
    assert with_key == {200}


async def test_429_is_documented_on_every_route_that_authenticates(app: FastAPI) -> None:
    checked = 0
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            if "401" in operation["responses"]:
                assert "429" in operation["responses"], f"{method} {path}"
                content = operation["responses"]["429"]["content"]
                assert "application/problem+json" in content
                checked += 1
    assert checked >= 12  # every /api operation
