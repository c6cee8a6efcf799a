"""Aggregates for the overview and the digest, computed by the database: counts per day and
source, the order statistics percentiles are read from, open incidents by status."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ARRAY,
    CTE,
    BindParameter,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Subquery,
    and_,
    bindparam,
    case,
    func,
    literal,
    literal_column,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from incidents.db.tables import MOVED_TO, SPAN_COLUMNS, incident_events, incidents
from incidents.db.types import UTCDateTime
from incidents.domain.audit import EventKind
from incidents.domain.incident import Resolution, Source, Status
from incidents.domain.stats import MEDIAN, P90, Bucket, Spread, spread

# The events that move a status, and the fields they name the move by.
MOVE_KINDS = (EventKind.STATUS_CHANGED.value, EventKind.RESOLVED.value)
TO = incident_events.c.data["to"].as_string()
RESOLUTION = incident_events.c.data["resolution"].as_string()
TAKE, RESOLVE = 0, 1  # the spans measured: report to take, report to resolve

# (bucket number, source, how they ended so far or None) -> count
Counts = dict[tuple[int, Source, Resolution | None], int]
# (metric, bucket number, source or None for all) -> how long the span took
Spreads = dict[tuple[int, int, Source | None], Spread]


def _buckets(buckets: Sequence[Bucket]) -> CTE:
    """The buckets as a table (n, start, end) the statements join on."""
    rows = [
        select(
            literal(n, Integer).label("n"),
            literal(bucket.start, UTCDateTime).label("start"),
            literal(bucket.end, UTCDateTime).label("end"),
        )
        for n, bucket in enumerate(buckets)
    ]
    return (rows[0] if len(rows) == 1 else union_all(*rows)).cte("buckets")


def _edges(buckets: Sequence[Bucket]) -> BindParameter[Any]:
    """The buckets' boundaries in order (each starts where the one before ends)."""
    edges: Any = [bucket.start for bucket in buckets] + [buckets[-1].end]
    return bindparam("edges", edges, type_=ARRAY(DateTime(timezone=True)))


def _bucket_number(at: ColumnElement[Any], buckets: Sequence[Bucket]) -> ColumnElement[int]:
    """PostgreSQL: which of the buckets `at` falls in, from 0 (one binary search per row, the
    boundaries one parameter, so the statement is the same whatever the period)."""
    return (func.width_bucket(at, _edges(buckets)) - 1).label("n")


def _within(at: ColumnElement[Any], buckets: Sequence[Bucket]) -> ColumnElement[bool]:
    return and_(at >= buckets[0].start, at < buckets[-1].end)


def of_sources(sources: Sequence[Source]) -> ColumnElement[bool]:
    """Incidents of `sources` (all when empty)."""
    return incidents.c.source.in_([s.value for s in sources]) if sources else literal(True)


def _seconds(later: Any, earlier: Any) -> ColumnElement[float]:
    """SQLite: `later - earlier` in seconds (PostgreSQL stores the spans: SPAN_COLUMNS)."""
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


async def reported(
    conn: AsyncConnection, buckets: Sequence[Bucket], sources: Sequence[Source]
) -> Counts:
    """How many incidents were reported in each bucket, by source and by how they ended so
    far (None: not ended)."""
    if conn.dialect.name == "postgresql":
        n = _bucket_number(incidents.c.created_at, buckets)
        query = (
            select(n, incidents.c.source, incidents.c.resolution, func.count())
            .where(_within(incidents.c.created_at, buckets), of_sources(sources))
            .group_by(n, incidents.c.source, incidents.c.resolution)
        )
    else:
        b = _buckets(buckets)
        query = (
            select(b.c.n, incidents.c.source, incidents.c.resolution, func.count())
            .select_from(b)
            .join(
                incidents,
                and_(incidents.c.created_at >= b.c.start, incidents.c.created_at < b.c.end),
            )
            .where(of_sources(sources))
            .group_by(b.c.n, incidents.c.source, incidents.c.resolution)
        )
    return {
        (int(n), Source(source), None if resolution is None else Resolution(resolution)): int(count)
        for n, source, resolution, count in await conn.execute(query)
    }


