"""What the console's templates show, prepared from the use cases' plain data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from incidents.domain.audit import Event, EventKind
from incidents.domain.incident import Incident, Resolution, Source, Status
from incidents.web.errors import InvalidChoice
from incidents.web.listing import age, first_line, timestamp
from incidents.web.people import person_name
from incidents.web.texts import Texts, counted

E = TypeVar("E", Status, Source)


def choice(kind: type[E], raw: str) -> E:
    """The member of `kind` a form sent; raises InvalidChoice for anything else."""
    try:
        return kind(raw)
    except ValueError:
        raise InvalidChoice() from None


@dataclass(frozen=True, slots=True)
class IncidentRow:
    """One line of the incident list."""

    id: int
    status: Status
    source: Source
    summary: str
    status_text: str
    age: str
    created_at: datetime
    created_text: str
    reporter: str
    owner: str | None


def incident_rows(items: list[Incident], *, now: datetime, t: Texts) -> list[IncidentRow]:
    """The list's rows for `items`."""
    return [
        IncidentRow(
            id=item.id,
            status=item.status,
            source=item.source,
            summary=first_line(item.description),
            status_text=status_text(item, t),
            age=age(item.created_at, now, t),
            created_at=item.created_at,
            created_text=timestamp(item.created_at),
            reporter=item.created_by,
            owner=item.assignee,
        )
        for item in items
    ]


def status_text(incident: Incident, t: Texts) -> str:
    """The status with how it ended: `Closed · false alarm`, `Закрыт · дубликат #7`."""
    return ended_text(incident.status, incident.resolution, incident.duplicate_of, t)


def ended_text(
    status: Status, resolution: Resolution | None, duplicate_of: int | None, t: Texts
) -> str:
    """`status` in words, with how it ended when it did: `Resolved · fixed`."""
    said = t.statuses[status]
    if resolution is None:
        return said
    if resolution == Resolution.DUPLICATE and duplicate_of is not None:
        return t.ended_duplicate.format(status=said, id=duplicate_of)
    return t.ended.format(status=said, resolution=t.resolutions[resolution])


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    """One event of an incident's history: who did what, when, and the note if one was added."""

    actor: str
    what: str
    at: datetime
    at_text: str
    note: str | None


def timeline(events: list[Event], *, t: Texts) -> list[TimelineEntry]:
    """The history entries of `events`, oldest first."""
    return [
        TimelineEntry(
            actor=event.actor,
            what=_what(event, t),
            at=event.created_at,
            at_text=timestamp(event.created_at),
            note=event.data.get("text") if event.kind == EventKind.NOTE_ADDED else None,
        )
        for event in events
    ]


def notes_in(events: list[Event]) -> list[str]:
    """The texts of the notes among `events`, in their order."""
    return [str(e.data.get("text", "")) for e in events if e.kind == EventKind.NOTE_ADDED]


def _what(event: Event, t: Texts) -> str:
    if event.kind == EventKind.CREATED:
        return t.event_created
    if event.kind == EventKind.STATUS_CHANGED:
        moved = t.event_status_changed.format(
            before=_status_name(event.data.get("from"), t),
            after=_status_name(event.data.get("to"), t),
        )
        ended = event.data.get("resolution")
        return moved if ended is None else f"{moved} ({_resolution_name(ended, t)})"
    if event.kind in _FOLDING:
        return _folding(event, t)
    if event.kind == EventKind.NOTE_ADDED:
        return t.event_note_added
    if event.kind == EventKind.OCCURRED_AGAIN:
        return t.event_occurred_again.format(times=_times(event.data.get("occurrences"), t))
    moves = {EventKind.REOPENED: t.event_reopened, EventKind.RESOLVED: t.event_resolved}
    if event.kind in moves:
        return moves[event.kind].format(
            before=_status_name(event.data.get("from"), t),
            after=_status_name(event.data.get("to"), t),
        )
    return str(event.kind)


_FOLDING = (EventKind.ASSIGNED, EventKind.MARKED_DUPLICATE, EventKind.DUPLICATE_ADDED)


def _folding(event: Event, t: Texts) -> str:
    data = event.data
    if event.kind == EventKind.ASSIGNED:
        owner = data.get("to")
        if owner is None:
            return t.event_unassigned
        # A take makes its taker the owner: the history says so in words.
        if owner == event.actor:
            return t.event_took
        return t.event_assigned.format(owner=person_name(str(owner), t))
    if event.kind == EventKind.MARKED_DUPLICATE:
        return t.event_marked_duplicate.format(id=data.get("duplicate_of", "?"))
    return t.event_duplicate_added.format(
        id=data.get("duplicate", "?"), times=_times(data.get("occurrences"), t)
    )


def _times(raw: object, t: Texts) -> str:
    return counted(t.times, raw, t.lang) if isinstance(raw, int) else "?"


def _resolution_name(raw: object, t: Texts) -> str:
    try:
        return t.resolutions[Resolution(str(raw))]
    except ValueError:
        return str(raw)


def _status_name(raw: object, t: Texts) -> str:
    try:
        return t.statuses[Status(str(raw))]
    except ValueError:
        return str(raw)
