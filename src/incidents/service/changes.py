"""One change of an incident written whole: its new state, its events and its notices."""

from __future__ import annotations

from datetime import datetime

from incidents.db import queries
from incidents.db.engine import Transaction
from incidents.domain import events
from incidents.domain.access import Actor
from incidents.domain.incident import Incident, Status, append_note
from incidents.domain.notifications import ChatOrigin
from incidents.service.outbox import announce_change


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
    await queries.insert_events(
        tx.connection, current.id, happened, actor=actor.name, request_id=actor.request_id, now=now
    )
    await announce_change(
        tx,
        changed,
        actor,
        moved_from=current.status if status != current.status else None,
        note=note,
        origin_chat=None if origin is None else origin.chat_id,
        now=now,
    )
    return changed
