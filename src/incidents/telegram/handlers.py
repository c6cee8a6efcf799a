"""Bot commands and buttons: each turns one request into one service call and an answer."""

from __future__ import annotations

from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.types import CallbackQuery, ErrorEvent, Message

from incidents.domain.access import Actor
from incidents.domain.errors import DomainError, IllegalTransition, VersionMismatch
from incidents.domain.incident import (
    OPEN_STATUSES,
    VERB_RESOLUTION,
    VERB_TARGET,
    Resolution,
    Status,
    Verb,
    parse_id,
)
from incidents.domain.notifications import ChatOrigin, LinkRole
from incidents.service import incidents
from incidents.service.digest import current_digest
from incidents.service.runtime import Runtime
from incidents.telegram import reports
from incidents.telegram.answers import Answers, answer_query, origin_of
from incidents.telegram.keyboards import IncidentAction, OfferAnswer
from incidents.telegram.offers import answered
from incidents.telegram.policy import ChatPolicy
from incidents.telegram.reminder_texts import ReminderTexts
from incidents.telegram.texts import Texts


def _incident_id(text: str | None) -> int | None:
    word = (text or "").split(maxsplit=1)[0].lstrip("#") if (text or "").strip() else ""
    return parse_id(word)


async def help_(message: Message, bot: Bot, texts: Texts, answers: Answers) -> None:
    """What the bot understands."""
    await answers.text(bot, message, escape(texts.words.help))


async def new(
    message: Message,
    bot: Bot,
    actor: Actor,
    command: CommandObject,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
    policy: ChatPolicy,
) -> None:
    """`/new <text>` reports with the chat's default source; `/new` as a reply records the
    message it answers; `/new` alone asks what happened."""
    if not (command.args or "").strip():
        replied = await reports.replied_report(message, bot, policy, actor)
        if replied is None:
            await answers.prompt(bot, message)
        else:
            await reports.take(message, bot, runtime, answers, replied)
        return
    form = (policy.default_source(message.chat.id), command.args or "")
    read = await reports.read_message(message, bot, policy, texts, actor, report=form)
    await reports.take(message, bot, runtime, answers, read)


async def list_(
    message: Message,
    bot: Bot,
    actor: Actor,
    command: CommandObject,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
) -> None:
    """`/list [status]`: the latest open incidents, or those in one status."""
    statuses: tuple[Status, ...] = OPEN_STATUSES
    if command.args:
        try:
            statuses = (Status(command.args.strip().replace(" ", "_")),)
        except ValueError:
            await answers.text(bot, message, texts.words.bad_status)
            return
    page = await incidents.list_incidents(
        runtime, actor=actor, statuses=statuses, limit=15, offset=0
    )
    await answers.text(bot, message, texts.listing(page.items))


async def show(
    message: Message,
    bot: Bot,
    actor: Actor,
    command: CommandObject,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
) -> None:
    """`/show <id>`: the incident and its latest events."""
    incident_id = _incident_id(command.args)
    if incident_id is None:
        await answers.text(bot, message, texts.words.usage_id.format(command="show"))
        return
    incident = await incidents.get_incident(runtime, actor=actor, incident_id=incident_id)
    count = (
        await incidents.list_events(
            runtime, actor=actor, incident_id=incident_id, limit=1, offset=0
        )
    ).total
    trail = await incidents.list_events(
        runtime, actor=actor, incident_id=incident_id, limit=5, offset=max(0, count - 5)
    )
    details = texts.details(incident, trail.items, files=await answers.files(incident))
    await answers.card(bot, message, incident, details=details)


async def move(
    message: Message,
    bot: Bot,
    actor: Actor,
    command: CommandObject,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
) -> None:
    """`/take`, `/resolve`, `/reopen`, `/close <id>`, `/dismiss <id> [why]` (a redelivered
    command moves nothing)."""
    incident_id = _incident_id(command.args)
    if incident_id is None:
        await answers.text(bot, message, texts.words.usage_id.format(command=command.command))
        return
    verb = Verb(command.command.lower())
    why = (command.args or "").split(maxsplit=1)[1:]
    changed = await incidents.change_incident(
        runtime,
        actor=actor,
        incident_id=incident_id,
        status=VERB_TARGET[verb],
        resolution=VERB_RESOLUTION.get(verb),
        note=why[0] if why and verb in VERB_RESOLUTION else None,
        origin=origin_of(message),
    )
    await answers.card(bot, message, changed)


