"""The morning digest: what it holds, when a day's is due, and its form in the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from incidents.domain.errors import InvalidInput
from incidents.domain.incident import OPEN_STATUSES, Resolution, Source, Status

OLDEST_SHOWN = 5
SUMMARY_LENGTH = 120


def first_line(description: str) -> str:
    """A description's first line, cut to SUMMARY_LENGTH characters."""
    line = description.strip().splitlines()[0] if description.strip() else ""
    return line if len(line) <= SUMMARY_LENGTH else line[: SUMMARY_LENGTH - 1] + "…"


def parse_time_of_day(text: str) -> time:
    """`09:00` -> 9 o'clock; InvalidInput for anything but HH:MM."""
    try:
        parsed = time.fromisoformat(text.strip())
    except ValueError:
        parsed = None
    if parsed is None or len(text.strip()) != 5:
        raise InvalidInput("digest_at", f"{text!r} is not a time of day: write HH:MM, e.g. 09:00.")
    return parsed


def due_day(now: datetime, *, at: time, zone: ZoneInfo) -> date | None:
    """The local day whose digest is due at `now` (its hour has come), or None before it."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= at else None


def first_settled_day(now: datetime, *, at: time, zone: ZoneInfo) -> date:
    """When digests begin at `now`, the last day that gets none: today if its hour has passed
    (nobody was waiting for it), else yesterday. Later days are sent, late if need be."""
    local = now.astimezone(zone)
    return local.date() if local.time() >= at else local.date() - timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Waiting:
    """An open incident among the oldest: how long it has been open, and who is on it."""

    id: int
    summary: str
    status: Status
    source: Source
    created_at: datetime
    owner: str | None
    # How a resolved one ended (fixed); the digest's stored payloads carry none.
    resolution: Resolution | None = None


@dataclass(frozen=True, slots=True)
class DayCounts:
    """What happened on one local day."""

    day: date
    reported: int = 0
    resolved: int = 0
    false_alarm: int = 0
    duplicate: int = 0


@dataclass(frozen=True, slots=True)
class Digest:
    """The state of the registry at `at`: open incidents by status and source, the oldest
    open ones, and yesterday's counts."""

    at: datetime
    day: date
    open: dict[Status, dict[Source, int]]
    oldest: list[Waiting] = field(default_factory=list)
    yesterday: DayCounts | None = None

    @property
    def open_total(self) -> int:
        """How many incidents are open."""
        return sum(sum(by_source.values()) for by_source in self.open.values())

    def to_payload(self) -> dict[str, Any]:
        """The digest as JSON, as the outbox keeps it."""
        yesterday = self.yesterday or DayCounts(self.day - timedelta(days=1))
        return {
            "at": self.at.isoformat(),
            "day": self.day.isoformat(),
            "open": {
                status.value: {source.value: n for source, n in by_source.items()}
                for status, by_source in self.open.items()
            },
            "oldest": [
                {
                    "id": w.id,
                    "summary": w.summary,
                    "status": w.status.value,
                    "source": w.source.value,
                    "created_at": w.created_at.isoformat(),
                    "owner": w.owner,
                }
                for w in self.oldest
            ],
            "yesterday": {
                "day": yesterday.day.isoformat(),
                "reported": yesterday.reported,
                "resolved": yesterday.resolved,
                Resolution.FALSE_ALARM.value: yesterday.false_alarm,
                Resolution.DUPLICATE.value: yesterday.duplicate,
            },
        }

    @classmethod
    def from_payload(cls, payload: dict[str, Any]) -> Digest:
        """A digest the outbox kept (`to_payload`'s form)."""
        counts = payload["yesterday"]
        return cls(
            at=datetime.fromisoformat(payload["at"]),
            day=date.fromisoformat(payload["day"]),
            open={
                Status(status): {Source(source): int(n) for source, n in by_source.items()}
                for status, by_source in payload["open"].items()
            },
            oldest=[
                Waiting(
                    id=int(w["id"]),
                    summary=str(w["summary"]),
                    status=Status(w["status"]),
                    source=Source(w["source"]),
                    created_at=datetime.fromisoformat(w["created_at"]),
                    owner=w["owner"],
                )
                for w in payload["oldest"]
            ],
            yesterday=DayCounts(
                day=date.fromisoformat(counts["day"]),
                reported=int(counts["reported"]),
                resolved=int(counts["resolved"]),
                false_alarm=int(counts[Resolution.FALSE_ALARM.value]),
                duplicate=int(counts[Resolution.DUPLICATE.value]),
            ),
        )


def empty_open() -> dict[Status, dict[Source, int]]:
    """Zero open incidents in every open status and source."""
    return {status: dict.fromkeys(Source, 0) for status in OPEN_STATUSES}
