"""Wiring of the bot: long polling for `incidents bot`, or webhook updates fed by the API app."""

from __future__ import annotations

import asyncio
import hmac
import itertools
import logging
import signal
from contextlib import suppress
from typing import Any
from urllib.parse import urlsplit

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.utils.backoff import Backoff, BackoffConfig

from incidents.service import chat_changes, suggestions
from incidents.service.runtime import Runtime
from incidents.settings import Settings
from incidents.telegram.answers import Answers
from incidents.telegram.flood import FloodControl
from incidents.telegram.handlers import build_router
from incidents.telegram.membership import build_membership_router
from incidents.telegram.offers import Offers
from incidents.telegram.policy import ChatPolicy, ChatPolicyMiddleware
from incidents.telegram.reminder_texts import ReminderTexts
from incidents.telegram.replies import Replier
from incidents.telegram.sender import NotificationSender
from incidents.telegram.texts import Texts

log = logging.getLogger(__name__)

DEFAULT_WEBHOOK_PATH = "/telegram/webhook"
# How long polling waits after Telegram failed, growing to the longest (aiogram's own).
DEFAULT_BACKOFF_CONFIG = BackoffConfig(min_delay=1.0, max_delay=5.0, factor=1.3, jitter=0.1)


def build_bot(settings: Settings) -> Bot:
    """A bot talking to the configured Bot API server, sending HTML."""
    if settings.telegram_token is None:
        raise RuntimeError("INCIDENTS_TELEGRAM_TOKEN is not set")
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url))
    return Bot(
        settings.telegram_token.get_secret_value(),
        session=session,
        default=DefaultBotProperties(parse_mode=ParseMode.HTML),
    )


def build_dispatcher(settings: Settings, runtime: Runtime) -> Dispatcher:
    """A dispatcher with the handlers, the chat policy and what handlers are handed."""
    chats = {chat_id: chat.source for chat_id, chat in settings.telegram_chats.items()}
    if settings.telegram_notify_chat is not None:
        # Announcements carry buttons: people in the notification chat may use them.
        chats.setdefault(settings.telegram_notify_chat, None)
    bound = {
        chat_id: chat.bound
        for chat_id, chat in settings.telegram_chats.items()
        if chat.bound is not None
    }
    policy = ChatPolicy(chats=chats, users=settings.telegram_users, bound=bound)
    texts = Texts(settings.language)
    # One flood control for the bot's answers and its notice sender (see TelegramDoor).
    flood = FloodControl(overall=settings.telegram_rate, per_group=settings.telegram_group_rate)
    answers = Answers(runtime, texts, Replier(runtime, flood))
    offers = Offers.of(settings, texts)
    dispatcher = Dispatcher(
        runtime=runtime,
        texts=texts,
        policy=policy,
        answers=answers,
        offers=offers,
        reminder_texts=ReminderTexts(texts, settings.language),
        zone=settings.zone,
        flood=flood,
    )
    guard = ChatPolicyMiddleware(policy)
    dispatcher.message.outer_middleware(guard)
    dispatcher.edited_message.outer_middleware(guard)
    dispatcher.callback_query.outer_middleware(guard)
    # Upgrades and the bot's own membership first: service messages are no one's words.
    dispatcher.include_router(build_membership_router())
    dispatcher.include_router(build_router())
    return dispatcher


