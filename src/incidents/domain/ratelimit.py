"""Rate limits: how many requests a key or an address may make, by the cell-rate algorithm.

A limit of `count` per `period` admits a burst of `count` requests at once, then one every
`period / count` seconds: never more than about `count` in any `period`. Each bucket keeps
one number, its theoretical arrival time (TAT): the moment it would be empty again. A
request is admitted when pushing the TAT one interval later keeps it within `period` of
now. The database applies that rule in one statement, so every process shares each bucket.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from incidents.domain.errors import InvalidInput

_PERIODS = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
_RATE = re.compile(r"\s*(\d+)\s*(?:/\s*(second|minute|hour)\s*)?", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Rate:
    """`count` requests per `period_seconds`; a count of 0 means no limit."""

    count: int
    period_seconds: float = 60.0

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`600`, `600/minute`, `10/second` or `5000/hour` (a bare number is per minute)."""
        match = _RATE.fullmatch(text)
        if match is None:
            raise InvalidInput(
                "rate", f"{text!r} is not a rate: write e.g. 600/minute, 10/second or 0 for none."
            )
        count, period = match.groups()
        return cls(int(count), _PERIODS[(period or "minute").lower()])

    @property
    def unlimited(self) -> bool:
        return self.count == 0

    @property
    def interval(self) -> float:
        """Seconds each request pushes the bucket's TAT on."""
        return self.period_seconds / self.count

    def __str__(self) -> str:
        if self.unlimited:
            return "unlimited"
        period = next(name for name, seconds in _PERIODS.items() if seconds == self.period_seconds)
        return f"{self.count}/{period}"


def retry_after(tat: float, now: float, rate: Rate) -> int:
    """Whole seconds until a refused bucket admits its next request (at least 1)."""
    return max(1, math.ceil(max(tat, now) + rate.interval - rate.period_seconds - now))
