"""Reminders: when an incident nobody moves is pushed back into view, and when that stops."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from incidents.domain.incident import Incident, Status

# A series of reminders about one wait ends after this many: past it, nagging is noise.
MAX_REMINDERS = 4
REMINDERS_COMPONENT = "reminders"  # the actor is `system:reminders`
# The statuses a reminder is about: waiting to be taken, and taken but left alone.
REMINDED_STATUSES = (Status.NEW, Status.IN_PROGRESS)


@dataclass(frozen=True, slots=True)
class ReminderPolicy:
    """How long an incident may wait in each status before a reminder (zero: never)."""

    new_after: timedelta
    in_progress_after: timedelta

    def interval(self, status: Status) -> timedelta | None:
        """The wait before each reminder about an incident in `status`; None: no reminders."""
        after = {Status.NEW: self.new_after, Status.IN_PROGRESS: self.in_progress_after}.get(status)
        return after if after is not None and after > timedelta(0) else None

    @property
    def active(self) -> bool:
        """Whether any reminder is ever due."""
        return any(self.interval(status) for status in REMINDED_STATUSES)

    def check_period_seconds(self) -> float:
        """How often to look for due reminders: a tenth of the shortest wait, 1..30 s."""
        waits = [w for s in REMINDED_STATUSES if (w := self.interval(s)) is not None]
        if not waits:
            return 30.0
        return min(30.0, max(1.0, min(waits).total_seconds() / 10))


def waiting_since(incident: Incident) -> datetime:
    """Where the wait started: a new incident waits from its report, one in progress from
    its last change (a note, a handover)."""
    return incident.created_at if incident.status == Status.NEW else incident.updated_at


def next_due(since: datetime, interval: timedelta, *, sent: int) -> datetime:
    """When the reminder after `sent` earlier ones of a wait is due."""
    return since + interval * (sent + 1)


def still_relevant(incident: Incident, *, status: Status, version: int) -> bool:
    """Whether a queued reminder (about `status`, at `version`) is still worth sending.

    Taking or closing a new incident cancels its reminder; any change of one in progress
    does (its wait starts again).
    """
    if incident.status != status:
        return False
    return status != Status.IN_PROGRESS or incident.version == version


def telegram_handle(actor: str) -> tuple[int, str | None] | None:
    """`telegram:111 (@anna)` -> (111, "anna"); `telegram:222` -> (222, None); others None."""
    if not actor.startswith("telegram:"):
        return None
    rest = actor.removeprefix("telegram:")
    number, _, handle = rest.partition(" ")
    if not (number.isascii() and number.isdigit()):  # '²'.isdigit(), yet int('²') fails
        return None
    handle = handle.strip()
    if handle.startswith("(@") and handle.endswith(")"):
        return int(number), handle[2:-1] or None
    return int(number), None
