"""Change notices wait for the message they reply to, tell their own change, and keep order."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta

import httpx

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.domain.actors import ActorId
from incidents.service import incidents
from incidents.service.outbox import pending_notices
from tests.conftest import TickingClock
from tests.telegram.conftest import NOTIFY, OPS, PARTNERS, Chats, telegram_settings
from tests.telegram.fake_bot_api import Call, FakeBotAPI, plain

NOTICE = re.compile(r"^Incident #(\d+): (.+?) · ")


def notices(calls: list[Call], chat_id: int, incident_id: int) -> list[str]:
    """What each change notice about `incident_id` in `chat_id` said had happened, in order."""
    told = []
    for call in calls:
        if call.method != "sendMessage" or not call.ok or int(call.params["chat_id"]) != chat_id:
            continue
        match = NOTICE.match(plain(call.text))
        if match is not None and int(match.group(1)) == incident_id:
            told.append(match.group(2))
    return told


async def _recover(chats: Chats, clock: TickingClock) -> None:
    """End an outage and let every notice out (time moves past each backoff)."""
    chats.api.failing = False
    for _ in range(200):
        if not await pending_notices(chats.runtime):
            return
        clock.advance(timedelta(seconds=10))
        await asyncio.sleep(0.05)
    raise AssertionError("notices still pending after the outage")


async def test_a_change_waits_for_the_announcement_it_replies_to(
    chats: Chats, clock: TickingClock
) -> None:
    chats.api.failing = True
    mark = len(chats.api.calls)
    created = await chats.http.post(
        "/api/v1/incidents", json={"description": "Kiosk 4 offline", "source": "partner"}
    )
    await chats.api.wait_for("sendMessage", after=mark, ok=False)
    clock.advance(timedelta(seconds=1.5))
    await chats.http.patch(created.headers["Location"], json={"status": "in_progress"})
    await _recover(chats, clock)

    announcement, notice = [c for c in chats.api.sent() if int(c.params["chat_id"]) == NOTIFY]
    assert plain(announcement.text).startswith(f"New incident #{created.json()['id']} · new")
    assert "new → in progress" in plain(notice.text)
    assert notice.params["reply_parameters"]["message_id"] == announcement.message_id


async def test_a_change_right_after_creation_replies_to_the_announcement(chats: Chats) -> None:
    created = await chats.http.post(
        "/api/v1/incidents", json={"description": "Payment terminal 2 down", "source": "partner"}
    )
    await chats.http.patch(created.headers["Location"], json={"status": "in_progress"})
    await chats.notices_settled()
    announcement, notice = chats.api.sent()
    assert plain(announcement.text).startswith("New incident")
    assert "new · " not in plain(notice.text)
    assert notice.params["reply_parameters"]["message_id"] == announcement.message_id


async def test_notices_after_an_outage_tell_each_change_in_order(
    chats: Chats, clock: TickingClock
) -> None:
    report = chats.message(PARTNERS, "[partner] Report for March did not upload")
    await chats.deliver(report)
    created = await chats.http.post(
        "/api/v1/incidents", json={"description": "db-1 disk full", "source": "monitoring"}
    )
    await chats.notices_settled()
    ids = [i["id"] for i in await chats.incidents()]

    chats.api.failing = True
    steps = [
        {"status": "in_progress"},
        {"description_append": "Looking into it"},
        {"status": "resolved"},
        {"status": "in_progress", "description_append": "Back again"},
        {"status": "resolved"},
        {"status": "closed"},
    ]
    for step in steps:
        for incident_id in ids:
            response = await chats.http.patch(f"/api/v1/incidents/{incident_id}", json=step)
            assert response.status_code == 200
            clock.advance(timedelta(seconds=3))
        await asyncio.sleep(0.05)  # let the sender try (and fail) while changes pile up
    await _recover(chats, clock)

    told = [
        "new → in progress",
        "note added",
        "in progress → resolved",
        "resolved → in progress",
        "in progress → resolved",
        "resolved → closed",
    ]
    reported_id, api_id = sorted(ids)
    assert notices(chats.api.calls, PARTNERS, reported_id) == told
    assert notices(chats.api.calls, NOTIFY, api_id) == told
    assert notices(chats.api.calls, OPS, reported_id) == []
    first = next(c for c in chats.api.sent() if NOTICE.match(plain(c.text)))
    assert first.buttons == ["Resolve", "False alarm"]  # as it was then, not closed as now
    assert created.status_code == 201


async def test_a_webhook_update_is_recorded_while_telegram_fails(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    secret = "webhook-secret-for-outage"
    settings = telegram_settings(
        database_url,
        fake_api.url,
        telegram_webhook_url="https://incidents.example.org/hooks/telegram",
        telegram_webhook_secret=secret,
    )
    app = create_app(settings, clock=clock)
    chats = Chats(fake_api, httpx.AsyncClient(), app.state.runtime)
    update = chats.message(OPS, "[operator] Scooter #48 stuck at point 2")
    update["update_id"] = 1
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        await fake_api.wait_for("setWebhook")
        fake_api.failing = True
        for _ in range(2):  # Telegram retries what was not answered 200; here it need not
            answered = await client.post("/hooks/telegram", json=update, headers=headers)
            assert answered.status_code == 200
        fake_api.failing = False
        clock.advance(timedelta(seconds=10))
        card = await fake_api.wait_for("sendMessage", replying_to=update["message"]["message_id"])
        assert "Scooter #48 stuck at point 2" in plain(card.text)
        await chats.notices_settled()
        cards = [c for c in fake_api.sent() if "Scooter #48" in c.text]
        assert len(cards) == 1  # answered once, however often delivered
        reader = Actor(who=ActorId.system("tests"), role=Role.REPORTER)
        page = await incidents.list_incidents(app.state.runtime, actor=reader, limit=10)
        assert [i.description for i in page.items] == ["Scooter #48 stuck at point 2"]
    await chats.http.aclose()
