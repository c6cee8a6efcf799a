"""How long something waited, said to the unit that matters, in each language's words."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from incidents.domain.durations import say_duration


@dataclass(frozen=True)
class Words:
    seconds: str = "{n} s"
    minutes: str = "{n} min"
    hours: str = "{n} h"
    hours_minutes: str = "{h} h {m} min"
    days: str = "{n} d"
    days_hours: str = "{d} d {h} h"


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (-5, "0 s"),
        (59, "59 s"),
        (60, "1 min"),
        (15 * 60 + 59, "15 min"),
        (4 * 3600, "4 h"),
        (3600 + 30 * 60, "1 h 30 min"),
        (24 * 3600, "1 d"),
        (2 * 86400 + 3 * 3600 + 59 * 60, "2 d 3 h"),
    ],
)
def test_a_duration_is_said_to_the_unit_that_matters(seconds: int, said: str) -> None:
    assert say_duration(seconds, Words()) == said
