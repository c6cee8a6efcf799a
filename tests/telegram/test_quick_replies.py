"""Replies sent the instant the bot's message appears, before the bot hears back its id."""

from __future__ import annotations

import time

from tests.telegram.conftest import NOTIFY, OPS, Chats
from tests.telegram.fake_bot_api import BOT_USER, Call


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
