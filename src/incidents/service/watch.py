"""What an operator of the registry watches, read from the database for each scrape."""

from __future__ import annotations

from incidents.db import watch
from incidents.db.watch import Watched
from incidents.service.runtime import Runtime

__all__ = ["Watched", "watched"]


async def watched(runtime: Runtime) -> Watched:
    """The outbox's backlog and failures, heartbeats overdue, the newest backup (for
    metrics: no actor needed)."""
    async with runtime.database.reads() as conn:
        return await watch.watched(conn, now=runtime.clock.now())