async def moved(
    conn: AsyncConnection, buckets: Sequence[Bucket], sources: Sequence[Source]
) -> dict[int, tuple[int, int]]:
    """Per bucket: how many incidents moved to resolved, and to closed, in it."""
    if conn.dialect.name == "postgresql":
        return await _moved_postgresql(conn, buckets, sources)
    b = _buckets(buckets)
    incident = incident_events.c.incident_id
    resolved = func.count(func.distinct(case((Status.RESOLVED.value == TO, incident))))
    closed = func.count(func.distinct(case((Status.CLOSED.value == TO, incident))))
    query = (
        select(b.c.n, resolved, closed)
        .select_from(b)
        .join(
            incident_events,
            and_(incident_events.c.created_at >= b.c.start, incident_events.c.created_at < b.c.end),
        )
        .where(
            incident_events.c.kind.in_(MOVE_KINDS),
            TO.in_([Status.RESOLVED.value, Status.CLOSED.value]),
        )
        .group_by(b.c.n)
    )
    if sources:  # the incidents' source is needed only to filter by it
        query = query.join(incidents, incidents.c.id == incident).where(of_sources(sources))
    return {n: (int(r), int(c)) for n, r, c in await conn.execute(query)}


async def _moved_postgresql(
    conn: AsyncConnection, buckets: Sequence[Bucket], sources: Sequence[Source]
) -> dict[int, tuple[int, int]]:
    """The moves of each kind read from their own index (tables.MOVE_INDEXES) alone, each
    bucket's incidents counted once. An incident is closed at most once (closed is final), so
    its moves to closed need no DISTINCT and no sort."""
    found: dict[int, list[int]] = {}
    for place, (status, predicate) in enumerate(MOVED_TO.items()):
        moves = incident_events.c.incident_id
        counted = func.count() if status is Status.CLOSED else func.count(func.distinct(moves))
        n = _bucket_number(incident_events.c.created_at, buckets)
        query = (
            select(n, counted)
            .where(predicate, _within(incident_events.c.created_at, buckets))
            .group_by(n)
        )
        if sources:
            query = query.join(incidents, incidents.c.id == moves).where(of_sources(sources))
        for bucket, count in await conn.execute(query):
            found.setdefault(int(bucket), [0, 0])[place] = int(count)
    return {bucket: (resolved, closed) for bucket, (resolved, closed) in found.items()}


def _cohort(b: CTE, sources: Sequence[Source]) -> CTE:
    """The incidents reported in each bucket (bucket, id, source, created_at) with when each
    was first taken (new -> in_progress) and first resolved: kept on the incident row where
    the moves are written, so no trail is read."""
    return (
        select(
            b.c.n,
            incidents.c.id,
            incidents.c.source,
            incidents.c.created_at,
            incidents.c.first_taken_at.label("taken_at"),
            incidents.c.first_resolved_at.label("resolved_at"),
        )
        .select_from(b)
        .join(
            incidents, and_(incidents.c.created_at >= b.c.start, incidents.c.created_at < b.c.end)
        )
        .where(of_sources(sources))
        .cte("cohort")
    )


def _spans(b: CTE, sources: Sequence[Source]) -> Subquery:
    """One row per span (metric, bucket, source, seconds): report to first take, and report
    to first resolve, of each incident reported in a bucket that got there."""
    cohort = _cohort(b, sources)
    ends = {TAKE: cohort.c.taken_at, RESOLVE: cohort.c.resolved_at}
    return union_all(
        *(
            select(
                literal(metric, Integer).label("metric"),
                cohort.c.n,
                cohort.c.source,
                _seconds(end, cohort.c.created_at).label("secs"),
            )
            .select_from(cohort)
            .where(end.is_not(None))
            for metric, end in ends.items()
        )
    ).subquery("spans")


