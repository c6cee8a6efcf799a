"""What happens to chats themselves, as Telegram does it: a group upgraded to a supergroup
(told by a service message, or only by a 400 answer), flood control, the bot kicked and
added again."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import timedelta
from typing import Any

import httpx
import pytest

from incidents.app import create_app
from incidents.service.chat_changes import chat_state
from incidents.service.outbox import pending_notices
from tests.conftest import TickingClock
from tests.telegram.conftest import NOTIFY, OPS, PARTNERS, Chats, eventually, telegram_settings
from tests.telegram.fake_bot_api import Call, FakeBotAPI, plain

OLD = -4001234  # a basic group, before its upgrade
NEW = -1004001234  # the supergroup it becomes
GROUP = {"id": OLD, "type": "group", "title": "field team"}


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    return {"telegram_chats": f"{OPS},{PARTNERS}:partner,{OLD}:partner"}


async def settle(chats: Chats, clock: TickingClock, *, step: float = 3.0) -> None:
    """Every notice out (or parked), time moving past each backoff."""
    for _ in range(400):
        if not await pending_notices(chats.runtime):
            return
        clock.advance(timedelta(seconds=step))
        await asyncio.sleep(0.03)
    raise AssertionError("notices still pending")


def to_chat(calls: list[Call], chat_id: int) -> list[Call]:
    return [c for c in calls if c.method == "sendMessage" and int(c.params["chat_id"]) == chat_id]


async def report_in_old_group(chats: Chats, text: str) -> int:
    """A report in the group before its upgrade; the incident's id."""
    await chats.deliver(chats.message(OLD, text, chat=GROUP))
    [incident] = [i for i in await chats.incidents() if i["description"] in text]
    return int(incident["id"])


async def test_an_upgraded_group_is_followed_from_its_service_message(
    chats: Chats, clock: TickingClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="incidents.telegram")
    incident_id = await report_in_old_group(chats, "[partner] Router in van 3 down")
    await chats.api.upgrade(OLD, NEW)

    async def moved() -> bool:
        return (await chat_state(chats.runtime)).moves == {OLD: NEW}

    await eventually(moved)
    mark = len(chats.api.calls)
    await chats.http.patch(f"/api/v1/incidents/{incident_id}", json={"status": "in_progress"})
    await settle(chats, clock)
    [notice] = to_chat(chats.api.calls[mark:], NEW)
    assert f"Incident #{incident_id}: new → in progress" in plain(notice.text)
    assert not to_chat(chats.api.calls[mark:], OLD)

    card = await chats.say(NEW, "/new Scanner at gate 2 dead")  # admitted as the old group
    assert "Scanner at gate 2 dead" in plain(card.text)
    [reported] = [i for i in await chats.incidents() if "Scanner" in i["description"]]
    assert reported["source"] == "partner"  # the old group's source
    warnings = [r for r in caplog.records if "INCIDENTS_TELEGRAM_CHATS" in r.getMessage()]
    assert len(warnings) == 1


async def test_an_upgrade_learned_from_a_400_loses_and_doubles_nothing(
    chats: Chats, clock: TickingClock
) -> None:
    incident_id = await report_in_old_group(chats, "[partner] Printer at desk 4 jammed")
    await chats.api.upgrade(OLD, NEW, tell=False)  # as if the service message were missed
    mark = len(chats.api.calls)
    for step in (
        {"status": "in_progress"},
        {"description_append": "Paper"},
        {"status": "resolved"},
    ):
        response = await chats.http.patch(f"/api/v1/incidents/{incident_id}", json=step)
        assert response.status_code == 200
    await settle(chats, clock)

    refused = to_chat(chats.api.calls[mark:], OLD)
    assert [c.ok for c in refused] == [False]  # one call to the old id, then never again
    told = [plain(c.text) for c in to_chat(chats.api.calls[mark:], NEW) if c.ok]
    assert [t.split(" · ")[0] for t in told] == [
        f"Incident #{incident_id}: new → in progress",
        f"Incident #{incident_id}: note added",
        f"Incident #{incident_id}: in progress → resolved",
    ]
    # Any process knows it from the database: messages in the new chat are served.
    card = await chats.say(NEW, "/new Badge reader at door 1 offline")
    assert "Badge reader" in plain(card.text)


