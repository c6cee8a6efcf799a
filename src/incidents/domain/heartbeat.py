"""Heartbeats: jobs that check in, and the silence that means they did not run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from incidents.domain.alerts import HEARTBEAT_KEY_PREFIX
from incidents.domain.errors import InvalidInput

TIMEOUT_MAX_SECONDS = 366 * 24 * 3600


class HeartbeatState(StrEnum):
    """Whether a job checked in within its timeout."""

    UP = "up"
    OVERDUE = "overdue"


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """A job that checks in, as stored, with the unresolved incident its silence opened."""

    name: str
    timeout_seconds: int
    last_seen_at: datetime
    due_at: datetime
    alerted_at: datetime | None
    incident_id: int | None = None

    def state(self, now: datetime) -> HeartbeatState:
        """`overdue` once `due_at` has passed without a check-in, `up` before."""
        return HeartbeatState.OVERDUE if now > self.due_at else HeartbeatState.UP


def check_timeout(seconds: int) -> int:
    """A heartbeat timeout: 1 second to a year."""
    if not 1 <= seconds <= TIMEOUT_MAX_SECONDS:
        raise InvalidInput(
            "timeout_seconds", f"timeout_seconds must be 1..{TIMEOUT_MAX_SECONDS} seconds."
        )
    return seconds


def dedup_key_of(name: str) -> str:
    """The dedup key of the incident a heartbeat's silence opens."""
    return f"{HEARTBEAT_KEY_PREFIX}{name}"


def silence_description(name: str, last_seen_at: datetime) -> str:
    """The description of the incident opened when `name` goes silent."""
    since = last_seen_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"no check-in from {name} since {since}"
