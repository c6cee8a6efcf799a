"""Delivers queued notifications to Telegram, with retries; nothing is lost or sent twice."""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from aiogram import Bot
from aiogram.types import ReplyParameters

from incidents.domain.notifications import Notice, NoticeKind, Thread
from incidents.service import outbox
from incidents.service.context import Registry
from incidents.telegram.keyboards import buttons
from incidents.telegram.texts import Texts

log = logging.getLogger(__name__)


class NotificationSender:
    """Drains the outbox: announcements to the notification chat, changes to each thread."""

    def __init__(
        self, bot: Bot, registry: Registry, texts: Texts, *, notify_chat: int | None
    ) -> None:
        self.bot = bot
        self.registry = registry
        self.texts = texts
        self.notify_chat = notify_chat

    async def deliver_due(self) -> int:
        """Try every notification due now; returns how many were delivered."""
        delivered = 0
        for notice in await outbox.claim_notices(self.registry):
            try:
                posted = await self._send(notice)
            except Exception as error:  # any failure (an HTML 502 too): retry it later
                log.warning(
                    "notification %s not delivered (try %s): %s", notice.id, notice.attempts, error
                )
                await outbox.notice_failed(self.registry, notice, error=str(error))
                continue
            await outbox.notice_sent(self.registry, notice, posted=posted)
            delivered += 1
        return delivered

    async def _send(self, notice: Notice) -> Thread | None:
        """Send one notification; returns the announcement's place when one was posted."""
        incident = notice.incident
        if notice.kind is NoticeKind.CREATED:
            if self.notify_chat is None or notice.thread is not None:
                return None
            sent = await self.bot.send_message(
                self.notify_chat,
                self.texts.card(incident, heading=self.texts.words.announced),
                reply_markup=buttons(incident, self.texts),
            )
            return Thread(chat_id=sent.chat.id, message_id=sent.message_id)
        if notice.thread is None:
            return None
        await self.bot.send_message(
            notice.thread.chat_id,
            self.texts.changed(incident, notice.actor, notice.note),
            reply_markup=buttons(incident, self.texts),
            reply_parameters=ReplyParameters(
                message_id=notice.thread.message_id, allow_sending_without_reply=True
            ),
        )
        return None

    async def run(self, stop: asyncio.Event, *, interval: float = 1.0) -> None:
        """Deliver until `stop` is set, polling every `interval` seconds when idle."""
        while not stop.is_set():
            try:
                delivered = await self.deliver_due()
            except Exception:  # the sender must outlive any one bad round
                log.exception("notification round failed")
                delivered = 0
            if not delivered:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
