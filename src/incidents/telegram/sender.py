"""Delivers queued notifications to Telegram, in order, with retries; none lost or doubled."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress

from aiogram import Bot

from incidents.domain.digest import Digest
from incidents.domain.incident import Incident, Source
from incidents.domain.notifications import LinkRole, Notice, NoticeKind
from incidents.domain.reminders import still_relevant
from incidents.service import outbox
from incidents.service.runtime import Runtime
from incidents.telegram.keyboards import buttons
from incidents.telegram.reminder_texts import ReminderTexts
from incidents.telegram.replies import REFUSED, Outgoing, post
from incidents.telegram.texts import Change, Texts

log = logging.getLogger(__name__)

_ROLES = {
    NoticeKind.CREATED: LinkRole.ANNOUNCEMENT,
    NoticeKind.CHANGED: LinkRole.NOTICE,
    NoticeKind.MERGED: LinkRole.NOTICE,
    NoticeKind.REMINDER: LinkRole.NOTICE,
}


class NotificationSender:
    """Drains the outbox: announcements, change notices to each following chat, replies."""

    def __init__(
        self, bot: Bot, runtime: Runtime, texts: Texts, *, notify_chat: int | None
    ) -> None:
        self.bot = bot
        self.runtime = runtime
        self.texts = texts
        self.notify_chat = notify_chat
        self.reminder_texts = ReminderTexts(texts, texts.language)
        # Chats that hear of one source's incidents only (INCIDENTS_TELEGRAM_CHATS).
        self.bound: dict[int, Source] = {}

    async def deliver_due(self) -> int:
        """Try every notification due now, each chat's in order; returns how many went out."""
        notices = await outbox.claim_notices(self.runtime, announce_chat=self.notify_chat)
        delivered = 0
        stalled: set[int | None] = set()  # chats whose next notification failed this round
        posted: dict[tuple[int, int], int] = {}  # announcements made this round
        for index, notice in enumerate(notices):
            chat = self._chat_of(notice)
            if chat in stalled:
                continue
            try:
                message = self._message(notice, chat, posted)
                where = None if message is None else await post(self.bot, message)
            except Exception as error:  # an HTML 502, a timeout...: retry it later, in order
                refused = isinstance(error, REFUSED)
                log.warning(
                    "notification %s not delivered (try %s): %s", notice.id, notice.attempts, error
                )
                await outbox.notice_failed(self.runtime, notice, error=str(error), final=refused)
                if refused:  # given up: the chat's next ones need not wait for it
                    continue
                stalled.add(chat)
                later = [n for n in notices[index + 1 :] if self._chat_of(n) == chat]
                await outbox.release_notices(self.runtime, later)
                continue
            await outbox.notice_sent(
                self.runtime, notice, posted=where, role=self._role(notice, message)
            )
            if where is not None and notice.kind is NoticeKind.CREATED and notice.incident:
                posted[(notice.incident.id, where.chat_id)] = where.message_id
            delivered += 1
        return delivered

    def _chat_of(self, notice: Notice) -> int | None:
        return self.notify_chat if notice.chat_id is None else notice.chat_id

    def _role(self, notice: Notice, message: Outgoing | None) -> LinkRole | None:
        if notice.kind is NoticeKind.REPLY:
            return None if message is None else message.role
        return _ROLES.get(notice.kind)

    def _message(
        self, notice: Notice, chat: int | None, posted: dict[tuple[int, int], int]
    ) -> Outgoing | None:
        """What to send for `notice` in `chat`; None when no chat is there to tell."""
        incident = notice.incident
        if notice.kind is NoticeKind.REPLY:
            assert chat is not None
            assert notice.payload is not None
            return Outgoing.from_payload(
                chat, None if incident is None else incident.id, notice.payload
            )
        if notice.kind is NoticeKind.DELETE:
            assert chat is not None
            assert notice.payload is not None
            return Outgoing(chat, "", delete=int(notice.payload["message_id"]))
        if notice.kind is NoticeKind.DIGEST:
            if chat is None or notice.payload is None:
                return None  # no notification chat: nobody to tell
            digest = Digest.from_payload(notice.payload)
            return Outgoing(chat, self.reminder_texts.digest(digest))
        if chat is None or incident is None or not self._hears_of(chat, incident):
            return None
        if notice.kind is NoticeKind.REMINDER:
            return self._reminder(notice, incident, chat, posted)
        status = notice.status or incident.status
        if notice.kind is NoticeKind.CREATED:
            # The incident as it was reported: later changes follow as notices of their own.
            reported = dataclasses.replace(
                incident, status=status, description=notice.note or incident.description
            )
            text = self.texts.card(reported, heading=self.texts.words.announced)
            return Outgoing(chat, text, markup=buttons(reported, self.texts))
        reply_to = notice.reply_to or posted.get((incident.id, chat))
        if notice.kind is NoticeKind.MERGED and notice.payload is not None:
            into = int(notice.payload["into"])
            text = self.texts.merged(incident.id, into)
            return Outgoing(chat, text, reply_to=reply_to, topic=notice.topic)
        change = Change(
            incident.id, notice.moved_from, status, notice.actor, notice.at, notice.note
        )
        markup = buttons(dataclasses.replace(incident, status=status), self.texts)
        text = self.texts.change(change)
        return Outgoing(chat, text, reply_to=reply_to, markup=markup, topic=notice.topic)

    def _hears_of(self, chat: int, incident: Incident) -> bool:
        """Whether a chat hears of an incident: a chat bound to a source, of its own only (a
        duplicate folded into another source's incident is followed no further)."""
        bound = self.bound.get(chat)
        return bound is None or incident.source == bound

    def _reminder(
        self, notice: Notice, incident: Incident, chat: int, posted: dict[tuple[int, int], int]
    ) -> Outgoing | None:
        """A reminder, unless the incident moved since it was queued (that cancels it)."""
        payload = notice.payload or {}
        status = notice.status or incident.status
        if not still_relevant(incident, status=status, version=int(payload.get("version", 0))):
            return None
        text = self.reminder_texts.reminder(
            incident, status=status, waited_seconds=int(payload.get("waited_seconds", 0))
        )
        reply_to = notice.reply_to or posted.get((incident.id, chat))
        markup = buttons(incident, self.texts)
        return Outgoing(chat, text, reply_to=reply_to, markup=markup, topic=notice.topic)

    async def run(
        self,
        stop: asyncio.Event,
        *,
        interval: float = 1.0,
        chores: Sequence[Callable[[], Awaitable[object]]] = (),
    ) -> None:
        """Deliver until `stop` is set, polling every `interval` seconds when idle.

        `chores` run before each round (taking back expired offers, say), so what they queue
        goes out in that round.
        """
        while not stop.is_set():
            for chore in chores:
                try:
                    await chore()
                except Exception:  # as a round: the next one tries again
                    log.exception("chore before a notification round failed")
            try:
                delivered = await self.deliver_due()
            except Exception:  # the sender must outlive any one bad round
                log.exception("notification round failed")
                delivered = 0
            if not delivered:
                with suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)
