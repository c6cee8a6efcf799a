"""Notifications: what is told to chats about incidents, and how delivery is retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from incidents.domain.actors import ActorKind, kind_of
from incidents.domain.incident import Incident, Status

# After this many failed attempts a notification is given up (and kept, marked failed).
MAX_ATTEMPTS = 30
# A failure retrying cannot mend (Telegram refuses the message, the bot may not write there)
# gets this many tries in all: then the notice is parked and its chat's next ones go on.
HOPELESS_TRIES = 3
LONGEST_DELAY = timedelta(minutes=5)
# How long a sender may hold a claimed notification before another may take it over.
LEASE = timedelta(seconds=60)
# Notifications are forgotten this long after they were queued, sent or not: the audit trail
# keeps every change, and a week-old notice is no longer news.
RETENTION = timedelta(days=7)
# The note an edit of a chat message that reported (or annotated) an incident appends.
EDITED_NOTE = "edited: {text}"


class NoticeKind(StrEnum):
    """Why a notification exists."""

    CREATED = "created"  # reported outside chats: announce it
    CHANGED = "changed"  # changed: tell every chat that follows the incident
    MERGED = "merged"  # closed as a duplicate: tell its chats what it was merged into
    REPLY = "reply"  # the bot's answer in a chat, queued because Telegram failed to take it
    DELETE = "delete"  # the bot's message to take back (`payload`: its `message_id`)
    REMINDER = "reminder"  # an incident waits: take it (`payload`: version, number, waited)
    DIGEST = "digest"  # the morning digest for the notification chat (`payload`: its content)


class FailureReason(StrEnum):
    """Why a notice was given up (parked as failed, kept for `incidents outbox retry`)."""

    BAD_REQUEST = "bad_request"  # Telegram refuses this message (400, 404)
    FORBIDDEN = "forbidden"  # the bot may not write there (403: blocked, no rights)
    CHAT_NOT_FOUND = "chat_not_found"  # no such chat (or the bot never was in it)
    RENDER = "render"  # the notice could not be rendered into a message
    LEFT_CHAT = "left_chat"  # the bot was kicked from the chat or left it
    EXHAUSTED = "exhausted"  # a passing failure (network, 5xx, 429) outlasted MAX_ATTEMPTS


class ChatPresence(StrEnum):
    """Whether the bot is in a chat, as Telegram's `my_chat_member` updates tell."""

    MEMBER = "member"  # member, administrator, restricted: it may be written to
    LEFT = "left"  # the bot left (or the chat is gone)
    KICKED = "kicked"  # the bot was removed

    @classmethod
    def of(cls, status: str) -> ChatPresence:
        """The presence Telegram's ChatMember `status` means."""
        if status in (cls.LEFT, cls.KICKED):
            return cls(status)
        return cls.MEMBER


class LinkRole(StrEnum):
    """What a chat message is to the incident it is linked with."""

    REPORT = "report"  # a person's message that reported it
    NOTE = "note"  # a person's reply that added a note
    COMMAND = "command"  # a person's command that changed it
    CARD = "card"  # the bot's card of it
    ANNOUNCEMENT = "announcement"  # the bot's announcement of it
    NOTICE = "notice"  # the bot's notice of one of its changes
    PROMPT = "prompt"  # the bot's "what happened?" after a bare /new (no incident yet)


# The bot's messages about one incident: a reply to one of them is a note to it.
ABOUT_ONE_INCIDENT = frozenset({LinkRole.CARD, LinkRole.ANNOUNCEMENT, LinkRole.NOTICE})
# Messages that start an incident's thread in a chat: that chat hears of every change.
THREAD_STARTERS = frozenset({LinkRole.REPORT, LinkRole.ANNOUNCEMENT})
# People's messages whose later edits are appended as notes.
EDITABLE = frozenset({LinkRole.REPORT, LinkRole.NOTE})


@dataclass(frozen=True, slots=True)
class Thread:
    """A message in a chat (an incident's thread starts at one: replies go to it)."""

    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Attachment:
    """A photo or document a chat message carried, as Telegram's file id."""

    kind: str  # "photo" (the largest size is kept) or "document"
    file_id: str


@dataclass(frozen=True, slots=True)
class ChatOrigin:
    """The chat a request came from, and the person's message that made it (none: a button).

    `edit_date` is set when the message was edited (Telegram's Unix time of the edit);
    `file` is the photo or document the message carried.
    """

    chat_id: int
    message_id: int | None = None
    edit_date: int | None = None
    file: Attachment | None = None
    topic: int | None = None  # the forum topic the message is in

    @property
    def message(self) -> Thread | None:
        """The message itself, when there is one."""
        return None if self.message_id is None else Thread(self.chat_id, self.message_id)


@dataclass(frozen=True, slots=True)
class Link:
    """A chat message tied to an incident (or, for a prompt, to none yet)."""

    message: Thread
    incident_id: int | None
    role: LinkRole
    file: Attachment | None = None
    edit_date: int | None = None
    topic: int | None = None  # the forum topic the message is in


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification claimed for delivery.

    A change notice carries the change as it happened (`moved_from` -> `status`, `actor`,
    `at`, `note`); `incident` is the incident as it is now. `chat_id` None means the chat
    announcements go to; `reply_to` is the message of the incident's thread in that chat.
    A queued reply carries what to send in `payload`.
    """

    id: int
    kind: NoticeKind
    incident: Incident | None
    chat_id: int | None
    actor: str
    at: datetime
    status: Status | None
    moved_from: Status | None
    note: str | None
    reply_to: int | None
    attempts: int
    payload: dict[str, Any] | None = None
    event_id: int | None = None  # the audit event a notice tells of
    topic: int | None = None  # the forum topic of the incident's thread in that chat


def parked(reason: FailureReason | None, *, attempts: int) -> bool:
    """Whether a notice that failed its `attempts`-th try for `reason` (None: a passing
    failure) is given up now rather than tried again."""
    if reason is None:
        return attempts >= MAX_ATTEMPTS
    if reason in (FailureReason.RENDER, FailureReason.LEFT_CHAT):
        return True  # the same notice fails the same way: no second try
    return attempts >= HOPELESS_TRIES


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failure: 2, 4, 8 ... seconds, capped."""
    return min(timedelta(seconds=2 ** min(attempts, 20)), LONGEST_DELAY)


def is_chat_actor(actor: str) -> bool:
    """Whether an actor is a person in a chat (who reported there, so no announcement)."""
    return kind_of(actor) is ActorKind.TELEGRAM
