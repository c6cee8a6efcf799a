"""Which chats and people the bot serves, and the source each group chat reports by default."""

from __future__ import annotations

import time
from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from incidents.domain.access import Actor
from incidents.domain.incident import Source, parse_source_tag
from incidents.service import chat_changes
from incidents.telegram.answers import Answers, actor_of, sender_of
from incidents.telegram.texts import Texts


@dataclass(frozen=True, slots=True)
class ChatPolicy:
    """Allowed group chats (with their default source) and users allowed in private chats."""

    chats: dict[int, Source | None] = field(default_factory=dict)
    users: frozenset[int] = frozenset()
    # Chats that see one source only (INCIDENTS_TELEGRAM_CHATS): everyone there acts bound to it.
    bound: dict[int, Source] = field(default_factory=dict)

    def admits(self, *, chat_id: int, chat_type: str, user_id: int | None) -> bool:
        """Whether the bot serves this chat (and, in a private chat, this person).

        A private chat is the sender's own: its id is the sender's id, or it is not one.
        """
        if chat_type == "private":
            return user_id is not None and user_id == chat_id and user_id in self.users
        return chat_id in self.chats

    def serves(self, chat_id: int) -> bool:
        """Whether `chat_id` is a chat the bot serves (a group, or an allowed user's own)."""
        return chat_id in self.chats or chat_id in self.users

    def follow(self, old: int, new: int) -> None:
        """Group `old` is supergroup `new` now: `new` is served as `old` was."""
        if old in self.chats:
            self.chats.setdefault(new, self.chats[old])
        if old in self.bound:
            self.bound.setdefault(new, self.bound[old])

    def actor_for(self, event: Message | CallbackQuery) -> Actor:
        """Who acts in an update: the sender of a message, the presser of a button, bound to
        the source of a chat that sees only its own."""
        chat: int | None
        if isinstance(event, Message):
            actor, chat = sender_of(event), event.chat.id
        else:
            actor = actor_of(event.from_user)
            chat = None if event.message is None else event.message.chat.id
        bound = None if chat is None else self.bound.get(chat)
        return actor if bound is None else replace(actor, bound_source=bound)

    def default_source(self, chat_id: int) -> Source:
        """The source of reports from a chat: its configured default, else operator."""
        return self.chats.get(chat_id) or Source.OPERATOR


def addresses_the_bot(message: Message) -> bool:
    """Whether a message asks the bot for something (rather than being chatter)."""
    text = message.text or message.caption or ""
    if text.startswith("/") or parse_source_tag(text) is not None:
        return True
    return message.chat.type == "private" and message.forward_origin is not None


# How often a group the bot does not serve is looked up among upgraded groups.
_LOOKUP_EVERY = 60.0


class ChatPolicyMiddleware(BaseMiddleware):
    """Lets through only admitted chats; says no once, politely, to requests from others."""

    def __init__(self, policy: ChatPolicy) -> None:
        self.policy = policy
        self._looked_up: dict[int, float] = {}  # group -> when it was last looked up

    async def _moved_here(self, message: Message, data: dict[str, Any]) -> bool:
        """Whether a group not served by its id is a served group upgraded (told by the
        message itself, or known to the database from another process); looked up at most
        once a minute per group."""
        chat_id = message.chat.id
        if message.chat.type == "private":
            return False
        old = message.migrate_from_chat_id
        if old is None:
            now = time.monotonic()
            if now - self._looked_up.get(chat_id, -_LOOKUP_EVERY) < _LOOKUP_EVERY:
                return False
            self._looked_up[chat_id] = now
            state = await chat_changes.chat_state(data["runtime"])
            old = state.origin_of(chat_id)
        if old is None or old not in self.policy.chats:
            return False
        self.policy.follow(old, chat_id)
        return True

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, CallbackQuery) else event
        if not isinstance(message, Message):
            return None
        user = event.from_user if isinstance(event, CallbackQuery | Message) else None
        if self.policy.admits(
            chat_id=message.chat.id,
            chat_type=message.chat.type,
            user_id=None if user is None else user.id,
        ) or await self._moved_here(message, data):
            assert isinstance(event, CallbackQuery | Message)
            data["actor"] = self.policy.actor_for(event)
            return await handler(event, data)
        texts: Texts = data["texts"]
        if isinstance(event, CallbackQuery):
            with suppress(Exception):  # answered now or never
                await event.answer(texts.words.refused_chat, show_alert=True)
        elif addresses_the_bot(message):
            answers: Answers = data["answers"]
            await answers.text(data["bot"], message, texts.words.refused_chat)
        return None
