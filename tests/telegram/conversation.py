"""Chat members talking to the bot through the fake Bot API: needs nothing beyond `make run`'s
packages, so the demo in examples/ uses it as the tests do."""

from __future__ import annotations

import itertools
import time
from typing import Any

from tests.telegram.fake_bot_api import BOT_USER, Call, FakeBotAPI

OPS = -1001234567890  # default source: operator
PARTNERS = -1009876543210  # default source: partner
NOTIFY = -1005550000000
STRANGERS = -1000000000001  # not connected
ANNA: dict[str, Any] = {"id": 111, "is_bot": False, "first_name": "Anna", "username": "anna"}
BORIS: dict[str, Any] = {"id": 222, "is_bot": False, "first_name": "Boris"}
EVE: dict[str, Any] = {"id": 333, "is_bot": False, "first_name": "Eve", "username": "eve"}
# Callback query ids are unique across conversations, as Telegram's are: the fake Bot API
# refuses a second answer to one id.
_CALLBACK_IDS = itertools.count(1)


class Conversation:
    """Drives the bot as chat members would: messages and button presses."""

    def __init__(self, api: FakeBotAPI) -> None:
        self.api = api

    def message(
        self, chat_id: int, text: str, *, user: dict[str, Any] = ANNA, **extra: Any
    ) -> dict[str, Any]:
        """An update carrying a message `user` wrote in `chat_id`."""
        message_id = self.api.next_message_id(chat_id)
        chat_type = "private" if chat_id > 0 else "supergroup"
        return {
            "message": {
                "message_id": message_id,
                "date": int(time.time()),
                "chat": {"id": chat_id, "type": chat_type, "title": "ops"},
                "from": user,
                "text": text,
                **extra,
            }
        }

    async def say(self, chat_id: int, text: str, **extra: Any) -> Call:
        """Post a message and return the bot's reply to it."""
        mark = len(self.api.calls)
        update = await self.api.push(self.message(chat_id, text, **extra))
        message_id = update["message"]["message_id"]
        return await self.api.wait_for("sendMessage", after=mark, replying_to=message_id)

    async def press(self, card: Call, label: str, *, user: dict[str, Any] = ANNA) -> Call:
        """Press a button of a message the bot sent; returns the bot's callback answer."""
        mark = len(self.api.calls)
        await self.api.push(self.pressing(card, label, user=user))
        return await self.api.wait_for("answerCallbackQuery", after=mark)

    @staticmethod
    def pressing(card: Call, label: str, *, user: dict[str, Any] = ANNA) -> dict[str, Any]:
        """The update Telegram sends when `user` presses button `label` of `card`."""
        chat_id = int(card.params["chat_id"])
        return {
            "callback_query": {
                "id": str(next(_CALLBACK_IDS)),
                "from": user,
                "chat_instance": "1",
                "data": card.callback_data(label),
                "message": {
                    "message_id": card.message_id,
                    "date": int(time.time()),
                    "chat": {"id": chat_id, "type": "supergroup", "title": "ops"},
                    "from": BOT_USER,
                    "text": card.result["text"],
                },
            }
        }
