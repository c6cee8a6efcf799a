"""The audit trail: what happened to an incident, by whom, append-only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from incidents.domain.incident import Resolution, Status


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
    # Who is on it: `from` and `to` actor names (null: nobody).
    ASSIGNED = "assigned"
    # Folded into another incident (`duplicate_of`), and that incident's side (`duplicate`).
    MARKED_DUPLICATE = "marked_duplicate"
    DUPLICATE_ADDED = "duplicate_added"
    # A reminder queued about an incident nobody moved (`status`, `number`, `waited_seconds`).
    REMINDED = "reminded"


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
    client_request_id: str | None = None


def created(*, reported_by: str | None = None) -> NewEvent:
    """The event of an incident being reported; `reported_by` when another person wrote it."""
    return NewEvent(EventKind.CREATED, {} if reported_by is None else {"reported_by": reported_by})


def changes(
    before: Status,
    after: Status,
    note: str | None,
    *,
    resolution: Resolution | None = None,
) -> list[NewEvent]:
    """The events of one change: a status move (with the resolution it ends in) and/or a note."""
    found = []
    if after != before:
        data: dict[str, Any] = {"from": before.value, "to": after.value}
        if resolution is not None:
            data["resolution"] = resolution.value
        found.append(NewEvent(EventKind.STATUS_CHANGED, data))
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


def resolved(before: Status, *, reported_by: str, sent: dict[str, Any] | None = None) -> NewEvent:
    """The event of monitoring resolving an incident because its alert cleared; `sent`: what
    the all-clear brought besides its key (its summary, its details)."""
    data = {"from": before.value, "to": Status.RESOLVED.value, "reported_by": reported_by}
    return NewEvent(EventKind.RESOLVED, {**(sent or {}), **data})


def assigned(before: str | None, after: str | None) -> NewEvent:
    """The event of an incident handed from `before` to `after` (None: nobody)."""
    return NewEvent(EventKind.ASSIGNED, {"from": before, "to": after})


def marked_duplicate(duplicate_of: int) -> NewEvent:
    """The event on an incident closed as a duplicate of `duplicate_of`."""
    return NewEvent(EventKind.MARKED_DUPLICATE, {"duplicate_of": duplicate_of})


def duplicate_added(duplicate: int, occurrences: int) -> NewEvent:
    """The event on an incident that `duplicate` was folded into, with its new count."""
    return NewEvent(EventKind.DUPLICATE_ADDED, {"duplicate": duplicate, "occurrences": occurrences})


def reminded(status: Status, *, number: int, waited_seconds: int) -> NewEvent:
    """The event of a reminder queued: the `number`-th about a wait in `status` this long."""
    return NewEvent(
        EventKind.REMINDED,
        {"status": status.value, "number": number, "waited_seconds": waited_seconds},
    )
