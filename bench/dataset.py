"""Synthetic incidents with realistic spreads of status, source, time and text, plus events."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

# About 900 incidents a day: 10k rows span 11 days, 1M rows almost three years.
STEP = timedelta(seconds=96)
SOURCES = (("monitoring", 0.6), ("operator", 0.25), ("partner", 0.15))
# Young incidents are still open; after a week nearly all are closed.
STATUS_BY_AGE = (
    (timedelta(days=1), (("new", 0.4), ("in_progress", 0.3), ("resolved", 0.2), ("closed", 0.1))),
    (timedelta(days=7), (("new", 0.05), ("in_progress", 0.15), ("resolved", 0.3), ("closed", 0.5))),
    (
        timedelta.max,
        (("new", 0.002), ("in_progress", 0.003), ("resolved", 0.015), ("closed", 0.98)),
    ),
)
THINGS = (
    "Scooter", "E-bike", "Pickup point", "Parcel locker", "Charging station", "Courier app",
    "Payment terminal", "Nightly report", "Warehouse scanner", "Route planner",
)  # fmt: skip
PROBLEMS = (
    "is offline", "does not answer", "reports a low battery", "shows error E{code}",
    "is stuck in maintenance mode", "lost its GPS signal", "failed to upload", "is overheating",
    "rejects every card", "keeps rebooting",
)  # fmt: skip
CITIES = ("Berlin", "Amsterdam", "Lisbon", "Warsaw", "Tallinn", "Madrid", "Prague", "Vienna")
REMARKS = (
    "Customer called twice.", "Seen by monitoring at the last check.", "Courier is on the way.",
    "Partner confirmed by phone.", "Happened after the firmware update.", "Second time this week.",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Row:
    """One incident as the filler writes it, with its events."""

    id: int
    description: str
    status: str
    source: str
    created_by: str
    created_at: datetime
    updated_at: datetime
    events: list[tuple[str, datetime, str]]  # (kind, created_at, JSON data)


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    roll = rng.random()
    for value, weight in weighted:
        roll -= weight
        if roll < 0:
            return value
    return weighted[-1][0]


def _description(rng: random.Random) -> str:
    problem = rng.choice(PROBLEMS).format(code=rng.randint(100, 999))
    text = f"{rng.choice(THINGS)} #{rng.randint(1, 9999)} {problem} in {rng.choice(CITIES)}."
    remarks = rng.sample(REMARKS, rng.randint(0, 3))
    return " ".join([text, *remarks])


def _status_for(rng: random.Random, age: timedelta) -> str:
    for limit, weights in STATUS_BY_AGE:
        if age < limit:
            return _pick(rng, weights)
    raise AssertionError("the last age bucket is unbounded")


def rows(first: int, count: int, *, first_id: int, now: datetime, seed: int = 7) -> Iterator[Row]:
    """Filled incidents number `first` .. `first + count - 1`, each older than the one before.

    Ids start at `first_id`, past any incident the API created meanwhile.
    """
    rng = random.Random(seed + first)
    for offset, n in enumerate(range(first, first + count)):
        created = now - STEP * n - timedelta(microseconds=rng.randint(0, 999_999))
        status = _status_for(rng, now - created)
        source = _pick(rng, SOURCES)
        actor = f"key:{source}-feed" if source != "operator" else "key:ops-desk"
        events = [("created", created, "{}")]
        updated = created
        if status != "new":
            updated = created + timedelta(minutes=rng.randint(1, 600))
            moved = json.dumps({"from": "new", "to": status})
            events.append(("status_changed", updated, moved))
        yield Row(
            first_id + offset, _description(rng), status, source, actor, created, updated, events
        )


def bench_epoch() -> datetime:
    """The instant the newest filled incident is created at: a minute ago."""
    return datetime.now(UTC) - timedelta(minutes=1)
