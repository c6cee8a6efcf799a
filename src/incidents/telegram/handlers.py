"""Bot handlers: each turns one kind of chat message into one service call and a reply."""

from __future__ import annotations

import re
from contextlib import suppress
from html import escape

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, ErrorEvent, Message, User

from incidents.domain.access import Actor, Role
from incidents.domain.errors import DomainError, IllegalTransition, VersionMismatch
from incidents.domain.incident import (
    OPEN_STATUSES,
    VERB_TARGET,
    Incident,
    Source,
    Status,
    Verb,
    parse_source_tag,
)
from incidents.domain.notifications import Thread
from incidents.service import incidents
from incidents.service.context import Registry
from incidents.telegram.keyboards import IncidentAction, buttons
from incidents.telegram.policy import ChatPolicy
from incidents.telegram.texts import Texts

MAX_ID = 2**63 - 1
_CARD_ID = re.compile(r"#(\d+)")


def actor_of(user: User | None) -> Actor:
    """The audit-trail actor of a Telegram user; people in admitted chats act as operators."""
    if user is None:
        return Actor(name="telegram:unknown", role=Role.OPERATOR)
    handle = f" (@{user.username})" if user.username else ""
    return Actor(name=f"telegram:{user.id}{handle}", role=Role.OPERATOR)


def _incident_id(text: str | None) -> int | None:
    word = (text or "").split(maxsplit=1)[0].lstrip("#") if (text or "").strip() else ""
    return int(word) if word.isdigit() and 0 < int(word) <= MAX_ID else None


async def _report(
    message: Message, registry: Registry, texts: Texts, *, description: str, source: Source
) -> None:
    reported = await incidents.create_incident(
        registry,
        actor=actor_of(message.from_user),
        description=description,
        source=source,
        thread=Thread(chat_id=message.chat.id, message_id=message.message_id),
    )
    await _reply_card(message, reported.incident, texts)


async def _reply_card(message: Message, incident: Incident, texts: Texts) -> None:
    await message.reply(texts.card(incident), reply_markup=buttons(incident, texts))


async def help_(message: Message, texts: Texts) -> None:
    """What the bot understands."""
    await message.reply(escape(texts.words.help))


async def new(
    message: Message, command: CommandObject, registry: Registry, texts: Texts, policy: ChatPolicy
) -> None:
    """`/new <text>`: report with the chat's default source."""
    if not (command.args or "").strip():
        await message.reply(texts.words.usage_new)
        return
    source = policy.default_source(message.chat.id)
    await _report(message, registry, texts, description=command.args or "", source=source)


async def list_(message: Message, command: CommandObject, registry: Registry, texts: Texts) -> None:
    """`/list [status]`: the latest open incidents, or those in one status."""
    statuses: tuple[Status, ...] = OPEN_STATUSES
    if command.args:
        try:
            statuses = (Status(command.args.strip().replace(" ", "_")),)
        except ValueError:
            await message.reply(texts.words.bad_status)
            return
    page = await incidents.list_incidents(
        registry, actor=actor_of(message.from_user), statuses=statuses, limit=15, offset=0
    )
    await message.reply(texts.listing(page.items))


async def show(message: Message, command: CommandObject, registry: Registry, texts: Texts) -> None:
    """`/show <id>`: the incident and its latest events."""
    incident_id = _incident_id(command.args)
    if incident_id is None:
        await message.reply(texts.words.usage_id.format(command="show"))
        return
    actor = actor_of(message.from_user)
    incident = await incidents.get_incident(registry, actor=actor, incident_id=incident_id)
    count = (
        await incidents.list_events(
            registry, actor=actor, incident_id=incident_id, limit=1, offset=0
        )
    ).total
    trail = await incidents.list_events(
        registry, actor=actor, incident_id=incident_id, limit=5, offset=max(0, count - 5)
    )
    await message.reply(texts.details(incident, trail.items), reply_markup=buttons(incident, texts))


async def move(message: Message, command: CommandObject, registry: Registry, texts: Texts) -> None:
    """`/take`, `/resolve`, `/reopen`, `/close <id>`."""
    incident_id = _incident_id(command.args)
    if incident_id is None:
        await message.reply(texts.words.usage_id.format(command=command.command))
        return
    changed = await incidents.change_incident(
        registry,
        actor=actor_of(message.from_user),
        incident_id=incident_id,
        status=VERB_TARGET[Verb(command.command.lower())],
    )
    await _reply_card(message, changed, texts)


