"""Fixtures: the real aiogram bot, polling a fake Bot API server, over each database."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from incidents.api.app import create_app
from incidents.domain.access import Actor, Role
from incidents.service import access
from incidents.service.context import Registry
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
from tests.telegram.fake_bot_api import TOKEN, FakeBotAPI


@pytest.fixture(scope="session")
async def fake_api() -> AsyncIterator[FakeBotAPI]:
    server = FakeBotAPI()
    await server.start()
    yield server
    await server.stop()


def telegram_settings(database_url: str, api_url: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "telegram_token": TOKEN,
        "telegram_api_url": api_url,
        "telegram_chats": f"{OPS},{PARTNERS}:partner",
        "telegram_users": "111,222",
        "telegram_notify_chat": str(NOTIFY),
        "language": "en",
        **extra,
    }
    return Settings(_env_file=None, **values)


class Chats(Conversation):
    """Drives the bot as chat members would, and the API as everyone else."""

    def __init__(
        self, api: FakeBotAPI, api_client: httpx.AsyncClient | None, registry: Registry | None
    ) -> None:
        super().__init__(api)
        self.http = api_client or httpx.AsyncClient()
        self._registry = registry

    @property
    def registry(self) -> Registry:
        assert self._registry is not None, "this conversation has no registry"
        return self._registry

    async def say_unanswered(self, chat_id: int, text: str, **extra: Any) -> None:
        """Post a message and check the bot answers nothing (a /help after it is answered)."""
        mark = len(self.api.calls)
        await self.api.push(self.message(chat_id, text, **extra))
        await asyncio.sleep(0.3)
        await self.say(chat_id, "/help")
        replies = [c for c in self.api.calls[mark:] if c.method == "sendMessage"]
        assert len(replies) == 1, [c.text for c in replies]

    async def incidents(self, **params: Any) -> list[dict[str, Any]]:
        response = await self.http.get("/api/v1/incidents", params=params)
        assert response.status_code == 200
        result: list[dict[str, Any]] = response.json()
        return result


@pytest.fixture
async def chats(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> AsyncIterator[Chats]:
    """The bot polling the fake API, plus an operator API client on the same database."""
    fake_api.reset()
    settings = telegram_settings(database_url, fake_api.url)
    app = create_app(settings, clock=clock)
    registry: Registry = app.state.registry
    key = await access.issue_key(
        registry, actor=Actor.system("tests"), name="api-operator", role=Role.OPERATOR
    )
    door = TelegramDoor(settings, registry, sender_interval=0.05)
    polling = asyncio.create_task(door.poll())
    await fake_api.wait_for("getUpdates")
    transport = httpx.ASGITransport(app=app)
    headers = {"Authorization": f"Bearer {key.secret}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", headers=headers
    ) as http:
        yield Chats(fake_api, http, registry)
    await door.stop_polling()
    await asyncio.wait_for(polling, 10)
    await registry.close()
