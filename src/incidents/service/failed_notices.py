"""Notices given up: which, why, how many; and queueing one again."""

from __future__ import annotations

from incidents.db import failed_notices
from incidents.db.failed_notices import FailedNotice
from incidents.domain.notifications import FailureReason
from incidents.service.runtime import Runtime


async def failed(runtime: Runtime, *, limit: int = 100) -> list[FailedNotice]:
    """The notices given up, the latest first (`incidents outbox failed`)."""
    async with runtime.database.reads() as conn:
        return await failed_notices.failed(conn, limit=limit)


async def retry(runtime: Runtime, notice_id: int) -> bool:
    """Queue a notice given up again with fresh tries (`incidents outbox retry ID`); False
    when no notice of that id was given up."""
    async with runtime.database.transaction() as tx:
        done = await failed_notices.requeue(tx.connection, notice_id, now=runtime.clock.now())
        await tx.commit()
    return done


async def failure_totals(runtime: Runtime) -> dict[FailureReason, int]:
    """How many notices were given up, by reason, ever (every reason shown)."""
    async with runtime.database.reads() as conn:
        return await failed_notices.totals(conn)
