"""Incidents written whole inside a use case's transaction: a new report, or one change,
each with its events and its notices (or chat links)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from incidents.db import audit as trail
from incidents.db import chats
from incidents.db import incidents as incident_store
from incidents.db.engine import Transaction
from incidents.domain import audit
from incidents.domain.access import Actor
from incidents.domain.incident import (
    EARLY_CLOSE_RESOLUTIONS,
    Incident,
    Resolution,
    Source,
    Status,
    append_note,
    assignee_after,
    resolution_after,
)
from incidents.domain.notifications import ChatOrigin, Link, LinkRole
from incidents.service.outbox import announce_change, announce_created, announce_merged


class Keep(Enum):
    """A field a change leaves as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a change asks for; `status` None keeps the status."""

    status: Status | None = None
    note: str | None = None
    assignee: str | Keep | None = KEEP
    resolution: Resolution | None = None


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
    incident = await incident_store.insert_incident(
        tx.connection,
        description=description,
        source=source,
        status=Status.NEW,
        created_by=reporter,
        now=now,
    )
    [created] = await trail.insert_events(
        tx.connection,
        incident.id,
        [audit.created(reported_by=None if reporter == actor.name else reporter)],
        actor=actor.name,
        request=actor,
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
    wanted: Wanted,
    *,
    actor: Actor,
    origin: ChatOrigin | None,
    now: datetime,
    root: Incident | None = None,
) -> Incident:
    """Write an allowed change of a locked incident with its events and notices, inside `tx`.

    With `root` (locked too), the incident is closed as its duplicate. Raises
    IllegalTransition or InvalidInput when the change is not allowed; returns `current`
    itself when nothing changes.
    """
    status = current.status if wanted.status is None else wanted.status
    resolution = resolution_after(
        current.status, status, had=current.resolution, asked=wanted.resolution
    )
    had = current.assignee
    assignee = (
        assignee_after(current.status, status, had=had, actor=actor.name)
        if wanted.assignee is KEEP
        else wanted.assignee
    )
    told = resolution if resolution in EARLY_CLOSE_RESOLUTIONS else None
    happened = audit.changes(current.status, status, wanted.note, resolution=told)
    if assignee != had:
        happened.append(audit.assigned(had, assignee))
    # Folded already (the same root: `lock` refuses another), it is not folded again.
    into = root if current.duplicate_of is None else None
    if into is not None:
        happened.append(audit.marked_duplicate(into.id))
    if not happened:
        return current
    note = wanted.note
    changed = await incident_store.update_incident(
        tx.connection,
        current,
        description=current.description if note is None else append_note(current.description, note),
        status=status,
        now=now,
        assignee=assignee,
        resolution=resolution,
        duplicate_of=current.duplicate_of if into is None else into.id,
    )
    written = await trail.insert_events(
        tx.connection, current.id, happened, actor=actor.name, request=actor, now=now
    )
    if into is not None:
        await _fold(tx, changed, into, actor=actor, now=now)
    told_in = Told(event_id=written[-1], into=into, note=note, origin=origin)
    await _announce(tx, current, changed, actor=actor, told=told_in, now=now)
    return changed


@dataclass(frozen=True, slots=True)
class Told:
    """What a change tells the following chats: its last event, where it folded, its note."""

    event_id: int
    into: Incident | None
    note: str | None
    origin: ChatOrigin | None


async def _announce(
    tx: Transaction,
    before: Incident,
    after: Incident,
    *,
    actor: Actor,
    told: Told,
    now: datetime,
) -> None:
    """Queue what the following chats are told: merged, or the move and the note."""
    origin_chat = None if told.origin is None else told.origin.chat_id
    if told.into is not None:
        await announce_merged(
            tx,
            after,
            actor,
            into=told.into.id,
            event_id=told.event_id,
            origin_chat=origin_chat,
            now=now,
        )
    elif after.status != before.status or told.note is not None:
        await announce_change(
            tx,
            after,
            actor,
            moved_from=before.status if after.status != before.status else None,
            note=told.note,
            event_id=told.event_id,
            origin_chat=origin_chat,
            now=now,
        )


async def _fold(
    tx: Transaction, duplicate: Incident, root: Incident, *, actor: Actor, now: datetime
) -> None:
    """Count `duplicate`'s occurrences on `root` and move its own duplicates there too."""
    await incident_store.repoint_duplicates(tx.connection, former=duplicate.id, root=root.id)
    occurrences = root.occurrences + duplicate.occurrences
    await incident_store.update_incident(
        tx.connection,
        root,
        description=root.description,
        status=root.status,
        now=now,
        occurrences=occurrences,
    )
    added = audit.duplicate_added(duplicate.id, occurrences)
    await trail.insert_events(
        tx.connection, root.id, [added], actor=actor.name, request=actor, now=now
    )
