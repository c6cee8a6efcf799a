"""The morning digest: gathered on demand, and queued once a day for the notification chat."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db import digests, outbox
from incidents.db import stats as stored
from incidents.domain.access import Actor, Permission, require
from incidents.domain.digest import OLDEST_SHOWN, DayCounts, Digest, due_day, empty_open
from incidents.domain.incident import Resolution
from incidents.domain.notifications import NoticeKind
from incidents.domain.stats import local_midnight
from incidents.service.runtime import Runtime

DIGEST_ACTOR = Actor.system("digest")


async def _gather(conn: AsyncConnection, *, now: datetime, zone: ZoneInfo) -> Digest:
    today = now.astimezone(zone).date()
    yesterday = today - timedelta(days=1)
    open_counts = empty_open()
    for (status, source), count in (await stored.open_by_status_and_source(conn)).items():
        open_counts[status][source] = count
    oldest = await stored.oldest_open(conn, limit=OLDEST_SHOWN)
    start, end = local_midnight(yesterday, zone), local_midnight(today, zone)
    reported, resolved, dismissed = await stored.day_summary(conn, start, end)
    counts = DayCounts(
        day=yesterday,
        reported=reported,
        resolved=resolved,
        false_alarm=dismissed.get(Resolution.FALSE_ALARM, 0),
        duplicate=dismissed.get(Resolution.DUPLICATE, 0),
    )
    return Digest(at=now, day=today, open=open_counts, oldest=oldest, yesterday=counts)


async def current_digest(runtime: Runtime, *, actor: Actor, zone: ZoneInfo) -> Digest:
    """The digest as it would read now (`/digest`)."""
    require(actor, Permission.READ)
    async with runtime.database.reads() as conn:
        return await _gather(conn, now=runtime.clock.now(), zone=zone)


async def queue_due_digest(runtime: Runtime, *, at: time, zone: ZoneInfo) -> Digest | None:
    """Queue today's digest for the notification chat once its hour has come; None when it is
    not due or was queued already (by this or another process, before or after a restart)."""
    now = runtime.clock.now()
    day = due_day(now, at=at, zone=zone)
    if day is None:
        return None
    async with runtime.database.reads() as conn:
        if await digests.was_queued(conn, day):
            return None
    async with runtime.database.transaction() as tx:
        if not await digests.claim(tx.connection, day, now=now):
            return None
        digest = await _gather(tx.connection, now=now, zone=zone)
        await outbox.enqueue(
            tx.connection,
            kind=NoticeKind.DIGEST,
            incident_id=None,
            chat_id=None,
            actor=DIGEST_ACTOR.name,
            payload=digest.to_payload(),
            now=now,
        )
        await tx.commit()
    return digest
