"""Background work each server process repeats while it runs."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

log = logging.getLogger(__name__)


async def repeat(
    work: Callable[[], Awaitable[object]], *, period_seconds: float, what: str
) -> None:
    """Run `work` every `period_seconds` until cancelled (a server lifespan's task).

    A failure (a database outage, say) is logged and does not end the loop: the next round
    tries again.
    """
    while True:
        try:
            await work()
        except Exception:
            log.exception("%s failed; trying again in %s s", what, period_seconds)
        await asyncio.sleep(period_seconds)
