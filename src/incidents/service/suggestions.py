"""Suggestions: untagged messages that read like problem reports, offered to be recorded.

A message is offered once, ever. Record writes the incident, ties the message to it as its
report and the offer to it as its card, in one transaction; No and expiry queue the offer's
deletion in the outbox in the transaction that takes it back, so it goes out whatever fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import snowballstemmer

from incidents.db import chats, outbox
from incidents.db import incidents as incident_store
from incidents.db import suggestions as offers
from incidents.db.engine import Transaction, UniqueViolation
from incidents.domain.access import Actor, Permission, require, require_source
from incidents.domain.actors import ActorId
from incidents.domain.incident import Incident, Source, clean_text
from incidents.domain.notifications import ChatOrigin, Link, LinkRole, NoticeKind, Thread
from incidents.domain.reports import ReportRules, Stemmers
from incidents.domain.suggestions import Suggestion, SuggestionState
from incidents.service.changes import write_report
from incidents.service.runtime import Runtime

# Who takes back the offers nobody answered, as the trail and the outbox name it.
EXPIRY_ACTOR = str(ActorId.system("suggestions"))


def report_rules(
    *, extra_problems: Iterable[str] = (), extra_things: Iterable[str] = ()
) -> ReportRules:
    """The rule set with Snowball's Russian and English stemmers and a deployment's own words."""
    stemmers = Stemmers(
        cyrillic=snowballstemmer.stemmer("russian").stemWord,
        latin=snowballstemmer.stemmer("english").stemWord,
    )
    return ReportRules(stemmers, extra_problems=extra_problems, extra_things=extra_things)


class Outcome(StrEnum):
    """What a press of Record did."""

    RECORDED = "recorded"  # the message is an incident now
    REPEATED = "repeated"  # it was already (a redelivered or second press)
    CLOSED = "closed"  # the offer was declined or expired: nothing to record


@dataclass(frozen=True, slots=True)
class Recorded:
    """The outcome of Record, and the incident the message reported."""

    outcome: Outcome
    incident: Incident | None = None


async def offer(
    runtime: Runtime, *, origin: ChatOrigin, author: str, text: str, ttl: timedelta
) -> bool:
    """Note an offer about a person's message; False when it was answered or offered before."""
    message = origin.message
    assert message is not None, "an offer is about a message"
    now = runtime.clock.now()
    pending = Suggestion(
        message, author, text, origin.file, SuggestionState.PENDING, expires_at=now + ttl
    )
    try:
        async with runtime.database.transaction() as tx:
            if await chats.link_of(tx.connection, message) is not None:
                return False
            await offers.insert(tx.connection, pending, now=now)
            await tx.commit()
    except UniqueViolation:
        return False
    return True


async def posted(runtime: Runtime, message: Thread, *, reply_id: int) -> None:
    """Remember the bot's message making the offer; if it was closed meanwhile, take it back."""
    async with runtime.database.transaction() as tx:
        current = await offers.get(tx.connection, message, for_update=True)
        if current is None:
            return
        await offers.set_reply(tx.connection, message, reply_id=reply_id)
        if current.state in (SuggestionState.DECLINED, SuggestionState.EXPIRED):
            await _take_back(
                tx, message.chat_id, reply_id, actor=EXPIRY_ACTOR, now=runtime.clock.now()
            )
        await tx.commit()


