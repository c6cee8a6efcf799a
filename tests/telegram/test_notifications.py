"""Changes made elsewhere reach the chats through the outbox: none lost, none doubled."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from incidents.service.outbox import pending_notices
from incidents.telegram.bot import TelegramDoor
from tests.conftest import TickingClock
from tests.telegram.conftest import NOTIFY, OPS, Chats, telegram_settings
from tests.telegram.fake_bot_api import plain


async def test_a_change_elsewhere_is_told_on_the_original_message(chats: Chats) -> None:
    report = chats.message(OPS, "[partner] Locker 9 jammed")
    reported_id = report["message"]["message_id"]
    mark = len(chats.api.calls)
    await chats.api.push(report)
    await chats.api.wait_for("sendMessage", after=mark)
    [incident] = await chats.incidents()

    mark = len(chats.api.calls)
    await chats.http.patch(
        f"/api/v1/incidents/{incident['id']}",
        json={"status": "in_progress", "description_append": "Technician assigned"},
    )
    told = await chats.api.wait_for("sendMessage", after=mark)

    assert int(told.params["chat_id"]) == OPS
    assert told.params["reply_parameters"]["message_id"] == reported_id
    text = plain(told.text)
    assert f"Incident #{incident['id']}: new → in progress" in text
    assert "key:api-operator" in text
    assert "Technician assigned" in text
    assert told.buttons == ["Resolve", "False alarm"]


async def test_changes_made_in_the_chat_are_not_echoed(chats: Chats) -> None:
    await chats.say(OPS, "/new Scooter #1")
    [incident] = await chats.incidents()
    await chats.say(OPS, f"/take {incident['id']}")
    assert await pending_notices(chats.runtime) == 0
    await asyncio.sleep(0.2)
    assert len(chats.api.sent()) == 2


async def test_incidents_from_elsewhere_are_announced_and_followed(chats: Chats) -> None:
    mark = len(chats.api.calls)
    created = await chats.http.post(
        "/api/v1/incidents", json={"description": "CPU <100%> on db-1", "source": "monitoring"}
    )
    announced = await chats.api.wait_for("sendMessage", after=mark)
    assert int(announced.params["chat_id"]) == NOTIFY
    assert plain(announced.text).startswith(f"New incident #{created.json()['id']} · new")
    assert "CPU &lt;100%&gt; on db-1" in announced.text
    assert announced.buttons == ["Take", "False alarm"]

    mark = len(chats.api.calls)
    await chats.http.patch(created.headers["Location"], json={"status": "in_progress"})
    followed = await chats.api.wait_for("sendMessage", after=mark)
    assert int(followed.params["chat_id"]) == NOTIFY
    assert followed.params["reply_parameters"]["message_id"] == announced.message_id

    taken = await chats.press(followed, "Resolve")
    assert taken.params["text"] == "Done."


async def test_an_outage_loses_nothing_and_doubles_nothing(
    chats: Chats, clock: TickingClock, database_url: str
) -> None:
    chats.api.failing = True
    mark = len(chats.api.calls)
    bodies = [{"description": f"Report {n} did not upload", "source": "partner"} for n in range(3)]
    for body in bodies:
        assert (await chats.http.post("/api/v1/incidents", json=body)).status_code == 201
    await chats.api.wait_for("sendMessage", after=mark, ok=False)
    await asyncio.sleep(0.3)  # more rounds: all still backing off
    assert await pending_notices(chats.runtime) == 3
    assert chats.api.sent() == []

    chats.api.failing = False
    clock.advance(timedelta(seconds=5))  # past the backoff, well inside a lease
    for _ in range(3):
        await chats.api.wait_for("sendMessage", after=mark)
        mark = len(chats.api.calls)
    await asyncio.sleep(0.3)
    announced = sorted(plain(call.text).split("\n")[-1] for call in chats.api.sent())
    assert announced == sorted(body["description"] for body in bodies)
    assert await pending_notices(chats.runtime) == 0

    # A restarted sender finds nothing left to send.
    settings = telegram_settings(database_url, chats.api.url)
    restarted = TelegramDoor(settings, chats.runtime, sender_interval=0.05)
    await restarted.start_sender()
    await asyncio.sleep(0.3)
    await restarted.stop_sender()
    await restarted.bot.session.close()
    assert len(chats.api.sent()) == 3


async def test_two_senders_never_send_one_notification_twice(
    chats: Chats, database_url: str
) -> None:
    settings = telegram_settings(database_url, chats.api.url)
    second = TelegramDoor(settings, chats.runtime, sender_interval=0.01)
    await second.start_sender()
    try:
        for n in range(10):
            await chats.http.post(
                "/api/v1/incidents", json={"description": f"burst {n}", "source": "monitoring"}
            )
        for _ in range(50):
            if await pending_notices(chats.runtime) == 0:
                break
            await asyncio.sleep(0.1)
    finally:
        await second.stop_sender()
        await second.bot.session.close()
    await asyncio.sleep(0.2)
    texts = [plain(call.text).split("\n")[-1] for call in chats.api.sent()]
    assert sorted(texts) == sorted(f"burst {n}" for n in range(10))


async def test_monitoring_alerts_are_announced_and_their_clearing_told(chats: Chats) -> None:
    alert = {"action": "trigger", "dedup_key": "scooter-42", "summary": "Scooter #42 offline"}
    mark = len(chats.api.calls)
    assert (await chats.http.post("/api/v1/events", json=alert)).status_code == 201
    announced = await chats.api.wait_for("sendMessage", after=mark)
    assert int(announced.params["chat_id"]) == NOTIFY
    assert "Scooter #42 offline" in plain(announced.text)

    await chats.http.post("/api/v1/events", json=alert)  # occurred again: no message
    mark = len(chats.api.calls)
    cleared = {"action": "resolve", "dedup_key": "scooter-42"}
    assert (await chats.http.post("/api/v1/events", json=cleared)).status_code == 200
    told = await chats.api.wait_for("sendMessage", after=mark)
    assert told.params["reply_parameters"]["message_id"] == announced.message_id
    assert "new → resolved · system:events" in plain(told.text)
    assert len(chats.api.sent()) == 2
