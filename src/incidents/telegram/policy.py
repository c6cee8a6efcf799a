"""Which chats and people the bot serves, and the source each group chat reports by default."""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass, field, replace
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import CallbackQuery, Message, TelegramObject

from incidents.domain.access import Actor
from incidents.domain.incident import Source, parse_source_tag
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


class ChatPolicyMiddleware(BaseMiddleware):
    """Lets through only admitted chats; says no once, politely, to requests from others."""

    def __init__(self, policy: ChatPolicy) -> None:
        self.policy = policy

    async def __call__(self, handler: Any, event: TelegramObject, data: dict[str, Any]) -> Any:
        message = event.message if isinstance(event, CallbackQuery) else event
        if not isinstance(message, Message):
            return None
        user = event.from_user if isinstance(event, CallbackQuery | Message) else None
        if self.policy.admits(
            chat_id=message.chat.id,
            chat_type=message.chat.type,
            user_id=None if user is None else user.id,
        ):
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
