"""Taking a person's chat message: decide note, report or chatter, record it, tie it, and
queue the answer, in one transaction; the door sends the answer it gets back at once."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any, Protocol

from incidents.db import chats, outbox
from incidents.db import incidents as incident_store
from incidents.db.engine import Transaction, UniqueViolation
from incidents.domain.access import (
    Actor,
    Permission,
    require,
    require_incident_source,
    require_source,
)
from incidents.domain.errors import IncidentNotFound
from incidents.domain.incident import Incident, Source, clean_text, parse_source_tag
from incidents.domain.notifications import (
    ABOUT_ONE_INCIDENT,
    LEASE,
    Attachment,
    ChatOrigin,
    FailureReason,
    Link,
    LinkRole,
    NoticeKind,
    Thread,
    retry_delay,
)
from incidents.service.changes import Wanted, apply_change, write_report
from incidents.service.runtime import Runtime

_NEW = re.compile(r"^/new(?:@\w+)?(?:\s+(.*))?$", re.IGNORECASE | re.DOTALL)
# A reply to one of the bot's own messages that has no link yet may have come before the
# sender stored it (Telegram shows a message before the bot hears back its id): it waits
# for the link this long, when the message replied to is this recent (Telegram's clock).
LINK_WAIT_SECONDS = 2.0
RECENT_SECONDS = 10


def report_form(text: str, default: Source) -> tuple[Source, str] | None:
    """A report's source and description when `text` is one (`[tag] …` or `/new …`)."""
    tagged = parse_source_tag(text)
    if tagged is not None:
        return tagged
    command = _NEW.match(text)
    if command is not None and (command.group(1) or "").strip():
        return default, command.group(1)
    return None


@dataclass(frozen=True, slots=True)
class Replied:
    """The message a chat message answers."""

    message_id: int
    by_bot: bool  # one of the bot's own messages
    date: int  # Telegram's Unix time it was sent


@dataclass(frozen=True, slots=True)
class ChatMessage:
    """A person's message as the chat door read it.

    `report` is set when the door knows it is a report (`/new …`, an edit that reports);
    `reporter` names who wrote it when someone else asked to record it (`/new` as a reply:
    `origin` is then the message recorded, `answer_to` the one that asked).
    `forwarded` is the line appended to a report forwarded in private (who wrote it).
    """

    actor: Actor
    origin: ChatOrigin
    text: str
    default_source: Source
    replied: Replied | None = None
    private_forward: bool = False
    forwarded: str | None = None
    report: tuple[Source, str] | None = None
    reporter: str | None = None
    answer_to: int | None = None


class Answering(Protocol):
    """How the door words its answers: each returns the outbox payload of a reply."""

    def card(
        self, incident: Incident, files: Sequence[Attachment], *, reply_to: int, topic: int | None
    ) -> dict[str, Any]:
        """The incident's card, with its buttons."""

    def noted(self, incident: Incident, *, reply_to: int, topic: int | None) -> dict[str, Any]:
        """Saying a note was added to the incident."""


class Taken(StrEnum):
    """What a chat message turned out to be."""

    REPORTED = "reported"
    NOTED = "noted"
    REPEATED = "repeated"  # delivered again: recorded and answered the first time
    KNOWN = "known"  # asked to record a message that is an incident's already: its card
    CHATTER = "chatter"  # nothing for the bot (it may still offer to record it)


@dataclass(frozen=True, slots=True)
class HeldAnswer:
    """An answer queued in the outbox and held for the door to send now; the sender delivers
    it once the hold lapses if the door never settles it (a crash)."""

    id: int
    chat_id: int
    incident_id: int | None
    payload: dict[str, Any]
    attempts: int = 1


@dataclass(frozen=True, slots=True)
class Intake:
    """The outcome of taking a chat message, and the answer to send for it."""

    taken: Taken
    incident: Incident | None = None
    answer: HeldAnswer | None = None


