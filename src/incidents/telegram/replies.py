"""The bot's answers in chats: sent at once, or queued in the outbox when Telegram fails."""

from __future__ import annotations

import logging
import weakref
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramUnauthorizedError,
)
from aiogram.types import ForceReply, InlineKeyboardMarkup, ReplyParameters

from incidents.domain.notifications import LinkRole, Thread
from incidents.service import chats, outbox
from incidents.service.runtime import Runtime
from incidents.telegram.flood import FloodControl

log = logging.getLogger(__name__)

# Telegram's answer to these is final: sending the same again gets the same refusal.
REFUSED = (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramUnauthorizedError,
)

Markup = InlineKeyboardMarkup | ForceReply


# Messages each bot has been told are gone (deleted by people): Telegram says so only by
# refusing a reply to one, so the next notice in that topic does not ask again. Kept per
# bot (a process's), the latest few hundred.
_GONE: weakref.WeakKeyDictionary[Bot, deque[tuple[int, int]]] = weakref.WeakKeyDictionary()
_GONE_KEPT = 500


def _known_gone(bot: Bot, chat_id: int, message_id: int) -> bool:
    return (chat_id, message_id) in _GONE.get(bot, ())


def _learn_gone(bot: Bot, chat_id: int, message_id: int) -> None:
    _GONE.setdefault(bot, deque(maxlen=_GONE_KEPT)).append((chat_id, message_id))


class FloodWait(Exception):
    """Telegram's flood control asked the bot to wait before writing to a chat again."""


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A message the bot sends (or an edit of one), and what it is to which incident."""

    chat_id: int
    text: str
    reply_to: int | None = None
    markup: Markup | None = None
    edit: int | None = None  # the message to edit instead of sending a new one
    delete: int | None = None  # the message to delete instead (`text` is then unused)
    silent: bool = False  # sent without a sound (a question nobody asked for)
    incident_id: int | None = None
    role: LinkRole | None = None
    topic: int | None = None  # the forum topic it goes to (Telegram's message_thread_id)

    def payload(self) -> dict[str, Any]:
        """The message as an outbox row keeps it (chat and incident have their own columns)."""
        markup = None if self.markup is None else self.markup.model_dump(exclude_none=True)
        return {
            "text": self.text,
            "reply_to": self.reply_to,
            "markup": markup,
            "edit": self.edit,
            "delete": self.delete,
            "silent": self.silent,
            "role": None if self.role is None else self.role.value,
            "topic": self.topic,
        }

    @classmethod
    def from_payload(
        cls, chat_id: int, incident_id: int | None, payload: dict[str, Any]
    ) -> Outgoing:
        """The message an outbox row keeps."""
        markup: dict[str, Any] | None = payload.get("markup")
        role = payload.get("role")
        return cls(
            chat_id=chat_id,
            text=str(payload["text"]),
            reply_to=payload.get("reply_to"),
            markup=None if markup is None else _markup(markup),
            edit=payload.get("edit"),
            delete=payload.get("delete"),
            silent=bool(payload.get("silent")),
            incident_id=incident_id,
            role=None if role is None else LinkRole(role),
            topic=payload.get("topic"),
        )


def _markup(data: dict[str, Any]) -> Markup:
    if "inline_keyboard" in data:
        return InlineKeyboardMarkup.model_validate(data)
    return ForceReply.model_validate(data)


async def post(bot: Bot, message: Outgoing) -> Thread:
    """Send (edit, delete) a message now; returns where it is (was). Raises whatever Telegram
    answers."""
    if message.delete is not None:
        await bot.delete_message(message.chat_id, message.delete)
        return Thread(message.chat_id, message.delete)
    if message.edit is not None:
        inline = message.markup if isinstance(message.markup, InlineKeyboardMarkup) else None
        await bot.edit_message_text(
            message.text, chat_id=message.chat_id, message_id=message.edit, reply_markup=inline
        )
        return Thread(message.chat_id, message.edit)
    if message.topic is not None:
        return await _post_in_topic(bot, message, message.topic)
    reply = None
    if message.reply_to is not None:
        # The message replied to may have been deleted meanwhile: say it anyway.
        reply = ReplyParameters(message_id=message.reply_to, allow_sending_without_reply=True)
    sent = await bot.send_message(
        message.chat_id,
        message.text,
        reply_markup=message.markup,
        reply_parameters=reply,
        disable_notification=message.silent or None,
    )
    return Thread(sent.chat.id, sent.message_id)


async def _post_in_topic(bot: Bot, message: Outgoing, topic: int) -> Thread:
    """Send into a forum topic: as a reply while the message replied to exists, else plainly
    in that topic (Telegram refuses allow_sending_without_reply in topics, and a reply to a
    message that is gone would land in General)."""
    if message.reply_to is not None and not _known_gone(bot, message.chat_id, message.reply_to):
        try:
            sent = await bot.send_message(
                message.chat_id,
                message.text,
                message_thread_id=topic,
                reply_markup=message.markup,
                reply_parameters=ReplyParameters(message_id=message.reply_to),
                disable_notification=message.silent or None,
            )
            return Thread(sent.chat.id, sent.message_id)
        except TelegramBadRequest as error:
            if "replied not found" not in str(error):
                raise
            _learn_gone(bot, message.chat_id, message.reply_to)
    sent = await bot.send_message(
        message.chat_id,
        message.text,
        message_thread_id=topic,
        reply_markup=message.markup,
        disable_notification=message.silent or None,
    )
    return Thread(sent.chat.id, sent.message_id)


class Replier:
    """Answers in chats; what Telegram does not take now goes to the outbox, in order."""

    def __init__(self, runtime: Runtime, flood: FloodControl | None = None) -> None:
        self.runtime = runtime
        self.flood = flood

    async def send(self, bot: Bot, message: Outgoing, *, actor: str) -> None:
        """Send `message`, tie it to its incident, or queue it; never raises for Telegram."""
        try:
            if self.flood is not None and self.flood.held_for(message.chat_id) > 0:
                raise FloodWait("Telegram asked to wait before writing to this chat")
            posted = await post(bot, message)
        except REFUSED as error:
            if "not modified" not in str(error):
                log.error("Telegram refused a reply in chat %s: %s", message.chat_id, error)
            return
        except Exception as error:  # unreachable, 5xx, an HTML error page: try again later
            if isinstance(error, TelegramRetryAfter) and self.flood is not None:
                self.flood.hold(message.chat_id, error.retry_after)
            log.warning("reply in chat %s queued: %s", message.chat_id, error)
            await outbox.queue_reply(
                self.runtime,
                chat_id=message.chat_id,
                payload=message.payload(),
                incident_id=message.incident_id,
                actor=actor,
            )
            return
        if message.role is not None:
            await chats.link_message(
                self.runtime, posted, incident_id=message.incident_id, role=message.role
            )
