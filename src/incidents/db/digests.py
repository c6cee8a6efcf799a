"""Queries of the digest: the claim of a day's digest, and what it tells."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.stats import MOVE_KINDS, RESOLUTION, TO, of_sources
from incidents.db.tables import digests, incident_events, incidents
from incidents.domain.digest import (
    OLDEST_SHOWN,
    DayCounts,
    Digest,
    Waiting,
    empty_open,
    first_line,
)
from incidents.domain.incident import OPEN_STATUSES, Resolution, Source, Status
from incidents.domain.stats import local_midnight


async def any_settled(conn: AsyncConnection) -> bool:
    """Whether digests have begun: a day was queued, or settled when they began."""
    return (await conn.execute(select(digests.c.day).limit(1))).first() is not None


async def was_queued(conn: AsyncConnection, day: date) -> bool:
    """Whether the digest of `day` was queued already."""
    query = select(digests.c.day).where(digests.c.day == day)
    return (await conn.execute(query)).first() is not None


async def claim(conn: AsyncConnection, day: date, *, now: datetime) -> bool:
    """Claim the digest of `day`; False when another process did. One insert: exactly one
    process gets each day."""
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    statement = (
        insert(digests)
        .values(day=day, queued_at=now)
        .on_conflict_do_nothing(index_elements=["day"])
        .returning(digests.c.day)
    )
    return (await conn.execute(statement)).first() is not None


async def open_by_status_and_source(
    conn: AsyncConnection, *, sources: Sequence[Source] = ()
) -> dict[tuple[Status, Source], int]:
    """How many open incidents (of `sources`; none: all) there are in each status and source."""
    query = (
        select(incidents.c.status, incidents.c.source, func.count())
        .where(incidents.c.status.in_([s.value for s in OPEN_STATUSES]), of_sources(sources))
        .group_by(incidents.c.status, incidents.c.source)
    )
    return {
        (Status(status), Source(source)): int(count)
        for status, source, count in await conn.execute(query)
    }


async def oldest_open(
    conn: AsyncConnection, *, limit: int, sources: Sequence[Source] = ()
) -> list[Waiting]:
    """The open incidents reported longest ago, oldest first."""
    query = (
        select(
            incidents.c.id,
            incidents.c.description,
            incidents.c.status,
            incidents.c.source,
            incidents.c.created_at,
            incidents.c.assignee,
            incidents.c.resolution,
        )
        .where(incidents.c.status.in_([s.value for s in OPEN_STATUSES]), of_sources(sources))
        .order_by(incidents.c.created_at, incidents.c.id)
        .limit(limit)
    )
    return [
        Waiting(
            id=row.id,
            summary=first_line(row.description),
            status=Status(row.status),
            source=Source(row.source),
            created_at=row.created_at,
            owner=row.assignee,
            resolution=None if row.resolution is None else Resolution(row.resolution),
        )
        for row in await conn.execute(query)
    ]


async def day_summary(
    conn: AsyncConnection, start: datetime, end: datetime, *, sources: Sequence[Source] = ()
) -> tuple[int, int, dict[Resolution, int]]:
    """Of [start, end): incidents reported, incidents resolved, and incidents dismissed (closed
    as a false alarm or a duplicate) by resolution; of `sources` only, if any are named."""
    reported_count = await conn.scalar(
        select(func.count()).where(
            incidents.c.created_at >= start, incidents.c.created_at < end, of_sources(sources)
        )
    )
    in_window = and_(
        incident_events.c.created_at >= start,
        incident_events.c.created_at < end,
        incident_events.c.kind.in_(MOVE_KINDS),
    )
    if sources:
        of_them = select(incidents.c.id).where(of_sources(sources))
        in_window = and_(in_window, incident_events.c.incident_id.in_(of_them))
    dismissals = [Resolution.FALSE_ALARM.value, Resolution.DUPLICATE.value]
    counted = func.count(func.distinct(incident_events.c.incident_id))
    resolved_count = await conn.scalar(
        select(counted).where(in_window, Status.RESOLVED.value == TO)
    )
    dismissed_query = (
        select(RESOLUTION, counted)
        .where(in_window, Status.CLOSED.value == TO, RESOLUTION.in_(dismissals))
        .group_by(RESOLUTION)
    )
    dismissed = {Resolution(r): int(n) for r, n in await conn.execute(dismissed_query)}
    return int(reported_count or 0), int(resolved_count or 0), dismissed


async def gather_digest(
    conn: AsyncConnection, *, now: datetime, zone: ZoneInfo, sources: Sequence[Source] = ()
) -> Digest:
    """The digest of the registry at `now`: open incidents, the oldest, yesterday's counts;
    of `sources` only, if any are named."""
    today = now.astimezone(zone).date()
    yesterday = today - timedelta(days=1)
    open_counts = empty_open()
    opened = await open_by_status_and_source(conn, sources=sources)
    for (status, source), count in opened.items():
        open_counts[status][source] = count
    oldest = await oldest_open(conn, limit=OLDEST_SHOWN, sources=sources)
    start, end = local_midnight(yesterday, zone), local_midnight(today, zone)
    reported, resolved, dismissed = await day_summary(conn, start, end, sources=sources)
    counts = DayCounts(
        day=yesterday,
        reported=reported,
        resolved=resolved,
        false_alarm=dismissed.get(Resolution.FALSE_ALARM, 0),
        duplicate=dismissed.get(Resolution.DUPLICATE, 0),
    )
    return Digest(at=now, day=today, open=open_counts, oldest=oldest, yesterday=counts)