async def test_flood_control_is_obeyed_in_order(chats: Chats, clock: TickingClock) -> None:
    chats.api.flood(NOTIFY, retry_after=1)
    mark = len(chats.api.calls)
    for n in range(3):
        created = await chats.http.post(
            "/api/v1/incidents", json={"description": f"Sensor {n} silent", "source": "partner"}
        )
        assert created.status_code == 201
    await settle(chats, clock, step=1.0)

    calls = to_chat(chats.api.calls[mark:], NOTIFY)
    assert not calls[0].ok
    assert calls[1].at - calls[0].at >= 1.0  # retry_after waited, not the 2 s backoff alone
    told = [plain(c.text) for c in calls if c.ok]
    assert [t.split("\n")[-1] for t in told] == [f"Sensor {n} silent" for n in range(3)]
    assert chats.api.flood_violations == []


@pytest.mark.parametrize("bot_settings", [{"telegram_group_rate": "4/second"}])
async def test_a_group_gets_no_more_than_its_rate(chats: Chats, clock: TickingClock) -> None:
    mark = len(chats.api.calls)
    for n in range(10):
        await chats.http.post(
            "/api/v1/incidents", json={"description": f"Meter {n} silent", "source": "partner"}
        )
    await settle(chats, clock, step=0.5)
    calls = [c for c in to_chat(chats.api.calls[mark:], NOTIFY) if c.ok]
    assert len(calls) == 10
    # A burst of 4, then one every quarter second.
    assert calls[-1].at - calls[0].at >= 6 * 0.25 * 0.9


async def test_a_kicked_bot_parks_the_chats_notices_and_works_again_when_added(
    chats: Chats, clock: TickingClock
) -> None:
    await chats.deliver(chats.message(OPS, "[operator] Conveyor 2 stopped"))
    [incident] = await chats.incidents()
    url = f"/api/v1/incidents/{incident['id']}"
    await chats.api.kick(OPS)

    async def absent() -> bool:
        return OPS in (await chat_state(chats.runtime)).absent

    await eventually(absent)
    mark = len(chats.api.calls)
    await chats.http.patch(url, json={"status": "in_progress"})
    await settle(chats, clock)
    assert not to_chat(chats.api.calls[mark:], OPS)  # parked, never tried
    metrics = (await chats.http.get("/metrics")).text
    assert 'incidents_notifications_failed_total{reason="left_chat"} 1.0' in metrics

    await chats.api.add_back(OPS)

    async def present() -> bool:
        return OPS not in (await chat_state(chats.runtime)).absent

    await eventually(present)
    await chats.http.patch(url, json={"status": "resolved"})
    await settle(chats, clock)
    [told] = to_chat(chats.api.calls[mark:], OPS)
    assert told.ok
    assert "in progress → resolved" in plain(told.text)
    assert "my_chat_member" in chats.api.allowed


async def test_a_403_after_a_kick_parks_the_chat_without_its_update(
    chats: Chats, clock: TickingClock
) -> None:
    await chats.deliver(chats.message(OPS, "[operator] Lift 3 stuck"))
    [incident] = await chats.incidents()
    chats.api.kicked.add(OPS)  # the my_chat_member update was lost
    mark = len(chats.api.calls)
    for step in ({"status": "in_progress"}, {"status": "resolved"}):
        await chats.http.patch(f"/api/v1/incidents/{incident['id']}", json=step)
    await settle(chats, clock)
    assert [c.ok for c in to_chat(chats.api.calls[mark:], OPS)] == [False]
    assert OPS in (await chat_state(chats.runtime)).absent


