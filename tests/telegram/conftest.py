"""Fixtures: the real aiogram bot, polling a fake Bot API server, over each database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from aiogram.utils.backoff import BackoffConfig

from incidents.app import create_app
from incidents.domain.access import Actor, Role
from incidents.service import access
from incidents.service.outbox import pending_notices
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from incidents.telegram.bot import TelegramDoor
from tests.conftest import TickingClock

# Chat members and chats, re-exported: the tests import them from here.
from tests.telegram.conversation import ANNA as ANNA
from tests.telegram.conversation import BORIS as BORIS
from tests.telegram.conversation import EVE as EVE
from tests.telegram.conversation import NOTIFY as NOTIFY
from tests.telegram.conversation import OPS as OPS
from tests.telegram.conversation import PARTNERS as PARTNERS
from tests.telegram.conversation import STRANGERS as STRANGERS
from tests.telegram.conversation import Conversation
from tests.telegram.fake_bot_api import BOT_USER, TOKEN, Call, FakeBotAPI

# Polling after a failure tries again soon (an outage in a test lasts a second or two).
QUICK_BACKOFF = BackoffConfig(min_delay=0.1, max_delay=0.3, factor=1.5, jitter=0.1)


@pytest.fixture(scope="session")
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until `check()` holds (a condition, not a sleep), failing after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, "the condition never held"
        await asyncio.sleep(0.02)


def telegram_settings(database_url: str, api_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "telegram_token": TOKEN,
        "telegram_api_url": api_url,
        "telegram_chats": f"{OPS},{PARTNERS}:partner",
        "telegram_users": "111,222",
        "telegram_notify_chat": str(NOTIFY),
        "language": "en",
        # No digest at the start of an app's lifespan (the test clock starts at its hour);
        # tests/telegram/test_digest.py queues digests itself.
        "digest_at": "",
        # A day of chats in seconds would meet Telegram's 20 a minute per group: tests of
        # flood control (test_flood_control.py) set it back.
        "telegram_group_rate": "0",
        **extra,
    }
    return Settings(_env_file=None, **values)


class Chats(Conversation):
    """Drives the bot as chat members would, and the API as everyone else."""

    def __init__(
        self, api: FakeBotAPI, api_client: httpx.AsyncClient | None, runtime: Runtime | None
    ) -> None:
        super().__init__(api)
        self.http = api_client or httpx.AsyncClient()
        self._runtime = runtime

    @property
    def runtime(self) -> Runtime:
        assert self._runtime is not None, "this conversation has no runtime"
        return self._runtime

    async def say_unanswered(self, chat_id: int, text: str, **extra: Any) -> dict[str, Any]:
        """Post a message and check the bot answers nothing: the bot handles updates in order,
        so once a /help sent after it is answered, the message was handled."""
        mark = len(self.api.calls)
        update = await self.api.push(self.message(chat_id, text, **extra))
        await self.say(chat_id, "/help")
        said = update["message"]["message_id"]
        replies = [c for c in self.api.calls[mark:] if c.method == "sendMessage"]
        here = [c for c in replies if int(c.params["chat_id"]) == chat_id and c.ok]
        assert not [c.text for c in here if c.replies_to(said)], replies
        return update

    async def notices_settled(self, timeout: float = 10.0) -> None:
        """Wait until the outbox is empty: every notice sent and recorded (with its link)."""
        deadline = time.monotonic() + timeout
        while await pending_notices(self.runtime):
            assert time.monotonic() < deadline, "notices still pending"
            await asyncio.sleep(0.02)

    async def settled(self, chat_id: int = OPS) -> None:
        """Wait until every update pushed so far is handled (a /help after them is answered)."""
        await self.say(chat_id, "/help")

    @staticmethod
    def replying_to(call: Call) -> dict[str, Any]:
        """`reply_to_message` for a reply to a message the bot sent."""
        return {
            "message_id": call.message_id,
            "date": int(time.time()),
            "chat": call.result["chat"],
            "from": BOT_USER,
            "text": call.result["text"],
        }

    def edited(
        self, update: dict[str, Any], text: str, *, seconds_later: int = 60
    ) -> dict[str, Any]:
        """The update Telegram sends when the author of `update`'s message edits it."""
        message = dict(update["message"])
        field = "caption" if "caption" in message else "text"
        message[field] = text
        message["edit_date"] = message["date"] + seconds_later
        return {"edited_message": message}

    def photo(
        self, chat_id: int, caption: str | None, *, user: dict[str, Any] = ANNA, **extra: Any
    ) -> dict[str, Any]:
        """A photo message (three sizes, as Telegram sends them), with a caption or none."""
        update = self.message(chat_id, "", user=user, **extra)
        message = update["message"]
        del message["text"]
        n = message["message_id"]
        message["photo"] = [
            {"file_id": f"photo-{n}-{w}", "file_unique_id": f"u{n}{w}", "width": w, "height": w}
            for w in (90, 320, 1280)
        ]
        if caption is not None:
            message["caption"] = caption
        return update

    def document(
        self, chat_id: int, caption: str, *, user: dict[str, Any] = ANNA
    ) -> dict[str, Any]:
        """A document message with a caption."""
        update = self.message(chat_id, "", user=user)
        message = update["message"]
        del message["text"]
        message["document"] = {"file_id": f"doc-{message['message_id']}", "file_unique_id": "d"}
        message["caption"] = caption
        return update

    async def deliver(self, update: dict[str, Any], *, again: bool = False) -> Call:
        """Push an update (`again`: redeliver it) and return the bot's reply to its message."""
        mark = len(self.api.calls)
        await (self.api.redeliver(update) if again else self.api.push(update))
        message = update.get("message") or update.get("edited_message") or {}
        return await self.api.wait_for(
            "sendMessage", after=mark, replying_to=message.get("message_id")
        )

    def answers_to(self, update: dict[str, Any]) -> list[Call]:
        """The bot's messages sent in reply to `update`'s message."""
        message = update.get("message") or update.get("edited_message") or {}
        chat_id, said = message["chat"]["id"], message["message_id"]
        sent = self.api.sent()
        return [c for c in sent if int(c.params["chat_id"]) == chat_id and c.replies_to(said)]

    async def redelivered(self, update: dict[str, Any]) -> None:
        """Deliver an update again and check it gets no second answer (it had one)."""
        before = len(self.answers_to(update))
        await self.api.redeliver(update)
        message = update.get("message") or update.get("edited_message") or {}
        await self.settled(message["chat"]["id"])
        assert len(self.answers_to(update)) == before, "answered twice"

    async def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/api/v1/incidents", params=params)
        assert response.status_code == 200
        result: list[dict[str, Any]] = response.json()
        return result


@pytest.fixture
def bot_settings() -> dict[str, Any]:
    """Settings of the bot beyond telegram_settings' (a test module overrides this fixture)."""
    return {}


@pytest.fixture
async def chats(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock, bot_settings: dict[str, Any]
) -> AsyncIterator[Chats]:
    """The bot polling the fake API, plus an operator API client on the same database."""
    fake_api.reset()
    settings = telegram_settings(database_url, fake_api.url, **bot_settings)
    app = create_app(settings, clock=clock)
    runtime: Runtime = app.state.runtime
    key = await access.issue_key(
        runtime, actor=Actor.system("tests"), name="api-operator", role=Role.OPERATOR
    )
    door = TelegramDoor(settings, runtime, sender_interval=0.05, backoff=QUICK_BACKOFF)
    polling = asyncio.create_task(door.poll())
    await fake_api.wait_for("getUpdates")
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key.secret}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        yield Chats(fake_api, http, runtime)
    await door.stop_polling()
    await asyncio.wait_for(polling, 10)
    await runtime.close()
