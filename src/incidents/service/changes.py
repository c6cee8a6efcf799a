"""Incidents written whole inside a use case's transaction: a new report, or one change,
each with its events and its notices (or chat links)."""

from __future__ import annotations

from datetime import datetime

from incidents.db import chats, queries
from incidents.db.engine import Transaction
from incidents.domain import events
from incidents.domain.access import Actor
from incidents.domain.incident import Incident, Source, Status, append_note
from incidents.domain.notifications import ChatOrigin, Link, LinkRole
from incidents.service.outbox import announce_change, announce_created


async def write_report(
    tx: Transaction,
    *,
    description: str,
    source: Source,
    reporter: str,
    actor: Actor,
    origin: ChatOrigin | None,
    now: datetime,
) -> Incident:
    """Write a new incident with its `created` event, inside `tx`.

    `reporter` wrote it; `actor` recorded it (the same person, unless someone recorded
    another's chat message). From a chat its message is tied to it as the report, so the
    chat follows it; reported elsewhere, it is announced.
    """
    incident = await queries.insert_incident(
        tx.connection,
        description=description,
        source=source,
        status=Status.NEW,
        created_by=reporter,
        now=now,
    )
    [created] = await queries.insert_events(
        tx.connection,
        incident.id,
        [events.created(reported_by=None if reporter == actor.name else reporter)],
        actor=actor.name,
        request_id=actor.request_id,
        now=now,
    )
    message = None if origin is None else origin.message
    if origin is None:
        await announce_created(tx, incident, actor, event_id=created, now=now)
    elif message is not None:
        report = Link(message, incident.id, LinkRole.REPORT, origin.file, origin.edit_date)
        await chats.insert_link(tx.connection, report, now=now)
    return incident


async def apply_change(
    tx: Transaction,
    current: Incident,
    *,
    status: Status,
    note: str | None,
    actor: Actor,
    origin: ChatOrigin | None,
    now: datetime,
) -> Incident:
    """Write an allowed change of a locked incident with its events and notices, inside `tx`.

    Returns `current` itself when nothing changes.
    """
    happened = events.changes(current.status, status, note)
    if not happened:
        return current
    description = current.description if note is None else append_note(current.description, note)
    changed = await queries.update_incident(
        tx.connection, current, description=description, status=status, now=now
    )
    written = await queries.insert_events(
        tx.connection, current.id, happened, actor=actor.name, request_id=actor.request_id, now=now
    )
    await announce_change(
        tx,
        changed,
        actor,
        moved_from=current.status if status != current.status else None,
        note=note,
        event_id=written[-1],
        origin_chat=None if origin is None else origin.chat_id,
        now=now,
    )
    return changed