async def note(message: Message, command: CommandObject, registry: Registry, texts: Texts) -> None:
    """`/note <id> <text>`: append a note."""
    parts = (command.args or "").split(maxsplit=1)
    incident_id = _incident_id(parts[0] if parts else None)
    if incident_id is None or len(parts) < 2:
        await message.reply(texts.words.usage_note)
        return
    await _add_note(message, registry, texts, incident_id, parts[1])


async def _add_note(
    message: Message, registry: Registry, texts: Texts, incident_id: int, text: str
) -> None:
    await incidents.change_incident(
        registry, actor=actor_of(message.from_user), incident_id=incident_id, note=text
    )
    await message.reply(texts.words.note_added.format(id=incident_id))


async def reply_note(message: Message, bot: Bot, registry: Registry, texts: Texts) -> None:
    """A reply to the bot's incident message adds the reply as a note."""
    replied = message.reply_to_message
    assert replied is not None
    first_line = (replied.text or "").split("\n", 1)[0]
    match = _CARD_ID.search(first_line)
    me = await bot.me()  # cached after the first call; the token's prefix may differ
    if replied.from_user is None or replied.from_user.id != me.id or match is None:
        return
    await _add_note(message, registry, texts, int(match.group(1)), message.text or "")


async def forwarded(message: Message, registry: Registry, texts: Texts) -> None:
    """A message forwarded to the bot in private becomes an incident, crediting its author."""
    text = message.text or message.caption
    if not text:
        await message.reply(texts.words.usage_new)
        return
    author = _origin_name(message)
    description = f"{text}\n\n{texts.words.forwarded_from.format(name=author)}"
    await _report(message, registry, texts, description=description, source=Source.OPERATOR)


def _origin_name(message: Message) -> str:
    origin = message.forward_origin
    user = getattr(origin, "sender_user", None)
    if user is not None:
        return f"{user.full_name} (@{user.username})" if user.username else user.full_name
    chat = getattr(origin, "chat", None) or getattr(origin, "sender_chat", None)
    if chat is not None:
        return str(chat.title or chat.id)
    return str(getattr(origin, "sender_user_name", "?"))


async def tagged(message: Message, registry: Registry, texts: Texts) -> None:
    """`[source] text` reports with that source; anything else is chatter and ignored."""
    parsed = parse_source_tag(message.text or "")
    if parsed is None:
        return
    source, description = parsed
    await _report(message, registry, texts, description=description, source=source)


async def pressed(
    query: CallbackQuery, callback_data: IncidentAction, registry: Registry, texts: Texts
) -> None:
    """A button: move the incident as this person, then show its new state and buttons."""
    actor = actor_of(query.from_user)
    try:
        incident = await incidents.change_incident(
            registry,
            actor=actor,
            incident_id=callback_data.id,
            status=VERB_TARGET[callback_data.verb],
            expected_status=callback_data.status,
        )
        answer = texts.words.done
    except (VersionMismatch, IllegalTransition):
        incident = await incidents.get_incident(registry, actor=actor, incident_id=callback_data.id)
        answer = texts.words.changed_meanwhile
    if isinstance(query.message, Message):
        with suppress(TelegramBadRequest):  # "message is not modified" and the like
            await query.message.edit_text(
                texts.card(incident), reply_markup=buttons(incident, texts)
            )
    await query.answer(answer)


async def domain_error(event: ErrorEvent, texts: Texts) -> bool:
    """Every failed request gets a short reply saying what was wrong; nothing half-done."""
    error = event.exception if isinstance(event.exception, DomainError) else None
    reply = texts.error(error)
    update = event.update
    if update.callback_query is not None:
        await update.callback_query.answer(reply, show_alert=True)
    elif update.message is not None:
        await update.message.reply(reply)
    return error is not None


def build_router() -> Router:
    """A fresh router with every handler, most specific first (a router joins one dispatcher)."""
    router = Router(name="incidents")
    router.message.register(help_, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(new, Command("new"))
    router.message.register(list_, Command("list"))
    router.message.register(show, Command("show"))
    router.message.register(move, Command(*(verb.value for verb in Verb)))
    router.message.register(note, Command("note"))
    router.message.register(reply_note, F.reply_to_message.from_user.is_bot, F.text)
    router.message.register(forwarded, F.forward_origin, F.chat.type == "private")
    router.message.register(tagged, F.text)
    router.callback_query.register(pressed, IncidentAction.filter())
    router.errors.register(domain_error)
    return router
