"""The fake Bot API refuses what Telegram refuses, so the bot's tests mean something."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.telegram.fake_bot_api import TOKEN, FakeBotAPI, html_problem


@pytest.mark.parametrize(
    "text",
    [
        "<b>bold</b> &amp; <i>it<u>al</u></i> &lt;x&gt; &#128512;",
        '<a href="https://example.org/?a=1&amp;b=2">link</a> > fine',
    ],
)
def test_telegram_html_is_taken(text: str) -> None:
    assert html_problem(text) is None


@pytest.mark.parametrize(
    "text",
    ["<script>x</script>", "a < b", "fish & chips", "<b><i>x</b></i>", "<b>open", "x</b>"],
)
def test_malformed_html_is_refused(text: str) -> None:
    assert html_problem(text) is not None


async def _call(api: FakeBotAPI, method: str, **params: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=api.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://fake") as client:
        form = {
            k: json.dumps(v) if isinstance(v, dict | list) else str(v) for k, v in params.items()
        }
        return await client.post(f"/bot{TOKEN}/{method}", data=form)


async def test_the_fake_refuses_what_telegram_refuses() -> None:
    api = FakeBotAPI()
    chat = -100
    ok = await _call(api, "sendMessage", chat_id=chat, text="<b>hi</b>", parse_mode="HTML")
    assert ok.status_code == 200
    sent = ok.json()["result"]["message_id"]
    for params in (
        {"text": "<x>hi</x>", "parse_mode": "HTML"},
        {"text": "x" * 4097},
        {"text": "hi", "reply_parameters": {"message_id": sent + 50}},
        {"text": "hi", "reply_to_message_id": sent + 50},
    ):
        refused = await _call(api, "sendMessage", chat_id=chat, **params)
        assert refused.status_code == 400, params
        assert refused.json()["description"].startswith("Bad Request: ")
    without = {"message_id": sent + 50, "allow_sending_without_reply": True}
    assert (
        await _call(api, "sendMessage", chat_id=chat, text="hi", reply_parameters=without)
    ).is_success
    replied = await _call(api, "sendMessage", chat_id=chat, text="hi", reply_to_message_id=sent)
    assert replied.is_success
    assert (
        await _call(api, "sendMessage", chat_id=-200, text="hi", reply_to_message_id=sent)
    ).status_code == 400


async def test_a_callback_query_is_answered_once() -> None:
    api = FakeBotAPI()
    await api.push({"callback_query": {"id": "q1", "from": {}, "chat_instance": "1"}})
    assert (await _call(api, "answerCallbackQuery", callback_query_id="q1")).is_success
    second = await _call(api, "answerCallbackQuery", callback_query_id="q1")
    assert second.status_code == 400


async def test_an_outage_fails_every_method_with_an_html_page() -> None:
    api = FakeBotAPI()
    api.failing = True
    for method in ("getMe", "getUpdates", "sendMessage", "answerCallbackQuery"):
        failed = await _call(api, method, chat_id=1, text="x")
        assert failed.status_code == 502
        assert failed.headers["content-type"].startswith("text/html")


async def test_only_the_update_types_asked_for_are_delivered() -> None:
    api = FakeBotAPI()
    message = {"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "text": "x"}
    await api.push({"message": message})
    await api.push({"edited_message": {**message, "edit_date": 2}})
    got = await _call(api, "getUpdates", allowed_updates=["message"])
    assert [next(k for k in u if k != "update_id") for u in got.json()["result"]] == ["message"]
    assert len(api.dropped) == 1


async def test_the_fake_deletes_only_messages_that_exist_in_that_chat() -> None:
    api = FakeBotAPI()
    chat, other = -100, -200
    sent = (await _call(api, "sendMessage", chat_id=chat, text="hi")).json()["result"]
    message_id = sent["message_id"]
    for where, which in ((other, message_id), (chat, message_id + 1)):
        refused = await _call(api, "deleteMessage", chat_id=where, message_id=which)
        assert refused.status_code == 400
        assert refused.json()["description"] == "Bad Request: message to delete not found"
    assert (await _call(api, "deleteMessage", chat_id=chat, message_id=message_id)).is_success
    again = await _call(api, "deleteMessage", chat_id=chat, message_id=message_id)
    assert again.status_code == 400  # gone, so it can be neither deleted again nor edited
    edit = await _call(api, "editMessageText", chat_id=chat, message_id=message_id, text="x")
    assert edit.status_code == 400
