"""Incidents written whole inside a use case's transaction: a new report, or one change,
each with its events and its notices (or chat links)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

from incidents.db import audit as trail
from incidents.db import changes as change_store
from incidents.db import chats, reports
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
    searchable_text,
)
from incidents.domain.notifications import ChatOrigin, Link, LinkRole, is_chat_actor
from incidents.domain.webhooks import Written, body_pieces, event_pieces
from incidents.service.outbox import announce_change, announce_created, announce_merged
from incidents.service.webhooks import tell_hooks


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


async def write_report_at_once(
    driver: Any, *, description: str, source: Source, actor: Actor, now: datetime
) -> Incident:
    """Write a new incident reported by `actor` outside chats with its `created` event, its
    announcement and its webhook deliveries, in one statement on a driver connection
    (PostgreSQL)."""
    event = audit.created()
    # The incident as the statement writes it (db/reports.py), but for the id it makes.
    reported = Incident(
        id=0,
        description=description,
        status=Status.NEW,
        source=source,
        version=1,
        created_by=actor.name,
        created_at=now,
        updated_at=now,
        dedup_key=None,
        occurrences=1,
        last_seen_at=now,
        details=None,
    )
    told = _written(reported, [(0, event)], actor, now, created=True)
    return await reports.insert_report(
        driver,
        description=description,
        source=source,
        reporter=actor.name,
        actor=actor.name,
        request_id=actor.request_id,
        client_request_id=actor.client_request_id,
        event_data=event.data,
        body_pieces=body_pieces(told),
        now=now,
    )


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
    event = audit.created(reported_by=None if reporter == actor.name else reporter)
    [created] = await trail.insert_events(
        tx.connection, incident.id, [event], actor=actor.name, request=actor, now=now
    )
    await tell_hooks(tx, [_written(incident, [(created, event)], actor, now, created=True)])
    message = None if origin is None else origin.message
    if origin is None:
        await announce_created(tx, incident, actor, event_id=created, now=now)
    elif message is not None:
        report = Link(
            message, incident.id, LinkRole.REPORT, origin.file, origin.edit_date, origin.topic
        )
        await chats.insert_link(tx.connection, report, now=now)
    return incident


@dataclass(frozen=True, slots=True)
class Decision:
    """What an allowed change writes: the new state and the events that tell of it."""

    status: Status
    resolution: Resolution | None
    assignee: str | None
    happened: list[audit.NewEvent]
    into: Incident | None
    note: str | None
    description: str


def decide_change(
    current: Incident, wanted: Wanted, *, actor: Actor, root: Incident | None = None
) -> Decision | None:
    """The change `wanted` makes to `current` (folded into `root` if given), or None when it
    changes nothing. Raises IllegalTransition or InvalidInput when it is not allowed."""
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
        return None
    note = wanted.note
    description = current.description if note is None else append_note(current.description, note)
    return Decision(status, resolution, assignee, happened, into, note, description)


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
    decision = decide_change(current, wanted, actor=actor, root=root)
    if decision is None:
        return current
    into, note = decision.into, decision.note
    changed = await incident_store.update_incident(
        tx.connection,
        current,
        description=decision.description,
        status=decision.status,
        now=now,
        assignee=decision.assignee,
        resolution=decision.resolution,
        duplicate_of=current.duplicate_of if into is None else into.id,
    )
    written = await trail.insert_events(
        tx.connection, current.id, decision.happened, actor=actor.name, request=actor, now=now
    )
    hooked = [_written(changed, list(zip(written, decision.happened, strict=True)), actor, now)]
    if into is not None:
        hooked.append(await _fold(tx, changed, into, actor=actor, now=now))
    await tell_hooks(tx, hooked)
    told_in = Told(event_id=written[-1], into=into, note=note, origin=origin)
    await _announce(tx, current, changed, actor=actor, told=told_in, now=now)
    return changed


async def write_change_at_once(
    driver: Any, current: Incident, decision: Decision, *, actor: Actor, now: datetime
) -> Incident | None:
    """Write a change made outside chats that folds nothing, with its events and notices, in
    one statement on a driver connection (PostgreSQL); None when `current` is no longer the
    stored version (read again and decide anew). Webhook deliveries go with it."""
    assert decision.into is None, "folding takes the locking path"
    told = decision.status != current.status or decision.note is not None
    # The incident as the statement writes it (db/changes.py), its events' ids to come.
    after = replace(
        current,
        description=decision.description,
        status=decision.status,
        assignee=decision.assignee,
        resolution=decision.resolution,
        version=current.version + 1,
        updated_at=now,
    )
    hooked = _written(after, [(0, event) for event in decision.happened], actor, now)
    return await change_store.write_change(
        driver,
        current,
        description=decision.description,
        search_text=searchable_text(decision.description),
        status=decision.status,
        assignee=decision.assignee,
        resolution=decision.resolution,
        events=[(event.kind.value, event.data) for event in decision.happened],
        actor=actor.name,
        request_id=actor.request_id,
        client_request_id=actor.client_request_id,
        notify=told,
        moved_from=current.status if decision.status != current.status else None,
        note=decision.note,
        announce_if_unfollowed=not is_chat_actor(current.created_by),
        body_pieces=event_pieces(hooked),
        now=now,
    )


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


def _written(
    incident: Incident,
    events: list[tuple[int, audit.NewEvent]],
    actor: Actor,
    now: datetime,
    *,
    created: bool = False,
) -> Written:
    """A change as the webhooks tell of it."""
    return Written(
        incident=incident,
        events=events,
        actor=actor.name,
        request_id=actor.request_id,
        client_request_id=actor.client_request_id,
        at=now,
        created=created,
    )


async def _fold(
    tx: Transaction, duplicate: Incident, root: Incident, *, actor: Actor, now: datetime
) -> Written:
    """Count `duplicate`'s occurrences on `root` and move its own duplicates there too; the
    root's change, for the webhooks."""
    await incident_store.repoint_duplicates(tx.connection, former=duplicate.id, root=root.id)
    occurrences = root.occurrences + duplicate.occurrences
    grown = await incident_store.update_incident(
        tx.connection,
        root,
        description=root.description,
        status=root.status,
        now=now,
        occurrences=occurrences,
    )
    added = audit.duplicate_added(duplicate.id, occurrences)
    [event_id] = await trail.insert_events(
        tx.connection, root.id, [added], actor=actor.name, request=actor, now=now
    )
    return _written(grown, [(event_id, added)], actor, now)
