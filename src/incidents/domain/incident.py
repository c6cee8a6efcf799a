"""The incident: its statuses, sources, transition table and text rules."""

from __future__ import annotations

import re
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


class Verb(StrEnum):
    """What a person does to move an incident, as buttons and commands name it."""

    TAKE = "take"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"


VERB_TARGET: dict[Verb, Status] = {
    Verb.TAKE: Status.IN_PROGRESS,
    Verb.RESOLVE: Status.RESOLVED,
    Verb.REOPEN: Status.IN_PROGRESS,
    Verb.CLOSE: Status.CLOSED,
}


def verb_for(current: Status, target: Status) -> Verb:
    """The verb of an allowed move: back to in_progress from resolved is a reopen."""
    if current == Status.RESOLVED and target == Status.IN_PROGRESS:
        return Verb.REOPEN
    return next(verb for verb, goal in VERB_TARGET.items() if goal == target)


_SOURCE_TAG = re.compile(
    r"^\s*\[(operator|monitoring|partner)\]\s*(.*)$", re.IGNORECASE | re.DOTALL
)


def parse_source_tag(text: str) -> tuple[Source, str] | None:
    """`[monitoring] Scooter #42 offline` -> (monitoring, "Scooter #42 offline"); else None."""
    match = _SOURCE_TAG.match(text)
    return None if match is None else (Source(match.group(1)), match.group(2))


def allowed_next(current: Status) -> tuple[Status, ...]:
    """The statuses an incident in `current` may move to."""
    return TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    """Raise IllegalTransition unless `current -> target` is allowed or a no-op."""
    if target != current and target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target, TRANSITIONS[current])


def check_storable(value: str, *, field: str) -> str:
    """Refuse NUL characters, which no database text column can hold."""
    if "\x00" in value:
        raise InvalidInput(field, f"{field} must not contain NUL (\\u0000) characters.")
    return value


def clean_text(value: str, *, field: str) -> str:
    """Trim `value` and check it is 1..DESCRIPTION_MAX_LENGTH storable characters."""
    cleaned = check_storable(value, field=field).strip()
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
