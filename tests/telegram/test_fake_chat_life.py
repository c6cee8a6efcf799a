"""The fake Bot API answers what happens to chats as Telegram does: an upgraded group's old id
on every method, flood control, a kicked bot, the updates that tell of them."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from tests.telegram.fake_bot_api import TOKEN, FakeBotAPI

OLD, NEW = -4001, -1004001234567


async def _call(api: FakeBotAPI, method: str, **params: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        form = {k: json.dumps(v) if isinstance(v, dict) else str(v) for k, v in params.items()}
        return await client.post(f"/bot{TOKEN}/{method}", data=form)


async def test_every_method_for_an_upgraded_group_names_its_new_id() -> None:
    api = FakeBotAPI()
    await api.upgrade(OLD, NEW)
    kinds = [next(key for key in u["message"] if key.startswith("migrate")) for u in api.updates]
    assert kinds == ["migrate_to_chat_id", "migrate_from_chat_id"]
    for method, extra in (
        ("sendMessage", {"text": "hi"}),
        ("editMessageText", {"text": "hi", "message_id": 1}),
        ("deleteMessage", {"message_id": 1}),
        ("sendChatAction", {"action": "typing"}),
    ):
        answer = await _call(api, method, chat_id=OLD, **extra)
        assert answer.status_code == 400
        body = answer.json()
        assert body["description"] == "Bad Request: group chat was upgraded to a supergroup chat"
        assert body["parameters"] == {"migrate_to_chat_id": NEW}
    assert (await _call(api, "sendMessage", chat_id=NEW, text="hi")).status_code == 200


async def test_flood_control_answers_429_until_retry_after_has_passed() -> None:
    api = FakeBotAPI()
    api.flood(NEW, retry_after=1)
    first = await _call(api, "sendMessage", chat_id=NEW, text="one")
    assert first.status_code == 429
    assert first.json()["parameters"] == {"retry_after": 1}
    early = await _call(api, "sendMessage", chat_id=NEW, text="two")
    assert early.status_code == 429
    assert len(api.flood_violations) == 1
    await asyncio.sleep(1.05)
    assert (await _call(api, "sendMessage", chat_id=NEW, text="three")).status_code == 200


async def test_a_kicked_bot_is_told_and_refused_until_added_again() -> None:
    api = FakeBotAPI()
    await api.kick(NEW)
    [update] = api.updates
    assert update["my_chat_member"]["new_chat_member"]["status"] == "kicked"
    refused = await _call(api, "sendMessage", chat_id=NEW, text="hi")
    assert refused.status_code == 403
    assert refused.json()["description"] == "Forbidden: bot was kicked from the supergroup chat"
    await api.add_back(NEW)
    assert api.updates[-1]["my_chat_member"]["new_chat_member"]["status"] == "member"
    assert (await _call(api, "sendMessage", chat_id=NEW, text="hi")).status_code == 200
