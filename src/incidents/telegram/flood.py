"""Telegram's flood control as the bot keeps it: a chat told to wait (`429` with
`retry_after`) is not called before then, and the bot stays within Telegram's published
rates, overall (about 30 messages a second) and per group (about 20 a minute).

Rates are kept by the cell-rate algorithm (see domain/ratelimit.py): a burst of `count`, then
one every `period / count`. Per process: the sender in each process keeps its own share.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from incidents.domain.ratelimit import Rate


class FloodControl:
    """When each chat may be called next, and a turn for every call."""

    def __init__(
        self, *, overall: Rate, per_group: Rate, now: Callable[[], float] = time.monotonic
    ) -> None:
        self.overall = overall
        self.per_group = per_group
        self._now = now
        self._held: dict[int, float] = {}  # chat -> the moment Telegram lets it be called
        self._group_tat: dict[int, float] = {}
        self._overall_tat = 0.0

    def wait_for(self, chat_id: int) -> float:
        """Seconds before `chat_id` may be called (0: now)."""
        now = self._now()
        wait = self._held.get(chat_id, now) - now
        if chat_id < 0 and not self.per_group.unlimited:
            wait = max(wait, _wait(self._group_tat.get(chat_id, 0.0), now, self.per_group))
        return max(0.0, wait)

    def held_for(self, chat_id: int) -> float:
        """Seconds Telegram still asks the bot to wait before calling `chat_id` (0: none)."""
        return max(0.0, self._held.get(chat_id, 0.0) - self._now())

    def hold(self, chat_id: int, seconds: float) -> None:
        """Telegram said to wait `seconds` before calling `chat_id` again."""
        until = self._now() + max(0.0, seconds)
        self._held[chat_id] = max(self._held.get(chat_id, 0.0), until)

    async def turn(self, chat_id: int) -> None:
        """Take a turn to call `chat_id`, waiting for the overall rate if need be."""
        if not self.overall.unlimited:
            await asyncio.sleep(_wait(self._overall_tat, self._now(), self.overall))
            now = self._now()
            self._overall_tat = max(self._overall_tat, now) + self.overall.interval
        if chat_id < 0 and not self.per_group.unlimited:
            now = self._now()
            tat = self._group_tat.get(chat_id, 0.0)
            self._group_tat[chat_id] = max(tat, now) + self.per_group.interval


def _wait(tat: float, now: float, rate: Rate) -> float:
    """Seconds until a bucket at `tat` admits one more (0: at once)."""
    return max(0.0, max(tat, now) + rate.interval - rate.period_seconds - now)
