"""Replies sent the instant the bot's message appears, before the bot hears back its id."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import httpx

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.service import access
from tests.conftest import TickingClock
from tests.telegram.conftest import NOTIFY, OPS, Chats, telegram_settings
from tests.telegram.fake_bot_api import BOT_USER, Call, FakeBotAPI


def _reply_at_once(chats: Chats, text: str, *, containing: str) -> None:
    """Make someone reply `text` to the first message containing `containing` as it appears."""
    replied: list[int] = []

    async def reply(call: Call) -> None:
        if replied or containing not in call.text:
            return
        replied.append(call.message_id)
        chat = call.result["chat"]
        shown = {
            "message_id": call.message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT_USER,
            "text": call.result["text"],
        }
        await chats.api.push(chats.message(chat["id"], text, reply_to_message=shown))

    chats.api.at_once.append(reply)
    chats.api.answer_late = 0.5


async def _description_becomes(chats: Chats, incident_id: int, wanted: str) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = (await chats.http.get(f"/api/v1/incidents/{incident_id}")).json()["description"]
        if got == wanted:
            return
        await chats.notices_settled()
    raise AssertionError(f"description is {got!r}, not {wanted!r}")


async def test_a_reply_to_a_notice_the_instant_it_appears_is_a_note(chats: Chats) -> None:
    await chats.say(OPS, "[operator] Kiosk 9 frozen")
    [incident] = await chats.incidents()
    _reply_at_once(chats, "On my way", containing="in progress")
    patch = {"status": "in_progress"}
    await chats.http.patch(f"/api/v1/incidents/{incident['id']}", json=patch)

    await _description_becomes(chats, incident["id"], "Kiosk 9 frozen\nOn my way")
    await _answered_in(chats, OPS)


async def _answered_in(chats: Chats, chat_id: int) -> None:
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        notes = [c for c in chats.api.sent() if "Note added" in c.text]
        if notes:
            assert [int(c.params["chat_id"]) for c in notes] == [chat_id]
            return
        await chats.notices_settled()
    raise AssertionError("the note was not answered")


async def test_a_reply_to_an_announcement_the_instant_it_appears_is_a_note(chats: Chats) -> None:
    _reply_at_once(chats, "Looking", containing="New incident")
    body = {"description": "Payment gateway answers 502", "source": "monitoring"}
    created = (await chats.http.post("/api/v1/incidents", json=body)).json()

    await _description_becomes(chats, created["id"], "Payment gateway answers 502\nLooking")
    await _answered_in(chats, NOTIFY)


async def test_in_webhook_mode_a_reply_the_instant_a_notice_appears_is_a_note(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    fake_api.reset()
    secret = "webhook-secret-for-quick-replies"
    settings = telegram_settings(
        database_url,
        fake_api.url,
        telegram_webhook_url="https://incidents.example.org/hooks/telegram",
        telegram_webhook_secret=secret,
    )
    app = create_app(settings, clock=clock)
    runtime = app.state.runtime
    key = await access.issue_key(
        runtime, actor=Actor.system("tests"), name="api-operator", role=Role.OPERATOR
    )
    hook = {"X-Telegram-Bot-Api-Secret-Token": secret}
    transport = httpx.ASGITransport(app=app)
    update_ids = itertools.count(1)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=transport,
            base_url="http://testserver",
            headers={"Authorization": f"Bearer {key.secret}"},
        ) as http,
    ):
        await fake_api.wait_for("setWebhook")
        chats = Chats(fake_api, http, runtime)

        async def feed(update: dict[str, Any]) -> None:
            update["update_id"] = next(update_ids)
            answered = await http.post("/hooks/telegram", json=update, headers=hook)
            assert answered.status_code == 200

        await feed(chats.message(OPS, "[operator] Kiosk 9 frozen"))
        [incident] = await chats.incidents()
        feeding: list[asyncio.Task[None]] = []

        async def reply(call: Call) -> None:
            if feeding or "in progress" not in call.text:
                return
            shown = {**chats.replying_to(call), "chat": call.result["chat"]}
            said = chats.message(OPS, "On my way", reply_to_message=shown)
            feeding.append(asyncio.create_task(feed(said)))

        fake_api.at_once.append(reply)
        fake_api.answer_late = 0.5
        patch = {"status": "in_progress"}
        assert (await http.patch(f"/api/v1/incidents/{incident['id']}", json=patch)).is_success

        await _description_becomes(chats, incident["id"], "Kiosk 9 frozen\nOn my way")
        await asyncio.gather(*feeding)
        await _answered_in(chats, OPS)
    await runtime.close()