async def take_message(runtime: Runtime, message: ChatMessage, *, answering: Answering) -> Intake:
    """Record what a chat message is (a note, a report, or nothing), once however often it is
    delivered, with its answer queued in the same transaction."""
    replied = message.replied
    link = None
    if replied is not None:
        link = await _replied_link(runtime, message.origin.chat_id, replied)
    note_to = None
    if link is not None and link.incident_id is not None and link.role in ABOUT_ONE_INCIDENT:
        note_to = link.incident_id
    form = message.report
    if form is None and note_to is None:
        form = _report_of(message, prompted=link is not None and link.role is LinkRole.PROMPT)
    if note_to is None and form is None:
        return Intake(Taken.CHATTER)
    async with runtime.database.transaction() as tx:
        this = message.origin.message
        assert this is not None, "a chat message has an id"
        asker = _asker(message)
        if asker is not None and await chats.link_of(tx.connection, asker.message) is not None:
            return Intake(Taken.REPEATED)
        earlier = await chats.link_of(tx.connection, this)
        if earlier is not None and (asker is None or earlier.incident_id is None):
            return Intake(Taken.REPEATED)
        if earlier is not None:
            assert earlier.incident_id is not None
            intake = await _known(tx, runtime, message, earlier.incident_id, answering)
        elif note_to is not None:
            intake = await _note(tx, runtime, message, note_to, answering)
        else:
            assert form is not None
            intake = await _report(tx, runtime, message, form, answering)
        if asker is not None and intake.incident is not None:
            asked = replace(asker, incident_id=intake.incident.id)
            await chats.insert_link(tx.connection, asked, now=runtime.clock.now())
        await tx.commit()
    return intake


def _asker(message: ChatMessage) -> Link | None:
    """The message that asked to record another's (`/new` as a reply), tied as a command."""
    if message.answer_to is None:
        return None
    asked = Thread(message.origin.chat_id, message.answer_to)
    return Link(asked, None, LinkRole.COMMAND, topic=message.origin.topic)


async def _known(
    tx: Transaction, runtime: Runtime, message: ChatMessage, incident_id: int, answering: Answering
) -> Intake:
    """A message asked to be recorded that is an incident's already: its card again."""
    incident = await incident_store.get_incident(tx.connection, incident_id)
    assert incident is not None, "links refer to incidents by foreign key"
    require_incident_source(message.actor, incident)
    files = await chats.files_of(tx.connection, incident.id)
    topic = message.origin.topic
    payload = answering.card(incident, files, reply_to=_answer_to(message), topic=topic)
    answer = await _hold(tx, runtime, message, incident, payload)
    return Intake(Taken.KNOWN, incident, answer)


def _report_of(message: ChatMessage, *, prompted: bool) -> tuple[Source, str] | None:
    """The report a message makes by its form: an answer to the prompt, a forward in private,
    a tagged text."""
    if prompted:
        return report_form(message.text, message.default_source) or (
            message.default_source,
            message.text,
        )
    if message.private_forward:
        return Source.OPERATOR, message.text
    return parse_source_tag(message.text)


async def _replied_link(runtime: Runtime, chat_id: int, replied: Replied) -> Link | None:
    """What the message replied to is tied to, waiting briefly for a recent bot message's."""
    where = Thread(chat_id, replied.message_id)
    if replied.by_bot:
        return await wait_for_link(runtime, where, sent_at=replied.date)
    async with runtime.database.reads() as conn:
        return await chats.link_of(conn, where)


async def _note(
    tx: Transaction, runtime: Runtime, message: ChatMessage, incident_id: int, answering: Answering
) -> Intake:
    require(message.actor, Permission.CHANGE)
    note = clean_text(message.text, field="description_append")
    current = await incident_store.get_incident(tx.connection, incident_id, for_update=True)
    if current is None:
        raise IncidentNotFound(incident_id)
    require_incident_source(message.actor, current)
    now = runtime.clock.now()
    changed = await apply_change(
        tx, current, Wanted(note=note), actor=message.actor, origin=message.origin, now=now
    )
    origin = message.origin
    assert origin.message is not None, "a chat message has an id"
    this = Link(origin.message, incident_id, LinkRole.NOTE, origin.file, topic=origin.topic)
    await chats.insert_link(tx.connection, this, now=now)
    payload = answering.noted(changed, reply_to=_answer_to(message), topic=message.origin.topic)
    answer = await _hold(tx, runtime, message, changed, payload)
    return Intake(Taken.NOTED, changed, answer)