def _around(rank: Any, count: Any) -> ColumnElement[bool]:
    """Whether `rank` is one of the ranks the median and the 90th percentile are read from."""
    median = (count - 1) // 2 + 1
    p90 = (count - 1) * 9 // 10 + 1
    return rank.in_([median, median + 1, p90, p90 + 1])  # type: ignore[no-any-return]


async def spreads(
    conn: AsyncConnection, buckets: Sequence[Bucket], sources: Sequence[Source]
) -> Spreads:
    """Per metric (take, resolve) and bucket, overall and per source: how many incidents have
    the span, its median and its 90th percentile. One statement: PostgreSQL's percentile_cont;
    SQLite ranks the spans and returns those around each percentile, interpolated here."""
    if conn.dialect.name == "postgresql":
        return await _percentiles(conn, buckets, sources)
    spans = _spans(_buckets(buckets), sources)
    by_source = (spans.c.metric, spans.c.n, spans.c.source)
    overall = (spans.c.metric, spans.c.n)
    ranked = select(
        spans.c.metric,
        spans.c.n,
        spans.c.source,
        spans.c.secs,
        func.row_number().over(partition_by=by_source, order_by=spans.c.secs).label("rank_s"),
        func.count().over(partition_by=by_source).label("count_s"),
        func.row_number().over(partition_by=overall, order_by=spans.c.secs).label("rank_a"),
        func.count().over(partition_by=overall).label("count_a"),
    ).subquery("ranked")
    query = select(ranked).where(
        or_(_around(ranked.c.rank_s, ranked.c.count_s), _around(ranked.c.rank_a, ranked.c.count_a))
    )
    found: dict[tuple[int, int, Source | None], tuple[int, dict[int, float]]] = {}
    for row in await conn.execute(query):
        seconds = float(row.secs)
        for source, rank, count in (
            (Source(row.source), row.rank_s, row.count_s),
            (None, row.rank_a, row.count_a),
        ):
            _, values = found.setdefault((row.metric, row.n, source), (int(count), {}))
            values[int(rank)] = seconds
    return {key: spread(count, values) for key, (count, values) in found.items()}


async def _percentiles(
    conn: AsyncConnection, buckets: Sequence[Bucket], sources: Sequence[Source]
) -> Spreads:
    """PostgreSQL's own percentiles, per source and overall (grouping sets), in one pass over
    one row per incident: its two spans side by side, stored on the row (tables.SPAN_COLUMNS;
    an ordered-set aggregate skips NULLs), both percentiles of a span from one sort."""
    take, resolve = (
        literal_column(f"incidents.{name}", Float).label(name) for name in SPAN_COLUMNS
    )
    n = _bucket_number(incidents.c.created_at, buckets)
    spans = (
        select(n, incidents.c.source, take, resolve)
        .where(_within(incidents.c.created_at, buckets), of_sources(sources))
        .subquery("spans")
    )
    wanted = postgresql.array([MEDIAN[0] / MEDIAN[1], P90[0] / P90[1]])
    figures = []
    for column in (spans.c.take_seconds, spans.c.resolve_seconds):
        figures += [func.count(column), func.percentile_cont(wanted).within_group(column)]
    query = select(
        spans.c.n, spans.c.source, func.grouping(spans.c.source).label("overall"), *figures
    ).group_by(func.grouping_sets(tuple_(spans.c.n, spans.c.source), tuple_(spans.c.n)))
    found: Spreads = {}
    for n, source, overall, *values in await conn.execute(query):
        key_source = None if overall else Source(source)
        for metric, (count, percentiles) in ((TAKE, values[:2]), (RESOLVE, values[2:])):
            if count:  # (with none, percentile_cont is NULL)
                mid, high = percentiles
                found[(metric, n, key_source)] = Spread(int(count), _rounded(mid), _rounded(high))
    return found


def _rounded(seconds: float | None) -> float | None:
    return None if seconds is None else round(float(seconds), 3)
