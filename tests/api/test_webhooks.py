"""Outgoing webhooks against a real HTTP receiver: every change posted once, signed, in order,
through failures, an outage and a restart; subscriptions are the admins' (a bound admin's
for its own source only)."""

from __future__ import annotations

import asyncio
import base64
import logging
import runpy
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.domain.incident import Source
from incidents.service import access, webhooks
from incidents.service.heartbeats import check_heartbeats
from incidents.settings import Settings
from tests.api.webhook_receiver import Received, Receiver, verify
from tests.conftest import ClientMaker, KeyMaker, TickingClock, report

HOOKS = "/api/v1/webhooks"
# The receiver docs/INTEGRATIONS.md shows: its check must take what the registry sends.
EXAMPLE = runpy.run_path(str(Path(__file__).parents[2] / "examples" / "webhook_receiver.py"))
URL = "/api/v1/incidents"


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    listening = Receiver()
    await listening.start()
    yield listening
    await listening.stop()


async def deliver_until(app: FastAPI, done: Callable[[], bool], *, within: float = 15.0) -> None:
    """Run the app's webhook sender (as its lifespan would) until `done()`."""
    deadline = time.monotonic() + within
    while not done():
        assert time.monotonic() < deadline, "the deliveries did not arrive in time"
        await app.state.webhook_sender.deliver_due()
        await asyncio.sleep(0.02)


async def subscribe(
    admin: httpx.AsyncClient, url: str, source: str | None = None
) -> dict[str, Any]:
    response = await admin.post(HOOKS, json={"url": url, "source": source, "description": "t"})
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def by_incident(got: list[Received], incident_id: int) -> list[Received]:
    return [r for r in got if r.incident["id"] == incident_id]


async def test_a_lifecycle_is_delivered_in_order_signed(
    app: FastAPI, client_for: ClientMaker, make_key: KeyMaker, receiver: Receiver
) -> None:
    async with (
        client_for(await make_key("admin")) as admin,
        client_for(await make_key("operator", name="olga")) as operator,
    ):
        made = await subscribe(admin, f"{receiver.url}/hooks")
        assert made["secret"].startswith("whsec_")
        assert len(base64.b64decode(made["secret"].removeprefix("whsec_"))) >= 24
        assert made["source"] is None
        assert set(made) >= {"id", "url", "source", "description", "created_at", "secret"}
        listed = (await admin.get(HOOKS)).json()
        assert [hook["id"] for hook in listed] == [made["id"]]
        assert "secret" not in listed[0]

        incident = await report(operator, "Scooter #7 offline")
        path = f"{URL}/{incident['id']}"
        for change in (
            {"status": "in_progress"},
            {"note": "battery swapped"},
            {"assignee": "telegram:4242 (@ivan)"},
            {"status": "resolved"},
        ):
            response = await operator.patch(path, json=change)
            assert response.status_code == 200, response.text
        final = (await operator.get(path)).json()
        trail = (await operator.get(f"{path}/events")).json()
        monitoring = await admin.post(
            "/api/v1/events",
            json={"action": "trigger", "dedup_key": "disk-full", "summary": "Disk full"},
        )
        assert monitoring.status_code in (200, 201), monitoring.text
        again = await admin.post(
            "/api/v1/events",
            json={"action": "trigger", "dedup_key": "disk-full", "summary": "Disk full"},
        )
        assert again.status_code in (200, 201), again.text

    await deliver_until(app, lambda: len(receiver.acknowledged()) == 7)

    got = by_incident(receiver.acknowledged(), incident["id"])
    assert got[0].incident == incident  # as the report's answer showed it
    assert [r.document["type"] for r in got] == ["incident.created"] + ["incident.changed"] * 4
    assert [r.incident["version"] for r in got] == [1, 2, 3, 4, 5]
    assert got[-1].incident == final
    kinds = [[e["kind"] for e in r.document["data"]["events"]] for r in got]
    assert [kind for step in kinds for kind in step] == [e["kind"] for e in trail]
    sent_events = [e for r in got for e in r.document["data"]["events"]]
    assert sent_events == trail
    for r in receiver.acknowledged():
        assert r.path == "/hooks"
        assert verify(made["secret"], r.headers, r.body)
        # The test's clock is not the machine's: the example checks against the sent time.
        sent_at = int(r.headers["webhook-timestamp"])
        assert EXAMPLE["verify"](made["secret"], r.headers, r.body, now=sent_at)
        assert not EXAMPLE["verify"](made["secret"], r.headers, r.body + b" ", now=sent_at)
        assert not EXAMPLE["verify"](made["secret"], r.headers, r.body, now=sent_at + 3600)
        assert r.headers["content-type"] == "application/json"
    assert len({r.headers["webhook-id"] for r in receiver.got}) == 7
    watched = by_incident(receiver.acknowledged(), monitoring.json()["id"])
    assert [[e["kind"] for e in r.document["data"]["events"]] for r in watched] == [
        ["created"],
        ["occurred_again"],
    ]
    assert watched[-1].incident["occurrences"] == 2


