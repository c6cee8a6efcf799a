"""Durations as people write them in settings: `30s`, `10m`, `2h`, or bare seconds."""

from __future__ import annotations

import re
from datetime import timedelta

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
