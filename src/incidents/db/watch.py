"""What an operator watches, read from the database at each scrape: the outbox's backlog and
what it gave up on, heartbeats overdue, the newest backup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.backups import last_finished_at
from incidents.db.tables import heartbeats, outbox

_PENDING = outbox.c.sent_at.is_(None) & outbox.c.failed_at.is_(None)


@dataclass(frozen=True, slots=True)
class Watched:
    """The figures, as one scrape read them."""

    outbox_pending: int
    outbox_oldest_pending_at: datetime | None
    outbox_failed: int
    heartbeats_overdue: int
    last_backup_at: datetime | None


async def watched(conn: AsyncConnection, *, now: datetime) -> Watched:
    """Read every figure (each statement on its own: a scrape needs no snapshot)."""
    pending = (
        await conn.execute(select(func.count(), func.min(outbox.c.created_at)).where(_PENDING))
    ).one()
    failed = await conn.scalar(
        select(func.count()).select_from(outbox).where(outbox.c.failed_at.is_not(None))
    )
    overdue = await conn.scalar(
        select(func.count()).select_from(heartbeats).where(heartbeats.c.due_at < now)
    )
    return Watched(
        outbox_pending=int(pending[0]),
        outbox_oldest_pending_at=pending[1],
        outbox_failed=int(failed or 0),
        heartbeats_overdue=int(overdue or 0),
        last_backup_at=await last_finished_at(conn),
    )
