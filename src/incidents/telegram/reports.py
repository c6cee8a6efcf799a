"""Messages that are not commands: read into what the intake use case takes, its answer sent."""

from __future__ import annotations

from aiogram import Bot
from aiogram.types import Message

from incidents.domain.access import Actor
from incidents.domain.incident import Source
from incidents.domain.notifications import LinkRole
from incidents.service import chat_intake, chats, incidents
from incidents.service.chat_intake import ChatMessage, Replied, Taken, report_form
from incidents.service.chats import EditOutcome
from incidents.service.runtime import Runtime
from incidents.telegram.answers import Answers, origin_of, sender_of
from incidents.telegram.offers import Offers
from incidents.telegram.policy import ChatPolicy
from incidents.telegram.texts import Texts


async def read_message(
    message: Message,
    bot: Bot,
    policy: ChatPolicy,
    texts: Texts,
    actor: Actor,
    *,
    report: tuple[Source, str] | None = None,
) -> ChatMessage:
    """What the intake needs of a person's message: who, where, what it answers."""
    text = message.text or message.caption or ""
    replied = None
    if message.reply_to_message is not None:
        answered = message.reply_to_message
        me = await bot.me()  # cached after the first call
        by_bot = answered.from_user is not None and answered.from_user.id == me.id
        replied = Replied(answered.message_id, by_bot, int(answered.date.timestamp()))
    private_forward = message.forward_origin is not None and message.chat.type == "private"
    forwarded = None
    if private_forward:
        forwarded = texts.words.forwarded_from.format(name=_origin_name(message))
    return ChatMessage(
        actor=actor,
        origin=origin_of(message),
        text=text,
        default_source=policy.default_source(message.chat.id),
        replied=replied,
        private_forward=private_forward,
        forwarded=forwarded,
        report=report,
    )


async def replied_report(
    message: Message, bot: Bot, policy: ChatPolicy, actor: Actor
) -> ChatMessage | None:
    """`/new` as a reply to a person's message: that message is the report, its author the
    reporter, and the one who asked records it. None when there is no such message."""
    replied = message.reply_to_message
    if replied is None or (replied.from_user is None and replied.sender_chat is None):
        return None
    me = await bot.me()
    if replied.from_user is not None and replied.from_user.id == me.id:
        return None
    text = replied.text or replied.caption or ""
    if not text.strip():
        return None
    return ChatMessage(
        actor=actor,
        origin=origin_of(replied),
        text=text,
        default_source=policy.default_source(message.chat.id),
        report=(policy.default_source(message.chat.id), text),
        reporter=sender_of(replied).name,
        answer_to=message.message_id,
    )


async def take(
    message: Message,
    bot: Bot,
    runtime: Runtime,
    answers: Answers,
    read: ChatMessage,
) -> Taken:
    """Hand a read message to the intake and send the answer it queued."""
    done = await chat_intake.take_message(
        runtime, read, answering=answers.answering(message.chat.id)
    )
    await answers.deliver(bot, done.answer)
    return done.taken


async def add_note(
    message: Message,
    bot: Bot,
    runtime: Runtime,
    answers: Answers,
    incident_id: int,
    text: str,
    *,
    actor: Actor,
    role: LinkRole,
) -> None:
    """Append a note asked by `message` (once), and say so."""
    await incidents.change_incident(
        runtime,
        actor=actor,
        incident_id=incident_id,
        note=text,
        origin=origin_of(message),
        role=role,
    )
    await answers.text(bot, message, answers.texts.words.note_added.format(id=incident_id))


async def not_a_command(
    message: Message,
    bot: Bot,
    runtime: Runtime,
    texts: Texts,
    policy: ChatPolicy,
    answers: Answers,
    offers: Offers,
    actor: Actor,
) -> None:
    """A reply to the bot, a forward in private, a tagged text or caption; else chatter, or
    what reads like a report: offered to be recorded."""
    read = await read_message(message, bot, policy, texts, actor)
    if read.private_forward and not read.text:
        await answers.prompt(bot, message)
        return
    if await take(message, bot, runtime, answers, read) is Taken.CHATTER:
        await offers.consider(bot, runtime, message)


def _origin_name(message: Message) -> str:
    origin = message.forward_origin
    user = getattr(origin, "sender_user", None)
    if user is not None:
        return f"{user.full_name} (@{user.username})" if user.username else user.full_name
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    if chat is not None:
        return str(chat.title or chat.id)
    return str(getattr(origin, "sender_user_name", "?"))


async def edited(
    message: Message,
    bot: Bot,
    runtime: Runtime,
    texts: Texts,
    policy: ChatPolicy,
    answers: Answers,
    offers: Offers,
    actor: Actor,
) -> None:
    """An edit of a report or note is appended as `edited: …`; one that makes a report, reports."""
    text = message.text or message.caption or ""
    form = report_form(text, policy.default_source(message.chat.id))
    done = await chats.record_edit(
        runtime,
        actor=actor,
        origin=origin_of(message),
        text=text if form is None else form[1],
    )
    if done.outcome is EditOutcome.NOTED and done.incident is not None:
        await answers.text(bot, message, texts.words.note_added.format(id=done.incident.id))
    elif done.outcome is EditOutcome.UNTIED and form is not None:
        read = await read_message(message, bot, policy, texts, actor, report=form)
        await take(message, bot, runtime, answers, read)
    elif done.outcome is EditOutcome.UNTIED:
        await offers.edited(bot, runtime, message)
