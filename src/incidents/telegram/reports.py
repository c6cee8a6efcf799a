"""Messages that are not commands: reports in every form people write them, notes, edits."""

from __future__ import annotations

import re

from aiogram import Bot
from aiogram.types import Message

from incidents.domain.incident import Source, parse_source_tag
from incidents.domain.notifications import ABOUT_ONE_INCIDENT, LinkRole, Thread
from incidents.service import chats, incidents
from incidents.service.chats import EditOutcome
from incidents.service.runtime import Runtime
from incidents.telegram.answers import Answers, actor_of, origin_of
from incidents.telegram.offers import Offers
from incidents.telegram.policy import ChatPolicy
from incidents.telegram.texts import Texts

_NEW = re.compile(r"^/new(?:@\w+)?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)


def report_form(text: str, default: Source) -> tuple[Source, str] | None:
    """A report's source and description when `text` is one (`[tag] …` or `/new …`)."""
    tagged = parse_source_tag(text)
    if tagged is not None:
        return tagged
    command = _NEW.match(text)
    if command is not None and (command.group(1) or "").strip():
        return default, command.group(1)
    return None


async def report(
    message: Message,
    bot: Bot,
    runtime: Runtime,
    answers: Answers,
    *,
    description: str,
    source: Source,
) -> None:
    """Record a report made by `message` (once), and answer with its card."""
    reported = await incidents.create_incident(
        runtime,
        actor=actor_of(message.from_user),
        description=description,
        source=source,
        origin=origin_of(message),
    )
    await answers.card(bot, message, reported.incident)


async def add_note(
    message: Message,
    bot: Bot,
    runtime: Runtime,
    answers: Answers,
    incident_id: int,
    text: str,
    *,
    role: LinkRole,
) -> None:
    """Append a note asked by `message` (once), and say so."""
    await incidents.change_incident(
        runtime,
        actor=actor_of(message.from_user),
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
) -> None:
    """A reply to the bot, a forward in private, a tagged text or caption; else chatter, or
    what reads like a report: offered to be recorded."""
    text = message.text or message.caption or ""
    default = policy.default_source(message.chat.id)
    replied = message.reply_to_message
    if replied is not None:
        link = await chats.link_of(runtime, Thread(message.chat.id, replied.message_id))
        if link is not None and link.incident_id is not None and link.role in ABOUT_ONE_INCIDENT:
            await add_note(
                message, bot, runtime, answers, link.incident_id, text, role=LinkRole.NOTE
            )
            return
        if link is not None and link.role is LinkRole.PROMPT:
            source, description = report_form(text, default) or (default, text)
            await report(message, bot, runtime, answers, description=description, source=source)
            return
    if message.forward_origin is not None and message.chat.type == "private":
        await forwarded(message, bot, runtime, texts, answers)
        return
    form = parse_source_tag(text)
    if form is not None:
        await report(message, bot, runtime, answers, description=form[1], source=form[0])
        return
    await offers.consider(bot, runtime, message)


async def forwarded(
    message: Message, bot: Bot, runtime: Runtime, texts: Texts, answers: Answers
) -> None:
    """A message forwarded to the bot in private becomes an incident, crediting its author."""
    text = message.text or message.caption
    if not text:
        await answers.prompt(bot, message)
        return
    author = _origin_name(message)
    description = f"{text}\n\n{texts.words.forwarded_from.format(name=author)}"
    await report(message, bot, runtime, answers, description=description, source=Source.OPERATOR)


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
) -> None:
    """An edit of a report or note is appended as `edited: …`; one that makes a report, reports."""
    text = message.text or message.caption or ""
    form = report_form(text, policy.default_source(message.chat.id))
    done = await chats.record_edit(
        runtime,
        actor=actor_of(message.from_user),
        origin=origin_of(message),
        text=text if form is None else form[1],
    )
    if done.outcome is EditOutcome.NOTED and done.incident is not None:
        await answers.text(bot, message, texts.words.note_added.format(id=done.incident.id))
    elif done.outcome is EditOutcome.UNTIED and form is not None:
        await report(message, bot, runtime, answers, description=form[1], source=form[0])
    elif done.outcome is EditOutcome.UNTIED:
        await offers.edited(bot, runtime, message)
