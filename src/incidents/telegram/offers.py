"""Offers to record untagged messages that read like problem reports: Record or No."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import CallbackQuery, Message

from incidents.domain.access import Actor
from incidents.domain.incident import parse_source_tag
from incidents.domain.notifications import Thread
from incidents.domain.reports import ReportRules
from incidents.service import suggestions
from incidents.service.runtime import Runtime
from incidents.service.suggestions import Outcome
from incidents.settings import Settings
from incidents.telegram.answers import Answers, actor_of, answer_query, origin_of, topic_of
from incidents.telegram.keyboards import OfferAnswer, offer_buttons
from incidents.telegram.policy import ChatPolicy
from incidents.telegram.replies import Outgoing, post
from incidents.telegram.texts import Texts

log = logging.getLogger(__name__)

GROUPS = frozenset({"group", "supergroup"})


@dataclass(frozen=True, slots=True)
class Offers:
    """Decides which messages get an offer, and makes it."""

    settings: Settings
    rules: ReportRules
    texts: Texts

    @classmethod
    def of(cls, settings: Settings, texts: Texts) -> Offers:
        """Offers as the settings ask: the rules with the deployment's own words."""
        rules = suggestions.report_rules(
            extra_problems=settings.telegram_suggest_words,
            extra_things=settings.telegram_suggest_things,
        )
        return cls(settings, rules, texts)

    async def consider(self, bot: Bot, runtime: Runtime, message: Message) -> None:
        """Offer to record `message` when it may be offered and reads like a report."""
        text = message.text or message.caption or ""
        me = await bot.me()  # cached after the first call
        if not self.may_offer(message, bot_id=me.id):
            return
        reading = self.rules.read(text)
        log.debug("message %s in chat %s: %s", message.message_id, message.chat.id, reading)
        if not reading.suggested:
            return
        origin = origin_of(message)
        author = actor_of(message.from_user).name
        ttl = self.settings.telegram_suggest_ttl
        if not await suggestions.offer(runtime, origin=origin, author=author, text=text, ttl=ttl):
            return
        await self._post(bot, runtime, message)

    async def edited(self, bot: Bot, runtime: Runtime, message: Message) -> None:
        """An edit of an untied message: a pending offer takes the new text; a message never
        offered may be offered now; one offered before, never again."""
        here = Thread(message.chat.id, message.message_id)
        text = message.text or message.caption or ""
        if not await suggestions.revise(runtime, message=here, text=text):
            await self.consider(bot, runtime, message)

    def may_offer(self, message: Message, *, bot_id: int) -> bool:
        """A person's own words in a group chat with offers on, not addressed to the bot."""
        user, text = message.from_user, message.text or message.caption or ""
        replied = message.reply_to_message
        replied_user = None if replied is None else replied.from_user
        return (
            message.chat.type in GROUPS
            and self.settings.suggests_in(message.chat.id)
            and user is not None
            and not user.is_bot
            and message.sender_chat is None  # a channel's or an anonymous admin's post
            and message.forward_origin is None
            and not message.is_automatic_forward
            and message.via_bot is None
            and bool(text.strip())
            and not text.lstrip().startswith("/")
            and parse_source_tag(text) is None
            and (replied_user is None or replied_user.id != bot_id)
        )

    async def _post(self, bot: Bot, runtime: Runtime, message: Message) -> None:
        # An offer Telegram does not take now is not queued: offered late, it would be noise.
        # The message stays offered, so it is not offered again either.
        words = self.texts.words
        offer = Outgoing(
            message.chat.id,
            words.suggest,
            reply_to=message.message_id,
            markup=offer_buttons(message.message_id, self.texts),
            silent=True,  # a quiet reply: nobody's phone rings for a question
            topic=topic_of(message),
        )
        try:
            where = await post(bot, offer)
        except Exception as error:
            log.warning("offer in chat %s not made: %s", message.chat.id, error)
            return
        here = Thread(message.chat.id, message.message_id)
        await suggestions.posted(runtime, here, reply_id=where.message_id)


async def answered(
    query: CallbackQuery,
    bot: Bot,
    callback_data: OfferAnswer,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
    policy: ChatPolicy,
    actor: Actor,
) -> None:
    """Record: the message becomes an incident and the offer its card. No: the offer goes."""
    offer = query.message
    if not isinstance(offer, Message):  # too old for Telegram to show: nothing to do
        await answer_query(query, texts.words.offer_closed)
        return
    chat_id = offer.chat.id
    message = Thread(chat_id, callback_data.message_id)
    reply = Thread(chat_id, offer.message_id)
    if not callback_data.record:
        declined = await suggestions.decline(runtime, message=message, actor=actor, reply=reply)
        await answer_query(query, texts.words.declined if declined else texts.words.offer_closed)
        return
    done = await suggestions.record(
        runtime,
        message=message,
        actor=actor,
        source=policy.default_source(chat_id),
        card=reply,
    )
    if done.incident is not None:
        await answers.redraw(bot, chat_id, offer.message_id, done.incident)
    closed = done.outcome is Outcome.CLOSED
    await answer_query(query, texts.words.offer_closed if closed else texts.words.done)
