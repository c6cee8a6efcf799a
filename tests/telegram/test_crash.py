"""A bot process that dies between recording a report and answering it."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from incidents.app import create_app
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from incidents.telegram.bot import TelegramDoor
from tests.conftest import TickingClock
from tests.telegram.conftest import OPS, QUICK_BACKOFF, Chats, telegram_settings
from tests.telegram.fake_bot_api import Call, FakeBotAPI, plain

_PROCESS_TASKS = {"TelegramDoor.poll", "Dispatcher._polling", "NotificationSender.run"}


class Process:
    """A bot process on one database: started, killed, started again."""

    def __init__(self, settings: Settings, runtime: Runtime) -> None:
        self.settings, self.runtime = settings, runtime
        self.task: asyncio.Task[None] | None = None
        self.door: TelegramDoor | None = None

    def start(self) -> None:
        self.door = TelegramDoor(
            self.settings, self.runtime, sender_interval=0.05, backoff=QUICK_BACKOFF
        )
        self.task = asyncio.create_task(self.door.poll())

    async def kill(self) -> None:
        """Gone at once, as a killed process: nothing finishes, nothing is confirmed."""
        assert self.task is not None
        assert self.door is not None
        # The polling loop and the sender run as tasks of their own: each dies where it is.
        doomed = [
            task
            for task in asyncio.all_tasks()
            if getattr(task.get_coro(), "__qualname__", "") in _PROCESS_TASKS
        ]
        for task in doomed:
            task.cancel()
        await asyncio.gather(*doomed, return_exceptions=True)
        await self.door.bot.session.close()

    async def stop(self) -> None:
        assert self.task is not None
        assert self.door is not None
        await self.door.stop_polling()
        await asyncio.wait_for(self.task, 10)


@pytest.fixture
async def process(
    database_url: str, fake_api: FakeBotAPI, clock: TickingClock
) -> AsyncIterator[Process]:
    fake_api.reset()
    settings = telegram_settings(database_url, fake_api.url)
    app = create_app(settings, clock=clock)
    runtime: Runtime = app.state.runtime
    yield Process(settings, runtime)
    await runtime.close()


async def test_a_report_redelivered_after_a_crash_is_answered_once(
    process: Process, fake_api: FakeBotAPI, clock: TickingClock
) -> None:
    chats = Chats(fake_api, None, process.runtime)
    process.start()
    await fake_api.wait_for("getUpdates")
    fake_api.swallowing.add("sendMessage")  # the card never reaches Telegram
    update = await fake_api.push(chats.message(OPS, "[operator] Locker 12 jammed"))
    deadline = time.monotonic() + 10
    while not fake_api.in_flight:  # recorded; its card on the way
        assert time.monotonic() < deadline
        await asyncio.sleep(0.01)
    await process.kill()
    fake_api.swallowing.clear()
    fake_api.swallowed.set()

    process.start()  # Telegram delivers the unconfirmed update again
    await chats.settled()
    clock.advance(timedelta(seconds=61))  # the dead process's hold on the answer lapses
    card = await fake_api.wait_for(
        "sendMessage", replying_to=update["message"]["message_id"], timeout=10
    )
    await chats.notices_settled()
    await chats.settled()
    await process.stop()

    assert plain(card.text).startswith("Incident #1 · new")
    assert len(chats.answers_to(update)) == 1
    assert fake_api.announced(OPS) == {1: 1}


async def test_a_report_answered_then_redelivered_after_a_crash_is_answered_once(
    process: Process, fake_api: FakeBotAPI
) -> None:
    chats = Chats(fake_api, None, process.runtime)
    process.start()
    await fake_api.wait_for("getUpdates")

    async def lose_the_confirmation(_: Call) -> None:
        fake_api.swallowing.add("getUpdates")  # the next poll, confirming the update, is lost

    fake_api.at_once.append(lose_the_confirmation)
    update = await fake_api.push(chats.message(OPS, "[operator] Locker 12 jammed"))
    await fake_api.wait_for("sendMessage", replying_to=update["message"]["message_id"])
    await chats.notices_settled()  # the answer is recorded as sent
    await process.kill()
    fake_api.at_once.clear()
    fake_api.swallowing.clear()
    fake_api.swallowed.set()

    process.start()  # Telegram delivers the unconfirmed update again
    await chats.settled()
    await chats.notices_settled()
    await process.stop()

    assert fake_api.updates == [] or all(
        u["update_id"] > update["update_id"] for u in fake_api.updates
    )
    assert len(chats.answers_to(update)) == 1
    assert fake_api.announced(OPS) == {1: 1}