async def test_the_webhook_asks_for_and_takes_my_chat_member(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    secret = "webhook-secret-for-members"
    settings = telegram_settings(
        database_url,
        fake_api.url,
        telegram_webhook_url="https://incidents.example.org/hooks/telegram",
        telegram_webhook_secret=secret,
    )
    app = create_app(settings, clock=clock)
    runtime = app.state.runtime
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://testserver") as client,
    ):
        registered = await fake_api.wait_for("setWebhook")
        assert "my_chat_member" in registered.params["allowed_updates"]
        for n, (before, after) in enumerate((("member", "kicked"), ("left", "member"))):
            update = _membership_update(PARTNERS, before, after, update_id=n + 1)
            answered = await client.post("/hooks/telegram", json=update, headers=headers)
            assert answered.status_code == 200
            absent = PARTNERS in (await chat_state(runtime)).absent
            assert absent == (after == "kicked")
        upgrade = {
            "update_id": 3,
            "message": {
                "message_id": 77,
                "date": int(time.time()),
                "chat": {"id": PARTNERS, "type": "group", "title": "partners"},
                "from": {"id": 111, "is_bot": False, "first_name": "Anna"},
                "migrate_to_chat_id": NEW,
            },
        }
        assert (await client.post("/hooks/telegram", json=upgrade, headers=headers)).is_success
        assert (await chat_state(runtime)).moves == {PARTNERS: NEW}


def _membership_update(chat_id: int, before: str, after: str, *, update_id: int) -> dict[str, Any]:
    bot = {"id": 424242, "is_bot": True, "first_name": "Incidents", "username": "incidents_bot"}
    new = {"status": after, "user": bot, **({"until_date": 0} if after == "kicked" else {})}
    return {
        "update_id": update_id,
        "my_chat_member": {
            "chat": {"id": chat_id, "type": "supergroup", "title": "partners"},
            "from": {"id": 111, "is_bot": False, "first_name": "Anna"},
            "date": int(time.time()),
            "old_chat_member": {"status": before, "user": bot},
            "new_chat_member": new,
        },
    }


async def test_the_announcement_chat_upgraded_gets_its_announcements(
    chats: Chats, clock: TickingClock
) -> None:
    new_notify = -1005550000001
    await chats.api.upgrade(NOTIFY, new_notify, tell=False)
    mark = len(chats.api.calls)
    created = await chats.http.post(
        "/api/v1/incidents", json={"description": "Gate 9 sensor silent", "source": "partner"}
    )
    await chats.http.patch(created.headers["Location"], json={"status": "in_progress"})
    await settle(chats, clock)
    assert [c.ok for c in to_chat(chats.api.calls[mark:], NOTIFY)] == [False]
    announcement, notice = to_chat(chats.api.calls[mark:], new_notify)
    assert plain(announcement.text).startswith(f"New incident #{created.json()['id']}")
    assert notice.params["reply_parameters"]["message_id"] == announcement.message_id
    # Its buttons work there: the new id is served as the old one was.
    answered = await chats.press(announcement, "Take")
    assert "not connected" not in answered.params.get("text", "")


async def test_an_answer_waits_out_flood_control_too(chats: Chats, clock: TickingClock) -> None:
    chats.api.flood(OPS, retry_after=1)
    mark = len(chats.api.calls)
    first = await chats.api.push(chats.message(OPS, "/help"))
    await chats.api.wait_for("sendMessage", after=mark, ok=False)
    await chats.api.push(chats.message(OPS, "/help"))
    await settle(chats, clock, step=1.0)
    await eventually(lambda: _answers(chats, mark, 2))
    calls = to_chat(chats.api.calls[mark:], OPS)
    assert [c.ok for c in calls] == [False, True, True]
    assert calls[1].at - calls[0].at >= 1.0
    assert calls[1].replies_to(first["message"]["message_id"])  # in the order asked
    assert chats.api.flood_violations == []


async def _answers(chats: Chats, mark: int, count: int) -> bool:
    await asyncio.sleep(0)
    return len([c for c in to_chat(chats.api.calls[mark:], OPS) if c.ok]) >= count
