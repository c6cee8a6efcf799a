"""Rates as people write them, and how long a refused client is told to wait."""

from __future__ import annotations

import pytest

from incidents.domain.errors import InvalidInput
from incidents.domain.ratelimit import Rate, retry_after


@pytest.mark.parametrize(
    ("text", "count", "period"),
    [
        ("600", 600, 60.0),
        ("600/minute", 600, 60.0),
        ("10/second", 10, 1.0),
        ("5000/hour", 5000, 3600.0),
        (" 7 / Minute ", 7, 60.0),
        ("0", 0, 60.0),
    ],
)
def test_rates_parse(text: str, count: int, period: float) -> None:
    assert Rate.parse(text) == Rate(count, period)


@pytest.mark.parametrize("text", ["", "ten", "-5", "5/day", "5/", "1.5/second", "5 per minute"])
def test_other_text_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput, match="is not a rate"):
        Rate.parse(text)


def test_a_rate_reads_back_as_written() -> None:
    assert str(Rate.parse("10/second")) == "10/second"
    assert str(Rate(0)) == "unlimited"
    assert Rate(0).unlimited
    assert not Rate(1).unlimited


def test_interval_is_one_requests_share_of_the_period() -> None:
    assert Rate(600).interval == pytest.approx(0.1)
    assert Rate(10, 1.0).interval == pytest.approx(0.1)


def test_retry_after_is_the_wait_for_one_request_at_least_a_second() -> None:
    rate = Rate(5)  # interval 12 s, a burst of 5
    now = 1_000.0
    full = now + 60.0  # five requests just spent at once
    assert retry_after(full, now, rate) == 12
    assert retry_after(full, now + 11.5, rate) == 1  # rounded up, never 0
    assert retry_after(full - 0.001, now, rate) == 12
    # A bucket whose TAT is past admits at once; asking anyway says "1 s".
    assert retry_after(now - 5, now, rate) == 1