async def test_a_subscription_to_one_source_hears_only_that_source(
    app: FastAPI, client_for: ClientMaker, make_key: KeyMaker, receiver: Receiver
) -> None:
    async with (
        client_for(await make_key("admin")) as admin,
        client_for(await make_key("operator")) as operator,
    ):
        await subscribe(admin, f"{receiver.url}/monitoring", "monitoring")
        await subscribe(admin, f"{receiver.url}/partner", "partner")
        await report(operator, "Seen by a person", source="operator")
        watched = await report(operator, "Seen by a probe", source="monitoring")
        await operator.patch(f"{URL}/{watched['id']}", json={"status": "in_progress"})

    await deliver_until(app, lambda: len(receiver.acknowledged()) == 2)
    await app.state.webhook_sender.deliver_due()

    assert {r.path for r in receiver.got} == {"/monitoring"}
    assert [r.incident["id"] for r in receiver.got] == [watched["id"]] * 2


async def test_an_ended_subscription_hears_nothing_more(
    app: FastAPI, client_for: ClientMaker, make_key: KeyMaker, receiver: Receiver
) -> None:
    async with (
        client_for(await make_key("admin")) as admin,
        client_for(await make_key("operator")) as operator,
    ):
        made = await subscribe(admin, f"{receiver.url}/gone")
        kept = await subscribe(admin, f"{receiver.url}/kept")
        await report(operator, "queued before the end")
        ended = await admin.delete(f"{HOOKS}/{made['id']}")
        assert ended.status_code == 204, ended.text
        assert (await admin.delete(f"{HOOKS}/{made['id']}")).status_code == 404
        await report(operator, "after the end")
        assert [h["id"] for h in (await admin.get(HOOKS)).json()] == [kept["id"]]

    await deliver_until(app, lambda: len(receiver.acknowledged()) == 2)
    await app.state.webhook_sender.deliver_due()

    assert {r.path for r in receiver.got} == {"/kept"}


async def test_only_admins_subscribe(
    client_for: ClientMaker, make_key: KeyMaker, receiver: Receiver
) -> None:
    for role in ("reporter", "operator"):
        async with client_for(await make_key(role)) as caller:
            made = await caller.post(HOOKS, json={"url": receiver.url, "source": None})
            assert made.status_code == 403, made.text
            assert made.headers["content-type"] == "application/problem+json"
            assert (await caller.get(HOOKS)).status_code == 403
            assert (await caller.delete(f"{HOOKS}/1")).status_code == 403
    async with client_for() as anonymous:
        assert (await anonymous.get(HOOKS)).status_code == 401


async def test_a_bound_admin_subscribes_for_its_own_source_only(
    client_for: ClientMaker, make_key: KeyMaker, receiver: Receiver
) -> None:
    async with (
        client_for(await make_key("admin")) as admin,
        client_for(await make_key("admin", source="partner")) as partner_admin,
    ):
        everything = await subscribe(admin, receiver.url)
        for source in ("monitoring", None):
            refused = await partner_admin.post(HOOKS, json={"url": receiver.url, "source": source})
            assert refused.status_code == 403, refused.text
        own = await partner_admin.post(HOOKS, json={"url": receiver.url})
        assert own.status_code == 201, own.text
        assert own.json()["source"] == "partner"

        assert [h["id"] for h in (await partner_admin.get(HOOKS)).json()] == [own.json()["id"]]
        assert (await partner_admin.delete(f"{HOOKS}/{everything['id']}")).status_code == 404
        assert len((await admin.get(HOOKS)).json()) == 2


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.com/hook",
        "file:///etc/passwd",
        "javascript:alert(1)",
        "example.com/hook",
        "http://",
        "https://exa mple.com/",
        "http://example.com/\x00",
        "",
    ],
)
async def test_only_http_urls_are_taken(
    client_for: ClientMaker, make_key: KeyMaker, url: str
) -> None:
    async with client_for(await make_key("admin")) as admin:
        refused = await admin.post(HOOKS, json={"url": url, "source": None})
    assert refused.status_code == 422, refused.text
    assert refused.headers["content-type"] == "application/problem+json"


