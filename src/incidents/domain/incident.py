"""The incident: its statuses, sources, transition table and text rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

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


# The tags a chat message may start with, English and Russian, matched in any letter case.
SOURCE_TAGS: dict[str, Source] = {
    "operator": Source.OPERATOR,
    "monitoring": Source.MONITORING,
    "partner": Source.PARTNER,
    "оператор": Source.OPERATOR,
    "мониторинг": Source.MONITORING,
    "партнёр": Source.PARTNER,
    "партнер": Source.PARTNER,
}
_SOURCE_TAG = re.compile(r"^\s*\[([^\[\]\n]{1,20})\]\s*(.*)$", re.DOTALL)


def parse_source_tag(text: str) -> tuple[Source, str] | None:
    """`[monitoring] Scooter #42 offline` -> (monitoring, "Scooter #42 offline"); else None."""
    match = _SOURCE_TAG.match(text)
    if match is None:
        return None
    source = SOURCE_TAGS.get(match.group(1).strip().casefold())
    return None if source is None else (source, match.group(2))


# Open is anything not closed: closed is final (the table gives it no way out).
OPEN_STATUSES: tuple[Status, ...] = tuple(status for status in Status if TRANSITIONS[status])


def allowed_next(current: Status) -> tuple[Status, ...]:
    """The statuses an incident in `current` may move to."""
    return TRANSITIONS[current]


def check_transition(current: Status, target: Status) -> None:
    """Raise IllegalTransition unless `current -> target` is allowed or a no-op."""
    if target != current and target not in TRANSITIONS[current]:
        raise IllegalTransition(current, target, TRANSITIONS[current])


# Monitoring may resolve what it raised, from `new` too: an alert that cleared before anyone
# took it. A person still goes through the table above (PATCH refuses `new -> resolved`).
RESOLVED_AUTOMATICALLY_FROM = (Status.NEW, Status.IN_PROGRESS)


def resolves_automatically(current: Status) -> bool:
    """Whether monitoring's all-clear moves an incident in `current` to `resolved`."""
    return current in RESOLVED_AUTOMATICALLY_FROM


def status_when_it_fires_again(current: Status) -> Status:
    """The status of an open incident whose alert fires again: a resolved one reopens.

    A closed incident is past this rule: a new alert opens a new incident.
    """
    if current == Status.CLOSED:
        raise ValueError("a closed incident does not take new alerts")
    return Status.IN_PROGRESS if current == Status.RESOLVED else current


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


def searchable_text(description: str) -> str:
    """The form of a description that search matches against: case-folded, any script."""
    return description.casefold()


SEARCH_MAX_WORDS = 10


def search_words(query: str) -> tuple[str, ...]:
    """The words of a search, in the form `searchable_text` stores; all must occur."""
    words = tuple(dict.fromkeys(check_storable(query, field="q").casefold().split()))
    if len(words) > SEARCH_MAX_WORDS:
        raise InvalidInput("q", f"Search for at most {SEARCH_MAX_WORDS} words at once.")
    return words


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
    dedup_key: str | None  # set by monitoring: at most one open incident per key
    occurrences: int  # how many times monitoring reported it
    last_seen_at: datetime  # when it was last reported
    details: dict[str, Any] | None  # what monitoring sent with it
