"""Durations as people write them in settings: `30s`, `10m`, `2h`, or bare seconds."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Protocol

from incidents.domain.errors import InvalidInput

_UNITS = {"s": 1, "m": 60, "h": 3600}
_DURATION = re.compile(r"\s*(\d+)\s*([smh]?)\s*", re.IGNORECASE)


def parse_duration(text: str) -> timedelta:
    """`10m` -> 10 minutes; `30s`, `2h`; a bare number is seconds."""
    match = _DURATION.fullmatch(text)
    if match is None:
        raise InvalidInput("duration", f"{text!r} is not a duration: write e.g. 30s, 10m or 2h.")
    amount, unit = match.groups()
    return timedelta(seconds=int(amount) * _UNITS[(unit or "s").lower()])


class DurationWords(Protocol):
    """One language's patterns for a duration: `{n} min`, `{h} h {m} min`, ..."""

    @property
    def seconds(self) -> str: ...
    @property
    def minutes(self) -> str: ...
    @property
    def hours(self) -> str: ...
    @property
    def hours_minutes(self) -> str: ...
    @property
    def days(self) -> str: ...
    @property
    def days_hours(self) -> str: ...


def say_duration(seconds: int, words: DurationWords) -> str:
    """`45 s`, `15 min`, `4 h`, `1 h 30 min`, `2 d 3 h`: how long, to the unit that matters."""
    total = max(0, seconds)
    if total < 60:
        return words.seconds.format(n=total)
    minutes = total // 60
    if minutes < 60:
        return words.minutes.format(n=minutes)
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        if minutes:
            return words.hours_minutes.format(h=hours, m=minutes)
        return words.hours.format(n=hours)
    days, hours = divmod(hours, 24)
    return words.days_hours.format(d=days, h=hours) if hours else words.days.format(n=days)
