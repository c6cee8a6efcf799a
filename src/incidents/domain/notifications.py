"""Notifications: what is announced to chats about incidents, and how delivery is retried."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from incidents.domain.incident import Incident

# After this many failed attempts a notification is given up (and kept, marked failed).
MAX_ATTEMPTS = 30
LONGEST_DELAY = timedelta(minutes=5)
# How long a sender may hold a claimed notification before another may take it over.
LEASE = timedelta(seconds=60)
# Notifications are forgotten this long after they were queued, sent or not: the audit trail
# keeps every change, and a week-old notice is no longer news.
RETENTION = timedelta(days=7)


class NoticeKind(StrEnum):
    """Why a notification exists."""

    CREATED = "created"  # reported outside chats: announce it
    CHANGED = "changed"  # changed outside chats: tell the incident's thread


@dataclass(frozen=True, slots=True)
class Thread:
    """Where an incident lives in a chat: the message replies go to."""

    chat_id: int
    message_id: int


@dataclass(frozen=True, slots=True)
class Notice:
    """A notification claimed for delivery, with the incident as it is now."""

    id: int
    kind: NoticeKind
    incident: Incident
    actor: str
    note: str | None
    thread: Thread | None
    attempts: int


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff after the `attempts`-th failure: 2, 4, 8 ... seconds, capped."""
    return min(timedelta(seconds=2 ** min(attempts, 20)), LONGEST_DELAY)


def is_chat_actor(actor: str) -> bool:
    """Whether a change came from a chat, where the bot already answered it."""
    return actor.startswith("telegram:")
