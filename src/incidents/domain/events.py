"""The audit trail: what happened to an incident, by whom, append-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from incidents.domain.incident import Status


class EventKind(StrEnum):
    """Kinds of change the trail records."""

    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    NOTE_ADDED = "note_added"
    # Monitoring's doing, not a person's: each says so by its kind, with `from` and `to`
    # where the status moved, so a reader following status moves reads those fields too.
    OCCURRED_AGAIN = "occurred_again"
    REOPENED = "reopened"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be written, with its kind-specific data."""

    kind: EventKind
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    """An event as stored."""

    id: int
    incident_id: int
    kind: EventKind
    actor: str
    request_id: str | None
    created_at: datetime
    data: dict[str, Any]


def created(*, reported_by: str | None = None) -> NewEvent:
    """The event of an incident being reported; `reported_by` when another person wrote it."""
    return NewEvent(EventKind.CREATED, {} if reported_by is None else {"reported_by": reported_by})


def changes(before: Status, after: Status, note: str | None) -> list[NewEvent]:
    """The events of one change: a status move and/or an appended note."""
    found = []
    if after != before:
        found.append(NewEvent(EventKind.STATUS_CHANGED, {"from": before.value, "to": after.value}))
    if note is not None:
        found.append(NewEvent(EventKind.NOTE_ADDED, {"text": note}))
    return found


def occurred_again(occurrences: int) -> NewEvent:
    """The event of an open incident's alert firing again, with the new count."""
    return NewEvent(EventKind.OCCURRED_AGAIN, {"occurrences": occurrences})


def reopened(before: Status, after: Status, occurrences: int, *, reported_by: str) -> NewEvent:
    """The event of a resolved incident going back to work because its alert fired again."""
    return NewEvent(
        EventKind.REOPENED,
        {
            "from": before.value,
            "to": after.value,
            "occurrences": occurrences,
            "reported_by": reported_by,
        },
    )


def resolved(before: Status, *, reported_by: str) -> NewEvent:
    """The event of monitoring resolving an incident because its alert cleared."""
    return NewEvent(
        EventKind.RESOLVED,
        {"from": before.value, "to": Status.RESOLVED.value, "reported_by": reported_by},
    )
