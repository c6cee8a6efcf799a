"""Delivers queued notifications to Telegram, in order, with retries; none lost or doubled."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from contextlib import suppress
from datetime import timedelta
from enum import Enum

from aiogram import Bot

from incidents.domain.digest import Digest
from incidents.domain.incident import Incident, Source
from incidents.domain.notifications import (
    ChatPresence,
    FailureReason,
    LinkRole,
    Notice,
    NoticeKind,
)
from incidents.domain.ratelimit import Rate
from incidents.domain.reminders import still_relevant
from incidents.service import chat_changes, outbox
from incidents.service.chat_changes import ChatState
from incidents.service.runtime import Runtime
from incidents.telegram.delivery import Failure, failure_of
from incidents.telegram.flood import FloodControl
from incidents.telegram.keyboards import buttons
from incidents.telegram.membership import warn_of_move
from incidents.telegram.reminder_texts import ReminderTexts
from incidents.telegram.replies import Outgoing, post
from incidents.telegram.texts import Change, Texts

log = logging.getLogger(__name__)

_NOT_THERE = "the bot is not in this chat (kicked or left)"

_ROLES = {
    NoticeKind.CREATED: LinkRole.ANNOUNCEMENT,
    NoticeKind.CHANGED: LinkRole.NOTICE,
    NoticeKind.MERGED: LinkRole.NOTICE,
    NoticeKind.REMINDER: LinkRole.NOTICE,
}


class _Outcome(Enum):
    """What became of one notice this round."""

    SENT = "sent"  # delivered (or nothing to send)
    GIVEN_UP = "given up"  # parked as failed: the chat's next ones go on
    HELD = "held"  # failed, to be tried again first: the chat's next ones wait
    UNTRIED = "untried"  # not tried now (flood control, the chat moved): handed back


class NotificationSender:
    """Drains the outbox: announcements, change notices to each following chat, replies."""

    def __init__(
        self,
        bot: Bot,
        runtime: Runtime,
        texts: Texts,
        *,
        notify_chat: int | None,
        flood: FloodControl | None = None,
    ) -> None:
        self.bot = bot
        self.runtime = runtime
        self.texts = texts
        self.notify_chat = notify_chat
        self.reminder_texts = ReminderTexts(texts, texts.language)
        self.flood = flood or FloodControl(overall=Rate(0), per_group=Rate(0))
        self.state = ChatState()
        self.parked_now: set[int | None] = set()  # chats whose notices were parked this round
        # Chats that hear of one source's incidents only (INCIDENTS_TELEGRAM_CHATS).
        self.bound: dict[int, Source] = {}

    async def deliver_due(self) -> int:
        """Try every notification due now, each chat's in order; returns how many went out."""
        self.state = await chat_changes.chat_state(self.runtime)
        self.parked_now = set()
        notices = await outbox.claim_notices(
            self.runtime, announce_chat=self.state.address(self.notify_chat)
        )
        delivered = 0
        stalled: set[int | None] = set()  # chats whose next notification waits this round
        posted: dict[tuple[int, int], int] = {}  # announcements made this round
        # Where each goes, as the round began: a chat that moves meanwhile waits for the next.
        chats = [self.state.address(self._chat_of(notice)) for notice in notices]
        for notice, chat in zip(notices, chats, strict=True):
            if chat in stalled:
                continue
            outcome = await self._deliver(notice, chat, posted)
            if outcome is _Outcome.SENT:
                delivered += 1
            if outcome in (_Outcome.HELD, _Outcome.UNTRIED):
                stalled.add(chat)
                later = [n for n, c in zip(notices, chats, strict=True) if c == chat]
                later = later[later.index(notice) + 1 :]
                untried = [notice] if outcome is _Outcome.UNTRIED else []
                await outbox.release_notices(self.runtime, [*untried, *later])
        return delivered

    async def _deliver(
        self, notice: Notice, chat: int | None, posted: dict[tuple[int, int], int]
    ) -> _Outcome:
        """Send one notice to `chat`, or say why not."""
        if chat in self.parked_now:
            return _Outcome.GIVEN_UP  # parked with its chat a moment ago
        if chat is not None and chat in self.state.absent:
            return await self._failed(notice, chat, _NOT_THERE, Failure(FailureReason.LEFT_CHAT))
        if chat is not None and self.flood.wait_for(chat) > 0:
            return _Outcome.UNTRIED
        try:
            message = self._message(notice, chat, posted)
        except Exception as error:  # rendering is total; should it fail, never hold the chat
            log.exception("notification %s could not be rendered", notice.id)
            return await self._failed(notice, chat, error, Failure(FailureReason.RENDER))
        try:
            if message is not None:
                await self.flood.turn(message.chat_id)
            where = None if message is None else await post(self.bot, message)
        except Exception as error:
            return await self._failed(notice, chat, error, failure_of(error))
        await outbox.notice_sent(
            self.runtime, notice, posted=where, role=self._role(notice, message)
        )
        if where is not None and notice.kind is NoticeKind.CREATED and notice.incident:
            posted[(notice.incident.id, where.chat_id)] = where.message_id
        return _Outcome.SENT

    async def _failed(
        self, notice: Notice, chat: int | None, error: Exception | str, failure: Failure
    ) -> _Outcome:
        """Settle a failed try as `failure` says: retry in order, follow, wait, or give up."""
        if failure.done:
            await outbox.notice_sent(self.runtime, notice, posted=None)
            return _Outcome.SENT
        if failure.moved_to is not None and chat is not None:
            await self._moved(chat, failure.moved_to)
            return _Outcome.UNTRIED
        if failure.left and chat is not None:
            # Parks this one with the chat's others (held by this round too: skipped below).
            parked = await chat_changes.presence_changed(self.runtime, chat, ChatPresence.KICKED)
            self.parked_now.add(chat)
            log.warning(
                "the bot is not in chat %s (%s): %s notices there parked as failed",
                chat,
                error,
                parked,
            )
            return _Outcome.GIVEN_UP
        if chat is not None and failure.retry_after:
            self.flood.hold(chat, failure.retry_after)
        given_up = await outbox.notice_failed(
            self.runtime,
            notice,
            error=str(error),
            reason=failure.reason,
            retry_after=timedelta(seconds=failure.retry_after),
        )
        if given_up:
            why = failure.reason or FailureReason.EXHAUSTED
            log.warning(
                "notification %s to chat %s given up (%s) after %s tries: %s",
                notice.id,
                chat,
                why.value,
                notice.attempts,
                error,
            )
            return _Outcome.GIVEN_UP
        log.info("notification %s not delivered (try %s): %s", notice.id, notice.attempts, error)
        return _Outcome.HELD

    async def _moved(self, old: int, new: int) -> None:
        """Chat `old` is `new` now: follow it for good, and say so once."""
        if await chat_changes.chat_moved(self.runtime, old=old, new=new):
            warn_of_move(old, new)
        moves = {**self.state.moves, old: new}
        self.state = ChatState(moves, self.state.absent)

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
        # An upgraded group is bound as it was under its old id.
        was = [old for old, new in self.state.moves.items() if new == chat]
        bound = next((self.bound[c] for c in [chat, *was] if c in self.bound), None)
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