async def test_deliveries_are_counted_on_metrics_from_the_start(
    client_for: ClientMaker,
) -> None:
    async with client_for() as anonymous:
        text = (await anonymous.get("/metrics")).text
    for outcome in ("delivered", "retried", "failed"):
        assert f'incidents_webhook_deliveries_total{{outcome="{outcome}"}} 0.0' in text


def _fast(database_url: str, **more: Any) -> Settings:
    """Settings whose webhook retries come within a fraction of a second."""
    return Settings(
        database_url=database_url,
        webhook_first_retry=timedelta(milliseconds=50),
        webhook_longest_retry=timedelta(milliseconds=200),
        _env_file=None,
        **more,
    )


async def _admin_secret(app: FastAPI) -> str:
    issued = await access.issue_key(
        app.state.runtime, actor=Actor.system("tests"), name="admin", role=Role.ADMIN
    )
    return issued.secret


def _client(app: FastAPI, secret: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers={"Authorization": f"Bearer {secret}"},
    )


async def test_failures_an_outage_and_a_restart_lose_and_double_nothing(
    database_url: str, receiver: Receiver
) -> None:
    receiver.failures = 3
    first = create_app(_fast(database_url))
    secret = await _admin_secret(first)
    async with _client(first, secret) as http:
        made = await subscribe(http, f"{receiver.url}/ops")
        incident = await report(http, "Payments slow")
        path = f"{URL}/{incident['id']}"
        await http.patch(path, json={"status": "in_progress"})
        # Three refusals of the first, retried with backoff; the second waits its turn.
        await deliver_until(first, lambda: len(receiver.got) >= 4)
        assert [r.status for r in receiver.got[:3]] == [500, 500, 500]
        assert {r.headers["webhook-id"] for r in receiver.got[:4]} == {
            receiver.got[0].headers["webhook-id"]
        }
        await receiver.stop()  # gone for a while: connections refused
        await http.patch(path, json={"note": "failing over"})
        for _ in range(5):
            await first.state.webhook_sender.deliver_due()
            await asyncio.sleep(0.05)
        metrics = (await http.get("/metrics")).text
        assert 'incidents_webhook_deliveries_total{outcome="retried"} 0.0' not in metrics
    await first.state.runtime.close()

    # The registry restarts (a new app on the same database); the receiver comes back.
    await receiver.start()
    second = create_app(_fast(database_url))
    try:
        async with _client(second, secret) as http:
            await http.patch(path, json={"status": "resolved"})
            await deliver_until(second, lambda: len(receiver.acknowledged()) == 4)
            for _ in range(3):
                await second.state.webhook_sender.deliver_due()
            final = (await http.get(path)).json()
            assert await webhooks.pending_deliveries(second.state.runtime) == 0
    finally:
        await second.state.runtime.close()

    taken = receiver.acknowledged()
    assert len(taken) == 4
    assert len({r.headers["webhook-id"] for r in taken}) == 4
    assert [r.incident["version"] for r in taken] == [1, 2, 3, 4]
    assert taken[-1].incident == final
    assert all(verify(made["secret"], r.headers, r.body) for r in receiver.got)
    # The reference library agrees (it checks the timestamp against this machine's clock).
    for r in taken:
        assert Webhook(made["secret"]).verify(r.body, r.headers) == r.document


async def test_a_delivery_never_taken_is_parked_and_can_be_sent_again(
    database_url: str, receiver: Receiver
) -> None:
    receiver.failures = 1_000
    app = create_app(_fast(database_url, webhook_give_up_after=timedelta(milliseconds=300)))
    runtime = app.state.runtime
    try:
        async with _client(app, await _admin_secret(app)) as http:
            await subscribe(http, receiver.url)
            first = await report(http, "never taken")
            await http.patch(f"{URL}/{first['id']}", json={"status": "in_progress"})

            async def parked() -> int:
                return len(await webhooks.parked_deliveries(runtime))

            deadline = time.monotonic() + 15
            while await parked() < 2:
                assert time.monotonic() < deadline
                await app.state.webhook_sender.deliver_due()
                await asyncio.sleep(0.05)
            metrics = (await http.get("/metrics")).text
            assert 'incidents_webhook_deliveries_total{outcome="failed"} 2.0' in metrics
            listed = await webhooks.parked_deliveries(runtime)
            assert [p.incident_id for p in listed] == [first["id"]] * 2
            assert listed[0].last_error == "HTTP 500"

            receiver.failures = 0
            for parked_one in listed:
                await webhooks.requeue_delivery(runtime, parked_one.id)
            await deliver_until(app, lambda: len(receiver.acknowledged()) == 2)
            assert [r.incident["version"] for r in receiver.acknowledged()] == [1, 2]
            assert await parked() == 0
    finally:
        await runtime.close()


