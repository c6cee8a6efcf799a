"""The incident: its statuses, sources, transition table and text rules."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Self

from incidents.domain.actors import ActorKind, kind_of
from incidents.domain.errors import IllegalTransition, InvalidInput

DESCRIPTION_MAX_LENGTH = 10_000
# Ids run 1..MAX_ID: the largest signed 64-bit integer, which both databases can hold.
MAX_ID = 2**63 - 1


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


class Resolution(CaseInsensitiveEnum):
    """How an incident ended: set once it is resolved or closed, cleared when it reopens."""

    FIXED = "fixed"
    FALSE_ALARM = "false_alarm"
    DUPLICATE = "duplicate"


# The only status changes a person may make; everything else is refused.
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.NEW: (Status.IN_PROGRESS,),
    Status.IN_PROGRESS: (Status.RESOLVED,),
    Status.RESOLVED: (Status.IN_PROGRESS, Status.CLOSED),
    Status.CLOSED: (),
}

# Closing before the work is done (a dismissal) needs one of these resolutions, and is allowed
# from these statuses; the resolution says why nothing was fixed.
EARLY_CLOSE_RESOLUTIONS: tuple[Resolution, ...] = (Resolution.FALSE_ALARM, Resolution.DUPLICATE)
EARLY_CLOSE_FROM: tuple[Status, ...] = (Status.NEW, Status.IN_PROGRESS, Status.RESOLVED)


class Verb(StrEnum):
    """What a person does to move an incident, as buttons and commands name it."""

    TAKE = "take"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    CLOSE = "close"
    DISMISS = "dismiss"  # close early as a false alarm


VERB_TARGET: dict[Verb, Status] = {
    Verb.TAKE: Status.IN_PROGRESS,
    Verb.RESOLVE: Status.RESOLVED,
    Verb.REOPEN: Status.IN_PROGRESS,
    Verb.CLOSE: Status.CLOSED,
    Verb.DISMISS: Status.CLOSED,
}
# The resolution a verb closes with, where it is not the usual path's.
VERB_RESOLUTION: dict[Verb, Resolution] = {Verb.DISMISS: Resolution.FALSE_ALARM}


def verbs_allowed(current: Status) -> tuple[Verb, ...]:
    """The verbs a person may use on an incident in `current`: its moves, then a dismissal."""
    moves = tuple(verb_for(current, target) for target in allowed_next(current))
    return moves + ((Verb.DISMISS,) if current in EARLY_CLOSE_FROM else ())


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


def resolution_after(
    current: Status,
    target: Status,
    *,
    had: Resolution | None,
    asked: Resolution | None,
) -> Resolution | None:
    """The resolution after `current -> target` (asked for or not); raises when not allowed.

    Resolving sets `fixed`, reopening clears it, closing a resolved incident keeps it. A
    dismissal (`false_alarm` or `duplicate`) closes from new, in_progress or resolved.
    """
    if current == Status.CLOSED and asked is not None and asked != had:
        raise IllegalTransition(current, target, TRANSITIONS[current])
    if asked in EARLY_CLOSE_RESOLUTIONS:
        if target != Status.CLOSED:
            raise InvalidInput("resolution", f"{asked} closes an incident: send status closed.")
        if current == Status.CLOSED:
            return had
        if current not in EARLY_CLOSE_FROM:
            raise IllegalTransition(current, target, TRANSITIONS[current])
        return asked
    if asked == Resolution.FIXED and target not in (Status.RESOLVED, Status.CLOSED):
        raise InvalidInput("resolution", "fixed goes with status resolved (or closed).")
    if target == Status.CLOSED and current in (Status.NEW, Status.IN_PROGRESS):
        raise IllegalTransition(current, target, TRANSITIONS[current], early_close=True)
    check_transition(current, target)
    if target == current:
        return had
    if target == Status.RESOLVED:
        return Resolution.FIXED
    return had if target == Status.CLOSED else None


def assignee_after(current: Status, target: Status, *, had: str | None, actor: str) -> str | None:
    """Who is on an incident after `current -> target` by `actor`: taking it assigns the taker.

    Only a person or a key takes: the registry's own moves (`system:...`) never assign.
    """
    taken = current == Status.NEW and target == Status.IN_PROGRESS
    if taken and had is None and kind_of(actor) is not ActorKind.SYSTEM:
        return actor
    return had


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
    """The description with `note` appended on a new line, within DESCRIPTION_MAX_LENGTH."""
    appended = f"{description}\n{note}"
    if len(appended) > DESCRIPTION_MAX_LENGTH:
        room = max(0, DESCRIPTION_MAX_LENGTH - len(description) - 1)
        raise InvalidInput(
            "description_append",
            f"A description holds at most {DESCRIPTION_MAX_LENGTH} characters; this one has "
            f"{len(description)}, so a note may add at most {room} more (this one has "
            f"{len(note)}).",
        )
    return appended


def reported_text(description: str, notes: list[str]) -> str:
    """The description as first reported: without the `notes` (oldest first) appended since."""
    appended = "".join(f"\n{note}" for note in notes)
    if appended and description.endswith(appended):
        return description[: -len(appended)]
    return description


def searchable_text(description: str) -> str:
    """The form of a description that search matches against: case-folded, any script."""
    return description.casefold()


SEARCH_MAX_WORDS = 10
# A text search's total is exact up to this many matches; past it, it says "at least this
# many" (counting every match of a common word would read most of the table).
SEARCH_TOTAL_BOUND = 1000


def stems_words(word: str) -> bool:
    """Whether full-text search (stemming) applies to a search word, beside substrings:
    letters only (`a_b` or `50%` are matched literally, as substrings)."""
    return word.isalpha()


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
    details_truncated: bool = False  # what monitoring sent was cut to fit
    assignee: str | None = None  # who is on it, as the audit trail names actors
    resolution: Resolution | None = None  # how it ended; None while open
    duplicate_of: int | None = None  # the incident it was folded into (never a duplicate)
    duplicates: tuple[int, ...] = ()  # the incidents folded into it, oldest first


def parse_id(text: str) -> int | None:
    """An incident id written in plain ASCII digits within 1..MAX_ID, else None."""
    if not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
