"""One change of an incident written whole: its new state, its events and its notices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from incidents.db import queries
from incidents.db.engine import Transaction
from incidents.domain import events
from incidents.domain.access import Actor
from incidents.domain.incident import (
    EARLY_CLOSE_RESOLUTIONS,
    Incident,
    Resolution,
    Status,
    append_note,
    assignee_after,
    resolution_after,
)
from incidents.domain.notifications import ChatOrigin
from incidents.service.outbox import announce_change, announce_merged


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
    happened = events.changes(current.status, status, wanted.note, resolution=told)
    if assignee != had:
        happened.append(events.assigned(had, assignee))
    folding = root is not None and current.duplicate_of is None
    if folding and root is not None:
        happened.append(events.marked_duplicate(root.id))
    if not happened:
        return current
    note = wanted.note
    changed = await queries.update_incident(
        tx.connection,
        current,
        description=current.description if note is None else append_note(current.description, note),
        status=status,
        now=now,
        assignee=assignee,
        resolution=resolution,
        duplicate_of=root.id if folding and root is not None else current.duplicate_of,
    )
    await queries.insert_events(
        tx.connection, current.id, happened, actor=actor.name, request=actor, now=now
    )
    origin_chat = None if origin is None else origin.chat_id
    if folding and root is not None:
        await _fold(tx, changed, root, actor=actor, now=now)
        await announce_merged(tx, changed, actor, into=root.id, origin_chat=origin_chat, now=now)
    elif status != current.status or note is not None:
        await announce_change(
            tx,
            changed,
            actor,
            moved_from=current.status if status != current.status else None,
            note=note,
            origin_chat=origin_chat,
            now=now,
        )
    return changed


async def _fold(
    tx: Transaction, duplicate: Incident, root: Incident, *, actor: Actor, now: datetime
) -> None:
    """Count `duplicate`'s occurrences on `root` and move its own duplicates there too."""
    await queries.repoint_duplicates(tx.connection, former=duplicate.id, root=root.id)
    occurrences = root.occurrences + duplicate.occurrences
    await queries.update_incident(
        tx.connection,
        root,
        description=root.description,
        status=root.status,
        now=now,
        occurrences=occurrences,
    )
    added = events.duplicate_added(duplicate.id, occurrences)
    await queries.insert_events(
        tx.connection, root.id, [added], actor=actor.name, request=actor, now=now
    )
