"""Flood control as the bot keeps it, on a clock the test moves: Telegram's `retry_after`, the
overall rate and each group's."""

from __future__ import annotations

import time

from incidents.domain.ratelimit import Rate
from incidents.telegram.flood import FloodControl

GROUP, OTHER, PERSON = -1001, -1002, 42


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_chat_told_to_wait_waits_and_no_other_does() -> None:
    clock = Clock()
    flood = FloodControl(overall=Rate(0), per_group=Rate(0), now=clock)
    flood.hold(GROUP, 5)
    assert flood.wait_for(GROUP) == 5
    assert flood.held_for(GROUP) == 5
    assert flood.wait_for(OTHER) == 0
    clock.now += 5
    assert flood.wait_for(GROUP) == 0


async def test_a_group_gets_a_burst_then_evenly_spaced_turns() -> None:
    clock = Clock()
    flood = FloodControl(overall=Rate(0), per_group=Rate(20, 60.0), now=clock)
    for _ in range(20):
        assert flood.wait_for(GROUP) == 0
        await flood.turn(GROUP)
    assert flood.wait_for(GROUP) == 3.0  # one every 60 / 20 seconds
    assert flood.wait_for(OTHER) == 0
    assert flood.wait_for(PERSON) == 0  # the group rate is for groups
    clock.now += 3
    assert flood.wait_for(GROUP) == 0
    # In any minute, no more than 20 (and one more at the minute's edge).
    sent = 20
    for _ in range(60):
        clock.now += 1
        if flood.wait_for(GROUP) == 0:
            await flood.turn(GROUP)
            sent += 1
    assert sent <= 20 + 21


async def test_the_overall_rate_spaces_turns() -> None:
    flood = FloodControl(overall=Rate(5, 1.0), per_group=Rate(0))
    started = time.monotonic()
    for chat in range(10):
        await flood.turn(chat)  # a burst of 5, then one every 0.2 s, whatever the chat
    assert time.monotonic() - started >= 5 * 0.2 * 0.9
