"""How handlers answer: who acts, where a message came from, and replies tied to incidents."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiogram import Bot
from aiogram.exceptions import TelegramRetryAfter
from aiogram.types import CallbackQuery, ForceReply, Message, User

from incidents.domain.access import Actor, chat_member, speaking_chat
from incidents.domain.actors import ActorId, ActorKind
from incidents.domain.incident import Incident
from incidents.domain.notifications import Attachment, ChatOrigin, LinkRole
from incidents.service import chat_intake, chats
from incidents.service.chat_intake import HeldAnswer
from incidents.service.runtime import Runtime
from incidents.telegram.delivery import failure_of
from incidents.telegram.keyboards import buttons
from incidents.telegram.replies import FloodWait, Outgoing, Replier, post
from incidents.telegram.texts import Texts

log = logging.getLogger(__name__)

# The bot itself, as the trail names what it sends of its own accord.
BOT = ActorId(ActorKind.TELEGRAM, "bot")


def actor_of(user: User | None) -> Actor:
    """The actor of a Telegram user, with the role domain/access.py gives chat members."""
    if user is None:
        return chat_member(None, None)
    return chat_member(user.id, user.username or None)


def sender_of(message: Message) -> Actor:
    """Who wrote a message: the chat it was posted as (an anonymous admin's post names the
    group, Telegram's GroupAnonymousBot being its stand-in sender), else the person."""
    chat = message.sender_chat
    if chat is not None:
        return speaking_chat(chat.id, chat.title or chat.username)
    return actor_of(message.from_user)


async def answer_query(query: CallbackQuery, text: str, *, alert: bool = False) -> None:
    """Answer a button press; it is answered once, now or never (Telegram refuses a second
    or late answer), so a refusal is only logged."""
    try:
        await query.answer(text, show_alert=alert)
    except Exception as error:
        log.warning("button press %s not answered: %s", query.id, error)


def attachment_of(message: Message) -> Attachment | None:
    """The photo (its largest size) or document a message carries, if any."""
    if message.photo:
        largest = max(message.photo, key=lambda size: (size.width * size.height, size.file_size))
        return Attachment("photo", largest.file_id)
    if message.document is not None:
        return Attachment("document", message.document.file_id)
    return None


def origin_of(message: Message) -> ChatOrigin:
    """Where a person's message is, with its edit time and what it carries."""
    return ChatOrigin(
        chat_id=message.chat.id,
        message_id=message.message_id,
        edit_date=message.edit_date,
        file=attachment_of(message),
        topic=topic_of(message),
    )


def topic_of(message: Message) -> int | None:
    """The forum topic a message is in (None: not a forum, or its General topic)."""
    return message.message_thread_id if message.is_topic_message else None


class Answers:
    """Replies to people's messages through the Replier, cards tied to their incidents."""

    def __init__(self, runtime: Runtime, texts: Texts, replier: Replier) -> None:
        self.runtime = runtime
        self.texts = texts
        self.replier = replier

    async def text(self, bot: Bot, message: Message, text: str) -> None:
        """Reply with a plain answer."""
        outgoing = Outgoing(message.chat.id, text, message.message_id, topic=topic_of(message))
        await self._send(bot, message, outgoing)

    async def prompt(self, bot: Bot, message: Message) -> None:
        """Ask what happened, opening the reply box; the answer to it is a report."""
        ask = ForceReply(
            force_reply=True, selective=True, input_field_placeholder=self.texts.words.answer_here
        )
        outgoing = Outgoing(
            message.chat.id,
            self.texts.words.usage_new,
            message.message_id,
            markup=ask,
            role=LinkRole.PROMPT,
            topic=topic_of(message),
        )
        await self._send(bot, message, outgoing)

    async def card(
        self, bot: Bot, message: Message, incident: Incident, *, details: str | None = None
    ) -> None:
        """Reply with the incident's card (or `details`), its buttons, tied to it."""
        text = details or self.texts.card(incident, files=await self.files(incident))
        outgoing = Outgoing(
            message.chat.id,
            text,
            message.message_id,
            markup=buttons(incident, self.texts),
            incident_id=incident.id,
            role=LinkRole.CARD,
            topic=topic_of(message),
        )
        await self._send(bot, message, outgoing)

    async def redraw(self, bot: Bot, chat_id: int, message_id: int, incident: Incident) -> None:
        """Show an incident's current state in the card a button was pressed on."""
        text = self.texts.card(incident, files=await self.files(incident))
        outgoing = Outgoing(chat_id, text, markup=buttons(incident, self.texts), edit=message_id)
        await self.replier.send(bot, outgoing, actor=str(BOT))

    def answering(self, chat_id: int) -> CardsAndNotes:
        """How the intake use case words its answers in `chat_id`."""
        return CardsAndNotes(self.texts, chat_id)

    async def deliver(self, bot: Bot, answer: HeldAnswer | None) -> None:
        """Send an answer the intake queued and held for this door; settle it in the outbox
        (with its link, in one step), or leave it to the sender when Telegram fails now."""
        if answer is None:
            return
        outgoing = Outgoing.from_payload(answer.chat_id, answer.incident_id, answer.payload)
        flood = self.replier.flood
        try:
            if flood is not None and flood.held_for(answer.chat_id) > 0:
                raise FloodWait("Telegram asked to wait before writing to this chat")
            posted = await post(bot, outgoing)
        except Exception as error:
            if isinstance(error, TelegramRetryAfter) and flood is not None:
                flood.hold(answer.chat_id, error.retry_after)
            # The sender settles it as it settles every notice: retried in the chat's order,
            # the chat followed when upgraded, or given up at once when retrying cannot mend.
            failure = failure_of(error)
            log.warning("reply in chat %s left to the sender: %s", answer.chat_id, error)
            await chat_intake.answer_failed(
                self.runtime,
                answer,
                error=str(error),
                reason=None if failure.left else failure.reason,
            )
            return
        await chat_intake.answer_sent(self.runtime, answer, posted=posted, role=outgoing.role)

    async def files(self, incident: Incident) -> list[Attachment]:
        """The photos and documents of an incident, for its card."""
        return await chats.files_of(self.runtime, incident.id)

    async def _send(self, bot: Bot, message: Message, outgoing: Outgoing) -> None:
        await self.replier.send(bot, outgoing, actor=actor_of(message.from_user).name)


class CardsAndNotes:
    """The intake's answers in one chat, as outbox payloads (chat_intake.Answering)."""

    def __init__(self, texts: Texts, chat_id: int) -> None:
        self.texts = texts
        self.chat_id = chat_id

    def card(
        self, incident: Incident, files: Sequence[Attachment], *, reply_to: int, topic: int | None
    ) -> dict[str, Any]:
        """The incident's card with its buttons, tied to it."""
        return Outgoing(
            self.chat_id,
            self.texts.card(incident, files=files),
            reply_to,
            markup=buttons(incident, self.texts),
            incident_id=incident.id,
            role=LinkRole.CARD,
            topic=topic,
        ).payload()

    def noted(self, incident: Incident, *, reply_to: int, topic: int | None) -> dict[str, Any]:
        """That a note was added."""
        text = self.texts.words.note_added.format(id=incident.id)
        return Outgoing(self.chat_id, text, reply_to, topic=topic).payload()