async def _report(
    tx: Transaction,
    runtime: Runtime,
    message: ChatMessage,
    form: tuple[Source, str],
    answering: Answering,
) -> Intake:
    require(message.actor, Permission.REPORT)
    source, text = form
    require_source(message.actor, source)
    if message.forwarded is not None:
        text = f"{text}\n\n{message.forwarded}"
    description = clean_text(text, field="description")
    incident = await write_report(
        tx,
        description=description,
        source=source,
        reporter=message.reporter or message.actor.name,
        actor=message.actor,
        origin=message.origin,
        now=runtime.clock.now(),
    )
    files = await chats.files_of(tx.connection, incident.id)
    payload = answering.card(
        incident, files, reply_to=_answer_to(message), topic=message.origin.topic
    )
    answer = await _hold(tx, runtime, message, incident, payload)
    return Intake(Taken.REPORTED, incident, answer)


def _answer_to(message: ChatMessage) -> int:
    if message.answer_to is not None:
        return message.answer_to
    assert message.origin.message_id is not None
    return message.origin.message_id


async def _hold(
    tx: Transaction,
    runtime: Runtime,
    message: ChatMessage,
    incident: Incident,
    payload: dict[str, Any],
) -> HeldAnswer:
    """Queue the answer, held by this door for a lease: sent now, or by the sender later."""
    now = runtime.clock.now()
    chat_id = message.origin.chat_id
    queued = outbox.Queued(
        kind=NoticeKind.REPLY,
        incident_id=incident.id,
        chat_id=chat_id,
        actor=message.actor.name,
        payload=payload,
    )
    reply_id = await outbox.enqueue_held(tx.connection, queued, now=now, held_until=now + LEASE)
    return HeldAnswer(reply_id, chat_id, incident.id, payload)


async def answer_sent(
    runtime: Runtime, answer: HeldAnswer, *, posted: Thread, role: LinkRole | None
) -> None:
    """Record a held answer as delivered, tied to its incident as `role`, in one step."""
    now = runtime.clock.now()
    try:
        async with runtime.database.transaction() as tx:
            await outbox.mark_sent(tx.connection, answer.id, now=now)
            if role is not None:
                topic = answer.payload.get("topic")
                link = Link(posted, answer.incident_id, role, topic=topic)
                await chats.insert_link(tx.connection, link, now=now)
            await tx.commit()
    except UniqueViolation:
        await answer_sent(runtime, answer, posted=posted, role=None)


async def answer_failed(
    runtime: Runtime, answer: HeldAnswer, *, error: str, reason: FailureReason | None
) -> None:
    """A held answer Telegram did not take: given up now for a `reason` retrying cannot mend,
    else left to the sender, which retries it in its chat's order."""
    now = runtime.clock.now()
    async with runtime.database.transaction() as tx:
        await outbox.mark_failed(
            tx.connection,
            answer.id,
            error=error,
            retry_at=now + retry_delay(answer.attempts),
            now=now,
            give_up=reason is not None,
            reason=reason,
        )
        await tx.commit()


async def wait_for_link(runtime: Runtime, replied: Thread, *, sent_at: int) -> Link | None:
    """The link of a bot message replied to, waiting up to LINK_WAIT_SECONDS for a recent one."""
    deadline = asyncio.get_running_loop().time() + LINK_WAIT_SECONDS
    # Telegram's dates are wall-clock seconds: compared with the wall clock, not the registry's.
    recent = time.time() - sent_at <= RECENT_SECONDS
    while True:
        async with runtime.database.reads() as conn:
            link = await chats.link_of(conn, replied)
        if link is not None or not recent or asyncio.get_running_loop().time() >= deadline:
            return link
        await asyncio.sleep(0.05)
