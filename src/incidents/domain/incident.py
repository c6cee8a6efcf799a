"""The incident: its statuses, sources, transition table and text rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Self

from incidents.domain.errors import IllegalTransition, InvalidInput

DESCRIPTION_MAX_LENGTH = 10_000


class CaseInsensitiveEnum(StrEnum):
    """A string enum that accepts its values in any letter case (`NEW` is `new`)."""

    @classmethod
    def _missing_(cls, value: object) -> Self | None:
        if isinstance(value, str):
            lowered = value.lower()
            for member in cls:
                if member.value == lowered:
                    return member
        return None


class Status(CaseInsensitiveEnum):
    """Where an incident is in its lifecycle."""

    NEW = "new"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Source(CaseInsensitiveEnum):
    """Who reported an incident."""

    OPERATOR = "operator"
    MONITORING = "monitoring"
    PARTNER = "partner"


# The only status changes a person may make; everything else is refused.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.NEW: (Status.IN_PROGRESS,),
    Status.IN_PROGRESS: (Status.RESOLVED,),
    Status.RESOLVED: (Status.IN_PROGRESS, Status.CLOSED),
    Status.CLOSED: (),
}


def allowed_next(current: Status) -> tuple[Status, ...]:
    """The statuses an incident in `current` may move to."""
    return TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    """Raise IllegalTransition unless `current -> target` is allowed or a no-op."""
    if target != current and target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target, TRANSITIONS[current])


def clean_text(value: str, *, field: str) -> str:
    """Trim `value` and check it is 1..DESCRIPTION_MAX_LENGTH characters."""
    cleaned = value.strip()
    if not cleaned:
        raise InvalidInput(field, f"{field} must not be blank.")
    if len(cleaned) > DESCRIPTION_MAX_LENGTH:
        raise InvalidInput(
            field, f"{field} is {len(cleaned)} characters long; at most {DESCRIPTION_MAX_LENGTH}."
        )
    return cleaned


def append_note(description: str, note: str) -> str:
    """The description with `note` appended on a new line."""
    return f"{description}\n{note}"


@dataclass(frozen=True, slots=True)
class Incident:
    """An incident as stored: plain data handed from the service to the doors."""

    id: int
    description: str
    status: Status
    source: Source
    version: int
    created_by: str
    created_at: datetime
    updated_at: datetime