class TelegramDoor:
    """The bot with its notification sender, run by polling or fed by webhook requests."""

    def __init__(
        self,
        settings: Settings,
        runtime: Runtime,
        *,
        sender_interval: float = 1.0,
        backoff: BackoffConfig = DEFAULT_BACKOFF_CONFIG,
    ) -> None:
        self.settings = settings
        self.sender_interval = sender_interval
        self.backoff = backoff
        self.bot = build_bot(settings)
        self.dispatcher = build_dispatcher(settings, runtime)
        flood: FloodControl = self.dispatcher["flood"]
        self.sender = NotificationSender(
            self.bot,
            runtime,
            Texts(settings.language),
            notify_chat=settings.telegram_notify_chat,
            flood=flood,
        )
        # The policy's own: an upgraded group's new id is bound as its old one was.
        self.sender.bound = self.dispatcher["policy"].bound
        self._stop = asyncio.Event()
        self._stop_polling = asyncio.Event()
        self._sender_task: asyncio.Task[None] | None = None
        self._registration: asyncio.Task[None] | None = None

    async def start_sender(self) -> None:
        """Start draining the outbox in the background (knowing every upgraded group)."""
        self._stop.clear()
        runtime = self.sender.runtime
        await self._follow_known_moves()
        self._sender_task = asyncio.create_task(
            self.sender.run(
                self._stop,
                interval=self.sender_interval,
                # Offers nobody answered in time are taken back, by whichever process is first.
                chores=[lambda: suggestions.expire_due(runtime)],
            )
        )

    async def _follow_known_moves(self) -> None:
        """Serve each upgraded group by its new id, as its old id is served."""
        policy: ChatPolicy = self.dispatcher["policy"]
        try:
            state = await chat_changes.chat_state(self.sender.runtime)
        except Exception as error:  # the policy looks them up as messages come, too
            log.warning("upgraded groups not read at start: %s", error)
            return
        for old, new in state.moves.items():
            policy.follow(old, new)

    async def stop_sender(self) -> None:
        """Finish the notification round in flight, then stop."""
        self._stop.set()
        if self._sender_task is not None:
            with suppress(asyncio.CancelledError):
                await self._sender_task

    async def poll(self) -> None:
        """Long polling with the sender beside it, until cancelled or stopped."""
        try:
            await self.bot.delete_webhook(drop_pending_updates=False)
        except Exception as error:
            # Polling retries on its own; a webhook left set shows up there as a conflict.
            log.warning("could not clear a webhook before polling: %s", error)
        await self.start_sender()
        try:
            if not await self._until_telegram_answers():
                return
            # One update at a time, in the order people wrote them: an edit never overtakes
            # the report it corrects, nor an answer the question it answers.
            await self.dispatcher.start_polling(
                self.bot,
                handle_signals=False,
                polling_timeout=10,
                backoff_config=self.backoff,
                handle_as_tasks=False,
            )
        finally:
            await self.stop_sender()
            await self.bot.session.close()

    async def _until_telegram_answers(self) -> bool:
        """Wait, backing off, until Telegram answers (a start during an outage must not fail);
        False when asked to stop first."""
        backoff = Backoff(self.backoff)
        while not self._stop_polling.is_set():
            try:
                await self.bot.me()
                return True
            except Exception as error:
                log.warning("Telegram does not answer yet: %s", error)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop_polling.wait(), next(backoff))
        return False

    async def stop_polling(self) -> None:
        """Ask a running `poll()` to return."""
        self._stop_polling.set()
        with suppress(RuntimeError):
            await self.dispatcher.stop_polling()

    # Inside API processes: the API app calls these.
    @property
    def webhook_path(self) -> str | None:
        """The path of INCIDENTS_TELEGRAM_WEBHOOK_URL, where the API app takes updates."""
        if not self.settings.telegram_webhook_url:
            return None
        return urlsplit(self.settings.telegram_webhook_url).path or DEFAULT_WEBHOOK_PATH

    def accepts(self, secret_token: str | None) -> bool:
        """Whether a webhook request carries the configured secret (compared in constant time)."""
        expected = self.settings.telegram_webhook_secret
        if expected is None:
            return True
        return secret_token is not None and hmac.compare_digest(
            secret_token.encode(), expected.get_secret_value().encode()
        )

    async def feed(self, update: dict[str, Any]) -> None:
        """Handle one update delivered by webhook.

        Returns once the update is recorded: answers Telegram does not take now are queued
        in the outbox, so a failing Telegram does not make it deliver the update again.
        """
        await self.dispatcher.feed_webhook_update(self.bot, update)

    async def start(self) -> None:
        """In an API process: start the sender, and register the webhook if there is one.

        Registration retries in the background: the API serves while Telegram is unreachable.
        """
        if self.webhook_path is not None:
            self._registration = asyncio.create_task(self._register_webhook())
        await self.start_sender()

    async def _register_webhook(self) -> None:
        secret = self.settings.telegram_webhook_secret
        for attempt in itertools.count():
            try:
                await self.bot.set_webhook(
                    self.settings.telegram_webhook_url or "",
                    secret_token=None if secret is None else secret.get_secret_value(),
                    drop_pending_updates=False,
                    allowed_updates=self.dispatcher.resolve_used_update_types(),
                    # One update at a time, in order, as polling handles them.
                    max_connections=1,
                )
                return
            except Exception as error:
                log.warning("webhook not registered yet (try %s): %s", attempt + 1, error)
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), min(2**attempt, 60))
            if self._stop.is_set():
                return

    async def stop(self) -> None:
        """Stop the sender and close the bot's HTTP session (a webhook stays registered)."""
        if self._registration is not None:
            self._registration.cancel()
            with suppress(asyncio.CancelledError):
                await self._registration
        await self.stop_sender()
        await self.bot.session.close()


async def run_polling(settings: Settings) -> None:
    """`incidents bot`: poll Telegram and deliver notifications until interrupted."""
    runtime = Runtime.open(settings)
    door = TelegramDoor(settings, runtime)
    loop = asyncio.get_running_loop()
    for stop_signal in (signal.SIGINT, signal.SIGTERM):
        # Stop taking updates, finish the ones in hand and the notification round, then exit.
        loop.add_signal_handler(stop_signal, lambda: loop.create_task(door.stop_polling()))
    log.info("Telegram bot polling %s", settings.telegram_api_url)
    try:
        await door.poll()
    finally:
        await runtime.close()