async def test_monitoring_in_bulk_queues_one_delivery_per_alert(
    app: FastAPI, client_for: ClientMaker, make_key: KeyMaker, receiver: Receiver
) -> None:
    async with client_for(await make_key("admin")) as admin:
        await subscribe(admin, receiver.url, Source.MONITORING.value)
        alerts = [
            {
                "status": "firing",
                "labels": {"alertname": f"Down{n}", "instance": f"host{n}"},
                "annotations": {"summary": f"host{n} down"},
                "startsAt": "2026-11-23T09:00:00Z",
                "fingerprint": f"f{n}",
            }
            for n in range(5)
        ]
        body = {
            "version": "4",
            "status": "firing",
            "receiver": "incidents",
            "groupKey": "{}:{}",
            "groupLabels": {},
            "commonLabels": {},
            "commonAnnotations": {},
            "externalURL": "http://alertmanager:9093",
            "alerts": alerts,
        }
        sent = await admin.post("/api/v1/integrations/alertmanager", json=body)
        assert sent.status_code == 200, sent.text
        for alert in alerts:
            alert["status"] = "resolved"
        body["status"] = "resolved"
        sent = await admin.post("/api/v1/integrations/alertmanager", json=body)
        assert sent.status_code == 200, sent.text

    await deliver_until(app, lambda: len(receiver.acknowledged()) == 10)
    ids = {r.incident["id"] for r in receiver.acknowledged()}
    assert len(ids) == 5
    for incident_id in ids:
        mine = by_incident(receiver.acknowledged(), incident_id)
        assert [r.document["type"] for r in mine] == ["incident.created", "incident.changed"]
        assert mine[-1].incident["status"] == "resolved"


async def test_a_silent_heartbeat_and_its_check_in_are_delivered(
    app: FastAPI,
    client_for: ClientMaker,
    make_key: KeyMaker,
    receiver: Receiver,
    clock: TickingClock,
) -> None:
    async with (
        client_for(await make_key("admin")) as admin,
        client_for(await make_key("reporter", source="monitoring")) as probe,
    ):
        made = await subscribe(admin, receiver.url, "monitoring")
        await probe.post("/api/v1/heartbeats/backup", json={"timeout_seconds": 60})
        clock.advance(timedelta(seconds=61))
        [opened] = await check_heartbeats(app.state.runtime)
        await probe.post("/api/v1/heartbeats/backup")
        final = (await probe.get(f"{URL}/{opened.id}")).json()

    await deliver_until(app, lambda: len(receiver.acknowledged()) == 2)
    got = receiver.acknowledged()
    assert [[e["kind"] for e in r.document["data"]["events"]] for r in got] == [
        ["created"],
        ["resolved"],
    ]
    assert got[-1].incident == final
    assert all(verify(made["secret"], r.headers, r.body) for r in got)


async def test_two_server_processes_send_each_delivery_once_in_order(
    database_url: str, receiver: Receiver
) -> None:
    one, other = create_app(_fast(database_url)), create_app(_fast(database_url))
    try:
        async with _client(one, await _admin_secret(one)) as http:
            await subscribe(http, receiver.url)
            for n in range(6):
                made = await report(http, f"Kiosk {n} offline")
                for change in ({"status": "in_progress"}, {"note": "on site"}):
                    await http.patch(f"{URL}/{made['id']}", json=change)

        async def drain(app: FastAPI) -> None:
            await deliver_until(app, lambda: len(receiver.acknowledged()) >= 18)

        await asyncio.gather(drain(one), drain(other))
    finally:
        await one.state.runtime.close()
        await other.state.runtime.close()

    taken = receiver.acknowledged()
    assert len(taken) == 18
    assert len({r.headers["webhook-id"] for r in taken}) == 18
    for incident_id in {r.incident["id"] for r in taken}:
        assert [r.incident["version"] for r in by_incident(taken, incident_id)] == [1, 2, 3]


async def test_a_database_that_does_not_answer_is_said_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    gone = Settings(
        database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none",
        db_connect_timeout_seconds=1,
        _env_file=None,
    )
    app = create_app(gone)
    try:
        with caplog.at_level(logging.INFO, logger="incidents.service.webhook_sender"):
            for _ in range(3):
                assert await app.state.webhook_sender.deliver_due() == 0
    finally:
        await app.state.runtime.close()
    said = [r.getMessage() for r in caplog.records if r.name.endswith("webhook_sender")]
    assert said == ["webhook deliveries wait: the database does not answer"]