async def record(
    runtime: Runtime, *, message: Thread, actor: Actor, source: Source, card: Thread
) -> Recorded:
    """Record the offered message as an incident reported by its author, with `actor` (who
    pressed Record) named in the `created` event; `card` (the offer) becomes its card."""
    require(actor, Permission.REPORT)
    require_source(actor, source)
    now = runtime.clock.now()
    async with runtime.database.transaction() as tx:
        current = await offers.get(tx.connection, message, for_update=True)
        if current is None or current.state in (SuggestionState.DECLINED, SuggestionState.EXPIRED):
            return Recorded(Outcome.CLOSED)
        if current.state is SuggestionState.RECORDED:
            assert current.incident_id is not None, "a recorded offer names its incident"
            incident = await incident_store.get_incident(tx.connection, current.incident_id)
            return Recorded(Outcome.REPEATED, incident)
        link = await chats.link_of(tx.connection, message)
        if link is not None and link.incident_id is not None:  # an edit tagged it meanwhile
            incident = await incident_store.get_incident(tx.connection, link.incident_id)
            await _settle_recorded(tx, message, link.incident_id, card=card, by=actor, now=now)
            await tx.commit()
            return Recorded(Outcome.REPEATED, incident)
        incident = await write_report(
            tx,
            description=clean_text(current.text, field="description"),
            source=source,
            reporter=current.author,
            actor=actor,
            origin=ChatOrigin(message.chat_id, message.message_id, file=current.file),
            now=now,
        )
        await _settle_recorded(tx, message, incident.id, card=card, by=actor, now=now)
        await tx.commit()
    return Recorded(Outcome.RECORDED, incident)


async def decline(runtime: Runtime, *, message: Thread, actor: Actor, reply: Thread) -> bool:
    """Take back the offer about `message` (the bot's `reply`); False when it was not open."""
    require(actor, Permission.REPORT)
    now = runtime.clock.now()
    async with runtime.database.transaction() as tx:
        current = await offers.get(tx.connection, message, for_update=True)
        if current is None or current.state is not SuggestionState.PENDING:
            return False
        await offers.settle(
            tx.connection, message, state=SuggestionState.DECLINED, by=actor.name, now=now
        )
        reply_id = current.reply_id or reply.message_id
        await _take_back(tx, reply.chat_id, reply_id, actor=actor.name, now=now)
        await tx.commit()
    return True


async def expire_due(runtime: Runtime) -> int:
    """Take back every offer nobody answered in time; returns how many. Any number of
    processes may run this at once: each offer expires in exactly one of them."""
    now = runtime.clock.now()
    async with runtime.database.reads() as conn:
        if not await offers.any_due(conn, now=now):
            return 0
    async with runtime.database.transaction() as tx:
        expired = await offers.expire_due(tx.connection, now=now, by=EXPIRY_ACTOR)
        for offered in expired:
            if offered.reply_id is not None:
                chat_id = offered.message.chat_id
                await _take_back(tx, chat_id, offered.reply_id, actor=EXPIRY_ACTOR, now=now)
        await tx.commit()
    return len(expired)


async def revise(runtime: Runtime, *, message: Thread, text: str) -> bool:
    """An edit of a message: a pending offer takes its text. Returns whether the message was
    ever offered (then it is never offered again)."""
    async with runtime.database.transaction() as tx:
        current = await offers.get(tx.connection, message, for_update=True)
        if current is None:
            return False
        if current.state is SuggestionState.PENDING:
            await offers.revise(tx.connection, message, text=text)
            await tx.commit()
    return True


async def _settle_recorded(
    tx: Transaction, message: Thread, incident_id: int, *, card: Thread, by: Actor, now: datetime
) -> None:
    """Mark the offer recorded, and make the bot's offer the incident's card."""
    await offers.settle(
        tx.connection,
        message,
        state=SuggestionState.RECORDED,
        by=by.name,
        now=now,
        incident_id=incident_id,
    )
    await chats.insert_link(tx.connection, Link(card, incident_id, LinkRole.CARD), now=now)


async def _take_back(
    tx: Transaction, chat_id: int, reply_id: int, *, actor: str, now: datetime
) -> None:
    """Queue the deletion of the bot's offer, in the transaction that closes it."""
    await outbox.enqueue(
        tx.connection,
        kind=NoticeKind.DELETE,
        incident_id=None,
        chat_id=chat_id,
        actor=actor,
        payload={"message_id": reply_id},
        now=now,
    )
