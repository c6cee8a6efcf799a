"""The overview: counts, spans and series of a period, computed by the database."""

from __future__ import annotations

import asyncio
from collections import Counter

from incidents.db import digests
from incidents.db import stats as stored
from incidents.domain.access import Actor, Permission, require, visible_sources
from incidents.domain.digest import Waiting
from incidents.domain.errors import StatementTimedOut
from incidents.domain.incident import Resolution, Source
from incidents.domain.stats import (
    Bucket,
    DayStats,
    Period,
    Spread,
    Stats,
    Timing,
    WeekTiming,
)
from incidents.service.runtime import Runtime

NOTHING = Spread(0, None, None)


async def overview(runtime: Runtime, *, actor: Actor, period: Period) -> Stats:
    """Counts, spans and the per-day series of `period`, as far as `actor` may see."""
    require(actor, Permission.READ)
    sources = visible_sources(actor, period.sources)
    days = period.days()
    whole = [Bucket(period.since, period.start, period.end)]
    if sources is None:  # a key bound to another source sees nothing of these
        return _assemble(period, days, {}, {}, {})

    async def counts() -> tuple[stored.Counts, dict[int, tuple[int, int]]]:
        async with runtime.database.costly_reads() as conn:
            return await stored.reported(conn, days, sources), await stored.moved(
                conn, days, sources
            )

    async def spans() -> stored.Spreads:
        async with runtime.database.costly_reads() as conn:
            return await stored.spreads(conn, whole, sources)

    # The counts and the spans side by side, each on a connection of its own (each statement
    # reads its own snapshot either way): the answer waits for the longer, not for both
    # (a year of 100,000 on PostgreSQL: about 0.2 s instead of 0.4, docs/RELIABILITY.md).
    with runtime.costly.admitted():
        counting, ranking = asyncio.create_task(counts()), asyncio.create_task(spans())
        try:
            await asyncio.gather(counting, ranking)
        except BaseException as failed:
            # One failed (out of time) or the request went away: the other stops too. A
            # statement out of time is what the answer says (503 statement-timeout), whichever
            # read failed first: not what cancelling the other read left of its connection.
            for task in (counting, ranking):
                task.cancel()
            outcomes = await asyncio.gather(counting, ranking, return_exceptions=True)
            timed_out = [o for o in outcomes if isinstance(o, StatementTimedOut)]
            if timed_out and isinstance(failed, Exception):
                raise timed_out[0] from None
            raise
    reported, moved = counting.result()
    ranked = ranking.result()
    return _assemble(period, days, reported, moved, ranked)


def _assemble(
    period: Period,
    days: list[Bucket],
    reported: stored.Counts,
    moved: dict[int, tuple[int, int]],
    ranked: stored.Spreads,
) -> Stats:
    by_day: Counter[tuple[int, Source]] = Counter()
    ended: Counter[Resolution] = Counter(dict.fromkeys(Resolution, 0))
    for (n, source, resolution), count in reported.items():
        by_day[(n, source)] += count
        if resolution is not None:
            ended[resolution] += count
    per_day = [
        DayStats(
            day=bucket.first_day,
            reported=sum(by_day[(n, s)] for s in Source),
            resolved=moved.get(n, (0, 0))[0],
            reported_by_source={s: by_day[(n, s)] for s in Source},
        )
        for n, bucket in enumerate(days)
    ]
    by_source = {s: sum(day.reported_by_source[s] for day in per_day) for s in Source}
    return Stats(
        period=period,
        reported=sum(by_source.values()),
        resolved=sum(r for r, _ in moved.values()),
        closed=sum(c for _, c in moved.values()),
        by_source=by_source,
        by_resolution=dict(ended),
        time_to_take=_timing(ranked, stored.TAKE, 0),
        time_to_resolve=_timing(ranked, stored.RESOLVE, 0),
        per_day=per_day,
    )


def _timing(ranked: stored.Spreads, metric: int, bucket: int) -> Timing:
    def of(source: Source | None) -> Spread:
        return ranked.get((metric, bucket, source), NOTHING)

    return Timing(overall=of(None), by_source={s: of(s) for s in Source})


async def weekly(runtime: Runtime, *, actor: Actor, period: Period) -> list[WeekTiming]:
    """The median time to take and to resolve of each week's reports in `period`."""
    require(actor, Permission.READ)
    sources = visible_sources(actor, period.sources)
    weeks = period.weeks()
    ranked: stored.Spreads = {}
    if sources is not None:
        with runtime.costly.admitted():
            async with runtime.database.costly_reads() as conn:
                ranked = await stored.spreads(conn, weeks, sources)
    return [
        WeekTiming(
            first_day=week.first_day,
            take=_timing(ranked, stored.TAKE, n).overall,
            resolve=_timing(ranked, stored.RESOLVE, n).overall,
        )
        for n, week in enumerate(weeks)
    ]


async def oldest_open(
    runtime: Runtime, *, actor: Actor, sources: tuple[Source, ...] = (), limit: int
) -> list[Waiting]:
    """The open incidents reported longest ago that `actor` may see, oldest first."""
    require(actor, Permission.READ)
    visible = visible_sources(actor, sources)
    if visible is None:
        return []
    async with runtime.database.reads() as conn:
        return await digests.oldest_open(conn, limit=limit, sources=visible)