async def mine(
    message: Message, bot: Bot, actor: Actor, runtime: Runtime, texts: Texts, answers: Answers
) -> None:
    """`/mine`: the open incidents assigned to the one who asks."""
    page = await incidents.list_incidents(
        runtime,
        actor=actor,
        statuses=OPEN_STATUSES,
        assignees=("me",),
        limit=15,
        offset=0,
    )
    await answers.text(bot, message, texts.listing(page.items, empty=texts.words.nothing_mine))


async def digest(
    message: Message,
    bot: Bot,
    actor: Actor,
    runtime: Runtime,
    answers: Answers,
    reminder_texts: ReminderTexts,
    zone: ZoneInfo,
) -> None:
    """`/digest`: the morning digest, as it reads now."""
    found = await current_digest(runtime, actor=actor, zone=zone)
    await answers.text(bot, message, reminder_texts.digest(found))


async def dup(
    message: Message,
    bot: Bot,
    actor: Actor,
    command: CommandObject,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
) -> None:
    """`/dup 12 7`: close #12 as a duplicate of #7 (or of the incident #7 was folded into)."""
    words = (command.args or "").split()
    ids = [_incident_id(word) for word in words]
    if len(ids) != 2 or None in ids:
        await answers.text(bot, message, texts.words.usage_dup)
        return
    duplicate, original = ids
    assert duplicate is not None
    changed = await incidents.change_incident(
        runtime,
        actor=actor,
        incident_id=duplicate,
        status=Status.CLOSED,
        resolution=Resolution.DUPLICATE,
        duplicate_of=original,
        origin=origin_of(message),
    )
    await answers.card(bot, message, changed)


async def note(
    message: Message,
    bot: Bot,
    actor: Actor,
    command: CommandObject,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
) -> None:
    """`/note <id> <text>`: append a note (once, however often the message arrives)."""
    parts = (command.args or "").split(maxsplit=1)
    incident_id = _incident_id(parts[0] if parts else None)
    if incident_id is None or len(parts) < 2:
        await answers.text(bot, message, texts.words.usage_note)
        return
    await reports.add_note(
        message, bot, runtime, answers, incident_id, parts[1], actor=actor, role=LinkRole.COMMAND
    )


async def pressed(
    query: CallbackQuery,
    bot: Bot,
    actor: Actor,
    callback_data: IncidentAction,
    runtime: Runtime,
    texts: Texts,
    answers: Answers,
) -> None:
    """A button: move the incident as this person, then show its new state and buttons."""
    chat_id = query.message.chat.id if query.message is not None else None
    try:
        incident = await incidents.change_incident(
            runtime,
            actor=actor,
            incident_id=callback_data.id,
            status=VERB_TARGET[callback_data.verb],
            resolution=VERB_RESOLUTION.get(callback_data.verb),
            expected_status=callback_data.status,
            origin=None if chat_id is None else ChatOrigin(chat_id),
        )
        answer = texts.words.done
    except (VersionMismatch, IllegalTransition):
        incident = await incidents.get_incident(runtime, actor=actor, incident_id=callback_data.id)
        answer = texts.words.changed_meanwhile
    if isinstance(query.message, Message):
        await answers.redraw(bot, query.message.chat.id, query.message.message_id, incident)
    await answer_query(query, answer)


async def domain_error(event: ErrorEvent, bot: Bot, texts: Texts, answers: Answers) -> bool:
    """Every failed request gets a short reply saying what was wrong; nothing half-done."""
    error = event.exception if isinstance(event.exception, DomainError) else None
    reply = texts.error(error)
    update = event.update
    if update.callback_query is not None:
        await answer_query(update.callback_query, reply, alert=True)
    elif (message := update.message or update.edited_message) is not None:
        await answers.text(bot, message, reply)
    return error is not None


def build_router() -> Router:
    """A fresh router with every handler, most specific first (a router joins one dispatcher)."""
    router = Router(name="incidents")
    router.message.register(help_, CommandStart())
    router.message.register(help_, Command("help"))
    router.message.register(new, Command("new"))
    router.message.register(list_, Command("list"))
    router.message.register(show, Command("show"))
    router.message.register(mine, Command("mine"))
    router.message.register(digest, Command("digest"))
    router.message.register(dup, Command("dup"))
    router.message.register(move, Command(*(verb.value for verb in Verb)))
    router.message.register(note, Command("note"))
    router.message.register(reports.not_a_command, F.text | F.caption)
    router.edited_message.register(reports.edited, F.text | F.caption)
    router.callback_query.register(pressed, IncidentAction.filter())
    router.callback_query.register(answered, OfferAnswer.filter())
    router.errors.register(domain_error)
    return router
