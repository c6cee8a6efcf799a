"""Costly work bounded per process: at most a few costly reads at once, the rest refused."""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager

from incidents.domain.errors import CostlyBusy

# Past this offset a page is a deep page: the database reads and drops every row before it.
DEEP_OFFSET = 1_000


class CostlyGate:
    """Admits at most `at_once` costly reads (stats, text search, deep pages) of this process
    at a time; one more is refused (CostlyBusy, a 429 with Retry-After) rather than queued, so
    the cheap requests behind them keep their connections and their turn.

    The event loop runs one step at a time, so a plain counter is exact.
    """

    def __init__(self, *, at_once: int = 4, timeout_ms: int = 5_000) -> None:
        self.at_once = at_once
        # A running costly read ends within its deadline: a retry then may find room.
        self.retry_after_seconds = max(1, math.ceil(timeout_ms / 1000))
        self.running = 0
        self.refused = 0

    @contextmanager
    def admitted(self) -> Iterator[None]:
        """Hold one of the places for the block; raise CostlyBusy when none is free."""
        if self.running >= self.at_once:
            self.refused += 1
            raise CostlyBusy(self.at_once, self.retry_after_seconds)
        self.running += 1
        try:
            yield
        finally:
            self.running -= 1
